package policies

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"
)

// corpus generates n policies of the shapes Closeloop's documents use —
// exact and pattern subjects, actions and resources, allow and deny, with
// and without conditions — and requests that hit and miss them.
type corpus struct {
	rng      *rand.Rand
	users    int
	policies []ladon.Policy
}

func newCorpus(seed uint64, n int) *corpus {
	c := &corpus{rng: rand.New(rand.NewPCG(seed, 7)), users: max(n/2, 4)}
	for i := range n {
		c.policies = append(c.policies, c.policy(i))
	}
	return c
}

var (
	caseTypes = []string{"complaint", "repair", "consultation", "collaboration", "media_inquiry"}
	acts      = []string{"route", "first-feedback", "resolve", "comment", "escalate", "sign", "accept", "rate"}
	roles     = []string{"agent", "cs_head", "dept_staff", "dept_head", "maintenance", "qc", "manager", "admin"}
)

func (c *corpus) pick(list []string) string { return list[c.rng.IntN(len(list))] }

func (c *corpus) policy(i int) ladon.Policy {
	p := &ladon.DefaultPolicy{ID: fmt.Sprintf("p%05d", i), Effect: ladon.AllowAccess, Conditions: ladon.Conditions{}}
	if c.rng.IntN(10) == 0 {
		p.Effect = ladon.DenyAccess
	}
	// Role-wide rules are few (60) whatever the size; the policies that
	// grow are the grants to single users.
	switch k := c.rng.IntN(10); {
	case i < 30 && k < 5:
		p.Subjects = []string{"role:<(" + c.pick(roles) + "|" + c.pick(roles) + ")>"}
	case i < 30:
		p.Subjects = []string{"user:u" + fmt.Sprint(c.rng.IntN(10)) + "<.*>"}
	case i < 60:
		p.Subjects = []string{"role:" + c.pick(roles), "user:u" + fmt.Sprint(c.rng.IntN(c.users))}
	default:
		p.Subjects = []string{"user:u" + fmt.Sprint(c.rng.IntN(c.users))}
	}
	switch c.rng.IntN(4) {
	case 0:
		p.Actions = []string{"case:act:<(" + c.pick(acts) + "|" + c.pick(acts) + ")>"}
	case 1:
		p.Actions = []string{ActionRead}
	default:
		p.Actions = []string{ActAction(c.pick(acts)), ActionRead}
	}
	switch c.rng.IntN(3) {
	case 0:
		p.Resources = []string{"case:<.*>"}
	case 1:
		p.Resources = []string{"case:" + c.pick(caseTypes) + ":<.*>"}
	default:
		p.Resources = []string{fmt.Sprintf("case:%s:TS-20261123-%04d", c.pick(caseTypes), c.rng.IntN(50))}
	}
	switch c.rng.IntN(4) {
	case 0:
		p.Conditions[CtxCaseDepartment] = &SameDepartmentCondition{}
	case 1:
		p.Conditions[CtxCaseStatus] = &StringNotInCondition{Values: []string{"closed"}}
	case 2:
		p.Conditions[CtxEscalationLevel] = &AtLeastCondition{Min: c.rng.IntN(4)}
	}
	return p
}

func (c *corpus) request() *ladon.Request {
	subject := "user:u" + fmt.Sprint(c.rng.IntN(c.users))
	if c.rng.IntN(4) == 0 {
		subject = "role:" + c.pick(roles)
	}
	action := ActionRead
	if c.rng.IntN(2) == 0 {
		action = ActAction(c.pick(acts))
	}
	depts := []string{"property", "engineering"}
	return &ladon.Request{Subject: subject, Action: action,
		Resource: fmt.Sprintf("case:%s:TS-20261123-%04d", c.pick(caseTypes), c.rng.IntN(50)),
		Context: ladon.Context{CtxUserDepartment: c.pick(depts), CtxCaseDepartment: c.pick(depts),
			CtxCaseStatus: c.pick([]string{"routed", "closed"}), CtxEscalationLevel: c.rng.IntN(4)}}
}

func wardens(t testing.TB, ps []ladon.Policy) (mem, idx *ladon.Ladon) {
	t.Helper()
	mm := memory.NewMemoryManager()
	ix := NewIndex()
	for _, p := range ps {
		if err := mm.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if err := ix.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	return &ladon.Ladon{Manager: mm, AuditLogger: quietAudit{}, Metric: quietMetric{}},
		&ladon.Ladon{Manager: ix, Matcher: ix, AuditLogger: quietAudit{}, Metric: quietMetric{}}
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
			c := newCorpus(uint64(n), n)
			mem, idx := wardens(t, c.policies)
			counts := map[string]int{}
			for range 3000 {
				r := c.request()
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
		c := newCorpus(42, n)
		mem, idx := wardens(b, c.policies)
		reqs := make([]*ladon.Request, 1024)
		for i := range reqs {
			reqs[i] = c.request()
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
