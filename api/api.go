// Package api is Closeloop's HTTP JSON API. Handlers decode and check the
// request, call the starter, and encode the case or a JSON error with the
// status that fits: 400 bad request, 404 unknown case, 409 wrong state,
// 422 invalid form or action input.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/ops"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

//go:embed openapi.json
var openapi []byte

// maxBody bounds request bodies; a complaint form is a few kilobytes.
const maxBody = 1 << 20

// Server serves the API.
type Server struct {
	Cases *starter.Service
	Log   *slog.Logger
	// Ready reports whether the engine and worker are up; /readyz answers
	// 200 only when it returns nil (/healthz whenever the process runs).
	Ready func() error
	// Warnings are listed by /readyz without making it fail (the business
	// calendar's horizon); nil lists none.
	Warnings func() []string
	// Metrics serves GET /metrics; nil serves none.
	Metrics http.Handler
	// Who may sign in, their web sessions, and what they may do.
	Directory *identity.Directory
	Sessions  *identity.Sessions
	Authz     *policies.Authorizer
	// Throttle slows and locks password guessing (signin.go); nil lets
	// every attempt through. SignInEvents, when set, is told each failed,
	// refused and locked sign-in (metrics).
	Throttle     *identity.Throttle
	SignInEvents func(event string)
	// SecureCookies marks the session cookie Secure (behind TLS).
	SecureCookies bool
	// Links checks the satisfaction links of the public rating page.
	Links *links.Signer
	// Outbox, when e-mail is kept locally, lists what would have been sent.
	Outbox Outbox
	// OutboxLocal says the outbox is where e-mail goes (no SendGrid key, a
	// test installation), not the mail SendGrid refused: only then may the
	// administrator see the customers' links in full.
	OutboxLocal bool
	// RecordReveal, when set, records a reveal instead of Cases.Reveal
	// (tests).
	RecordReveal func(ctx context.Context, no, actor, reason string) error
	// Location is the business time zone: "due today" ends at its
	// midnight. QueueTiebreak: see config.Config.
	Location      *time.Location
	QueueTiebreak time.Duration
	// MaxBackdate is how far back a form's intake time may reach
	// (CLOSELOOP_MAX_BACKDATE); 0 means forms.DefaultMaxBackdate.
	MaxBackdate time.Duration
	// Payloads decrypts the engine's payloads for the Temporal UI's codec
	// endpoint (administrators only); nil serves none.
	Payloads converter.PayloadCodec
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	ops.Mount(mux, s.Ready, s.Warnings, s.Metrics)
	spec := openapi
	if l := forms.CurrentLimits(); l != forms.DefaultLimits {
		b, err := boundOpenAPI(openapi, l)
		if err != nil {
			panic(err) // the embedded document is checked by the tests
		}
		spec = b
	}
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(spec)
	})
	mux.HandleFunc("POST /api/v1/login", s.login)
	mux.HandleFunc("GET /rate/{token}", s.ratingForm)
	mux.HandleFunc("POST /rate/{token}", s.rate)
	mux.HandleFunc("GET /status/{token}", s.caseStatus)
	mux.HandleFunc("POST /api/v1/logout", s.authed(s.logout))
	mux.HandleFunc("GET /api/v1/me", s.authed(s.whoami))
	mux.HandleFunc("POST /api/v1/complaints", s.authed(create(s, workflows.TypeComplaint,
		func(f *forms.Complaint, c caller) { f.Recorder = c.Username }, (*starter.Service).CreateComplaint)))
	mux.HandleFunc("POST /api/v1/media-inquiries", s.authed(create(s, workflows.TypeMediaInquiry,
		func(f *forms.MediaInquiry, c caller) { f.Recorder = c.Username }, (*starter.Service).CreateMediaInquiry)))
	mux.HandleFunc("POST /api/v1/consultations", s.authed(create(s, workflows.TypeConsultation,
		func(f *forms.Consultation, c caller) { f.Recorder = c.Username }, (*starter.Service).CreateConsultation)))
	mux.HandleFunc("POST /api/v1/repairs", s.authed(create(s, workflows.TypeRepair,
		func(f *forms.Repair, c caller) { f.Recorder = c.Username }, (*starter.Service).CreateRepair)))
	// A request is made by the caller's own department (X1).
	mux.HandleFunc("POST /api/v1/collaborations", s.authed(create(s, workflows.TypeCollaboration,
		func(f *forms.Collaboration, c caller) { f.Requester, f.RequestingDepartment = c.Username, c.Department },
		(*starter.Service).CreateCollaboration)))
	mux.HandleFunc("GET /api/v1/cases", s.authed(s.listCases))
	mux.HandleFunc("GET /api/v1/queue", s.authed(s.queue))
	mux.HandleFunc("GET /api/v1/staff", s.authed(s.staff))
	mux.HandleFunc("GET /api/v1/cases/{no}", s.authed(s.getCase))
	mux.HandleFunc("GET /api/v1/cases/{no}/timeline", s.authed(s.getTimeline))
	mux.HandleFunc("GET /api/v1/cases/{no}/history", s.authed(s.history))
	mux.HandleFunc("GET /api/v1/search", s.authed(s.search))
	mux.HandleFunc("POST /api/v1/cases/{no}/actions/{action}", s.authed(s.act))
	mux.HandleFunc("POST /api/v1/cases/{no}/reveal", s.authed(s.reveal))
	mux.HandleFunc("POST /api/v1/cases/{no}/reopen", s.authed(s.reopen))
	mux.HandleFunc("POST /api/v1/cases/{no}/restore", s.authed(s.restore))
	mux.HandleFunc("GET /api/v1/reports/kpi", s.authed(s.kpi))
	mux.HandleFunc("POST /api/v1/imports/emergency", s.authed(s.importEmergency))
	mux.HandleFunc("GET /api/v1/reports/evaluations", s.authed(s.grades))
	mux.HandleFunc("GET /api/v1/supervision/{day}", s.authed(s.getSupervision))
	mux.HandleFunc("POST /api/v1/supervision/{day}/evaluation", s.authed(s.evaluate))
	mux.HandleFunc("POST /api/v1/cases/{no}/typical", s.authed(s.markTypical))
	mux.HandleFunc("GET /api/v1/knowledge", s.authed(s.knowledge))
	mux.HandleFunc("GET /api/v1/outbox", s.authed(s.outbox))
	mux.HandleFunc("POST /codec/decode", s.codecDecode)
	mux.HandleFunc("POST /api/v1/calendar/replan", s.authed(s.replan))
	mux.HandleFunc("GET /api/v1/users", s.authed(s.users))
	mux.HandleFunc("DELETE /api/v1/users/{username}/sessions", s.authed(s.revokeSessions))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	// Browsers' cross-site writes are refused outright (Sec-Fetch-Site,
	// Origin); the CSRF token in authed is the second lock.
	return s.guard(http.NewCrossOriginProtection().Handler(mux))
}

