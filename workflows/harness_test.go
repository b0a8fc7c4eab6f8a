package workflows_test

// Test harness for the time-skipping workflow tests: a fake notice channel,
// a recording logger, and helpers that schedule staff actions at instants of
// workflow time and collect what the workflow answered.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/metrics"
	"github.com/closeloop/closeloop/worker"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// shanghai is the case time zone (rule T3).
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// sh is a wall-clock instant in Asia/Shanghai.
func sh(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, shanghai)
}

// fmtSH renders an instant for failure messages.
func fmtSH(t time.Time) string {
	if t.IsZero() {
		return "<zero>"
	}
	return t.In(shanghai).Format("Mon 2006-01-02 15:04:05.999 MST")
}

// --- Fake notice channel.

// fakeNotifier records every notice it delivers; fail, when set, decides
// whether one attempt fails.
type fakeNotifier struct {
	mu       sync.Mutex
	sent     []workflows.Notice
	sentAt   map[string]time.Time // notice ID → when the activity ran
	now      func() time.Time     // the test's clock
	attempts int
	fail     func(workflows.Notice) error
}

func (f *fakeNotifier) Send(_ context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.fail != nil {
		if err := f.fail(n); err != nil {
			return workflows.NoticeResult{}, err
		}
	}
	f.sent = append(f.sent, n)
	if f.sentAt == nil {
		f.sentAt = map[string]time.Time{}
	}
	if f.now != nil {
		f.sentAt[n.ID] = f.now()
	}
	return workflows.NoticeResult{ID: n.ID, Channel: "fake", Ref: "fake-" + strconv.Itoa(len(f.sent))}, nil
}

// notices returns the delivered notices of the given kinds (all when none
// are given) in the order the workflow raised them; notices raised together
// (same instant and timeline position) are ordered by kind and role.
func (f *fakeNotifier) notices(kinds ...string) []workflows.Notice {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []workflows.Notice
	for _, n := range f.sent {
		if len(kinds) == 0 || slices.Contains(kinds, n.Kind) {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(a, b workflows.Notice) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		if c := noticeSeq(a) - noticeSeq(b); c != 0 {
			return c
		}
		return strings.Compare(a.Kind+" "+a.To.Role, b.Kind+" "+b.To.Role)
	})
	return out
}

// noticeSeq is the timeline position encoded at the end of a notice ID
// (":e<n>"): the order in which notices raised at the same instant were
// raised.
func noticeSeq(n workflows.Notice) int {
	i := strings.LastIndex(n.ID, ":e")
	if i < 0 {
		return 0
	}
	seq, _ := strconv.Atoi(n.ID[i+2:])
	return seq
}

// --- Logger that keeps warnings and errors (the workflow logs a failed
// search-attribute upsert as a warning) and drops the chatter.

type recordingLogger struct {
	mu       sync.Mutex
	problems []string
}

func (l *recordingLogger) Debug(string, ...interface{}) {}
func (l *recordingLogger) Info(string, ...interface{})  {}
func (l *recordingLogger) Warn(msg string, kv ...interface{}) {
	l.record("WARN", msg, kv)
}
func (l *recordingLogger) Error(msg string, kv ...interface{}) {
	l.record("ERROR", msg, kv)
}

func (l *recordingLogger) record(level, msg string, kv []interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf("%s %s %v", level, msg, kv))
}

func (l *recordingLogger) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.problems)
}

// --- Harness.

type harness struct {
	t      *testing.T
	suite  testsuite.WorkflowTestSuite
	env    *testsuite.TestWorkflowEnvironment
	notes  *fakeNotifier
	logs   *recordingLogger
	start  time.Time
	nextID int
	acts   *activities.Activities
	mets   *metrics.Metrics
}

// newHarness builds a test environment whose clock starts at start, with the
// workflows and activities registered as the worker does.
func newHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	h := &harness{t: t, notes: &fakeNotifier{}, logs: &recordingLogger{}, start: start}
	h.suite.SetLogger(h.logs)
	mets, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	h.mets = mets
	h.suite.SetMetricsHandler(mets.Handler)
	h.env = h.suite.NewTestWorkflowEnvironment()
	h.notes.now = h.env.Now
	// The server's workflow clock is UTC; so is the test's.
	h.env.SetStartTime(start.UTC())
	h.acts = &activities.Activities{Calendar: calendar.MustDefault(), Notifier: h.notes, Numbers: &fakeNumbers{}}
	worker.Register(h.env, h.acts)
	return h
}

