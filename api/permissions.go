package api

import (
	"context"
	"time"

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

// permissionsOn says what the caller may do with v: the actions its state
// allows now (a routed complaint offers no return visit) that the policies
// allow this caller.
func (s *Server) permissionsOn(ctx context.Context, v workflows.CaseView) permissions {
	sub, target := callerOf(ctx).subject(), caseOf(v)
	ok := func(action string) bool { return s.Authz.Can(ctx, sub, action, target) }
	p := permissions{Actions: []string{}}
	for _, a := range v.ValidActions(time.Now()) {
		if ok(policies.ActAction(a)) {
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
