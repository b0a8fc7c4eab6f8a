package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 17's long life: one complaint through 5,000 comments, 300 and more
// reminders and a 100-round rework loop. The case continues as new each
// time its history reaches the limit (set low here), every reminder and
// breach fires at its instant across the runs, the whole timeline reads
// back through the API, and no Update answer passes 64 KB.
const (
	longComments    = 5000
	longRounds      = 100
	longHistoryCap  = 500
	maxUpdateAnswer = 64 << 10
)

func TestLongLivedCase(t *testing.T) {
	if testing.Short() {
		t.Skip("the long-lived case runs the binary for minutes; skipped with -short")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.env = []string{
		"CLOSELOOP_SLA_FILE=" + longPolicyFile(t),
		"CLOSELOOP_CASE_HISTORY_EVENTS=" + strconv.Itoa(longHistoryCap),
	}
	s.start()
	defer s.stop()
	tc := dialEngine(t, s)
	defer tc.Close()

	no := s.registerComplaint().No
	began := time.Now()

	// 5,000 comments from four desks at once, while the clocks remind.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > longComments {
					return
				}
				code, b := s.callAs("staff.property", http.MethodPost, "/api/v1/cases/"+no+"/actions/comment",
					map[string]any{"text": fmt.Sprintf("comment %04d", i)})
				if code != http.StatusOK {
					t.Errorf("comment %d: %d %s", i, code, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		for _, l := range strings.Split(s.out.String(), "\n") {
			if strings.Contains(l, "ERROR") || (strings.Contains(l, "WARN") && !strings.Contains(l, "access denied")) {
				t.Log(l)
			}
		}
		t.FailNow()
	}
	t.Logf("%d comments in %s", longComments, time.Since(began).Round(time.Second))
	// Lists and the engine's search attributes follow the latest run.
	if _, b := s.call(http.MethodGet, "/api/v1/cases?type=complaint&department=property", nil); !strings.Contains(string(b), no) {
		t.Errorf("case %s is not listed after continuing as new: %s", no, b)
	}
	waitListed(t, tc, fmt.Sprintf("ExecutionStatus = 'Running' AND CaseType = 'complaint' AND Department = 'property' AND CaseStatus = %q", workflows.StatusRouted), no)

	// The first feedback, late: its clock breached at one minute.
	waitUntil(t, began.Add(70*time.Second))
	s.act(no, workflows.ActionFirstFeedback, map[string]any{"actor": "agent01", "message": "we are on it", "method": "phone"}, http.StatusOK)
	// The rework loop: resolved, visited, unsatisfied, 100 times.
	for r := range longRounds {
		s.act(no, workflows.ActionResolve, map[string]any{"actor": "staff.property", "result": fmt.Sprintf("fix %d", r)}, http.StatusOK)
		s.act(no, workflows.ActionReturnVisit, map[string]any{"actor": "agent01", "satisfied": false, "outcome": fmt.Sprintf("still broken %d", r), "method": "phone"}, http.StatusOK)
	}
	s.act(no, workflows.ActionResolve, map[string]any{"actor": "staff.property", "result": "fixed for good"}, http.StatusOK)
	// Let the last return-visit clock and the result-delivery clock run
	// out their reminders before the case closes.
	waitUntil(t, began.Add(190*time.Second))
	s.act(no, workflows.ActionReturnVisit, map[string]any{"actor": "agent01", "satisfied": true, "outcome": "happy", "method": "phone"}, http.StatusOK)
	s.act(no, workflows.ActionDeliverResult, map[string]any{"actor": "agent01", "note": "delivered"}, http.StatusOK)
	waitClosed(t, tc, no)

	runs := caseRuns(t, tc, no)
	t.Logf("case %s ran in %d runs", no, len(runs))
	if len(runs) < 5 {
		t.Errorf("%d runs: the case did not continue as new at %d events", len(runs), longHistoryCap)
	}
	biggest, trimmedRun := 0, ""
	for i, r := range runs {
		events, largest, trimmed := runHistory(t, tc, no, r.runID)
		if trimmed && trimmedRun == "" {
			trimmedRun = r.runID
		}
		if i < len(runs)-1 {
			if r.status != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
				t.Errorf("run %d ended %s, want continued as new", i+1, r.status)
			}
			// Continued at the event limit (the byte limit is far off).
			if events < longHistoryCap || events > longHistoryCap+200 {
				t.Errorf("run %d has %d events; it should continue soon after %d", i+1, events, longHistoryCap)
			}
		}
		biggest = max(biggest, largest)
		if largest > maxUpdateAnswer {
			t.Errorf("run %d: an Update answered %d bytes, over %d", i+1, largest, maxUpdateAnswer)
		}
	}

	t.Logf("largest Update answer: %d bytes", biggest)
	if trimmedRun == "" {
		t.Error("no run moved timeline entries to the archive: the case state was never trimmed")
	}
	full := fullTimeline(t, s, no)
	var comments []string
	reminders := 0
	view := s.getView(no)
	var lag time.Duration
	var lags []time.Duration
	for _, e := range full {
		switch e.Kind {
		case "comment":
			comments = append(comments, e.Message)
		case "reminder":
			reminders++
			at, ok := reminderInstant(view, e)
			if !ok {
				t.Errorf("reminder %q at %s matches no clock", e.Message, e.At)
				continue
			}
			if e.At.Before(at) {
				t.Errorf("reminder %q fired at %s, before its instant %s", e.Message, e.At, at)
			}
			lag = max(lag, e.At.Sub(at))
			lags = append(lags, e.At.Sub(at))
		}
	}
	slices.Sort(lags)
	if len(lags) > 0 {
		t.Logf("%d timeline entries, %d reminders after their instants by: median %s, 99th percentile %s, latest %s",
			len(full), reminders, lags[len(lags)/2], lags[len(lags)*99/100], lag)
	}
	// Two cores carry the engine, the worker, the API and 5,000 comments;
	// a timer waits behind the workflow tasks queued before it.
	if lag > 15*time.Second {
		t.Errorf("a reminder fired %s after its instant", lag)
	}
	if reminders < 300 {
		t.Errorf("%d reminders, want at least 300", reminders)
	}
	if len(comments) != longComments {
		t.Errorf("the timeline reads back %d comments, want %d", len(comments), longComments)
	}
	// The archive holds what the case no longer keeps, in order.
	store, err := archive.Open(context.Background(), "", filepath.Join(s.dataDir, "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	archived, err := store.Events(context.Background(), no, 0, len(full)-len(view.Timeline))
	if err != nil {
		t.Fatalf("archived timeline: %v", err)
	}
	if len(archived) < longComments/2 {
		t.Errorf("the archive holds %d timeline entries of %d", len(archived), len(full))
	}
	for i, e := range archived {
		if e.Kind != full[i].Kind || e.Message != full[i].Message || !e.At.Equal(full[i].At) {
			t.Fatalf("archived entry %d is %s %q, the API read %s %q", i, e.Kind, e.Message, full[i].Kind, full[i].Message)
		}
	}
	for _, d := range view.Deadlines {
		if d.BreachedAt != nil && (d.BreachedAt.Before(d.Due) || d.BreachedAt.Sub(d.Due) > 10*time.Second) {
			t.Errorf("%s (round %d) due %s breached at %s", d.Name, d.Round, d.Due, d.BreachedAt)
		}
	}
	// 100 unsatisfied return visits, and the satisfied one.
	if view.Rounds != longRounds+1 {
		t.Errorf("%d return-visit rounds recorded, want %d", view.Rounds, longRounds+1)
	}
	if dir := os.Getenv("CLOSELOOP_RECORD_HISTORY"); dir != "" && len(runs) > 2 {
		// A first run that continued, and a continued run that continued.
		writeRunHistory(t, tc, no, runs[0].runID, filepath.Join(dir, "complaint_continued_as_new.json.gz"))
		writeRunHistory(t, tc, no, runs[1].runID, filepath.Join(dir, "complaint_continued_run.json.gz"))
		if trimmedRun != "" {
			// A run that moved its oldest timeline entries to the archive.
			writeRunHistory(t, tc, no, trimmedRun, filepath.Join(dir, "complaint_timeline_trimmed.json.gz"))
		}
	}
}

// longPolicyFile writes an SLA file whose complaint clocks run in minutes
// and remind at every percent, so hundreds of reminders fire in three
// minutes; rework never goes to management.
func longPolicyFile(t *testing.T) string {
	t.Helper()
	every := make([]int, 99)
	for i := range every {
		every[i] = i + 1
	}
	minutes := func(n int) calendar.Span { return calendar.Span{N: n, Unit: calendar.Minutes} }
	p := sla.DefaultComplaint()
	p.MaxRounds = 1000
	for i := range p.Clocks {
		c := &p.Clocks[i]
		c.Channel = nil
		switch c.Name {
		case sla.FirstFeedback:
			c.Span, c.Reminders = minutes(1), every
		case sla.Resolution:
			c.Span, c.Reminders = minutes(2), every
		case sla.ResultDelivery:
			c.Span, c.Reminders = minutes(3), every
		case sla.ReturnVisit:
			c.Span, c.Reminders = minutes(1), every
		}
	}
	b, err := json.Marshal(map[string]any{"complaint": p})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sla.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func waitUntil(t *testing.T, at time.Time) {
	t.Helper()
	if d := time.Until(at); d > 0 {
		time.Sleep(d)
	}
}

type caseRun struct {
	runID  string
	status enumspb.WorkflowExecutionStatus
	start  time.Time
}

// caseRuns lists the runs of a case's workflow, oldest first.
func caseRuns(t *testing.T, c client.Client, no string) []caseRun {
	t.Helper()
	var runs []caseRun
	var token []byte
	for {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = %q", no), NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.GetExecutions() {
			runs = append(runs, caseRun{runID: e.GetExecution().GetRunId(), status: e.GetStatus(), start: e.GetStartTime().AsTime()})
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.SortFunc(runs, func(a, b caseRun) int { return a.start.Compare(b.start) })
	return runs
}

// runHistory counts a run's events, finds its largest Update answer, and
// tells whether the run moved timeline entries to the archive.
func runHistory(t *testing.T, c client.Client, no, runID string) (events, largest int, trimmed bool) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), no, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events++
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == workflows.ActivityArchiveEvents {
			trimmed = true
		}
		if a := e.GetWorkflowExecutionUpdateCompletedEventAttributes(); a != nil {
			size := 0
			for _, p := range a.GetOutcome().GetSuccess().GetPayloads() {
				size += len(p.GetData())
			}
			largest = max(largest, size)
		}
	}
	return events, largest, trimmed
}

type timelineEntry struct {
	At      time.Time         `json:"at"`
	Kind    string            `json:"kind"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
}

// fullTimeline reads a case's whole timeline through the API, page by
// page: the entries the case keeps only in the archive, then its own.
func fullTimeline(t *testing.T, s *system, no string) []timelineEntry {
	t.Helper()
	var all []timelineEntry
	for {
		code, b := s.call(http.MethodGet, fmt.Sprintf("/api/v1/cases/%s/timeline?offset=%d&limit=200", no, len(all)), nil)
		if code != http.StatusOK {
			t.Fatalf("timeline of %s from %d: %d %s", no, len(all), code, b)
		}
		var page struct {
			Total  int             `json:"total"`
			Events []timelineEntry `json:"events"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
		if len(all) >= page.Total || len(page.Events) == 0 {
			if len(all) != page.Total {
				t.Fatalf("timeline of %s: read %d entries of %d", no, len(all), page.Total)
			}
			return all
		}
	}
}

