// Package web is Closeloop's browser interface for staff and managers, in
// Chinese and English. It renders server-side pages over the JSON API: each
// page calls the API in-process with the visitor's own session, so a page
// shows exactly what the API would show that user (policies, masking,
// freshness) and every write passes the API's checks, CSRF included.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/starter"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the pages and, for every other path, the API.
type Server struct {
	// API is the JSON API's handler; pages call it in-process.
	API         http.Handler
	Log         *slog.Logger
	Location    *time.Location
	Departments []identity.Department
	// Outbox says whether the API serves the outbox (e-mail kept locally,
	// or the e-mail SendGrid refused), which shows it in the menu.
	Outbox bool
	// Now is the clock for countdowns and the calendar warning; nil means
	// time.Now.
	Now func() time.Time
	// Calendar is the business calendar, for the warning the administrator
	// and the head of customer service see when the coming year's
	// statutory holidays are missing; nil shows no warning.
	Calendar *calendar.Calendar
	// Temporal is the Temporal web UI at /temporal/ (package temporalui,
	// or a proxy to a cluster's), for administrators; nil serves none.
	Temporal http.Handler

	pages map[string]*template.Template
	i18n  *catalog
	// reveals keeps each session's revealed customers for the case page.
	reveals *reveals
}

// New parses the templates and message catalogs once.
func New(s Server) (*Server, error) {
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	s.i18n = cat
	s.reveals = &reveals{}
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	return &s, nil
}

// Handler routes the pages; anything else goes to the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{name...}", func(w http.ResponseWriter, r *http.Request) { serveAsset(w, r, r.PathValue("name")) })
	// Browsers ask for /favicon.ico on any page, the API's rating page too.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { serveAsset(w, r, "favicon.ico") })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/inbox", http.StatusSeeOther) })
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.page(s.logout))
	mux.HandleFunc("GET /lang/{lang}", s.setLanguage)
	mux.HandleFunc("GET /inbox", s.page(s.inbox))
	mux.HandleFunc("POST /inbox/bulk", s.page(s.bulk))
	mux.HandleFunc("GET /cases", s.page(s.caseList))
	mux.HandleFunc("GET /search", s.page(s.searchPage))
	mux.HandleFunc("GET /cases/{no}", s.page(s.casePage))
	mux.HandleFunc("POST /cases/{no}/actions/{action}", s.page(s.act))
	mux.HandleFunc("POST /cases/{no}/reveal", s.page(s.reveal))
	mux.HandleFunc("POST /cases/{no}/reopen", s.page(s.reopen))
	mux.HandleFunc("POST /cases/{no}/restore", s.page(s.restore))
	mux.HandleFunc("POST /cases/{no}/typical", s.page(s.markTypical))
	mux.HandleFunc("GET /new", s.page(s.newMenu))
	mux.HandleFunc("GET /new/{type}", s.page(s.newForm))
	mux.HandleFunc("POST /new/{type}", s.page(s.create))
	mux.HandleFunc("GET /escalations", s.page(s.board))
	mux.HandleFunc("GET /dashboard", s.page(s.dashboard))
	mux.HandleFunc("GET /dashboard/chart.svg", s.page(s.chart))
	mux.HandleFunc("GET /quality", s.page(s.quality))
	mux.HandleFunc("POST /quality/{day}", s.page(s.evaluate))
	mux.HandleFunc("GET /outbox", s.page(s.outbox))
	mux.HandleFunc("GET /calendar", s.page(s.calendarPage))
	mux.HandleFunc("POST /calendar/check", s.page(s.calendarCheck))
	mux.HandleFunc("POST /calendar/replan", s.page(s.calendarReplan))
	mux.HandleFunc("GET /import", s.page(s.importPage))
	mux.HandleFunc("GET /users", s.page(s.usersPage))
	mux.HandleFunc("POST /users/{username}/sessions/revoke", s.page(s.revokeSessions))
	mux.HandleFunc("POST /import", s.page(s.importUpload))
	mux.Handle("/", s.API)
	// Cross-site form posts are refused before any handler runs; the
	// session's CSRF token, checked by the API, is the second lock.
	h := secure(compress(http.NewCrossOriginProtection().Handler(s.cleanInput(mux))))
	if s.Temporal == nil {
		return h
	}
	// The Temporal UI brings its own CSRF check, compression and headers.
	root := http.NewServeMux()
	root.HandleFunc("/temporal/", s.temporalUI)
	root.Handle("GET /temporal", http.RedirectHandler("/temporal/", http.StatusMovedPermanently))
	root.Handle("/", h)
	return root
}

