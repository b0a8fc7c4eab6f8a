package api

import (
	"context"

	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/workflows"
)

// permissions says what the caller may do with a case, so a client offers
// only those actions; every request is still checked on its own.
type permissions struct {
	Actions     []string `json:"actions"`
	Reveal      bool     `json:"reveal"`
	Reopen      bool     `json:"reopen"`
	Restore     bool     `json:"restore"`
	MarkTypical bool     `json:"mark_typical"`
}

// actionsOf lists each case type's staff actions in workflow order.
var actionsOf = map[string][]string{
	workflows.TypeComplaint:     workflows.ComplaintActions,
	workflows.TypeRepair:        workflows.RepairActions,
	workflows.TypeConsultation:  workflows.ConsultationActions,
	workflows.TypeMediaInquiry:  workflows.MediaInquiryActions,
	workflows.TypeCollaboration: workflows.CollaborationActions,
}

func (s *Server) permissionsOn(ctx context.Context, v workflows.CaseView) permissions {
	sub, target := callerOf(ctx).subject(), caseOf(v)
	ok := func(action string) bool { return s.Authz.Can(ctx, sub, action, target) }
	p := permissions{Actions: []string{}}
	// A failed case takes no action until it is restored.
	open := v.Status != workflows.StatusClosed && v.Status != workflows.StatusDeclined && v.Status != workflows.StatusFailed
	for _, a := range actionsOf[v.Type] {
		if open && ok(policies.ActAction(a)) {
			p.Actions = append(p.Actions, a)
		}
	}
	p.Reveal = ok(policies.ActionRevealPII)
	p.Restore = v.Status == workflows.StatusFailed && ok(policies.ActionRestore)
	p.Reopen = v.Status == workflows.StatusClosed && (v.Type == workflows.TypeComplaint || v.Type == workflows.TypeRepair) && ok(policies.ActionReopen)
	// A failed case is no example of how cases are handled until restored.
	p.MarkTypical = v.Status != workflows.StatusFailed && ok(policies.ActionMarkTypical)
	return p
}