// getView reads the case's clocks as the API shows them.
func (s *system) getView(no string) workflows.CaseView {
	s.t.Helper()
	code, b := s.call(http.MethodGet, "/api/v1/cases/"+no, nil)
	if code != http.StatusOK {
		s.t.Fatalf("get %s: %d %s", no, code, b)
	}
	var v workflows.CaseView
	if err := json.Unmarshal(b, &v); err != nil {
		s.t.Fatal(err)
	}
	return v
}

// reminderInstant is when the reminder e was due: its percent of the
// running time of the clock it names that was pending when it fired.
func reminderInstant(v workflows.CaseView, e timelineEntry) (time.Time, bool) {
	name := e.Fields["deadline"]
	var pct int
	if _, err := fmt.Sscanf(e.Message[strings.LastIndex(e.Message, " ")+1:], "%d%%", &pct); err != nil {
		return time.Time{}, false
	}
	for _, d := range v.Deadlines {
		if d.Name != name || e.At.Before(d.Start) || (len(d.Pauses) > 0) {
			continue
		}
		at := d.Start.Add(d.Due.Sub(d.Start) * time.Duration(pct) / 100)
		end := d.Due
		if d.MetAt != nil && d.MetAt.Before(end) {
			end = *d.MetAt
		}
		if !e.At.Before(at) && !at.After(end) && e.At.Sub(at) < time.Minute {
			return at, true
		}
	}
	return time.Time{}, false
}
