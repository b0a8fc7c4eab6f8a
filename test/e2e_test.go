// Package test holds Closeloop's end-to-end tests: they build the real
// binary, run it as a separate process on the embedded engine, and drive it
// through the HTTP API, across restarts.
package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// system is one running closeloop process.
type system struct {
	t        *testing.T
	bin      string
	dataDir  string
	httpPort int
	tPort    int
	cmd      *exec.Cmd
	out      *bytes.Buffer
	exited   chan error
	tokens   map[string]string // demo username → API token
	env      []string          // settings beyond the defaults start gives
}

func (s *system) base() string { return "http://127.0.0.1:" + strconv.Itoa(s.httpPort) }

func (s *system) start() {
	s.t.Helper()
	s.out = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = append(os.Environ(),
		"CLOSELOOP_DATA_DIR="+s.dataDir,
		"CLOSELOOP_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(s.httpPort),
		"CLOSELOOP_TEMPORAL_PORT="+strconv.Itoa(s.tPort),
		"CLOSELOOP_PAYLOAD_KEYS="+testPayloadKeys(),
		// Cases finish only once their notices went out; a run at night
		// must not wait for the morning (quiet hours are tested in the
		// workflow suite).
		"CLOSELOOP_QUIET_HOURS=off",
		"TEMPORAL_ADDRESS=",
	)
	s.cmd.Env = append(s.cmd.Env, s.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start closeloop: %v", err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.t.Fatalf("closeloop exited during start: %v\n%s", err, s.out)
		default:
		}
		if resp, err := http.Get(s.base() + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.loadTokens()
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("closeloop not healthy after 90s:\n%s", s.out)
}

// stop sends SIGTERM and expects a clean exit.
func (s *system) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("signal: %v", err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			s.t.Fatalf("closeloop did not exit cleanly on SIGTERM: %v\n%s", err, s.out)
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Fatalf("closeloop still running 30s after SIGTERM\n%s", s.out)
	}
}

// loadTokens reads the demo directory's tokens, which the first start
// wrote to the data directory.
func (s *system) loadTokens() {
	s.t.Helper()
	creds, err := identity.ReadDemoCredentials(filepath.Join(s.dataDir, identity.DemoCredentialsFile))
	if err != nil {
		s.t.Fatalf("demo credentials: %v", err)
	}
	s.tokens = map[string]string{}
	for _, u := range creds.Users {
		s.tokens[u.Username] = u.Token
	}
}

// call sends a request as the demo user the body names as its actor, or
// as the agent.
func (s *system) call(method, path string, body any) (int, []byte) {
	s.t.Helper()
	user := "agent01"
	if m, ok := body.(map[string]any); ok {
		if a, ok := m["actor"].(string); ok && s.tokens[a] != "" {
			user = a
		}
	}
	return s.callAs(user, method, path, body)
}

// callAs sends a request with user's token.
func (s *system) callAs(user, method, path string, body any) (int, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base()+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok := s.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *system) act(no, action string, in map[string]any, want int) caseJSON {
	s.t.Helper()
	code, b := s.call(http.MethodPost, "/api/v1/cases/"+no+"/actions/"+action, in)
	if code != want {
		s.t.Fatalf("%s on %s: status %d, want %d: %s", action, no, code, want, b)
	}
	var c caseJSON
	_ = json.Unmarshal(b, &c)
	return c
}

func (s *system) get(no string) caseJSON {
	s.t.Helper()
	code, b := s.call(http.MethodGet, "/api/v1/cases/"+no, nil)
	if code != http.StatusOK {
		s.t.Fatalf("get %s: %d %s", no, code, b)
	}
	var c caseJSON
	if err := json.Unmarshal(b, &c); err != nil {
		s.t.Fatal(err)
	}
	return c
}

type caseJSON struct {
	No        string `json:"no"`
	Status    string `json:"status"`
	Deadlines []struct {
		Name  string    `json:"name"`
		Due   time.Time `json:"due"`
		State string    `json:"state"`
		Text  string    `json:"explanation_text"`
	} `json:"deadlines"`
	Timeline []struct {
		Kind string `json:"kind"`
	} `json:"timeline"`
}

// exampleComplaint is the example complaint form (routed to property).
func exampleComplaint(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../forms/examples/complaint.json")
	if err != nil {
		t.Fatal(err)
	}
	var form map[string]any
	if err := json.Unmarshal(b, &form); err != nil {
		t.Fatal(err)
	}
	return form
}

// registerComplaint registers the example complaint as the agent and
// returns the case as created.
func (s *system) registerComplaint() caseJSON {
	s.t.Helper()
	code, b := s.call(http.MethodPost, "/api/v1/complaints", exampleComplaint(s.t))
	var c caseJSON
	if err := json.Unmarshal(b, &c); code != http.StatusCreated || err != nil {
		s.t.Fatalf("POST complaint: %d %s", code, b)
	}
	return c
}

func (c caseJSON) deadline(name string) (time.Time, string) {
	for i := len(c.Deadlines) - 1; i >= 0; i-- {
		if c.Deadlines[i].Name == name {
			return c.Deadlines[i].Due, c.Deadlines[i].State
		}
	}
	return time.Time{}, ""
}

