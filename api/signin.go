package api

import (
	"math"
	"net"
	"net/http"
	"strconv"

	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
)

// Sign-in events, as SignInEvents is told them (metrics).
const (
	SignInFailed  = "failed"  // a wrong username or password
	SignInRefused = "refused" // not checked: the account waits or is locked, or the address is over its limit
	SignInLocked  = "locked"  // an account name was locked
)

// errTooManyAttempts answers every refused attempt the same, whether the
// name belongs to a user or not, with Retry-After set beside it.
var errTooManyAttempts = &starter.Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts",
	Message: "too many sign-in attempts; try again later"}

// clientAddr is the address throttled: the connection's, since Closeloop
// reads no forwarding header (behind a proxy it is the proxy's).
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (s *Server) signInEvent(event string) {
	if s.SignInEvents != nil {
		s.SignInEvents(event)
	}
}

// beginSignIn asks the throttle whether username may try now; a refusal
// is audited, counted and answered 429 with Retry-After. No throttle lets
// every attempt through.
func (s *Server) beginSignIn(r *http.Request, username string) (*identity.Attempt, error) {
	if s.Throttle == nil {
		return nil, nil
	}
	addr := clientAddr(r)
	attempt, err := s.Throttle.Begin(r.Context(), username, addr)
	if ref, ok := identity.IsRefusal(err); ok {
		s.Log.Warn("sign-in refused", "audit", "sign-in", "username", username, "remote", addr, "reason", ref.Reason,
			"retry_after", ref.RetryAfter.String())
		s.signInEvent(SignInRefused)
		return nil, &retryAfter{err: errTooManyAttempts, seconds: int(math.Ceil(ref.RetryAfter.Seconds()))}
	}
	return attempt, err
}

// signInFailed audits and counts a wrong password, and a lock when this
// failure reached the limit.
func (s *Server) signInFailed(r *http.Request, attempt *identity.Attempt, username string) error {
	addr := clientAddr(r)
	s.signInEvent(SignInFailed)
	if attempt == nil {
		s.Log.Warn("sign-in failed", "audit", "sign-in", "username", username, "remote", addr)
		return nil
	}
	until, err := attempt.Failed(r.Context())
	s.Log.Warn("sign-in failed", "audit", "sign-in", "username", username, "remote", addr, "failures", attempt.Failures())
	if err != nil {
		return err
	}
	if !until.IsZero() {
		s.Log.Warn("sign-in locked", "audit", "sign-in", "username", username, "remote", addr, "until", until.UTC().Format("2006-01-02T15:04:05Z"))
		s.signInEvent(SignInLocked)
	}
	return nil
}

// retryAfter is an error answered with a Retry-After header.
type retryAfter struct {
	err     *starter.Error
	seconds int
}

func (e *retryAfter) Error() string { return e.err.Error() }
func (e *retryAfter) Unwrap() error { return e.err }

// userLine is one user as the administrator's user list shows them.
type userLine struct {
	Username   string `json:"username"`
	Name       string `json:"name,omitempty"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

// users lists the directory (GET /api/v1/users): the administrator only.
func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if s.Authz.AllowedOn(r.Context(), c.subject(), policies.ActionUsersRead, "users") != nil {
		s.fail(w, r, errForbidden("listing the users"))
		return
	}
	out := []userLine{}
	for _, u := range s.Directory.Users() {
		out = append(out, userLine{Username: u.Username, Name: u.Name, Role: string(u.Role), Department: u.Department})
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

// revokeSessions ends every web session of a user (DELETE
// /api/v1/users/{username}/sessions): the administrator only, audited. API
// tokens are the directory file's and are not touched.
func (s *Server) revokeSessions(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	username := r.PathValue("username")
	if s.Authz.AllowedOn(r.Context(), c.subject(), policies.ActionSessionsRevoke, "sessions:"+username) != nil {
		s.fail(w, r, errForbidden("ending the sessions of "+username))
		return
	}
	if _, ok := s.Directory.User(username); !ok {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such user: " + username})
		return
	}
	n, err := s.Sessions.EndAll(r.Context(), username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Warn("sessions revoked", "audit", "sessions", "subject", c.Username, "username", username, "ended", n)
	writeJSON(w, http.StatusOK, map[string]any{"username": username, "ended": n})
}

// setRetryAfter adds the header of a retryAfter error.
func setRetryAfter(w http.ResponseWriter, err error) {
	if ra, ok := err.(*retryAfter); ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(ra.seconds, 1)))
	}
}
