package archive

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/closeloop/closeloop/workflows"
)

// Issue 17, state budget: the timeline entries a case drops from its state
// are appended to the archive by their number in the whole timeline; a
// retried append adds nothing twice, and they page back in order.
func TestEvents_AppendIdempotentAndPage(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
		entry := func(i int) workflows.Event {
			e := workflows.Event{At: at.Add(time.Duration(i) * time.Minute), Actor: "prop.li", Kind: "comment", Message: fmt.Sprintf("comment %d", i)}
			if i%2 == 0 {
				e.Fields = map[string]string{"notice": fmt.Sprintf("n%d", i)}
			}
			return e
		}
		batch := func(from, n int) []workflows.Event {
			out := make([]workflows.Event, n)
			for i := range out {
				out[i] = entry(from + i)
			}
			return out
		}
		if err := s.AppendEvents(ctx, "TS-20261123-0001", 0, batch(0, 50)); err != nil {
			t.Fatal(err)
		}
		// A retry of the first batch, and one that overlaps the next.
		if err := s.AppendEvents(ctx, "TS-20261123-0001", 0, batch(0, 50)); err != nil {
			t.Fatalf("retried append: %v", err)
		}
		if err := s.AppendEvents(ctx, "TS-20261123-0001", 40, batch(40, 60)); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendEvents(ctx, "TS-20261123-0002", 0, batch(0, 3)); err != nil {
			t.Fatal(err)
		}
		var all []workflows.Event
		for offset := 0; ; offset += 30 {
			page, err := s.Events(ctx, "TS-20261123-0001", offset, 30)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
		}
		if len(all) != 100 {
			t.Fatalf("paged %d entries, want 100 (each once)", len(all))
		}
		for i, e := range all {
			want := entry(i)
			if !e.At.Equal(want.At) || e.Message != want.Message || e.Actor != want.Actor || e.Fields["notice"] != want.Fields["notice"] {
				t.Fatalf("entry %d is %+v, want %+v", i, e, want)
			}
		}
	})
}
