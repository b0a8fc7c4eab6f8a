package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ory/ladon"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// complaintForm is the example complaint (forms/examples/complaint.json):
// by phone, with an e-mail address, for the property department.
const complaintForm = `{
  "complainant_name": "张伟", "complainant_unit": "浦东花园小区3号楼", "phone": "13812345678",
  "email": "zhang.wei@example.com", "language": "zh-CN", "recorder": "agent01",
  "content": "大堂天花板漏水，已经两次报修（11月10日和11月17日），至今仍未修好，地面湿滑，老人和小孩容易摔倒。",
  "demand": "请在3天内修好漏水，并说明为何两次报修都没有处理。", "content_confirmed": true,
  "channel": "phone", "region": "Shanghai-Pudong", "priority": "normal", "department": "property",
  "recording_ref": "rec-20261123-0815", "nature": "service"}`

// The demo users the API paths run as.
const (
	agent = "agent01"        // registers cases
	staff = "staff.property" // works on the property department's cases
)

// pool is how many cases (and bare workflows) there are per client for
// the update figures, so no case's timeline grows without end.
const pool = 16

// register registers the example complaint through the API.
func (b *bench) register(ctx context.Context) (string, error) {
	var v struct {
		No string `json:"no"`
	}
	if err := b.p.call(ctx, agent, http.MethodPost, "/api/v1/complaints", []byte(complaintForm), &v); err != nil {
		return "", err
	}
	return v.No, nil
}

// starts measures figure 1, a bare no-op workflow start, against
// figure 2, a complaint registered through the API.
func (b *bench) starts(ctx context.Context) error {
	clients := b.cfg.Clients
	b.progress("figure 1: bare no-op workflow starts, %d clients, %s", clients, b.cfg.Duration)
	var bare result
	err := b.measure(ctx, "fig1-bare-start", func() error {
		bare = load(ctx, clients, b.cfg.Duration, 0, func(ctx context.Context, _, i int) error {
			_, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-noop-%d", i), TaskQueue: baselineQueue}, noopName)
			return err
		})
		return bare.ok("bare start")
	})
	if err != nil {
		return err
	}
	b.startRate = bare.perSecond()
	// The engine indexes each finished no-op after its close: let it
	// catch up, or figure 2 pays for figure 1's index writes.
	if err := b.indexed(ctx, fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Completed'", noopName), int64(len(bare.lat))); err != nil {
		return err
	}

	b.progress("figure 2: complaint registration through the API, %d clients, %s", clients, b.cfg.Duration)
	var mu sync.Mutex
	var reg result
	err = b.measure(ctx, "fig2-registration", func() error {
		reg = load(ctx, clients, b.cfg.Duration, 0, func(ctx context.Context, _, _ int) error {
			no, err := b.register(ctx)
			if err == nil {
				mu.Lock()
				b.complaints = append(b.complaints, no)
				mu.Unlock()
			}
			return err
		})
		return reg.ok("registration")
	})
	if err != nil {
		return err
	}
	// Where a registration's time goes: its first engine calls alone, at
	// the same concurrency (the bench's own starter, on the same engine).
	s := &starter.Service{Client: b.c, Location: b.p.cfg.TimeZone, Converter: b.p.converter}
	if err := b.settle(ctx); err != nil {
		return err
	}
	number := load(ctx, clients, b.cfg.Duration/3, 0, func(ctx context.Context, _, _ int) error {
		_, err := s.NextNumber(ctx, workflows.PrefixComplaint, time.Now())
		return err
	})
	if err := number.ok("case numbers"); err != nil {
		return err
	}
	// The case's start, then the query for it, timed apart.
	var starts, queries result
	var mu2 sync.Mutex
	if err := b.settle(ctx); err != nil {
		return err
	}
	startQuery := load(ctx, clients, b.cfg.Duration/3, 0, func(ctx context.Context, _, i int) error {
		no := seedNo(workflows.PrefixComplaint, 300_000+i)
		t := time.Now()
		if err := b.seedComplaint(ctx, no); err != nil {
			return err
		}
		started := time.Since(t)
		if _, err := s.Case(ctx, no); err != nil {
			return err
		}
		mu2.Lock()
		defer mu2.Unlock()
		starts.lat = append(starts.lat, started)
		queries.lat = append(queries.lat, time.Since(t)-started)
		return nil
	})
	if err := startQuery.ok("case starts"); err != nil {
		return err
	}
	slices.Sort(starts.lat)
	slices.Sort(queries.lat)
	b.table.note("figure 2: a registration makes four engine calls one after the other: the case number (start-or-join the day's "+
		"sequence workflow, then an Update on it, which every client shares), the case's start, and a query for the case, answered "+
		"once its first workflow task has run. Each alone, at %d clients, p50 / p99: the case number %s / %s (%.0f/s); the start %s / %s; "+
		"the query after it %s / %s",
		clients, ms(number.p(0.5)), ms(number.p(0.99)), number.perSecond(), ms(starts.p(0.5)), ms(starts.p(0.99)),
		ms(queries.p(0.5)), ms(queries.p(0.99)))
	thr := ratio(reg.perSecond(), bare.perSecond())
	b.table.add(Row{Figure: 1, What: fmt.Sprintf("bare no-op workflow start, %d clients (baseline): throughput; p50 / p99", clients),
		Baseline: fmt.Sprintf("%.0f/s; %s / %s", bare.perSecond(), ms(bare.p(0.5)), ms(bare.p(0.99)))})
	b.table.add(Row{Figure: 2, What: fmt.Sprintf("complaint registration through the API, %d clients: throughput", clients),
		Closeloop: fmt.Sprintf("%.0f/s", reg.perSecond()), Baseline: fmt.Sprintf("%.0f/s", bare.perSecond()),
		Ratio: thr, Target: "≥ 0.8×", Result: verdict(thr >= 0.8)})
	b.table.add(Row{Figure: 2, What: "… its latency p50 / p99",
		Closeloop: ms(reg.p(0.5)) + " / " + ms(reg.p(0.99)), Baseline: ms(bare.p(0.5)) + " / " + ms(bare.p(0.99)),
		Ratio: ratio(reg.p(0.5), bare.p(0.5))})
	return nil
}

