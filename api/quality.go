package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
)

// Daily quality supervision (K2, K3) and the knowledge base of typical
// cases (K8): quality control's own records, kept in the archive.

func (s *Server) archiveStore(w http.ResponseWriter, r *http.Request) (*archive.Store, bool) {
	if s.Cases.Archive == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusServiceUnavailable, Code: "no_archive", Message: "the archive is not configured"})
		return nil, false
	}
	return s.Cases.Archive, true
}

// supervisionDay checks the {day} of the path and the caller's right.
func (s *Server) supervisionDay(w http.ResponseWriter, r *http.Request, action string) (string, bool) {
	day := r.PathValue("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no supervision for " + day + " (days are like 2026-11-23)"})
		return "", false
	}
	if s.Authz.AllowedOn(r.Context(), callerOf(r.Context()).subject(), action, "supervision:"+day) != nil {
		s.fail(w, r, errForbidden("the daily supervision"))
		return "", false
	}
	return day, true
}

func (s *Server) getSupervision(w http.ResponseWriter, r *http.Request) {
	day, ok := s.supervisionDay(w, r, policies.ActionSupervisionRead)
	if !ok {
		return
	}
	store, ok := s.archiveStore(w, r)
	if !ok {
		return
	}
	sv, found, err := store.Supervision(r.Context(), day)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case !found:
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no supervision was opened for " + day})
	default:
		writeJSON(w, http.StatusOK, sv)
	}
}

// evaluate stores quality control's evaluation table for a day (K3).
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) {
	day, ok := s.supervisionDay(w, r, policies.ActionSupervisionEvaluate)
	if !ok {
		return
	}
	store, ok := s.archiveStore(w, r)
	if !ok {
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var e forms.Evaluation
	if err := starter.DecodeStrict(body, &e); err != nil {
		s.fail(w, r, err)
		return
	}
	e.Normalize()
	if errs := e.Validate(); len(errs) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the evaluation table has errors", Fields: errs})
		return
	}
	if _, found, err := store.Supervision(r.Context(), day); err != nil {
		s.fail(w, r, err)
		return
	} else if !found {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no supervision was opened for " + day})
		return
	}
	done, err := store.Evaluate(r.Context(), day, e, callerOf(r.Context()).Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !done {
		s.fail(w, r, &starter.Error{Status: http.StatusConflict, Code: "invalid_state", Message: day + " has been evaluated already"})
		return
	}
	sv, _, err := store.Supervision(r.Context(), day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sv)
}

type typicalRequest struct {
	Highlights   string `json:"highlights" bound:"text"`
	Improvements string `json:"improvements" bound:"text"`
}

// markTypical puts a case in the knowledge base with its highlights and
// improvement notes (K8); closed cases too, which is where most are.
func (s *Server) markTypical(w http.ResponseWriter, r *http.Request) {
	var in typicalRequest
	no, view, ok := s.caseRequest(w, r, &in)
	if !ok {
		return
	}
	c := callerOf(r.Context())
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionMarkTypical, caseOf(view)) != nil {
		s.fail(w, r, errForbidden("marking typical cases"))
		return
	}
	var bad forms.Errors
	if in.Highlights == "" {
		bad = append(bad, forms.FieldError{Field: "highlights", Code: forms.CodeRequired, Message: "say what makes the case typical"})
	}
	if in.Improvements == "" {
		bad = append(bad, forms.FieldError{Field: "improvements", Code: forms.CodeRequired, Message: "say what should be done better"})
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: "the typical case needs highlights and improvements", Fields: bad})
		return
	}
	store, ok := s.archiveStore(w, r)
	if !ok {
		return
	}
	// Staff write from the case: keep its customer out of the knowledge
	// base every role reads (P1).
	rep := strings.NewReplacer(customerOf(view).replacements(func(s string) string { return s })...)
	t := archive.Typical{CaseNo: no, Highlights: rep.Replace(in.Highlights), Improvements: rep.Replace(in.Improvements), MarkedBy: c.Username, MarkedAt: time.Now()}
	if err := store.MarkTypical(r.Context(), t); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) knowledge(w http.ResponseWriter, r *http.Request) {
	if s.Authz.AllowedOn(r.Context(), callerOf(r.Context()).subject(), policies.ActionKnowledgeRead, "knowledge") != nil {
		s.fail(w, r, errForbidden("the knowledge base"))
		return
	}
	store, ok := s.archiveStore(w, r)
	if !ok {
		return
	}
	kb, err := store.TypicalCases(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The lessons are for everyone; which case they came from only for
	// those who may see it (P3).
	sub := callerOf(r.Context()).subject()
	for i := range kb {
		v, err := store.Get(r.Context(), kb[i].CaseNo)
		if err != nil || !s.Authz.Can(r.Context(), sub, policies.ActionRead, caseOf(v)) {
			kb[i].CaseNo = ""
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"typical_cases": kb})
}

// grades counts the evaluation grades per item over a period, for the
// reports (K3).
func (s *Server) grades(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if s.Authz.AllowedReport(r.Context(), c.subject(), "") != nil {
		s.fail(w, r, errForbidden("this report"))
		return
	}
	store, ok := s.archiveStore(w, r)
	if !ok {
		return
	}
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		from = time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	}
	if to == "" {
		to = time.Now().Format(time.DateOnly)
	}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "from and to are dates such as 2026-11-01"})
			return
		}
	}
	g, days, err := store.Grades(r.Context(), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "days_evaluated": days, "grades": g})
}
