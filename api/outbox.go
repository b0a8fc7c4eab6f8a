package api

import (
	"net/http"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
)

// Outbox lists the notices kept locally, newest first, optionally for one
// case.
type Outbox interface {
	List(caseNo string) ([]activities.OutboxEntry, error)
}

type outboxResponse struct {
	Entries []activities.OutboxEntry `json:"entries"`
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	if s.Outbox == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "no_outbox", Message: "e-mail goes out through SendGrid; there is no local outbox"})
		return
	}
	c := callerOf(r.Context())
	if s.Authz.AllowedOn(r.Context(), c.subject(), policies.ActionOutboxRead, "outbox") != nil {
		s.fail(w, r, errForbidden("reading the outbox"))
		return
	}
	no := r.URL.Query().Get("case")
	entries, err := s.Outbox.List(no)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if entries == nil {
		entries = []activities.OutboxEntry{}
	}
	writeJSON(w, http.StatusOK, outboxResponse{Entries: entries})
}
