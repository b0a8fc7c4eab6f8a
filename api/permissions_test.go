package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Issue 17: a failed case offers the customer-service head its restore and
// nothing else of its own — in particular it is not put in the knowledge
// base while failed; once restored (in progress again) it may be.
func TestFailedCaseOffersRestoreNotMarkTypical(t *testing.T) {
	s := testServer(&starter.Service{})
	u, ok := testDirectory().User("cshead01")
	if !ok {
		t.Fatal("no cshead01")
	}
	ctx := context.WithValue(context.Background(), userKey{}, caller{User: u})
	v := workflows.CaseView{No: "TS-20261201-0001", Type: workflows.TypeComplaint, Department: "property", Status: workflows.StatusFailed}
	p := s.permissionsOn(ctx, v)
	if !p.Restore || p.MarkTypical || len(p.Actions) > 0 {
		t.Errorf("failed case: restore %v, mark typical %v, actions %v; want only restore", p.Restore, p.MarkTypical, p.Actions)
	}
	v.Status = workflows.StatusInProgress
	if p := s.permissionsOn(ctx, v); p.Restore || !p.MarkTypical {
		t.Errorf("restored case: restore %v, mark typical %v; want mark typical only", p.Restore, p.MarkTypical)
	}
}

// Issue 18: a routed complaint offers no return visit, though the agent's
// policies allow one; once resolved it does.
func TestPermissionsOfferOnlyValidActions(t *testing.T) {
	s := testServer(&starter.Service{})
	u, ok := testDirectory().User("agent01")
	if !ok {
		t.Fatal("no agent01")
	}
	ctx := context.WithValue(context.Background(), userKey{}, caller{User: u})
	v := workflows.CaseView{No: "TS-20261201-0001", Type: workflows.TypeComplaint, Department: "property", Status: workflows.StatusRouted,
		Form: &forms.Complaint{}, Record: &workflows.ComplaintRecord{}}
	if p := s.permissionsOn(ctx, v); slices.Contains(p.Actions, workflows.ActionReturnVisit) || !slices.Contains(p.Actions, workflows.ActionComment) {
		t.Errorf("routed: %v", p.Actions)
	}
	v.Status = workflows.StatusResolved
	if p := s.permissionsOn(ctx, v); !slices.Contains(p.Actions, workflows.ActionReturnVisit) {
		t.Errorf("resolved: %v", p.Actions)
	}
}

// Issue 18: working out what a user may do is no attempt to do it, so
// computing a case's permissions and the user's areas (every case page
// does both) logs no "access denied"; a real refusal still does.
func TestPermissionsLogNoRefusals(t *testing.T) {
	var logged bytes.Buffer
	s := testServer(&starter.Service{})
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	idx, err := policies.Load(policies.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	s.Authz = policies.NewAuthorizer(idx, s.Log)
	denied := 0
	s.Authz.OnDeny = func(string) { denied++ }

	roles := []identity.Role{identity.RoleAgent, identity.RoleCSHead, identity.RoleDeptStaff, identity.RoleDeptHead,
		identity.RoleMaintenance, identity.RoleQC, identity.RoleManager, identity.RoleAdmin}
	statuses := []string{workflows.StatusRegistered, workflows.StatusInProgress, workflows.StatusClosed, workflows.StatusFailed}
	for _, role := range roles {
		c := caller{User: identity.User{Username: "u-" + string(role), Role: role, Department: "property"}}
		ctx := context.WithValue(context.Background(), userKey{}, c)
		for _, typ := range []string{workflows.TypeComplaint, workflows.TypeRepair, workflows.TypeConsultation, workflows.TypeMediaInquiry, workflows.TypeCollaboration} {
			for _, st := range statuses {
				// Another department's case: most of its actions are refused.
				s.permissionsOn(ctx, workflows.CaseView{No: "TS-20261201-0001", Type: typ, Department: "engineering", Status: st})
			}
		}
		s.rightsOf(ctx, c)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, token := range []string{agentToken, "clt_test_qc", "clt_test_head", "clt_test_cshead", "clt_test_admin"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/me: %s", resp.Status)
		}
	}
	if strings.Contains(logged.String(), "access denied") || denied > 0 {
		t.Fatalf("probing rights logged %d refusals:\n%s", denied, logged.String())
	}

	// An agent asking to re-plan the calendar is refused, and that is logged.
	agent := policies.Subject{Username: "agent01", Role: string(identity.RoleAgent), Department: "customer_service"}
	if s.Authz.AllowedOn(context.Background(), agent, policies.ActionCalendarReplan, "calendar") == nil {
		t.Fatal("agent may re-plan the calendar")
	}
	if !strings.Contains(logged.String(), "level=WARN msg=\"access denied\"") || denied != 1 {
		t.Fatalf("a real refusal was not logged (%d counted):\n%s", denied, logged.String())
	}
}
