package api

import (
	"net/http"

	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
)

type replanRequest struct {
	// DryRun lists what would move and changes nothing.
	DryRun bool `json:"dry_run"`
}

// replan re-plans the running working-day clocks of every open case on the
// calendar as it is now (after an upgrade or a new override file); the
// administrator's right alone.
func (s *Server) replan(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if s.Authz.AllowedOn(r.Context(), c.subject(), policies.ActionCalendarReplan, "calendar") != nil {
		s.fail(w, r, errForbidden("re-planning deadlines"))
		return
	}
	var in replanRequest
	body, err := readBody(w, r)
	if err == nil {
		err = starter.DecodeStrict(body, &in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.Cases.Replan(r.Context(), c.Username, in.DryRun)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
