package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// WriteProbe keeps asking whether the process can still write where its
// cases live (the data directory, the archive), so that /readyz answers 503
// with the reason on a full disk or a lost database, and 200 again once the
// writes succeed — nobody has to restart anything (issue 17).
type WriteProbe struct {
	Checks   []WriteCheck
	Interval time.Duration // between rounds; default 2s
	Timeout  time.Duration // per check; a hung write fails it; default 5s

	mu  sync.Mutex
	err error
}

// WriteCheck is one place to write to.
type WriteCheck struct {
	Name  string
	Write func(context.Context) error
}

// Err is the failure of the last round, nil when every write went through.
func (p *WriteProbe) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Run probes until ctx ends, the first round at once.
func (p *WriteProbe) Run(ctx context.Context) {
	interval := p.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	for {
		p.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Probe runs one round of checks.
func (p *WriteProbe) Probe(ctx context.Context) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var errs []error
	for _, c := range p.Checks {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		done := make(chan error, 1)
		go func() { done <- c.Write(cctx) }()
		var err error
		select {
		case err = <-done:
		case <-cctx.Done():
			err = fmt.Errorf("no answer in %s", timeout)
		}
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s cannot write: %w", c.Name, err))
		}
	}
	p.mu.Lock()
	p.err = errors.Join(errs...)
	p.mu.Unlock()
}

// DirWriter writes and syncs a small file in dir and removes it: the
// engine's database, the mail ledger and the outbox share that disk.
func DirWriter(dir string) func(context.Context) error {
	return func(context.Context) error {
		f, err := os.CreateTemp(dir, ".write-probe-*")
		if err != nil {
			return err
		}
		defer func() { _ = os.Remove(f.Name()) }()
		// A page's worth: a full filesystem still creates an empty file.
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	}
}