// create registers a case from its form: F is the form type, stamp
// records the signed-in user as who registered it, start is the starter
// method for it.
func create[F any](s *Server, caseType string, stamp func(*F, caller),
	start func(*starter.Service, context.Context, F) (workflows.CaseView, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r.Context())
		if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionCreate, policies.Case{Type: caseType}) != nil {
			s.fail(w, r, errForbidden("registering a "+caseType))
			return
		}
		ctx, idem, err := withIdempotency(r.Context(), r, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var f F
		if err := starter.DecodeStrict(body, &f); err != nil {
			s.fail(w, r, err)
			return
		}
		stamp(&f, c)
		if err := s.checkBackdate(&f); err != nil {
			s.fail(w, r, err)
			return
		}
		view, err := start(s.Cases, ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/cases/"+view.No)
		// 201 when this request made the case; 200 when an earlier one
		// with the same Idempotency-Key did.
		status := http.StatusCreated
		if idem != nil && idem.Replayed {
			status = http.StatusOK
		}
		writeJSON(w, status, present(mask(view), lang(r)))
	}
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	view, err := s.visible(r.Context(), r.PathValue("no"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := present(mask(view), lang(r))
	p := s.permissionsOn(r.Context(), view)
	resp.Permissions = &p
	if u, ok := s.Directory.User(view.Handler); ok && view.Handler != "" {
		resp.HandlerName = u.Name
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := starter.Filter{Type: q.Get("type"), Status: q.Get("status"), Department: q.Get("department"), Parent: q.Get("parent")}
	var bad forms.Errors
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad = append(bad, forms.FieldError{Field: "overdue", Code: "invalid", Message: "overdue must be true or false"})
		}
		f.Overdue = &b
	}
	if v := q.Get("escalated"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad = append(bad, forms.FieldError{Field: "escalated", Code: "invalid", Message: "escalated must be true or false"})
		}
		f.Escalated = b
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			bad = append(bad, forms.FieldError{Field: "page_size", Code: "invalid", Message: "page_size must be a number from 1 to 200"})
		}
		f.PageSize = n
	}
	if v := q.Get("page_token"); v != "" {
		f.PageToken = []byte(v)
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the list filter has errors", Fields: bad})
		return
	}
	c := callerOf(r.Context())
	f.Scope = scopeFor(c)
	page, err := s.Cases.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The query already holds only what the role may see; each line is
	// checked against the policies as well, quietly: leaving a line out
	// refuses nothing the caller asked for.
	cases := make([]starter.Summary, 0, len(page.Cases))
	for _, sum := range page.Cases {
		if s.Authz.Can(r.Context(), c.subject(), policies.ActionRead, summaryCase(sum)) {
			cases = append(cases, sum)
		}
	}
	writeJSON(w, http.StatusOK, listResponse{Cases: cases, NextPageToken: string(page.NextPageToken)})
}

