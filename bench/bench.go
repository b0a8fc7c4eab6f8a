// Package bench measures Closeloop against the bare engine it runs on, in
// one process and one run: the product (app.Run: embedded engine, worker,
// HTTP API) on a fresh data directory, and bare workflows on their own
// task queue and worker against the same engine. Each figure is printed
// with its baseline, the ratio and the target (`closeloop bench`).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
)

// Config sizes a run; Defaults are the sizes of the issue.
type Config struct {
	Clients     int           // concurrent clients and users
	Duration    time.Duration // length of each throughput and latency run
	Open        int           // open cases for the inbox list and memory (figures 6, 8)
	Archived    int           // archived cases for the inbox list (figure 6)
	Timers      int           // reminders falling due together (figure 5)
	TimerWindow time.Duration // ... within this window
	Policies    int           // access policies for the decision (figure 7)
	// CPUProfileDir, when set, receives a CPU profile of each API path and
	// of its bare baseline (figures 1–4).
	CPUProfileDir string
	// DataDir keeps the product's data there; empty means a temporary
	// directory removed afterwards.
	DataDir  string
	Log      *slog.Logger // the product's and the SDK's log
	Progress io.Writer    // a line per step; nil for none
}

// Defaults are the sizes the issue asks for.
func Defaults() Config {
	return Config{Clients: 8, Duration: 8 * time.Second, Open: 10_000, Archived: 100_000, Timers: 1_000,
		TimerWindow: time.Minute, Policies: 10_000}
}

// bench is one run in progress.
type bench struct {
	cfg        Config
	p          *product
	c          client.Client // the bench's own client, on the product's engine
	table      *Table
	complaints []string // case numbers registered so far, for staff actions
	startRate  float64  // bare starts per second (figure 1)
	seedRate   float64  // open cases started per second (figure 8)
}

// Run measures every figure and returns the table.
func Run(ctx context.Context, cfg Config) (*Table, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	dir := cfg.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "closeloop-bench-")
		if err != nil {
			return nil, err
		}
		defer func() { _ = os.RemoveAll(tmp) }()
		dir = tmp
	}
	if cfg.CPUProfileDir != "" {
		if err := os.MkdirAll(cfg.CPUProfileDir, 0o750); err != nil {
			return nil, err
		}
	}
	// The SDK's workflow cache is one per process, shared by the product's
	// worker and the baseline's: size it so that neither set of open
	// workflows evicts the other (the product alone keeps its default of
	// 10,000).
	sdkworker.SetStickyWorkflowCacheSize(max(10_000, 2*cfg.Open+2*cfg.Timers+5_000))

	b := &bench{cfg: cfg, table: newTable()}
	b.table.Load[0] = loadAverage()
	// Figure 7 first, while nothing else runs in the process: it is the
	// one figure in microseconds.
	if err := b.decisions(ctx); err != nil {
		b.table.Took = time.Since(b.table.Started)
		return b.table, err
	}
	ctx, stop := context.WithCancel(ctx)
	b.progress("starting closeloop (embedded engine, worker, API) in %s", dir)
	p, err := startProduct(ctx, dir, cfg.Clients, cfg.Log)
	if err != nil {
		stop()
		return nil, err
	}
	b.p = p
	defer func() {
		stop()
		if err := <-p.done; err != nil && !errors.Is(err, context.Canceled) {
			cfg.Log.Warn("closeloop stopped", "error", err)
		}
	}()
	if b.c, err = p.dial(cfg.Log); err != nil {
		return nil, err
	}
	defer b.c.Close()
	w := newBaselineWorker(b.c)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("baseline worker: %w", err)
	}
	defer w.Stop()

	for _, step := range []func(context.Context) error{
		b.starts,       // figures 1, 2
		b.updates,      // figures 3, 4
		b.openAndInbox, // figures 8, 6
		b.timers,       // figure 5, among the open cases
	} {
		if err = step(ctx); err != nil {
			break
		}
	}
	// A failed step still leaves the figures measured before it.
	b.table.Load[1] = loadAverage()
	b.table.Took = time.Since(b.table.Started)
	slices.SortStableFunc(b.table.Rows, func(x, y Row) int { return x.Figure - y.Figure })
	return b.table, err
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.cfg.Progress, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// measure runs f once the engine has caught up with what came before,
// under the CPU profiler when profiles were asked for.
func (b *bench) measure(ctx context.Context, name string, f func() error) error {
	if err := b.settle(ctx); err != nil {
		return err
	}
	if b.cfg.CPUProfileDir == "" {
		return f()
	}
	file, err := os.Create(filepath.Join(b.cfg.CPUProfileDir, name+".pprof"))
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		_ = file.Close()
		return err
	}
	ferr := f()
	pprof.StopCPUProfile()
	if err := file.Close(); err != nil && ferr == nil {
		return err
	}
	return ferr
}
