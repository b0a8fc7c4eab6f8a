package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A tiny search run measures every kind of query beside its baseline; the
// numbers are the machine's business, not the test's.
func TestSearchReportsEveryQuery(t *testing.T) {
	table, err := Search(context.Background(), SearchConfig{Cases: 3000, Clients: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 8 {
		t.Errorf("%d rows, want one per kind of query (8)", len(table.Rows))
	}
	for _, r := range table.Rows {
		if r.Figure != 9 || !strings.ContainsAny(r.Closeloop, "0123456789") || !strings.ContainsAny(r.Baseline, "0123456789") ||
			(r.Result != "pass" && r.Result != "FAIL") {
			t.Errorf("row %+v lacks a figure, a baseline or a result", r)
		}
	}
	var out bytes.Buffer
	table.Print(&out)
	t.Log("\n" + out.String())
}
