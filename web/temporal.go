package web

import (
	"net/http"

	"github.com/closeloop/closeloop/starter"
)

// temporalUI admits the Temporal web UI's requests (its pages, assets and
// API under /temporal/) for a signed-in user with the temporal right —
// the administrator; anyone not signed in goes to sign-in, anyone else
// is refused. The UI sets its own security headers (its pages carry a
// script nonce our policy would block), so it is served outside secure.
func (s *Server) temporalUI(w http.ResponseWriter, r *http.Request) {
	s.page(func(rq *request) {
		if !rq.me.Can.Temporal {
			s.Log.Warn("temporal UI refused", "subject", rq.me.Username, "role", rq.me.Role, "path", r.URL.Path)
			s.fail(rq, &starter.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "the Temporal web UI is for administrators"})
			return
		}
		s.Temporal.ServeHTTP(w, r)
	})(w, r)
}