// metric sums the Prometheus counter name over the series whose labels
// include every k="v" given, as /metrics would show it.
func (h *harness) metric(name string, labels ...string) float64 {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.mets.HTTP().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var sum float64
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if !strings.HasPrefix(line, name+"_total{") {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && strings.Contains(line, labels[i]+`="`+labels[i+1]+`"`)
		}
		if f := strings.Fields(line); ok && len(f) == 2 {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				h.t.Fatalf("metric line %q: %v", line, err)
			}
			sum += v
		}
	}
	return sum
}

// fakeNumbers numbers cases per prefix and Shanghai day, as the sequence
// workflows do.
type fakeNumbers struct {
	mu   sync.Mutex
	last map[string]int
}

func (f *fakeNumbers) NextNumber(_ context.Context, prefix string, at time.Time) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		f.last = map[string]int{}
	}
	key := prefix + "-" + at.In(shanghai).Format("20060102")
	f.last[key]++
	return fmt.Sprintf("%s-%04d", key, f.last[key]), nil
}

// outcome is what the workflow answered to one staff action.
type outcome struct {
	action    string
	at        time.Duration
	answered  bool
	accepted  bool
	completed bool
	err       error
	view      workflows.CaseView // the case after the action, when it completed
	// answer is what the action answered, as the client receives it.
	answer []byte
}

// result decodes the action's answer.
func (o *outcome) result(t *testing.T) workflows.ActionResult {
	t.Helper()
	var r workflows.ActionResult
	if err := json.Unmarshal(o.answer, &r); err != nil {
		t.Fatalf("%s at +%s: answer %s: %v", o.action, o.at, o.answer, err)
	}
	return r
}

// do schedules a staff action after the given offset from the start time.
func (h *harness) do(after time.Duration, action string, input any) *outcome {
	o := &outcome{action: action, at: after}
	h.env.RegisterDelayedCallback(func() { h.send(o, input) }, after)
	return o
}

// doOn schedules a staff action on another workflow of the test, such as
// a child request.
func (h *harness) doOn(workflowID string, after time.Duration, action string, input any) *outcome {
	o := &outcome{action: action, at: after}
	h.env.RegisterDelayedCallback(func() {
		if err := h.env.UpdateWorkflowByID(workflowID, action, h.updateID(action), h.callbacks(o, workflowID), input); err != nil {
			o.answered, o.err = true, err
		}
	}, after)
	return o
}

func (h *harness) updateID(action string) string {
	h.nextID++
	return fmt.Sprintf("%s-%d", action, h.nextID)
}

// send delivers the update now; use it inside a delayed callback.
func (h *harness) send(o *outcome, input any) {
	h.env.UpdateWorkflow(o.action, h.updateID(o.action), h.callbacks(o, ""), input)
}

// callbacks record an action's answer and, since an action answers only
// what it changed, the whole case as it stood then (workflowID "" is the
// test's main workflow).
func (h *harness) callbacks(o *outcome, workflowID string) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.answered, o.err = true, err },
		OnComplete: func(v interface{}, err error) {
			o.answered, o.completed, o.err = true, true, err
			if err != nil {
				return
			}
			b, merr := json.Marshal(v)
			if merr != nil {
				h.t.Errorf("marshal update result: %v", merr)
			}
			o.answer = b
			if workflowID == "" {
				o.view = h.query()
			} else {
				o.view = h.queryID(workflowID)
			}
		},
	}
}

// ok fails the test unless the action was accepted and completed.
func (o *outcome) ok(t *testing.T) workflows.CaseView {
	t.Helper()
	switch {
	case !o.answered:
		t.Fatalf("%s at +%s: no answer", o.action, o.at)
	case o.err != nil:
		t.Fatalf("%s at +%s failed: %v", o.action, o.at, o.err)
	}
	return o.view
}

