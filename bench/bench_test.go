package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A tiny run measures every figure; the numbers themselves are the
// machine's business, not the test's.
func TestRunReportsEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole product")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	table, err := Run(ctx, Config{Clients: 2, Duration: 500 * time.Millisecond, Open: 10, Archived: 20,
		Timers: 5, TimerWindow: time.Second, Policies: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, r := range table.Rows {
		seen[r.Figure] = true
		if !strings.ContainsAny(r.Closeloop+r.Baseline, "0123456789") {
			t.Errorf("figure %d %q has no number: %+v", r.Figure, r.What, r)
		}
		if r.Target != "" && r.Result != "pass" && r.Result != "FAIL" {
			t.Errorf("figure %d %q has a target but no result", r.Figure, r.What)
		}
	}
	for f := 1; f <= 8; f++ {
		if !seen[f] {
			t.Errorf("figure %d is missing", f)
		}
	}
	var out bytes.Buffer
	table.Print(&out)
	if !strings.Contains(out.String(), "| # | figure | Closeloop | baseline | ratio | target | result |") {
		t.Errorf("no table header in\n%s", out.String())
	}
	t.Log("\n" + out.String())
}