// updates measures figure 3, a bare Update on an empty handler, against
// figure 4, a staff action (a comment) through the API, at 1 and at
// Clients concurrent users, each on its own set of cases.
func (b *bench) updates(ctx context.Context) error {
	clients := b.cfg.Clients
	// Enough cases that each user has its own pool (numbered after the
	// open cases of figure 8).
	for i := b.cfg.Open; len(b.complaints) < clients*pool; i++ {
		no := seedNo(workflows.PrefixComplaint, i)
		if err := b.seedComplaint(ctx, no); err != nil {
			return err
		}
		b.complaints = append(b.complaints, no)
	}
	ids := make([]string, clients*pool)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-update-%d", i)
		if _, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: baselineQueue}, updateName); err != nil {
			return err
		}
	}
	// Every run spreads its calls over all clients × pool cases and
	// workflows, each client on its own share: at 1 user as at 8, a case's
	// timeline grows by about as many comments, as a real case's would.
	bareUpdate := func(n int) func(context.Context, int, int) error {
		next, share := make([]int, n), len(ids)/n
		return func(ctx context.Context, c, _ int) error {
			id := ids[c*share+next[c]%share]
			next[c]++
			h, err := b.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: emptyUpdate,
				WaitForStage: client.WorkflowUpdateStageCompleted})
			if err != nil {
				return err
			}
			return h.Get(ctx, nil)
		}
	}
	body := []byte(`{"text": "called the customer back; plumber booked for 14:00"}`)
	staffAction := func(n int) func(context.Context, int, int) error {
		next, share := make([]int, n), clients*pool/n
		return func(ctx context.Context, c, _ int) error {
			no := b.complaints[c*share+next[c]%share]
			next[c]++
			return b.p.call(ctx, staff, http.MethodPost, "/api/v1/cases/"+no+"/actions/comment", body, nil)
		}
	}
	type pair struct{ bare, api result }
	runs := map[int]*pair{}
	for _, n := range []int{1, clients} {
		r := &pair{}
		runs[n] = r
		b.progress("figure 3: bare empty Update, %d client(s), %s", n, b.cfg.Duration)
		err := b.measure(ctx, fmt.Sprintf("fig3-bare-update-%d", n), func() error {
			r.bare = load(ctx, n, b.cfg.Duration, 0, bareUpdate(n))
			return r.bare.ok("bare update")
		})
		if err != nil {
			return err
		}
		b.progress("figure 4: staff action through the API, %d user(s), %s", n, b.cfg.Duration)
		err = b.measure(ctx, fmt.Sprintf("fig4-staff-action-%d", n), func() error {
			r.api = load(ctx, n, b.cfg.Duration, 0, staffAction(n))
			return r.api.ok("staff action")
		})
		if err != nil {
			return err
		}
	}
	// A staff action reads the case's search attributes (a describe)
	// before its Update: that read alone, at the same concurrency.
	s := &starter.Service{Client: b.c, Location: b.p.cfg.TimeZone, Converter: b.p.converter}
	if err := b.settle(ctx); err != nil {
		return err
	}
	read := load(ctx, clients, b.cfg.Duration/3, 0, func(ctx context.Context, _, i int) error {
		_, err := s.Summary(ctx, b.complaints[i%len(b.complaints)])
		return err
	})
	if err := read.ok("case describes"); err != nil {
		return err
	}
	b.table.note("figure 4: a staff action describes the case's workflow (its search attributes: department, status, escalation, "+
		"for the access decision), then sends the Update; the describe alone, at %d clients: p50 %s, p99 %s", clients, ms(read.p(0.5)), ms(read.p(0.99)))
	for _, n := range []int{1, clients} {
		r := runs[n]
		b.table.add(Row{Figure: 3, What: fmt.Sprintf("bare Update on an empty handler, %d client(s) (baseline): p50 / p99", n),
			Baseline: ms(r.bare.p(0.5)) + " / " + ms(r.bare.p(0.99))})
	}
	for _, n := range []int{1, clients} {
		r := runs[n]
		p50 := ratio(r.api.p(0.5), r.bare.p(0.5))
		b.table.add(Row{Figure: 4, What: fmt.Sprintf("staff action (comment) through the API, %d user(s): p50", n),
			Closeloop: ms(r.api.p(0.5)), Baseline: ms(r.bare.p(0.5)), Ratio: p50, Target: "≤ 1.5×", Result: verdict(p50 <= 1.5)})
	}
	r := runs[clients]
	b.table.add(Row{Figure: 4, What: fmt.Sprintf("… p99, %d users", clients), Closeloop: ms(r.api.p(0.99)), Baseline: ms(r.bare.p(0.99)),
		Ratio: ratio(r.api.p(0.99), r.bare.p(0.99)), Target: "≤ 50 ms", Result: verdict(r.api.p(0.99) <= 50*time.Millisecond)})
	b.table.note("figures 3, 4: throughput at 1 and %d clients: bare Update %.0f/s and %.0f/s, staff action %.0f/s and %.0f/s",
		clients, runs[1].bare.perSecond(), r.bare.perSecond(), runs[1].api.perSecond(), r.api.perSecond())
	return nil
}

// decisions measures figure 7: one access decision at Policies generated
// policies, through the Index and through ladon's MemoryManager.
func (b *bench) decisions(ctx context.Context) error {
	b.progress("figure 7: authorization decisions at %d policies", b.cfg.Policies)
	c := policies.NewCorpus(42, b.cfg.Policies)
	mem, idx, err := policies.Wardens(c.Policies)
	if err != nil {
		return err
	}
	reqs := make([]*ladon.Request, 1024)
	for i := range reqs {
		reqs[i] = c.Request()
	}
	decide := func(n int, isAllowed func(context.Context, int) error) result {
		return load(ctx, 1, 0, n, func(ctx context.Context, _, i int) error {
			_ = isAllowed(ctx, i) // a denial is a decision too
			return nil
		})
	}
	indexed := func(ctx context.Context, i int) error { return idx.IsAllowed(ctx, reqs[i%len(reqs)]) }
	// Warm up first (caches, the heap's size), as BenchmarkDecision's
	// many iterations do.
	_ = decide(20_000, indexed)
	fast := decide(100_000, indexed)
	// ladon's own manager hands every policy to every decision: far fewer
	// samples give as steady a figure.
	slow := decide(max(200, 2_000_000/max(b.cfg.Policies, 1)), func(ctx context.Context, i int) error {
		return mem.IsAllowed(ctx, reqs[i%len(reqs)])
	})
	b.table.add(Row{Figure: 7, What: fmt.Sprintf("authorization decision at %d policies: p99 (mean) (baseline: ladon's MemoryManager)", b.cfg.Policies),
		Closeloop: fmt.Sprintf("%s (%s)", us(fast.p(0.99)), us(fast.mean())),
		Baseline:  fmt.Sprintf("%s (%s)", us(slow.p(0.99)), us(slow.mean())), Ratio: ratio(fast.p(0.99), slow.p(0.99)),
		Target: "≤ 10 µs", Result: verdict(fast.p(0.99) <= 10*time.Microsecond)})
	return nil
}

// us formats a latency in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

// lagRow adds figure 5 from the lags of the bare timers and the reminders.
func (b *bench) lagRow(bare, reminders []time.Duration, fired int) {
	slices.Sort(bare)
	slices.Sort(reminders)
	q := func(l []time.Duration, p float64) time.Duration { return result{lat: l}.p(p) }
	b.table.add(Row{Figure: 5, What: fmt.Sprintf("timer lag, %d reminders due within %s: p99 (p50)", b.cfg.Timers, b.cfg.TimerWindow),
		Closeloop: fmt.Sprintf("%s (%s)", ms(q(reminders, 0.99)), ms(q(reminders, 0.5))),
		Baseline:  fmt.Sprintf("%s (%s)", ms(q(bare, 0.99)), ms(q(bare, 0.5))),
		Ratio:     ratio(q(reminders, 0.99), q(bare, 0.99)), Target: "≤ 2 s",
		Result: verdict(fired == b.cfg.Timers && q(reminders, 0.99) <= 2*time.Second)})
	if fired != b.cfg.Timers {
		b.table.note("figure 5: only %d of %d reminders fired in time to be measured", fired, b.cfg.Timers)
	}
}