// secure sets the headers every page carries: no inline script or
// style, no framing, no sniffing.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
			w.Header().Set("X-Frame-Options", "DENY")
			w.Header().Set("Referrer-Policy", "same-origin")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// request is one page view: who asks, in which language.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	lang string
	me   me
}

// me is the signed-in user as GET /api/v1/me returns them, with the areas
// they may use.
type me struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Department string `json:"department"`
	CSRFToken  string `json:"csrf_token"`
	Can        rights `json:"can"`
}

// page admits signed-in users; anyone else is sent to sign in and comes
// back to the page afterwards.
func (s *Server) page(h func(*request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq := &request{w: w, r: r, lang: s.language(r)}
		res := s.call(rq, http.MethodGet, "/api/v1/me", nil, "")
		if p := res.problem(); p != nil {
			s.fail(rq, p) // a lapsed session goes to sign-in, anything else is shown
			return
		}
		if err := json.Unmarshal(res.body, &rq.me); err != nil {
			s.fail(rq, s.internal(rq, err))
			return
		}
		// Signed-in pages may hold customer data: never kept by the browser.
		w.Header().Set("Cache-Control", "no-store")
		h(rq)
	}
}

func (s *Server) toLogin(rq *request) {
	next := rq.r.URL.RequestURI()
	if rq.r.Method != http.MethodGet {
		next = "/inbox"
	}
	http.Redirect(rq.w, rq.r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// result is an API answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the API's error body.
type apiError struct {
	Error starter.Error `json:"error"`
}

// problem is the error in r, or nil when r succeeded; the API never
// redirects, so a 3xx is an error too.
func (r result) problem() *starter.Error {
	if r.status < 300 {
		return nil
	}
	var e apiError
	if json.Unmarshal(r.body, &e) != nil || e.Error.Message == "" {
		return &starter.Error{Status: r.status, Code: "internal", Message: http.StatusText(r.status)}
	}
	e.Error.Status = r.status
	return &e.Error
}

// formKeyField carries a form's Idempotency-Key (see formKey).
const formKeyField = "idempotency_key"

// call runs an API request in-process as the visitor: their session
// cookie, their language, and for writes the CSRF token from the form they
// sent (so a forged form without it fails in the API).
func (s *Server) call(rq *request, method, path string, body []byte, contentType string) result {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rq.r.Context(), method, path, rd)
	if err != nil {
		return result{status: http.StatusInternalServerError}
	}
	for _, c := range rq.r.Cookies() {
		if c.Name == api.SessionCookie {
			req.AddCookie(c)
		}
	}
	req.Header.Set("Accept-Language", rq.lang)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet {
		req.Header.Set(api.CSRFHeader, rq.r.PostFormValue("csrf"))
		if key := rq.r.PostFormValue(formKeyField); key != "" {
			req.Header.Set(api.IdempotencyHeader, key)
		}
	}
	req.RemoteAddr, req.TLS = rq.r.RemoteAddr, rq.r.TLS
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.API.ServeHTTP(rec, req)
	return result{status: rec.status, header: rec.header, body: rec.buf.Bytes()}
}

// getJSON reads an API resource into v; on failure it renders the error
// page and reports false.
func (s *Server) getJSON(rq *request, path string, v any) bool {
	res := s.call(rq, http.MethodGet, path, nil, "")
	if p := res.problem(); p != nil {
		s.fail(rq, p)
		return false
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		s.fail(rq, s.internal(rq, err))
		return false
	}
	return true
}

// internal logs an unexpected error and gives the page's generic one.
func (s *Server) internal(rq *request, err error) *starter.Error {
	s.Log.Error("page failed", "path", rq.r.URL.Path, "error", err)
	return &starter.Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
}

// fail shows an API error as a page with its status; a lapsed session
// goes back to sign-in.
func (s *Server) fail(rq *request, e *starter.Error) {
	if e.Status == http.StatusUnauthorized {
		s.toLogin(rq)
		return
	}
	s.render(rq, e.Status, "error", map[string]any{"Error": e})
}

// recorder is the in-process response of an API call.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.buf.Write(b)
}

// fieldErrors indexes an API error's field errors by field name.
func fieldErrors(e *starter.Error) map[string]forms.FieldError {
	out := map[string]forms.FieldError{}
	if e == nil {
		return out
	}
	for _, f := range e.Fields {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = f
		}
	}
	return out
}
