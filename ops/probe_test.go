package ops

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 17: /readyz answers 503 with the reason while a write fails (a full
// disk, a lost database, a write that hangs) and 200 once writes go
// through again, with no restart.
func TestReadyzFailsWhileWritesFailAndRecovers(t *testing.T) {
	var full atomic.Bool
	p := &WriteProbe{Timeout: 50 * time.Millisecond, Checks: []WriteCheck{
		{Name: "data directory /data", Write: func(context.Context) error {
			if full.Load() {
				return errors.New("write /data/.write-probe-1: no space left on device")
			}
			return nil
		}},
		{Name: "archive", Write: func(ctx context.Context) error { return nil }},
	}}
	h := Handler(p.Err, nil, nil)
	readyz := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	p.Probe(context.Background())
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("writable: %d %s", code, body)
	}
	full.Store(true)
	p.Probe(context.Background())
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "data directory /data cannot write") || !strings.Contains(body, "no space left") {
		t.Errorf("disk full: %d %s, want 503 naming the directory and why", code, body)
	}
	full.Store(false)
	p.Probe(context.Background())
	if code, body := readyz(); code != http.StatusOK {
		t.Errorf("disk freed: %d %s, want 200", code, body)
	}
	// A database that no longer answers fails the check too.
	p.Checks[1].Write = func(ctx context.Context) error { <-ctx.Done(); time.Sleep(time.Second); return nil }
	began := time.Now()
	p.Probe(context.Background())
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "archive cannot write: no answer") || time.Since(began) > 500*time.Millisecond {
		t.Errorf("hung archive: %v after %s", err, time.Since(began))
	}
}

// DirWriter fails where no file can be written, and leaves nothing behind.
func TestDirWriter(t *testing.T) {
	dir := t.TempDir()
	if err := DirWriter(dir)(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("probe files left: %v", left)
	}
	if err := DirWriter(filepath.Join(dir, "missing"))(context.Background()); err == nil {
		t.Error("no error writing into a missing directory")
	}
}
