package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// accessMatrix is policies/testdata/matrix.json, the P3 access table.
type accessMatrix struct {
	Departments map[string]string              `json:"departments"`
	Actions     []string                       `json:"actions"`
	Allow       map[string]map[string][]string `json:"allow"`
}

// The customer in the example complaint; no response to anyone may show it
// unmasked (P1).
var customerPII = []string{"张伟", "13812345678", "zhang.wei@example.com"}

// TestAccessOverTheAPI drives the P3 matrix through the real API: every
// role, signed in with its demo token, tries every action on a case of its
// own department, another department, an escalated one, a closed one and a
// request its department made. A case it may not read answers 404; one it
// may read but not change 403; a closed one 409; an allowed action reaches
// the workflow, whose validator then refuses the empty input (422 or 409),
// so nothing changes. Then every role walks every list and case it can see
// and finds no unmasked customer data (P1).
func TestAccessOverTheAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary; skipped with -short")
	}
	var m accessMatrix
	raw, err := os.ReadFile("../policies/testdata/matrix.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer s.stop()
	tc := dialEngine(t, s)
	defer tc.Close()

	creds, err := identity.ReadDemoCredentials(s.dataDir + "/" + identity.DemoCredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	userOf := map[string]string{} // role → demo user in the matrix's department
	for _, u := range creds.Users {
		if m.Departments[string(u.Role)] == u.Department && userOf[string(u.Role)] == "" {
			userOf[string(u.Role)] = u.Username
		}
	}
	f := newFixtures(t, tc)
	for role := range m.Allow {
		if userOf[role] == "" {
			t.Fatalf("no demo user for role %s in %s", role, m.Departments[role])
		}
	}

	applies := map[string][]string{
		workflows.TypeComplaint:     {"route", "first-feedback", "resolve", "return-visit", "reassign", "assign", "comment", "escalate", "request-collaboration"},
		workflows.TypeCollaboration: {"comment", "escalate", "accept", "rate"},
	}
	for role, byOwnership := range m.Allow {
		user, dept := userOf[role], m.Departments[role]
		// Registering does not depend on any case.
		code, _ := s.callAs(user, http.MethodPost, "/api/v1/complaints", map[string]any{})
		if want := expect(slices.Contains(byOwnership["own"], "create"), true, false); !want(code) {
			t.Errorf("%s create: %d", role, code)
		}
		for _, ownership := range []string{"own", "other", "escalated", "closed", "requested"} {
			no, caseType := f.caseFor(ownership, dept)
			allowed := byOwnership[ownership]
			canRead := slices.Contains(allowed, "read")
			closed := ownership == "closed"
			code, body := s.callAs(user, http.MethodGet, "/api/v1/cases/"+no, nil)
			if (canRead && code != http.StatusOK) || (!canRead && code != http.StatusNotFound) {
				t.Errorf("%s read %s case %s: %d, want %s", role, ownership, no, code, map[bool]string{true: "200", false: "404"}[canRead])
			}
			noPII(t, role+" read "+no, body)
			code, body = s.callAs(user, http.MethodPost, "/api/v1/cases/"+no+"/reveal", map[string]any{})
			if want := revealExpect(canRead, slices.Contains(allowed, "reveal-pii"), closed); code != want {
				t.Errorf("%s reveal on %s case: %d, want %d (%s)", role, ownership, code, want, body)
			}
			for _, action := range m.Actions {
				if !slices.Contains(applies[caseType], action) {
					continue
				}
				in := map[string]any{}
				if action == "reassign" {
					in["department"] = dept
				}
				code, body := s.callAs(user, http.MethodPost, "/api/v1/cases/"+no+"/actions/"+action, in)
				if want := expect(slices.Contains(allowed, action), canRead, closed); !want(code) {
					t.Errorf("%s %s on %s case %s: %d %s", role, action, ownership, no, code, body)
				}
			}
		}
	}

	// P3: a closed case changes only by a reopen, by the customer-service
	// head; an open one is not reopened.
	for role := range m.Allow {
		user, dept := userOf[role], m.Departments[role]
		delete(f.cases, "closed/"+dept) // a fresh closed case for each try
		no, _ := f.caseFor("closed", dept)
		canRead := slices.Contains(m.Allow[role]["closed"], "read")
		code, body := s.callAs(user, http.MethodPost, "/api/v1/cases/"+no+"/reopen", map[string]any{"reason": "the leak is back"})
		want := revealExpect(canRead, slices.Contains(m.Allow[role]["closed"], "reopen"), false)
		if code != want {
			t.Errorf("%s reopen: %d, want %d (%s)", role, code, want, body)
		}
		if code == http.StatusOK && !bytes.Contains(body, []byte(`"status": "rework"`)) {
			t.Errorf("%s reopened %s but it is not in rework: %s", role, no, body)
		}
	}
	if no, _ := f.caseFor("other", ""); true {
		if code, _ := s.callAs("cshead01", http.MethodPost, "/api/v1/cases/"+no+"/reopen", map[string]any{"reason": "x"}); code != http.StatusConflict {
			t.Errorf("reopening an open case: %d, want 409", code)
		}
	}

	// P1: nobody's lists or case pages show the customer unmasked; the
	// reveal shows it to customer service and is on the timeline.
	for _, u := range creds.Users {
		code, body := s.callAs(u.Username, http.MethodGet, "/api/v1/cases?page_size=200", nil)
		if code != http.StatusOK {
			t.Fatalf("%s list: %d %s", u.Username, code, body)
		}
		noPII(t, u.Username+" list", body)
		var page struct {
			Cases []struct{ No string } `json:"cases"`
		}
		_ = json.Unmarshal(body, &page)
		for _, c := range page.Cases {
			code, body := s.callAs(u.Username, http.MethodGet, "/api/v1/cases/"+c.No, nil)
			if code != http.StatusOK {
				t.Errorf("%s lists %s but cannot open it: %d", u.Username, c.No, code)
			}
			noPII(t, u.Username+" case "+c.No, body)
		}
	}
	no, _ := f.caseFor("other", "")
	code, body := s.callAs("agent01", http.MethodPost, "/api/v1/cases/"+no+"/reveal", map[string]any{"reason": "calling the customer back"})
	if code != http.StatusOK || !bytes.Contains(body, []byte("13812345678")) {
		t.Fatalf("reveal by the agent: %d %s", code, body)
	}
	_, body = s.callAs("agent01", http.MethodGet, "/api/v1/cases/"+no, nil)
	if !bytes.Contains(body, []byte(`"pii_revealed"`)) || !bytes.Contains(body, []byte(`"agent01"`)) {
		t.Fatalf("the reveal is not on the timeline: %s", body)
	}
}

// expect is the status an action may answer: denied → 403 (404 when the
// case cannot even be read), allowed → anything the workflow answers to an
// empty input, never 403 or 404; a closed case → 409.
func expect(allowed, canRead, closed bool) func(int) bool {
	return func(code int) bool {
		switch {
		case !canRead:
			return code == http.StatusNotFound
		case closed:
			return code == http.StatusConflict
		case !allowed:
			return code == http.StatusForbidden
		}
		return code == http.StatusUnprocessableEntity || code == http.StatusConflict
	}
}

func revealExpect(canRead, allowed, closed bool) int {
	switch {
	case !canRead:
		return http.StatusNotFound
	case !allowed:
		return http.StatusForbidden
	case closed:
		return http.StatusConflict
	}
	return http.StatusOK
}

func noPII(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, p := range customerPII {
		if bytes.Contains(body, []byte(p)) {
			t.Errorf("%s shows %q unmasked", what, p)
		}
	}
}

// fixtures are the cases of the matrix, started straight on the engine so
// that setting them up needs no permission.
type fixtures struct {
	t     *testing.T
	tc    client.Client
	seq   int
	cases map[string]string // ownership/department → case number
}

func newFixtures(t *testing.T, tc client.Client) *fixtures {
	return &fixtures{t: t, tc: tc, cases: map[string]string{}}
}

const otherDept = "engineering"

// caseFor returns the case standing for ownership as seen from dept.
func (f *fixtures) caseFor(ownership, dept string) (string, string) {
	key := ownership + "/" + dept
	switch ownership {
	case "other", "escalated":
		key = ownership
	}
	if no, ok := f.cases[key]; ok {
		return no, typeOf(no)
	}
	var no string
	switch ownership {
	case "own":
		no = f.complaint(dept, false)
	case "other":
		no = f.complaint(otherDept, false)
	case "escalated":
		no = f.complaint(otherDept, true) // a major complaint goes to management (C9)
	case "closed":
		no = f.complaint(dept, false)
		for _, a := range []struct {
			name string
			in   any
		}{
			{workflows.ActionFirstFeedback, workflows.FirstFeedbackInput{Actor: "fixture", Message: "on it"}},
			{workflows.ActionResolve, workflows.ResolveInput{Actor: "fixture", Result: "fixed"}},
			{workflows.ActionReturnVisit, workflows.ReturnVisitInput{Actor: "fixture", Satisfied: true, Outcome: "fine", Method: "phone"}},
			{workflows.ActionDeliverResult, workflows.DeliverResultInput{Actor: "fixture"}},
		} {
			f.update(no, a.name, a.in)
		}
		if err := f.tc.GetWorkflow(context.Background(), no, "").Get(context.Background(), nil); err != nil {
			f.t.Fatalf("closing fixture %s: %v", no, err)
		}
	case "requested":
		no = f.collaboration(dept)
		f.update(no, workflows.ActionAccept, workflows.AcceptInput{Actor: "fixture", SignResponsibilities: true})
	}
	f.cases[key] = no
	return no, typeOf(no)
}

func typeOf(no string) string {
	if no[:2] == workflows.PrefixCollaboration {
		return workflows.TypeCollaboration
	}
	return workflows.TypeComplaint
}

func (f *fixtures) next(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-%s-%04d", prefix, time.Now().Format("20060102"), 8000+f.seq)
}

func (f *fixtures) complaint(dept string, major bool) string {
	f.t.Helper()
	b, err := os.ReadFile("../forms/examples/complaint.json")
	if err != nil {
		f.t.Fatal(err)
	}
	var form forms.Complaint
	if err := json.Unmarshal(b, &form); err != nil {
		f.t.Fatal(err)
	}
	now := time.Now()
	form.Department, form.Major = dept, major
	form.Normalize(now)
	no := f.next(workflows.PrefixComplaint)
	f.start(no, workflows.ComplaintWorkflowName, workflows.ComplaintInput{No: no, Form: form, Policy: sla.DefaultComplaint(), CreatedBy: "fixture"},
		workflows.SACaseType.ValueSet(workflows.TypeComplaint), workflows.SADepartment.ValueSet(dept))
	return no
}

func (f *fixtures) collaboration(requester string) string {
	now := time.Now()
	form := forms.Collaboration{RequestingDepartment: requester, TargetDepartment: otherDept, Requester: "fixture", Need: "inspect",
		TimeNode: now.Add(72 * time.Hour), RequesterResponsibilities: "access", TargetResponsibilities: "inspection"}
	form.Normalize(now)
	no := f.next(workflows.PrefixCollaboration)
	f.start(no, workflows.CollaborationWorkflowName, workflows.CollaborationInput{No: no, Form: form, Policy: sla.DefaultCollaboration(), CreatedBy: "fixture"},
		workflows.SACaseType.ValueSet(workflows.TypeCollaboration), workflows.SADepartment.ValueSet(otherDept),
		workflows.SARequestingDepartment.ValueSet(requester))
	return no
}

func (f *fixtures) start(no, workflow string, in any, sa ...temporal.SearchAttributeUpdate) {
	f.t.Helper()
	_, err := f.tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: no, TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(sa...)}, workflow, in)
	if err != nil {
		f.t.Fatalf("start fixture %s: %v", no, err)
	}
}

func (f *fixtures) update(no, name string, in any) {
	f.t.Helper()
	h, err := f.tc.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: no, UpdateName: name,
		Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	if err != nil {
		f.t.Fatalf("fixture %s %s: %v", no, name, err)
	}
}