// TestEndToEnd drives the real binary on the embedded engine: create, list,
// act, restart, and find the case still open with its timers.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary; skipped with -short")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer func() {
		if s.cmd.ProcessState == nil {
			s.stop()
		}
	}()

	form := exampleComplaint(t)
	code, b := s.call(http.MethodPost, "/api/v1/complaints", form)
	if code != http.StatusCreated {
		t.Fatalf("POST complaint: %d %s", code, b)
	}
	created := time.Now()
	var c caseJSON
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.No, "TS-") || c.Status != workflows.StatusRouted {
		t.Fatalf("created case %q status %q, want TS-… routed", c.No, c.Status)
	}

	// Listed within 1 s of creation.
	listed := false
	for time.Since(created) < time.Second && !listed {
		_, b := s.call(http.MethodGet, "/api/v1/cases?type=complaint&department=property", nil)
		listed = bytes.Contains(b, []byte(c.No))
		if !listed {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !listed {
		t.Fatalf("case %s not listed within 1s", c.No)
	}

	// Case numbers are unique under concurrent registration.
	const n = 8
	nos := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, b := s.call(http.MethodPost, "/api/v1/complaints", form)
			var got caseJSON
			_ = json.Unmarshal(b, &got)
			if code != http.StatusCreated {
				t.Errorf("concurrent POST: %d %s", code, b)
			}
			nos <- got.No
		}()
	}
	wg.Wait()
	close(nos)
	seen := map[string]bool{c.No: true}
	for no := range nos {
		if seen[no] {
			t.Fatalf("case number %q handed out twice", no)
		}
		seen[no] = true
	}

	// Errors have the documented shape and status.
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
		code         string
	}{
		{http.MethodPost, "/api/v1/complaints", map[string]any{"channel": "fax"}, http.StatusUnprocessableEntity, "invalid_form"},
		{http.MethodPost, "/api/v1/complaints", map[string]any{"bogus": 1}, http.StatusBadRequest, "bad_json"},
		{http.MethodGet, "/api/v1/cases/TS-20200101-9999", nil, http.StatusNotFound, "not_found"},
		// Customer service may not resolve (P3); the department may, once it
		// has given first feedback.
		{http.MethodPost, "/api/v1/cases/" + c.No + "/actions/resolve", map[string]any{"result": "x"}, http.StatusForbidden, "forbidden"},
		{http.MethodPost, "/api/v1/cases/" + c.No + "/actions/resolve", map[string]any{"actor": "staff.property", "result": "x"}, http.StatusConflict, "invalid_state"},
		{http.MethodPost, "/api/v1/cases/" + c.No + "/actions/first-feedback", map[string]any{}, http.StatusUnprocessableEntity, "invalid_input"},
		{http.MethodPost, "/api/v1/cases/" + c.No + "/actions/dance", map[string]any{}, http.StatusNotFound, "unknown_action"},
		{http.MethodGet, "/api/v1/cases?status=nope", nil, http.StatusBadRequest, "invalid_filter"},
	} {
		code, b := s.call(tc.method, tc.path, tc.body)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		if code != tc.want || e.Error.Code != tc.code {
			t.Errorf("%s %s: got %d %q, want %d %q (%s)", tc.method, tc.path, code, e.Error.Code, tc.want, tc.code, b)
		}
	}

	c = s.act(c.No, "first-feedback", map[string]any{"actor": "agent01", "message": "called the customer, plumber booked"}, http.StatusOK)
	if c.Status != workflows.StatusInProgress {
		t.Fatalf("after first feedback: status %s", c.Status)
	}
	resolutionDue, state := c.deadline("resolution")
	if state != workflows.DeadlinePending || resolutionDue.IsZero() {
		t.Fatalf("resolution deadline %v %s, want pending", resolutionDue, state)
	}

	// The search attributes are queryable as `temporal workflow list` would.
	tc := dialEngine(t, s)
	query := fmt.Sprintf("CaseType = 'complaint' AND CaseStatus = 'in_progress' AND Department = 'property' AND Overdue = false AND EscalationLevel = 0 AND NextDeadline > '%s'", created.Add(-time.Hour).UTC().Format(time.RFC3339))
	waitListed(t, tc, query, c.No)
	checkTemporalCLI(t, s, query, c.No)
	checkTemporalUI(t, s, c.No)
	tc.Close()

	// Restart: the case is still open with the same deadlines and its timers.
	s.stop()
	s.start()
	after := s.get(c.No)
	if after.Status != workflows.StatusInProgress {
		t.Fatalf("after restart: status %s", after.Status)
	}
	if due, st := after.deadline("resolution"); !due.Equal(resolutionDue) || st != workflows.DeadlinePending {
		t.Fatalf("after restart: resolution %v %s, want %v pending", due, st, resolutionDue)
	}
	tc = dialEngine(t, s)
	defer tc.Close()
	checkPendingTimers(t, tc, c.No)

	// The case still works: drive it to closed through an unsatisfied visit.
	s.act(c.No, "resolve", map[string]any{"actor": "staff.property", "result": "pipe replaced"}, http.StatusOK)
	s.act(c.No, "return-visit", map[string]any{"actor": "agent01", "satisfied": false, "outcome": "still dripping", "method": "phone"}, http.StatusOK)
	s.act(c.No, "resolve", map[string]any{"actor": "staff.property", "result": "ceiling resealed"}, http.StatusOK)
	s.act(c.No, "return-visit", map[string]any{"actor": "agent01", "satisfied": true, "outcome": "dry now", "method": "onsite"}, http.StatusOK)
	final := s.act(c.No, "deliver-result", map[string]any{"actor": "agent01"}, http.StatusOK)
	if final.Status != workflows.StatusClosed {
		t.Fatalf("final status %s, want closed", final.Status)
	}
	run := tc.GetWorkflow(context.Background(), c.No, "")
	var res workflows.ComplaintResult
	if err := run.Get(context.Background(), &res); err != nil || res.Rounds != 2 {
		t.Fatalf("workflow result %+v %v, want 2 rounds", res, err)
	}

	// Rule E2: a media inquiry through the API, called back and closed; a
	// closed case refuses further actions with 409.
	mediaForm, err := os.ReadFile("../forms/examples/media_inquiry.json")
	if err != nil {
		t.Fatal(err)
	}
	var media map[string]any
	if err := json.Unmarshal(mediaForm, &media); err != nil {
		t.Fatal(err)
	}
	code, b = s.call(http.MethodPost, "/api/v1/media-inquiries", media)
	var mc caseJSON
	_ = json.Unmarshal(b, &mc)
	if code != http.StatusCreated || !strings.HasPrefix(mc.No, "MT-") {
		t.Fatalf("POST media inquiry: %d %s", code, b)
	}
	if due, st := mc.deadline("media_contact"); st != workflows.DeadlinePending || due.Sub(created) > 2*time.Hour+time.Minute {
		t.Fatalf("media_contact %v %s, want pending within 2h", due, st)
	}
	mc = s.act(mc.No, "contact-outlet", map[string]any{"actor": "agent01", "outcome": "statement given"}, http.StatusOK)
	if mc.Status != workflows.StatusClosed {
		t.Fatalf("media inquiry status %s after contact, want closed", mc.Status)
	}
	waitClosed(t, tc, mc.No)
	s.act(mc.No, "comment", map[string]any{"actor": "agent01", "text": "late note"}, http.StatusConflict)
	s.act(mc.No, "resolve", map[string]any{"actor": "agent01", "result": "x"}, http.StatusNotFound)
	s.act(c.No, "comment", map[string]any{"actor": "agent01", "text": "late note"}, http.StatusConflict)

	// Rules R1–R5: a repair order through the API: dispatched, signed for,
	// completed, a failed visit sends it to rework, a passing one closes it.
	repairForm, err := os.ReadFile("../forms/examples/repair.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(repairForm, &rep); err != nil {
		t.Fatal(err)
	}
	code, b = s.call(http.MethodPost, "/api/v1/repairs", rep)
	var bx caseJSON
	_ = json.Unmarshal(b, &bx)
	if code != http.StatusCreated || !strings.HasPrefix(bx.No, "BX-") {
		t.Fatalf("POST repair: %d %s", code, b)
	}
	if _, st := bx.deadline("sign_for"); st != workflows.DeadlinePending {
		t.Fatalf("sign_for %s, want pending", st)
	}
	s.act(bx.No, "sign", map[string]any{"actor": "maint01", "technician": "liu.tech"}, http.StatusOK)
	s.act(bx.No, "complete", map[string]any{"actor": "maint01", "result": "joint replaced"}, http.StatusOK)
	s.act(bx.No, "return-visit", map[string]any{"actor": "agent01", "attitude_ok": true, "work_ok": true, "result_ok": false, "satisfaction": 2}, http.StatusOK)
	s.act(bx.No, "complete", map[string]any{"actor": "maint01", "result": "ceiling resealed"}, http.StatusOK)
	bx = s.act(bx.No, "return-visit", map[string]any{"actor": "agent01", "attitude_ok": true, "work_ok": true, "result_ok": true, "satisfaction": 5}, http.StatusOK)
	if bx.Status != workflows.StatusClosed {
		t.Fatalf("repair status %s, want closed", bx.Status)
	}
	waitClosed(t, tc, bx.No)

	// Rules Q1–Q4: a consultation through the API: deferred answer due
	// within 2 working days, transferred to a specialist, called back.
	consultForm, err := os.ReadFile("../forms/examples/consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	var consult map[string]any
	if err := json.Unmarshal(consultForm, &consult); err != nil {
		t.Fatal(err)
	}
	code, b = s.call(http.MethodPost, "/api/v1/consultations", consult)
	var zc caseJSON
	_ = json.Unmarshal(b, &zc)
	if code != http.StatusCreated || !strings.HasPrefix(zc.No, "ZX-") {
		t.Fatalf("POST consultation: %d %s", code, b)
	}
	if _, st := zc.deadline("callback"); st != workflows.DeadlinePending {
		t.Fatalf("callback deadline %s, want pending", st)
	}
	zc = s.act(zc.No, "transfer", map[string]any{"actor": "agent01", "department": "finance", "reason": "fee policy"}, http.StatusOK)
	if _, st := zc.deadline("specialist_answer"); zc.Status != workflows.StatusTransferred || st != workflows.DeadlinePending {
		t.Fatalf("after transfer: %s, specialist %s", zc.Status, st)
	}
	s.act(zc.No, "call-back", map[string]any{"actor": "agent01", "answer": "cost price 80", "internal_info": true}, http.StatusUnprocessableEntity)
	zc = s.act(zc.No, "call-back", map[string]any{"actor": "agent01", "answer": "quarterly payment is possible"}, http.StatusOK)
	if zc.Status != workflows.StatusClosed {
		t.Fatalf("consultation status %s after call-back, want closed", zc.Status)
	}
	waitClosed(t, tc, zc.No)

	xz, parent, child := driveCollaborations(t, s, tc, form)
	rated := rateByLink(t, s, form)
	checkDigest(t, s, tc)
	importEmergency(t, s)
	checkQuality(t, s, tc, mc.No)

	// Rule E1: a case entered late with its original registration time runs
	// its deadlines from then; first feedback and resolution are already
	// past, so it is overdue and two rungs up the ladder at once.
	late := backfill(t, tc, form, time.Now().Add(-80*time.Hour))
	var b2 []byte
	for range 100 {
		_, b2 = s.call(http.MethodGet, "/api/v1/cases?overdue=true", nil)
		if bytes.Contains(b2, []byte(late)) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.Contains(b2, []byte(late)) {
		t.Fatalf("backfilled case %s not listed as overdue: %s", late, b2)
	}
	lc := s.get(late)
	if _, st := lc.deadline("first_feedback"); st != workflows.DeadlineBreached {
		t.Errorf("backfilled first_feedback state %q, want breached", st)
	}
	var view struct {
		EscalationLevel int `json:"escalation_level"`
	}
	_, raw := s.call(http.MethodGet, "/api/v1/cases/"+late, nil)
	_ = json.Unmarshal(raw, &view)
	if view.EscalationLevel != 2 {
		t.Errorf("backfilled case escalation level %d, want 2 (two breaches)", view.EscalationLevel)
	}

	if dir := os.Getenv("CLOSELOOP_RECORD_HISTORY"); dir != "" {
		writeHistory(t, tc, c.No, filepath.Join(dir, "complaint_unsatisfied_once.json"))
		writeHistory(t, tc, late, filepath.Join(dir, "complaint_backfilled_breached.json"))
		writeHistory(t, tc, mc.No, filepath.Join(dir, "media_inquiry_contacted.json"))
		writeHistory(t, tc, zc.No, filepath.Join(dir, "consultation_transferred.json"))
		writeHistory(t, tc, bx.No, filepath.Join(dir, "repair_reworked_once.json"))
		writeHistory(t, tc, xz, filepath.Join(dir, "collaboration_rated.json"))
		writeHistory(t, tc, parent, filepath.Join(dir, "complaint_paused_for_collaboration.json"))
		writeHistory(t, tc, child, filepath.Join(dir, "collaboration_child_delivered.json"))
		writeHistory(t, tc, rated, filepath.Join(dir, "complaint_rated_by_link_running.json"))
		writeHistory(t, tc, "seq-"+c.No[:len("TS-20261123")], filepath.Join(dir, "sequence_running.json"))
		// The schedules' runs, triggered above.
		writeHistory(t, tc, firstOfType(t, tc, workflows.DigestWorkflowName), filepath.Join(dir, "digest_sent.json"))
		writeHistory(t, tc, firstOfType(t, tc, workflows.SupervisionWorkflowName), filepath.Join(dir, "supervision_opened.json"))
	}

	// Rule K1: once the engine has forgotten a closed case, the archive
	// still answers with its full record.
	_, err = tc.WorkflowService().DeleteWorkflowExecution(context.Background(), &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: c.No}})
	if err != nil {
		t.Fatalf("delete %s from the engine: %v", c.No, err)
	}
	deleted := time.Now()
	for time.Since(deleted) < time.Minute {
		if _, err := tc.DescribeWorkflowExecution(context.Background(), c.No, ""); err != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("engine forgot %s after %s", c.No, time.Since(deleted).Round(time.Millisecond))
	if _, err := tc.DescribeWorkflowExecution(context.Background(), c.No, ""); err == nil {
		t.Fatalf("%s still in the engine", c.No)
	}
	archived := s.get(c.No)
	if archived.Status != workflows.StatusClosed || len(archived.Timeline) < 10 || len(archived.Deadlines) == 0 {
		t.Fatalf("archived %s: %s with %d events", c.No, archived.Status, len(archived.Timeline))
	}
	_, raw = s.call(http.MethodGet, "/api/v1/cases/"+c.No, nil)
	if !bytes.Contains(raw, []byte(`"return_visit_outcome"`)) || bytes.Contains(raw, []byte("13812345678")) {
		t.Fatalf("archived record incomplete or unmasked: %s", raw)
	}
}

