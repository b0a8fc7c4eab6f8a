package api

import (
	"context"
	"slices"
	"testing"

	"github.com/closeloop/closeloop/forms"

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