// rejected fails the test unless the validator rejected the action with an
// application error of type errType; it returns that error.
func (o *outcome) rejected(t *testing.T, errType string) *temporal.ApplicationError {
	t.Helper()
	if !o.answered {
		t.Fatalf("%s at +%s: no answer", o.action, o.at)
	}
	if o.err == nil {
		t.Fatalf("%s at +%s succeeded, want rejection %s", o.action, o.at, errType)
	}
	if o.accepted {
		t.Errorf("%s at +%s: accepted before failing (%v); a validator rejection leaves no history", o.action, o.at, o.err)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(o.err, &appErr) {
		t.Fatalf("%s at +%s: error %T %v is not an ApplicationError", o.action, o.at, o.err, o.err)
	}
	if appErr.Type() != errType {
		t.Fatalf("%s at +%s: error type %q (%v), want %q", o.action, o.at, appErr.Type(), appErr, errType)
	}
	return appErr
}

// fieldErrors returns the field errors an ErrInvalidInput rejection carries.
func fieldErrors(t *testing.T, appErr *temporal.ApplicationError) forms.Errors {
	t.Helper()
	var errs forms.Errors
	if err := appErr.Details(&errs); err != nil {
		t.Fatalf("details of %v: %v", appErr, err)
	}
	return errs
}

// requireFieldError fails unless the rejection names field.
func requireFieldError(t *testing.T, o *outcome, field string) forms.FieldError {
	t.Helper()
	errs := fieldErrors(t, o.rejected(t, workflows.ErrInvalidInput))
	for _, e := range errs {
		if e.Field == field {
			return e
		}
	}
	t.Fatalf("%s: field errors %+v do not name %q", o.action, errs, field)
	return forms.FieldError{}
}

// stateAt queries the case after the given offset; the view fills in when
// the callback runs.
func (h *harness) stateAt(after time.Duration) *workflows.CaseView {
	view := &workflows.CaseView{}
	h.env.RegisterDelayedCallback(func() { *view = h.query() }, after)
	return view
}

// stateOfAt queries another workflow of the test after the given offset.
func (h *harness) stateOfAt(workflowID string, after time.Duration) *workflows.CaseView {
	view := &workflows.CaseView{}
	h.env.RegisterDelayedCallback(func() { *view = h.queryID(workflowID) }, after)
	return view
}

func (h *harness) queryID(workflowID string) workflows.CaseView {
	h.t.Helper()
	v, err := h.env.QueryWorkflowByID(workflowID, workflows.QueryState)
	if err != nil {
		h.t.Fatalf("query %s %s: %v", workflowID, workflows.QueryState, err)
	}
	var view workflows.CaseView
	if err := v.Get(&view); err != nil {
		h.t.Fatalf("decode %s: %v", workflows.QueryState, err)
	}
	return view
}

// query reads the case now (also works after the workflow finished).
func (h *harness) query() workflows.CaseView {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(workflows.QueryState)
	if err != nil {
		h.t.Fatalf("query %s: %v", workflows.QueryState, err)
	}
	var view workflows.CaseView
	if err := v.Get(&view); err != nil {
		h.t.Fatalf("decode %s: %v", workflows.QueryState, err)
	}
	return view
}

// cancelAt ends a case that would otherwise run on.
func (h *harness) cancelAt(after time.Duration) {
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, after)
}

// run executes the complaint workflow to its end.
func (h *harness) run(in workflows.ComplaintInput) (workflows.ComplaintResult, error) {
	h.t.Helper()
	res, err := runCase[workflows.ComplaintResult](h, workflows.ComplaintWorkflowName, in.No, in)
	for _, p := range h.logs.lines() {
		if strings.Contains(p, "upsert search attributes") {
			h.t.Errorf("search attributes: %s", p)
		}
	}
	return res, err
}

// runCase executes a case workflow, under its case number as the
// workflow ID, to its end.
func runCase[R any](h *harness, workflowName, no string, in any) (R, error) {
	h.t.Helper()
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(no)})
	h.env.ExecuteWorkflow(workflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	var res R
	err := h.env.GetWorkflowError()
	if err == nil {
		err = h.env.GetWorkflowResult(&res)
	}
	return res, err
}

// runUntilCancelled executes a case that the test ends with cancelAt.
func (h *harness) runUntilCancelled(in workflows.ComplaintInput) {
	h.t.Helper()
	_, err := h.run(in)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		h.t.Fatalf("workflow ended with %v, want cancellation by the test", err)
	}
}

// runToClose executes a case that the staff actions close.
func (h *harness) runToClose(in workflows.ComplaintInput) workflows.ComplaintResult {
	h.t.Helper()
	res, err := h.run(in)
	if err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
	return res
}

// --- Inputs.

var exampleForm = sync.OnceValues(func() (forms.Complaint, error) {
	data, err := os.ReadFile("../forms/examples/complaint.json")
	if err != nil {
		return forms.Complaint{}, err
	}
	var c forms.Complaint
	err = json.Unmarshal(data, &c)
	return c, err
})

