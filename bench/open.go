package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// openAndInbox fills the archive, measures the heap with Open bare open
// workflows and then with Open open cases (figure 8), and lists the
// inbox of a department user among them (figure 6).
func (b *bench) openAndInbox(ctx context.Context) error {
	if err := b.fillArchive(ctx); err != nil {
		return err
	}
	n := b.cfg.Open
	if err := b.settle(ctx); err != nil {
		return err
	}
	heap0, rss0 := liveHeap(), rss()

	b.progress("figure 8: %d bare open workflows", n)
	open := load(ctx, b.cfg.Clients, 0, n, func(ctx context.Context, _, i int) error {
		id := fmt.Sprintf("bench-open-%d", i)
		if _, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: baselineQueue}, openName); err != nil {
			return err
		}
		// Answered once its first task ran: it is then in the worker's cache.
		_, err := b.c.QueryWorkflow(ctx, id, "", readyQuery)
		return err
	})
	if err := open.ok("bare open workflows"); err != nil {
		return err
	}
	if err := b.settle(ctx); err != nil {
		return err
	}
	heap1, rss1 := liveHeap(), rss()

	b.progress("figure 8: %d open complaints registered through the API", n)
	reg := load(ctx, b.cfg.Clients, 0, n, func(ctx context.Context, _, _ int) error {
		_, err := b.register(ctx)
		return err
	})
	if err := reg.ok("open cases"); err != nil {
		return err
	}
	if err := b.settle(ctx); err != nil {
		return err
	}
	heap2, rss2 := liveHeap(), rss()
	b.table.add(Row{Figure: 8, What: fmt.Sprintf("memory: live heap added by %d open cases, worker cache warm (baseline: %d bare open workflows)", n, n),
		Closeloop: mib(heap2 - heap1), Baseline: mib(heap1 - heap0), Ratio: ratio(heap2-heap1, heap1-heap0)})
	b.table.note("figure 8: the whole process (engine, worker, API) had %s live heap and %s RSS before, %s / %s with the bare workflows, %s / %s with the cases too",
		mib(heap0), mib(rss0), mib(heap1), mib(rss1), mib(heap2), mib(rss2))
	b.table.note("figure 8: registering the %d open cases through the API took %s (%.0f/s, p50 %s, p99 %s)",
		n, reg.elapsed.Round(time.Second), reg.perSecond(), ms(reg.p(0.5)), ms(reg.p(0.99)))
	return b.inbox(ctx)
}

// inbox measures figure 6: a department user's case list through the API
// against the same visibility query sent straight to the engine.
func (b *bench) inbox(ctx context.Context) error {
	q, err := starter.Filter{Scope: starter.Scope{Departments: []string{"property"}}}.Query()
	if err != nil {
		return err
	}
	b.progress("figure 6: inbox list, %d users, %s", b.cfg.Clients, b.cfg.Duration)
	bare := load(ctx, b.cfg.Clients, b.cfg.Duration, 0, func(ctx context.Context, _, _ int) error {
		_, err := b.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 50})
		return err
	})
	if err := bare.ok("bare list"); err != nil {
		return err
	}
	api := load(ctx, b.cfg.Clients, b.cfg.Duration, 0, func(ctx context.Context, _, _ int) error {
		var page struct {
			Cases []starter.Summary `json:"cases"`
		}
		if err := b.p.call(ctx, staff, http.MethodGet, "/api/v1/cases", nil, &page); err != nil {
			return err
		}
		if len(page.Cases) == 0 {
			return fmt.Errorf("the inbox is empty")
		}
		return nil
	})
	if err := api.ok("inbox list"); err != nil {
		return err
	}
	b.table.add(Row{Figure: 6, What: fmt.Sprintf("inbox list (first page of 50) of a department user, %d users, %d open + %d archived cases: p95 (p50)",
		b.cfg.Clients, b.cfg.Open, b.cfg.Archived),
		Closeloop: fmt.Sprintf("%s (%s)", ms(api.p(0.95)), ms(api.p(0.5))),
		Baseline:  fmt.Sprintf("%s (%s)", ms(bare.p(0.95)), ms(bare.p(0.5))),
		Ratio:     ratio(api.p(0.95), bare.p(0.95)), Target: "≤ 100 ms", Result: verdict(api.p(0.95) <= 100*time.Millisecond)})
	b.table.note("figure 6: the baseline sends the list's visibility query (%s) straight to the engine", q)
	return nil
}

// fillArchive writes Archived closed complaints straight into the archive
// store, as their workflows would have before the engine forgot them.
func (b *bench) fillArchive(ctx context.Context) error {
	b.progress("figure 6: %d archived cases into the archive", b.cfg.Archived)
	store, err := archive.Open(ctx, "", b.p.cfg.ArchiveFile())
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	var form forms.Complaint
	if err := json.Unmarshal([]byte(complaintForm), &form); err != nil {
		return err
	}
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range b.cfg.Archived {
		// 300 cases a day, half of them for each department.
		opened := start.Add(time.Duration(i/300)*24*time.Hour + time.Duration(i%300)*time.Minute)
		closed := opened.Add(50 * time.Hour)
		f := form
		f.RegisteredAt, f.IntakeAt = opened, opened
		f.Department = []string{"property", "engineering"}[i%2]
		v := workflows.CaseView{No: fmt.Sprintf("TS-%s-%04d", opened.Format("20060102"), i%300+1), Type: workflows.TypeComplaint,
			Status: workflows.StatusClosed, Department: f.Department, Form: &f, ClosedAt: &closed,
			Timeline: []workflows.Event{
				{At: opened, Actor: agent, Kind: "registered", Message: "complaint registered"},
				{At: opened.Add(time.Hour), Actor: staff, Kind: "first_feedback", Message: "called back"},
				{At: closed, Actor: agent, Kind: "closed", Message: "customer satisfied; case closed"},
			}}
		if err := store.Put(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// settle waits until the engine has no task waiting for a worker: the
// cases have done what their registration set off.
func (b *bench) settle(ctx context.Context) error {
	quiet := 0
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		var backlog int64
		for _, tq := range []string{workflows.TaskQueue, baselineQueue} {
			for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
				resp, err := b.c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
					Namespace: b.p.cfg.Namespace, TaskQueue: &taskqueuepb.TaskQueue{Name: tq}, TaskQueueType: typ, ReportStats: true})
				if err != nil {
					return fmt.Errorf("describe task queue %s: %w", tq, err)
				}
				backlog += resp.GetStats().GetApproximateBacklogCount()
			}
		}
		if quiet = quiet + 1; backlog > 0 {
			quiet = 0
		}
		if quiet == 3 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("the task queues did not drain within 3 minutes")
}

// liveHeap is the heap the garbage collector found live, after a
// collection.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// rss is the process's resident set size, 0 where /proc is not there.
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