type listResponse struct {
	Cases         []starter.Summary `json:"cases"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

// act performs a staff action as the signed-in user: a case they may not
// see is not found, one they may see but not change answers 403, and a
// closed case answers 409.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	ctx, _, err := withIdempotency(r.Context(), r, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	no, action := r.PathValue("no"), r.PathValue("action")
	in, err := starter.ParseAction(no, action, body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Access is decided on the case's search attributes; the Update's
	// validator checks the action against the case itself.
	target, err := s.visibleSummary(r.Context(), no)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if target.Status == workflows.StatusClosed || target.Status == workflows.StatusDeclined {
		s.fail(w, r, &starter.Error{Status: http.StatusConflict, Code: "invalid_state", Message: fmt.Sprintf("%s is not possible: case %s is %s", action, no, target.Status)})
		return
	}
	if target.Status == workflows.StatusFailed {
		s.fail(w, r, &starter.Error{Status: http.StatusConflict, Code: "invalid_state",
			Message: fmt.Sprintf("%s is not possible: case %s failed (its workflow ended unexpectedly); the customer-service head restores it first", action, no)})
		return
	}
	target.TargetDepartment = starter.TargetDepartment(in)
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActAction(action), target) != nil {
		s.fail(w, r, errForbidden(action+" on "+no))
		return
	}
	if a, ok := in.(*workflows.AssignInput); ok {
		if err := s.checkAssignee(a.Handler, target.Department); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	starter.SetActor(in, c.Username)
	res, err := s.Cases.ActWith(ctx, no, action, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The Update answers only what changed; the response stays the case as
	// it stands (its recent timeline), read once the action is done.
	view, err := s.Cases.Case(r.Context(), no)
	if err != nil {
		// The action is done, and an error would invite a retry that
		// repeats it: answer what it changed, without the timeline
		// entries, whose customer data cannot be masked without the case.
		s.Log.Warn("read case after action", "case", no, "action", action, "error", err)
		res.Events = []workflows.Event{}
		writeJSON(w, http.StatusOK, res)
		return
	}
	resp := present(mask(view), lang(r))
	p := s.permissionsOn(r.Context(), view)
	resp.Permissions = &p
	if u, ok := s.Directory.User(view.Handler); ok && view.Handler != "" {
		resp.HandlerName = u.Name
	}
	writeJSON(w, http.StatusOK, resp)
}

// caseRequest decodes the body of a request about case {no} into in,
// checks its texts' lengths and reads the case, if the caller may see it; otherwise it answers and
// reports false.
func (s *Server) caseRequest(w http.ResponseWriter, r *http.Request, in any) (string, workflows.CaseView, bool) {
	body, err := readBody(w, r)
	if err == nil {
		err = starter.DecodeStrict(body, in)
	}
	if err == nil {
		err = starter.CheckBounds(in)
	}
	no := r.PathValue("no")
	var view workflows.CaseView
	if err == nil {
		view, err = s.visible(r.Context(), no)
	}
	if err != nil {
		s.fail(w, r, err)
		return no, view, false
	}
	return no, view, true
}

type reopenRequest struct {
	Reason string `json:"reason" bound:"text"`
}

// reopen sends a closed complaint or repair back to rework: the only change
// a closed case takes, and only by the customer-service head (P3).
func (s *Server) reopen(w http.ResponseWriter, r *http.Request) {
	s.restart(w, r, workflows.StatusClosed, policies.ActionReopen, "reopened", "reopening", s.Cases.Reopen)
}

// restore continues a failed case from its record where it stood (issue
// 17): only the customer-service head restores.
func (s *Server) restore(w http.ResponseWriter, r *http.Request) {
	s.restart(w, r, workflows.StatusFailed, policies.ActionRestore, "restored", "restoring", s.Cases.Restore)
}

// restart starts a new run of a case that stands in status, with the
// caller's reason, when action is allowed them on it; done and doing word
// the refusals.
func (s *Server) restart(w http.ResponseWriter, r *http.Request, status, action, done, doing string,
	run func(ctx context.Context, no, by, reason string) (workflows.CaseView, error)) {
	var in reopenRequest
	no, view, ok := s.caseRequest(w, r, &in)
	if !ok {
		return
	}
	if view.Status != status {
		s.fail(w, r, &starter.Error{Status: http.StatusConflict, Code: "invalid_state", Message: fmt.Sprintf("case %s is %s: only a %s case is %s", no, view.Status, status, done)})
		return
	}
	c := callerOf(r.Context())
	if s.Authz.Allowed(r.Context(), c.subject(), action, caseOf(view)) != nil {
		s.fail(w, r, errForbidden(doing+" "+no))
		return
	}
	view, err := run(r.Context(), no, c.Username, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, present(mask(view), lang(r)))
}

type revealRequest struct {
	Reason string `json:"reason,omitempty" bound:"text"`
}

type revealResponse struct {
	No       string   `json:"no"`
	Customer customer `json:"customer"`
}

// reveal shows the customer's name and contact details to a user with the
// view-pii right, and records that on the case's timeline (P1).
func (s *Server) reveal(w http.ResponseWriter, r *http.Request) {
	var in revealRequest
	no, view, ok := s.caseRequest(w, r, &in)
	if !ok {
		return
	}
	var err error
	c := callerOf(r.Context())
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionRevealPII, caseOf(view)) != nil {
		s.fail(w, r, errForbidden("revealing customer data"))
		return
	}
	if _, err = s.Cases.Reveal(r.Context(), no, c.Username, in.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, revealResponse{No: no, Customer: customerOf(view)})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, &starter.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json"}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, bodyError(err)
	}
	return b, checkUTF8(b)
}

// bodyError answers a body that could not be read: too large, or not sent
// in time (the server's body deadline).
func bodyError(err error) *starter.Error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &starter.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body over 1 MiB"}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &starter.Error{Status: http.StatusRequestTimeout, Code: "body_timeout", Message: "the request body did not arrive in time"}
	}
	return &starter.Error{Status: http.StatusBadRequest, Code: "bad_json", Message: "the request body could not be read: " + err.Error()}
}

type errorBody struct {
	Error *starter.Error `json:"error"`
}

// fail writes err as the API's JSON error; unexpected errors are logged and
// answered 500 without internals.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *starter.Error
	if !errors.As(err, &e) {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		e = &starter.Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
	}
	setRetryAfter(w, err)
	writeJSON(w, e.Status, errorBody{Error: e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// lang picks the language of explanations: ?lang=, else Accept-Language.
func lang(r *http.Request) string {
	l := r.URL.Query().Get("lang")
	if l == "" {
		l = r.Header.Get("Accept-Language")
	}
	if strings.HasPrefix(strings.ToLower(l), "zh") {
		return "zh-CN"
	}
	return "en"
}

// caseResponse is the case with each deadline's explanation rendered.
type caseResponse struct {
	workflows.CaseView
	Deadlines []deadlineResponse `json:"deadlines"`
	// TimelineTotal counts the whole timeline, of which the case carries
	// the latest entries from timeline_offset on; page through the rest
	// with GET /api/v1/cases/{no}/timeline.
	TimelineTotal int `json:"timeline_total"`
	// Permissions are the caller's, on reading a case.
	Permissions *permissions `json:"permissions,omitempty"`
	// Subject is what the case is about, in a line (user data).
	Subject string `json:"subject"`
	// Customer is who the case is for, masked unless revealed (P1).
	Customer customer `json:"customer"`
	// NextStep is what the open case waits for, who owes it and its
	// clock; absent on a case that waits for nothing (issue 18).
	NextStep *workflows.Step `json:"next_step,omitempty"`
	// HandlerName is the handler's name from the directory, on reading
	// a case.
	HandlerName string `json:"handler_name,omitempty"`
}

type deadlineResponse struct {
	workflows.Deadline
	DueLocal string `json:"due_local"`
	Text     string `json:"explanation_text"`
	// Provisional is always present: the due instant reaches a year whose
	// statutory holidays are not known yet and will move when they are
	// (also for clocks armed before the deadline carried the mark).
	Provisional bool `json:"provisional"`
}

func present(v workflows.CaseView, lang string) caseResponse {
	out := caseResponse{CaseView: v, Deadlines: make([]deadlineResponse, len(v.Deadlines)), TimelineTotal: v.TimelineTotal(),
		Subject: v.Subject(), Customer: customerOf(v)}
	if step, ok := v.NextStep(); ok {
		out.NextStep = &step
	}
	for i, d := range v.Deadlines {
		local := d.Due
		if loc, err := time.LoadLocation(d.Explanation.Location); err == nil {
			local = d.Due.In(loc)
		}
		text := d.Explanation.Text(lang)
		zh := lang == "zh-CN"
		if d.Agreed {
			agreed := agreedText(d, local.Location(), zh)
			if d.Explanation.Span.Unit != "" {
				// Computed from a span at booking: say how.
				if zh {
					agreed += "：" + text
				} else {
					agreed += ": " + text
				}
			}
			text = agreed
		}
		if d.Promised {
			when := local.Format("2006-01-02 15:04")
			if zh {
				text = "已向客户承诺 " + when + "（上限：" + text + "）"
			} else {
				text = "promised to the customer for " + when + " (limit: " + text + ")"
			}
		}
		for _, alt := range d.Also {
			if zh {
				text += "（早于" + alt.Text(lang) + "）"
			} else {
				text += " (earlier than: " + alt.Text(lang) + ")"
			}
		}
		if n := len(d.Extensions); n > 0 {
			last := d.Extensions[n-1]
			to := last.To.In(local.Location()).Format("2006-01-02 15:04")
			if zh {
				text += fmt.Sprintf("；已延期 %d 次，现截止 %s，原因：%s", n, to, last.Reason)
			} else {
				text += fmt.Sprintf("; extended %d time(s), now due %s: %s", n, to, last.Reason)
			}
		}
		for _, p := range d.Pauses {
			text += pauseText(p, local.Location(), zh)
		}
		if d.Provisional && !d.Explanation.IsProvisional() {
			// Carried forward past the horizon: the explanation cannot say so.
			if zh {
				text += "；暂定：顺延后跨入法定节假日安排尚未发布的年份，发布后重新计算"
			} else {
				text += "; provisional: carried into a year whose statutory holidays are not known yet; it is re-planned when they are"
			}
		}
		out.Deadlines[i] = deadlineResponse{Deadline: d, DueLocal: local.Format("2006-01-02 15:04 MST"), Text: text,
			Provisional: d.IsProvisional()}
	}
	return out
}

// agreedText explains a due instant agreed in the request form: the
// collaboration's time node, booked ahead (X1).
func agreedText(d workflows.Deadline, loc *time.Location, zh bool) string {
	due, booked := d.Due.In(loc).Format("2006-01-02 15:04"), d.Start.In(loc).Format("2006-01-02 15:04")
	lang := "en"
	if zh {
		lang = "zh-CN"
	}
	lead := calendar.Duration(d.Due.Sub(d.Start), lang)
	if zh {
		return fmt.Sprintf("协作申请约定的时间节点 %s（%s 预约，提前 %s）", due, booked, lead)
	}
	return fmt.Sprintf("time node %s agreed in the request (booked %s, %s ahead)", due, booked, lead)
}

// pauseText says how long a clock stood still for a cross-department
// request and what it carried forward.
func pauseText(p workflows.Pause, loc *time.Location, zh bool) string {
	from, before := p.From.In(loc).Format("01-02 15:04"), p.DueBefore.In(loc).Format("01-02 15:04")
	if p.To == nil {
		if zh {
			return fmt.Sprintf("；自 %s 起因协作申请 %s 暂停（原截止 %s），协作完成后剩余时间顺延", from, p.For, before)
		}
		return fmt.Sprintf("; paused since %s while %s is handled (was due %s); the time left carries forward when it is done", from, p.For, before)
	}
	to := p.To.In(loc).Format("01-02 15:04")
	if zh {
		left := calendar.Duration(p.Remaining, "zh-CN")
		unit := ""
		if p.Business {
			unit = "工作时间"
		}
		return fmt.Sprintf("；因协作申请 %s 于 %s–%s 暂停，原截止 %s，剩余%s %s 顺延", p.For, from, to, before, unit, left)
	}
	left := calendar.Duration(p.Remaining, "en")
	unit := ""
	if p.Business {
		unit = " of business time"
	}
	return fmt.Sprintf("; paused %s–%s while %s was handled (was due %s), %s%s left carried forward", from, to, p.For, before, left, unit)
}