// form is the example complaint (a phone complaint routed to "property",
// with an e-mail and a recording reference) registered at registered, taken
// in two minutes earlier; mods adjust it. The result must validate.
func form(t *testing.T, registered time.Time, mods ...func(*forms.Complaint)) forms.Complaint {
	t.Helper()
	c, err := exampleForm()
	if err != nil {
		t.Fatalf("example form: %v", err)
	}
	c.RegisteredAt = registered
	c.IntakeAt = registered.Add(-2 * time.Minute)
	for _, m := range mods {
		m(&c)
	}
	c.Normalize(registered)
	if errs := c.Validate(c.RegisteredAt); len(errs) != 0 {
		t.Fatalf("test form is invalid: %v", errs)
	}
	return c
}

// Form modifiers.
func online(c *forms.Complaint)      { c.Channel = forms.ChannelOnline }
func unrouted(c *forms.Complaint)    { c.Department = "" }
func noRecording(c *forms.Complaint) { c.RecordingRef = "" }

func input(f forms.Complaint) workflows.ComplaintInput {
	return workflows.ComplaintInput{No: "TS-20261123-0001", Form: f, Policy: sla.DefaultComplaint(), CreatedBy: "agent01"}
}

// --- Staff action inputs with sensible defaults.

func firstFeedback() workflows.FirstFeedbackInput {
	return workflows.FirstFeedbackInput{Actor: "agent01", Message: "we have your complaint; engineer visits today", Method: "phone"}
}

func resolveWith(result string) workflows.ResolveInput {
	return workflows.ResolveInput{Actor: "prop.lead", Result: result, Handler: "li.si"}
}

func visit(satisfied bool, outcome string) workflows.ReturnVisitInput {
	return workflows.ReturnVisitInput{Actor: "cs.wang", Satisfied: satisfied, Outcome: outcome, Method: "phone"}
}

func deliver() workflows.DeliverResultInput {
	return workflows.DeliverResultInput{Actor: "cs.wang", Note: "report handed over at the lobby"}
}

// --- Assertions on deadlines and notices.

// deadline returns the latest clock with this name and round.
func deadline(t *testing.T, v workflows.CaseView, name string, round int) workflows.Deadline {
	t.Helper()
	for i := len(v.Deadlines) - 1; i >= 0; i-- {
		if d := v.Deadlines[i]; d.Name == name && d.Round == round {
			return d
		}
	}
	t.Fatalf("no deadline %s round %d in %+v", name, round, names(v.Deadlines))
	return workflows.Deadline{}
}

func names(ds []workflows.Deadline) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s#%d:%s", d.Name, d.Round, d.State)
	}
	return out
}

// requireDue checks a clock's due instant exactly, its state, and that it is
// stored in UTC (rule T3).
func requireDue(t *testing.T, d workflows.Deadline, due time.Time, state string) {
	t.Helper()
	if !d.Due.Equal(due) {
		t.Errorf("%s#%d due %s, want %s", d.Name, d.Round, fmtSH(d.Due), fmtSH(due))
	}
	if d.State != state {
		t.Errorf("%s#%d state %q, want %q", d.Name, d.Round, d.State, state)
	}
	if d.Due.Location() != time.UTC || d.Start.Location() != time.UTC {
		t.Errorf("%s#%d start/due stored in %v/%v, want UTC (T3)", d.Name, d.Round, d.Start.Location(), d.Due.Location())
	}
}

// sent is an expected notice: when it was raised, what, to whom, about
// which clock.
type sent struct {
	at       time.Time
	kind     string
	role     string
	deadline string
}

func (s sent) String() string {
	return fmt.Sprintf("%s %s → %s %s", fmtSH(s.at), s.kind, s.role, s.deadline)
}

// requireSent compares the notices (in raise order) with want exactly.
func requireSent(t *testing.T, got []workflows.Notice, want []sent) {
	t.Helper()
	gotS := make([]sent, len(got))
	for i, n := range got {
		gotS[i] = sent{at: n.CreatedAt, kind: n.Kind, role: n.To.Role, deadline: n.Deadline}
	}
	same := len(gotS) == len(want)
	for i := 0; same && i < len(want); i++ {
		g, w := gotS[i], want[i]
		same = g.at.Equal(w.at) && g.kind == w.kind && g.role == w.role && g.deadline == w.deadline
	}
	if !same {
		t.Errorf("notices differ\n got: %s\nwant: %s", lines(gotS), lines(want))
	}
}

func lines(ss []sent) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("\n  " + s.String())
	}
	if len(ss) == 0 {
		b.WriteString("(none)")
	}
	return b.String()
}

// event returns the timeline events of a kind.
func events(v workflows.CaseView, kind string) []workflows.Event {
	var out []workflows.Event
	for _, e := range v.Timeline {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }
