package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// SessionCookie holds a web session's ID.
const SessionCookie = "closeloop_session"

// CSRFHeader carries the session's CSRF token on every cookie-authenticated
// write; a page from another site can send the cookie but cannot read the
// token.
const CSRFHeader = "X-CSRF-Token"

type userKey struct{}

// caller is the signed-in user of a request.
type caller struct {
	identity.User
	session *identity.Session // nil for bearer tokens
}

func (c caller) subject() policies.Subject {
	return policies.Subject{Username: c.Username, Role: string(c.Role), Department: c.Department}
}

func callerOf(ctx context.Context) caller { return ctx.Value(userKey{}).(caller) }

var (
	errUnauthenticated = &starter.Error{Status: http.StatusUnauthorized, Code: "unauthenticated",
		Message: "sign in (POST /api/v1/login) or send Authorization: Bearer <token>"}
	errCSRF = &starter.Error{Status: http.StatusForbidden, Code: "csrf",
		Message: "missing or wrong " + CSRFHeader + " header: a cookie-authenticated write must carry the session's CSRF token"}
)

// authed admits requests with a valid bearer token or session cookie; a
// cookie-authenticated write must also carry the session's CSRF token.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if c.session != nil && !safeMethod(r.Method) && !identity.Equal(r.Header.Get(CSRFHeader), c.session.CSRF) {
			s.Log.Warn("csrf check failed", "subject", c.Username, "method", r.Method, "path", r.URL.Path)
			s.fail(w, r, errCSRF)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, c)))
	}
}

func (s *Server) authenticate(r *http.Request) (caller, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return caller{}, errUnauthenticated
		}
		u, ok := s.Directory.ByToken(strings.TrimSpace(token))
		if !ok {
			s.Log.Warn("unknown API token", "path", r.URL.Path)
			return caller{}, errUnauthenticated
		}
		return caller{User: u}, nil
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return caller{}, errUnauthenticated
	}
	ss, ok, err := s.Sessions.Get(r.Context(), ck.Value)
	if err != nil {
		return caller{}, err
	}
	if !ok {
		return caller{}, errUnauthenticated
	}
	u, ok := s.Directory.User(ss.Username)
	if !ok {
		if err := s.Sessions.Delete(r.Context(), ss.ID); err != nil {
			return caller{}, err
		}
		return caller{}, errUnauthenticated
	}
	return caller{User: u, session: &ss}, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// me is the signed-in user as the API shows them.
type me struct {
	Username   string `json:"username"`
	Name       string `json:"name,omitempty"`
	Role       string `json:"role"`
	Department string `json:"department"`
	CSRFToken  string `json:"csrf_token,omitempty"`
	// Can says which areas the user may use, so a client shows only
	// those; each request is still checked on its own.
	Can *rights `json:"can,omitempty"`
}

// rights are the areas a user may use, beyond reading cases.
type rights struct {
	Create      []string `json:"create"` // case types the user may register
	Import      bool     `json:"import"`
	Reports     bool     `json:"reports"`
	Supervision bool     `json:"supervision"`
	Evaluate    bool     `json:"evaluate"`
	Knowledge   bool     `json:"knowledge"`
	Outbox      bool     `json:"outbox"`
	// Calendar: the user may re-plan deadlines after a calendar update.
	Calendar bool `json:"calendar"`
	// Users: the user may list the users and end their sessions.
	Users bool `json:"users"`
	// Temporal: the user may open the Temporal web UI at /temporal/,
	// its payloads decrypted (issue 19: the administrator).
	Temporal bool `json:"temporal"`
}

// rightsOf only probes, so a refusal here is not logged as one.
func (s *Server) rightsOf(ctx context.Context, c caller) *rights {
	sub := c.subject()
	rt := &rights{Create: []string{}}
	for _, t := range []string{workflows.TypeComplaint, workflows.TypeRepair, workflows.TypeConsultation, workflows.TypeMediaInquiry, workflows.TypeCollaboration} {
		if s.Authz.Can(ctx, sub, policies.ActionCreate, policies.Case{Type: t}) {
			rt.Create = append(rt.Create, t)
		}
	}
	dept := ""
	if c.Role == identity.RoleDeptHead {
		dept = c.Department
	}
	today := "supervision:" + time.Now().In(s.Cases.Zone()).Format(time.DateOnly)
	rt.Import = s.Authz.Can(ctx, sub, policies.ActionImport, policies.Case{Type: workflows.TypeComplaint})
	rt.Reports = s.Authz.CanReport(ctx, sub, dept)
	rt.Supervision = s.Authz.CanOn(ctx, sub, policies.ActionSupervisionRead, today)
	rt.Evaluate = s.Authz.CanOn(ctx, sub, policies.ActionSupervisionEvaluate, today)
	rt.Knowledge = s.Authz.CanOn(ctx, sub, policies.ActionKnowledgeRead, "knowledge")
	rt.Outbox = s.Outbox != nil && s.Authz.CanOn(ctx, sub, policies.ActionOutboxRead, "outbox")
	rt.Calendar = s.Authz.CanOn(ctx, sub, policies.ActionCalendarReplan, "calendar")
	rt.Users = s.Authz.CanOn(ctx, sub, policies.ActionUsersRead, "users")
	rt.Temporal = s.Authz.CanOn(ctx, sub, policies.ActionPayloadDecode, policies.PayloadsResource)
	return rt
}

func meOf(c caller) me {
	m := me{Username: c.Username, Name: c.Name, Role: string(c.Role), Department: c.Department}
	if c.session != nil {
		m.CSRFToken = c.session.CSRF
	}
	return m
}

// login opens a web session: an HttpOnly, SameSite=Lax cookie (Secure
// behind TLS) and the CSRF token to send with writes. The throttle
// (signin.go) decides first whether the password is checked at all.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in loginRequest
	if err := starter.DecodeStrict(body, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	attempt, err := s.beginSignIn(r, in.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Directory.Authenticate(in.Username, in.Password)
	if err != nil {
		if err := s.signInFailed(r, attempt, in.Username); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, &starter.Error{Status: http.StatusUnauthorized, Code: "bad_credentials", Message: err.Error()})
		return
	}
	if attempt != nil {
		if err := attempt.Succeeded(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ss, err := s.Sessions.Create(r.Context(), u.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: ss.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies || r.TLS != nil, MaxAge: int(s.Sessions.Lifetime.Seconds())})
	writeJSON(w, http.StatusOK, meOf(caller{User: u, session: &ss}))
}

// logout ends the session and clears the cookie (P1).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c := callerOf(r.Context()); c.session != nil {
		if err := s.Sessions.Delete(r.Context(), c.session.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies || r.TLS != nil, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	m := meOf(c)
	m.Can = s.rightsOf(r.Context(), c)
	writeJSON(w, http.StatusOK, m)
}
