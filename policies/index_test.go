package policies

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ory/ladon"
)

func wardens(t testing.TB, ps []ladon.Policy) (mem, idx *ladon.Ladon) {
	t.Helper()
	mem, idx, err := Wardens(ps)
	if err != nil {
		t.Fatal(err)
	}
	return mem, idx
}

func decision(err error) string {
	switch {
	case err == nil:
		return "allow"
	case errors.Is(err, ladon.ErrRequestForcefullyDenied):
		return "deny (policy)"
	case errors.Is(err, ladon.ErrRequestDenied):
		return "deny (no policy)"
	}
	return "error: " + err.Error()
}

// The index decides exactly as ladon's MemoryManager on every request of a
// generated corpus, at several sizes.
func TestIndexDecidesAsMemoryManager(t *testing.T) {
	for _, n := range []int{10, 100, 1000, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := NewCorpus(uint64(n), n)
			mem, idx := wardens(t, c.Policies)
			counts := map[string]int{}
			for range 3000 {
				r := c.Request()
				want, got := decision(mem.IsAllowed(context.Background(), r)), decision(idx.IsAllowed(context.Background(), r))
				if want != got {
					t.Fatalf("%+v: index says %s, MemoryManager says %s", r, got, want)
				}
				counts[want]++
			}
			// The corpus must exercise every outcome, or the test proves little
			// (10 policies are too few to hold a matching deny).
			for _, d := range []string{"allow", "deny (policy)", "deny (no policy)"} {
				if counts[d] == 0 && n >= 100 {
					t.Errorf("no request ended %q: %v", d, counts)
				}
			}
		})
	}
}

func TestIndexManagerOperations(t *testing.T) {
	ctx := context.Background()
	x := NewIndex()
	p := &ladon.DefaultPolicy{ID: "a", Subjects: []string{"role:agent"}, Actions: []string{ActionRead}, Resources: []string{"case:<.*>"}, Effect: ladon.AllowAccess}
	if err := x.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := x.Create(ctx, p); err == nil {
		t.Error("a second policy with the same ID was accepted")
	}
	bad := &ladon.DefaultPolicy{ID: "b", Subjects: []string{"role:<(>"}, Actions: []string{ActionRead}, Resources: []string{"x"}, Effect: ladon.AllowAccess}
	if err := x.Create(ctx, bad); err == nil {
		t.Error("a policy with a broken pattern was accepted")
	}
	r := &ladon.Request{Subject: "role:agent", Action: ActionRead, Resource: "case:complaint:TS-20261123-0001"}
	if got, _ := x.FindRequestCandidates(ctx, r); len(got) != 1 {
		t.Fatalf("candidates %v", got)
	}
	p2 := &ladon.DefaultPolicy{ID: "a", Subjects: []string{"role:qc"}, Actions: []string{ActionRead}, Resources: []string{"case:<.*>"}, Effect: ladon.AllowAccess}
	if err := x.Update(ctx, p2); err != nil {
		t.Fatal(err)
	}
	if got, _ := x.FindRequestCandidates(ctx, r); len(got) != 0 {
		t.Fatalf("candidates after update %v", got)
	}
	if got, _ := x.FindPoliciesForSubject(ctx, "role:qc"); len(got) != 1 {
		t.Fatalf("policies for qc %v", got)
	}
	if got, _ := x.FindPoliciesForResource(ctx, "case:repair:BX-20261123-0001"); len(got) != 1 {
		t.Fatalf("policies for resource %v", got)
	}
	if all, _ := x.GetAll(ctx, 10, 0); len(all) != 1 {
		t.Fatalf("all %v", all)
	}
	if err := x.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Get(ctx, "a"); err == nil {
		t.Error("deleted policy still there")
	}
}

// BenchmarkDecision compares one decision through ladon's MemoryManager
// and through the index, side by side at 10 to 10,000 policies, and
// reports each one's 99th-percentile latency (target at 10,000: ≤ 10 µs).
func BenchmarkDecision(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		c := NewCorpus(42, n)
		mem, idx := wardens(b, c.Policies)
		reqs := make([]*ladon.Request, 1024)
		for i := range reqs {
			reqs[i] = c.Request()
		}
		for _, w := range []struct {
			name   string
			warden *ladon.Ladon
		}{{"memory", mem}, {"index", idx}} {
			b.Run(fmt.Sprintf("policies=%d/%s", n, w.name), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					start := time.Now()
					_ = w.warden.IsAllowed(ctx, reqs[i%len(reqs)])
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(lat)
				if len(lat) > 0 {
					b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
				}
			})
		}
	}
}
