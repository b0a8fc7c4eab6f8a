package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/forms"
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
	// Local: the outbox is where e-mail goes (no mail service, a test
	// installation); otherwise it holds the mail the service refused.
	Local bool `json:"local"`
	// Links: the customers' satisfaction and status links are shown in
	// full (the administrator, in a local outbox); otherwise they are cut.
	Links bool `json:"links"`
	// Revealed: the customer is shown in clear, recorded on the case's
	// timeline (?reveal=true&case=); otherwise masked (P1).
	Revealed bool `json:"revealed"`
}

// outbox lists the outbox for who the policies let read it (deny by
// default), every entry masked (P1) and the customers' links cut, unless
// the caller asks to reveal one case's customer and may, which is
// recorded like the case's reveal action; the administrator of a local
// outbox (a test installation) sees the links in full, to follow them.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	if s.Outbox == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "no_outbox", Message: "e-mail goes out through SendGrid; there is no local outbox"})
		return
	}
	ctx := r.Context()
	c := callerOf(ctx)
	if s.Authz.AllowedOn(ctx, c.subject(), policies.ActionOutboxRead, "outbox") != nil {
		s.fail(w, r, errForbidden("reading the outbox"))
		return
	}
	q := r.URL.Query()
	no := q.Get("case")
	reveal := q.Get("reveal") == "true"
	if reveal && no == "" {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_input", Message: "reveal=true needs case=: the customer is revealed one case at a time, recorded on its timeline",
			Fields: []forms.FieldError{{Field: "case", Code: forms.CodeRequired, Message: "case is required with reveal=true"}}})
		return
	}
	entries, err := s.Outbox.List(no)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if entries == nil {
		entries = []activities.OutboxEntry{}
	}
	if reveal && len(entries) > 0 {
		for _, e := range entries {
			if s.Authz.Allowed(ctx, c.subject(), policies.ActionRevealPII, policies.Case{Type: e.Notice.CaseType, No: no}) != nil {
				s.fail(w, r, errForbidden("revealing customer data"))
				return
			}
		}
		reason := "read in the outbox"
		if why := strings.TrimSpace(q.Get("reason")); why != "" {
			reason += ": " + why
		}
		// Shown only once recorded: an unrecorded reveal is none.
		if err := s.recordReveal(ctx, no, c.Username, reason); err != nil {
			s.fail(w, r, err)
			return
		}
		s.Log.Info("outbox revealed", "user", c.Username, "case", no, "entries", len(entries))
	}
	links := s.OutboxLocal && s.Authz.CanOn(ctx, c.subject(), policies.ActionOutboxFollowLinks, "outbox")
	for i, e := range entries {
		if !reveal {
			e = e.Masked()
		}
		if !links {
			e = e.HideLinks()
		}
		entries[i] = e
	}
	writeJSON(w, http.StatusOK, outboxResponse{Entries: entries, Local: s.OutboxLocal, Links: links, Revealed: reveal && len(entries) > 0})
}

// recordReveal records on the case's timeline that actor was shown the
// customer, as the reveal action does.
func (s *Server) recordReveal(ctx context.Context, no, actor, reason string) error {
	if s.RecordReveal != nil {
		return s.RecordReveal(ctx, no, actor, reason)
	}
	_, err := s.Cases.Reveal(ctx, no, actor, reason)
	return err
}