// driveCollaborations takes a standalone cross-department request through
// the API (X1–X4), then a complaint that opens one as a child and pauses
// its resolution clock until the child is delivered. It returns the
// standalone request, the complaint and its child.
func driveCollaborations(t *testing.T, s *system, tc client.Client, complaint map[string]any) (string, string, string) {
	t.Helper()
	example, err := os.ReadFile("../forms/examples/collaboration.json")
	if err != nil {
		t.Fatal(err)
	}
	var req map[string]any
	if err := json.Unmarshal(example, &req); err != nil {
		t.Fatal(err)
	}
	code, b := s.call(http.MethodPost, "/api/v1/collaborations", req)
	var xz caseJSON
	_ = json.Unmarshal(b, &xz)
	if code != http.StatusCreated || !strings.HasPrefix(xz.No, "XZ-") {
		t.Fatalf("POST collaboration: %d %s", code, b)
	}
	if due, st := xz.deadline("time_node"); st != workflows.DeadlinePending || time.Until(due) < 24*time.Hour {
		t.Fatalf("time node %v %s, want pending at least 24h ahead", due, st)
	}
	// Rule X1: booked too late is refused with the reason.
	req["time_node_within"] = "2h"
	code, b = s.call(http.MethodPost, "/api/v1/collaborations", req)
	if code != http.StatusUnprocessableEntity || !bytes.Contains(b, []byte("too_soon")) {
		t.Fatalf("late booking: %d %s", code, b)
	}
	s.act(xz.No, "accept", map[string]any{"actor": "head.engineering", "handler": "sun.eng", "sign_responsibilities": true}, http.StatusOK)
	s.act(xz.No, "deliver", map[string]any{"actor": "head.engineering", "result": "membrane cracked; plan sent"}, http.StatusOK)
	xz = s.act(xz.No, "rate", map[string]any{"actor": "agent01", "score": 5}, http.StatusOK)
	if xz.Status != workflows.StatusClosed {
		t.Fatalf("collaboration status %s after rating, want closed", xz.Status)
	}
	waitClosed(t, tc, xz.No)

	// A complaint asks engineering for help: the request is its child and
	// the resolution clock waits for it.
	code, b = s.call(http.MethodPost, "/api/v1/complaints", complaint)
	var ts caseJSON
	_ = json.Unmarshal(b, &ts)
	if code != http.StatusCreated {
		t.Fatalf("POST complaint: %d %s", code, b)
	}
	s.act(ts.No, "first-feedback", map[string]any{"actor": "agent01", "message": "engineering will inspect the roof"}, http.StatusOK)
	s.act(ts.No, "request-collaboration", map[string]any{"actor": "staff.property", "target_department": "engineering", "need": "inspect the roof",
		"time_node": time.Now().Add(2 * time.Hour).Format(time.RFC3339), "requester_responsibilities": "keep the customer informed",
		"target_responsibilities": "inspect and report"}, http.StatusUnprocessableEntity)
	code, b = s.call(http.MethodPost, "/api/v1/cases/"+ts.No+"/actions/request-collaboration", map[string]any{
		"actor": "staff.property", "target_department": "engineering", "need": "inspect the roof",
		"time_node": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "requester_responsibilities": "keep the customer informed",
		"target_responsibilities": "inspect and report"})
	var withChild struct {
		caseJSON
		Children []struct {
			No, Status string
			Holds      bool
		} `json:"children"`
	}
	if err := json.Unmarshal(b, &withChild); err != nil || code != http.StatusOK || len(withChild.Children) != 1 || !withChild.Children[0].Holds {
		t.Fatalf("request-collaboration: %d %s", code, b)
	}
	child := withChild.Children[0].No
	if _, st := withChild.deadline("resolution"); st != workflows.DeadlinePaused {
		t.Fatalf("resolution %s while the request is open, want paused", st)
	}
	// The request is listed as the complaint's child, by our search
	// attribute and by the engine's own parent link.
	waitListed(t, tc, fmt.Sprintf("ParentCase = '%s' AND CaseType = 'collaboration'", ts.No), child)
	waitListed(t, tc, fmt.Sprintf("ParentWorkflowId = '%s'", ts.No), child)
	checkTemporalCLI(t, s, fmt.Sprintf("ParentWorkflowId = '%s'", ts.No), child)
	_, b = s.call(http.MethodGet, "/api/v1/cases?parent="+ts.No, nil)
	if !bytes.Contains(b, []byte(child)) {
		t.Fatalf("GET /api/v1/cases?parent=%s does not list %s: %s", ts.No, child, b)
	}
	s.act(child, "accept", map[string]any{"actor": "head.engineering", "sign_responsibilities": true}, http.StatusOK)
	s.act(child, "deliver", map[string]any{"actor": "head.engineering", "result": "drain blocked; cleared"}, http.StatusOK)
	var after caseJSON
	for range 100 {
		after = s.get(ts.No)
		if _, st := after.deadline("resolution"); st == workflows.DeadlinePending {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range after.Deadlines {
		if d.Name == "resolution" && (d.State != workflows.DeadlinePending || !strings.Contains(d.Text, "left carried forward")) {
			t.Fatalf("resolution after delivery: %s %q, want pending with the carried time explained", d.State, d.Text)
		}
	}
	s.act(child, "rate", map[string]any{"actor": "staff.property", "score": 4}, http.StatusOK)
	waitClosed(t, tc, child)
	// Close the complaint so its history is complete.
	s.act(ts.No, "resolve", map[string]any{"actor": "staff.property", "result": "drain cleared"}, http.StatusOK)
	s.act(ts.No, "return-visit", map[string]any{"actor": "agent01", "satisfied": true, "outcome": "dry now", "method": "phone"}, http.StatusOK)
	s.act(ts.No, "deliver-result", map[string]any{"actor": "agent01"}, http.StatusOK)
	waitClosed(t, tc, ts.No)
	return xz.No, ts.No, child
}

// rateByLink follows the satisfaction link from the e-mail kept in the
// outbox: the customer rates 1/5, which sends the complaint back to rework
// (C8); the link then works no more, and a tampered one gets a page.
func rateByLink(t *testing.T, s *system, form map[string]any) string {
	t.Helper()
	code, b := s.call(http.MethodPost, "/api/v1/complaints", form)
	var c caseJSON
	_ = json.Unmarshal(b, &c)
	if code != http.StatusCreated {
		t.Fatalf("POST complaint: %d %s", code, b)
	}
	// Rule U1: the acknowledgement names the matter, states the promised
	// times in Beijing time and links the status page, which shows the
	// case's progress and nothing internal, and refuses a rating token.
	content, _ := form["content"].(string)
	status := statusByLink(t, s, c.No, workflows.ShortText(content, workflows.SubjectRunes))
	s.act(c.No, "first-feedback", map[string]any{"actor": "agent01", "message": "on it"}, http.StatusOK)
	s.act(c.No, "resolve", map[string]any{"actor": "staff.property", "result": "pipe replaced"}, http.StatusOK)
	var link string
	for range 100 {
		entries, _ := (&activities.Outbox{Dir: filepath.Join(s.dataDir, "outbox")}).List(c.No)
		for _, e := range entries {
			if e.Notice.Kind == workflows.NoticeSatisfactionReq && len(e.Messages) == 1 {
				if i := strings.Index(e.Messages[0].Text, s.base()+"/rate/"); i >= 0 {
					link = strings.Fields(e.Messages[0].Text[i:])[0]
				}
			}
		}
		if link != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("no satisfaction link for %s in the outbox", c.No)
	}
	page := func(resp *http.Response, err error) (int, string) {
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := page(http.Get(link)); code != http.StatusOK || !strings.Contains(body, `name="score"`) {
		t.Fatalf("rating page: %d %s", code, body)
	}
	rate := func() (int, string) {
		return page(http.PostForm(link, map[string][]string{"score": {"1"}, "comment": {"still dripping"}}))
	}
	// Rule C8: a low rating tells the customer what happens next, and by
	// when, in Beijing time.
	if code, body := rate(); code != http.StatusOK || !strings.Contains(body, "谢谢") || !strings.Contains(body, "退回重新处理") ||
		!strings.Contains(body, "（北京时间） 前再次与您联系") {
		t.Fatalf("rating: %d %s", code, body)
	}
	if got := s.get(c.No); got.Status != workflows.StatusRework {
		t.Fatalf("after a 1/5 rating the case is %s, want rework", got.Status)
	}
	if code, body := page(http.Get(link)); code != http.StatusOK || !strings.Contains(body, "您已评价过") || strings.Contains(body, `name="score"`) {
		t.Fatalf("opening a used link: %d %s", code, body)
	}
	if code, body := rate(); code != http.StatusConflict || !strings.Contains(body, "您已评价过") {
		t.Fatalf("second use of the link: %d %s", code, body)
	}
	if code, body := page(http.Get(status)); code != http.StatusOK || !strings.Contains(body, "您对处理结果不满意，案件正在重新处理") {
		t.Fatalf("status page after a low rating: %d %s", code, body)
	}
	if code, _ := page(http.Get(strings.Replace(link, "/rate/", "/status/", 1))); code != http.StatusBadRequest {
		t.Fatalf("a rating token opened the status page: %d", code)
	}
	if code, _ := page(http.Get(link + "x")); code != http.StatusBadRequest {
		t.Fatalf("tampered link: %d", code)
	}
	return c.No
}

// statusByLink reads the case's acknowledgement from the outbox and opens
// its status link; it returns the link.
func statusByLink(t *testing.T, s *system, no, subject string) string {
	t.Helper()
	var ack mail.Message
	for range 100 {
		entries, _ := (&activities.Outbox{Dir: filepath.Join(s.dataDir, "outbox")}).List(no)
		for _, e := range entries {
			if e.Notice.Kind == workflows.NoticeCustomerAck && len(e.Messages) == 1 {
				ack = e.Messages[0]
			}
		}
		if ack.Text != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if subject == "" || !strings.Contains(ack.Subject, subject) || !strings.Contains(ack.Text, "首次答复您：不晚于") ||
		!strings.Contains(ack.Text, "（北京时间）") {
		t.Fatalf("acknowledgement of %s does not name the matter %q or the promised times: %q\n%s", no, subject, ack.Subject, ack.Text)
	}
	i := strings.Index(ack.Text, s.base()+"/status/")
	if i < 0 {
		t.Fatalf("no status link in the acknowledgement: %s", ack.Text)
	}
	link := strings.Fields(ack.Text[i:])[0]
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, no) || !strings.Contains(body, "下一步") || strings.Contains(body, "staff.property") ||
		strings.Contains(body, "agent01") {
		t.Fatalf("status page: %d %s", resp.StatusCode, body)
	}
	return link
}

// checkDigest finds the daily digest schedule at 08:30 Shanghai time,
// triggers it, and finds the property head's digest in the outbox.
func checkDigest(t *testing.T, s *system, tc client.Client) {
	t.Helper()
	h := tc.ScheduleClient().GetHandle(context.Background(), workflows.DigestScheduleID)
	d, err := h.Describe(context.Background())
	if err != nil {
		t.Fatalf("digest schedule: %v", err)
	}
	cal := d.Schedule.Spec.Calendars
	if len(cal) != 1 || cal[0].Hour[0].Start != 8 || cal[0].Minute[0].Start != 30 || d.Schedule.Spec.TimeZoneName != "Asia/Shanghai" {
		t.Fatalf("digest schedule spec %+v", d.Schedule.Spec)
	}
	if err := h.Trigger(context.Background(), client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		entries, _ := (&activities.Outbox{Dir: filepath.Join(s.dataDir, "outbox")}).List("")
		for _, e := range entries {
			if e.Notice.Kind == workflows.NoticeDigest && e.Notice.To.Department == "property" && len(e.Messages) == 1 &&
				strings.Contains(e.Messages[0].Subject, "本部门今日案件") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no digest for the property department in the outbox")
}

// importEmergency enters an emergency form with the CLI (E1): the good
// rows become cases with their original times — one already overdue and
// escalated — the bad row is reported by line and field, and a second run
// creates nothing.
func importEmergency(t *testing.T, s *system) {
	t.Helper()
	local := func(d time.Duration) string {
		return time.Now().Add(d).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	}
	csvFile := filepath.Join(t.TempDir(), "emergency.csv")
	body := "intake_at,complainant_name,phone,content,demand,channel,region,department\n" +
		local(-80*time.Hour) + ",张伟,13812345678,lobby leak,fix it,phone,Pudong,property\n" +
		"yesterday,李娜,13800000000,noise,stop it,phone,Pudong,\n" +
		local(-time.Hour) + ",王芳,13900000000,broken lift,repair it,onsite,Pudong,property\n"
	if err := os.WriteFile(csvFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() (string, error) {
		cmd := exec.Command(s.bin, "import", "emergency", csvFile, "--server", s.base(), "--token", s.tokens["cshead01"], "--batch", "2")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Entering backdates registrations: the customer-service head's job.
	if code, b := s.callAs("agent01", http.MethodPost, "/api/v1/imports/emergency", nil); code != http.StatusForbidden {
		t.Fatalf("agent importing: %d %s", code, b)
	}
	out, err := run()
	if err == nil || !strings.Contains(out, "created 2, already entered 0, refused 1") || !strings.Contains(out, "line 3: intake_at") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	var backdated string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "line 2 → ") {
			backdated = strings.TrimPrefix(strings.TrimSpace(l), "line 2 → ")
		}
	}
	if out, _ := run(); !strings.Contains(out, "created 0, already entered 2, refused 1") {
		t.Fatalf("second import: %s", out)
	}
	var c caseJSON
	for range 100 {
		if c = s.get(backdated); func() bool { _, st := c.deadline("first_feedback"); return st == workflows.DeadlineBreached }() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if due, st := c.deadline("first_feedback"); st != workflows.DeadlineBreached || time.Since(due) < 55*time.Hour {
		t.Fatalf("backdated case %s: first feedback %s due %v, want breached 56h ago", backdated, st, due)
	}
}

// checkQuality triggers the daily supervision schedule and finds
// yesterday's task for quality control (K2), and marks a closed case as
// typical for the knowledge base that every role reads (K8).
func checkQuality(t *testing.T, s *system, tc client.Client, closedNo string) {
	t.Helper()
	h := tc.ScheduleClient().GetHandle(context.Background(), workflows.SupervisionScheduleID)
	if err := h.Trigger(context.Background(), client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("supervision schedule: %v", err)
	}
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	var code int
	for range 100 {
		if code, _ = s.callAs("qc01", http.MethodGet, "/api/v1/supervision/"+yesterday, nil); code == http.StatusOK {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("supervision of %s: %d", yesterday, code)
	}
	body := map[string]any{"highlights": "statement within the hour", "improvements": "name the spokesperson earlier"}
	if code, b := s.callAs("agent01", http.MethodPost, "/api/v1/cases/"+closedNo+"/typical", body); code != http.StatusForbidden {
		t.Fatalf("agent marks typical: %d %s", code, b)
	}
	if code, b := s.callAs("qc01", http.MethodPost, "/api/v1/cases/"+closedNo+"/typical", body); code != http.StatusOK {
		t.Fatalf("qc marks typical: %d %s", code, b)
	}
	if _, b := s.callAs("agent01", http.MethodGet, "/api/v1/knowledge", nil); !bytes.Contains(b, []byte(closedNo)) {
		t.Fatalf("knowledge base: %s", b)
	}
	// Maintenance learns the lesson but not which case it was (P3).
	if _, b := s.callAs("maint01", http.MethodGet, "/api/v1/knowledge", nil); bytes.Contains(b, []byte(closedNo)) ||
		!bytes.Contains(b, []byte("statement within the hour")) {
		t.Fatalf("knowledge base for maintenance: %s", b)
	}
}

// firstOfType is the ID of a finished run of the workflow type.
func firstOfType(t *testing.T, c client.Client, workflowType string) string {
	t.Helper()
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Completed'", workflowType)
	for range 50 {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Executions) > 0 {
			return resp.Executions[0].Execution.GetWorkflowId()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no completed %s", workflowType)
	return ""
}

// waitClosed waits for a case's workflow to finish.
func waitClosed(t *testing.T, c client.Client, no string) {
	t.Helper()
	if err := c.GetWorkflow(context.Background(), no, "").Get(context.Background(), nil); err != nil {
		t.Fatalf("case %s did not finish: %v", no, err)
	}
}

// backfill starts a complaint the way the emergency import will: with its
// original registration time.
func backfill(t *testing.T, c client.Client, form map[string]any, registered time.Time) string {
	t.Helper()
	b, _ := json.Marshal(form)
	var f forms.Complaint
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	f.IntakeAt, f.RegisteredAt = registered, registered
	f.Normalize(registered)
	no := "TS-" + registered.Format("20060102") + "-9001"
	_, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: no, TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SACaseType.ValueSet(workflows.TypeComplaint)),
	}, workflows.ComplaintWorkflowName, workflows.ComplaintInput{No: no, Form: f, Policy: sla.DefaultComplaint(), CreatedBy: "agent01"})
	if err != nil {
		t.Fatal(err)
	}
	return no
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "closeloop")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/closeloop")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// freeEnginePort finds a base port whose engine ports are all free.
func freeEnginePort(t *testing.T) int {
	t.Helper()
	p, err := engine.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dialEngine connects to s's embedded engine with the client certificate
// in its data folder, which the engine requires.
func dialEngine(t *testing.T, s *system) client.Client {
	t.Helper()
	// With the systems' payload keys, to read what they wrote.
	dc, fc := testConverters()
	c, err := client.Dial(client.Options{HostPort: "127.0.0.1:" + strconv.Itoa(s.tPort),
		ConnectionOptions: client.ConnectionOptions{TLS: engineTLS(t, s)}, DataConverter: dc, FailureConverter: fc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitListed(t *testing.T, c client.Client, query, no string) {
	t.Helper()
	for range 50 {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		for _, e := range resp.Executions {
			if e.Execution.GetWorkflowId() == no {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not found by %q", no, query)
}

// checkTemporalCLI runs `temporal workflow list` as an operator would,
// with the settings `closeloop temporal-env` prints, when the CLI is
// installed (.ci/run installs it, so under CI it must be there).
func checkTemporalCLI(t *testing.T, s *system, query, no string) {
	t.Helper()
	bin, err := exec.LookPath("temporal")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("temporal CLI not installed under CI: %v", err)
		}
		t.Log("SKIP temporal CLI check: `temporal` not on PATH (CI installs it)")
		return
	}
	cmd := exec.Command(bin, "workflow", "list", "--query", query)
	cmd.Env = temporalEnv(t, s.bin, "CLOSELOOP_DATA_DIR="+s.dataDir, "CLOSELOOP_TEMPORAL_PORT="+strconv.Itoa(s.tPort))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(no)) {
		t.Fatalf("temporal workflow list: %v\n%s", err, out)
	}
	// Issue 19: the operator's CLI, signed in to the engine, still sees no
	// customer: every payload is ciphertext. The history is shown (an empty
	// answer cannot pass), and in JSON its payloads are there, marked
	// encrypted ("binary/encrypted" in base64).
	for format, want := range map[string]string{"text": "WorkflowExecutionStarted", "json": "YmluYXJ5L2VuY3J5cHRlZA=="} {
		cmd := exec.Command(bin, "workflow", "show", "--workflow-id", workflows.CaseWorkflowID(no), "--output", format)
		cmd.Env = temporalEnv(t, s.bin, "CLOSELOOP_DATA_DIR="+s.dataDir, "CLOSELOOP_TEMPORAL_PORT="+strconv.Itoa(s.tPort))
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte(want)) {
			t.Fatalf("temporal workflow show -o %s: %v\n%s", format, err, out)
		}
		for _, secret := range []string{"张伟", "13812345678", "zhang.wei@example.com", "大堂天花板漏水"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("temporal workflow show -o %s prints the customer's %q in clear", format, secret)
			}
		}
	}
}

// checkPendingTimers asserts the workflow is running with unfired timers.
func checkPendingTimers(t *testing.T, c client.Client, no string) {
	t.Helper()
	desc, err := c.DescribeWorkflowExecution(context.Background(), no, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("workflow status %s, want running", st)
	}
	started, ended := map[int64]bool{}, map[int64]bool{}
	it := c.GetWorkflowHistory(context.Background(), no, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			started[e.GetEventId()] = true
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			ended[e.GetTimerFiredEventAttributes().GetStartedEventId()] = true
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			ended[e.GetTimerCanceledEventAttributes().GetStartedEventId()] = true
		}
	}
	pending := 0
	for id := range started {
		if !ended[id] {
			pending++
		}
	}
	if pending == 0 {
		t.Fatalf("no pending timer on %s after restart (started %d)", no, len(started))
	}
}

// temporalEnv is the environment `closeloop temporal-env` prints for the
// stock temporal CLI, run with settings over a clean environment, added
// to that environment.
func temporalEnv(t *testing.T, bin string, settings ...string) []string {
	t.Helper()
	env := append(cleanTemporalEnv(), settings...)
	cmd := exec.Command(bin, "temporal-env")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("closeloop temporal-env: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		k, v, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 || !strings.HasPrefix(v, "'") || !strings.HasSuffix(v, "'") {
			t.Fatalf("closeloop temporal-env: not an export line: %q", line)
		}
		env = append(env, k+"="+strings.ReplaceAll(v[1:len(v)-1], `'\''`, "'"))
	}
	return env
}

// cleanTemporalEnv is this process's environment without any TEMPORAL_*
// or CLOSELOOP_* setting, and with a HOME of its own so that no CLI
// profile applies.
func cleanTemporalEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TEMPORAL_") && !strings.HasPrefix(kv, "CLOSELOOP_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+os.TempDir())
}
