package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Search and customer history (issue 18), answered from the archive's
// search index within what the caller may see (P3).

// Bounds of a search.
const (
	maxSearchRunes    = 100
	maxPageToken      = 200
	defaultSearchPage = 20
	maxSearchPage     = 100
	defaultHistory    = 20
	maxHistory        = 50
)

// What a search text was matched on.
const (
	matchNumber  = "number"
	matchContent = "content"
	matchPhone   = "phone"
	matchName    = "name"
)

// searchHit is a case a search found: its list line, its subject, and the
// customer masked (P1).
type searchHit struct {
	starter.Summary
	Subject  string   `json:"subject"`
	Customer customer `json:"customer"`
}

func hitOf(h archive.Hit) searchHit {
	return searchHit{Summary: starter.SummaryOfLine(h.Line), Subject: h.Subject, Customer: customer{Name: h.MaskedName, Phone: h.MaskedPhone}}
}

type searchResponse struct {
	Cases         []searchHit `json:"cases"`
	NextPageToken string      `json:"next_page_token,omitempty"`
	// Searched names what the text was matched on: number, content and,
	// for who may reveal the customer, phone or name.
	Searched []string `json:"searched"`
	// Notice says what was not searched and why.
	Notice string `json:"notice,omitempty"`
}

// noticeNoCustomer tells a caller without the reveal right that the
// customer's data was not searched (P1).
const noticeNoCustomer = "the customer's phone and name are searched only for roles that may reveal them (rule P1): this search matched case numbers and content"

// mayReveal reports whether the caller may reveal the customer on every
// type of case: only then does a search match the customer's phone and
// name (P1).
func (s *Server) mayReveal(ctx context.Context, c caller) bool {
	for _, t := range []string{workflows.TypeComplaint, workflows.TypeRepair, workflows.TypeConsultation, workflows.TypeMediaInquiry} {
		if !s.Authz.Can(ctx, c.subject(), policies.ActionRevealPII, policies.Case{Type: t, No: "search"}) {
			return false
		}
	}
	return true
}

// pageSize reads the page_size parameter: def when absent, else 1 to max.
func pageSize(v string, def, max int, bad *forms.Errors) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		*bad = append(*bad, forms.FieldError{Field: "page_size", Code: "invalid", Message: "page_size must be a number from 1 to " + strconv.Itoa(max)})
	}
	return n
}

// search answers GET /api/v1/search?q=: cases by number (or its start),
// by words in the content (3 characters or more, any language), and, for
// who may reveal the customer, by the customer's phone (full or last four
// digits) or name; in list order.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	var bad forms.Errors
	runes := utf8.RuneCountInString(text)
	switch {
	case text == "":
		bad = append(bad, forms.FieldError{Field: "q", Code: forms.CodeRequired, Message: "q is required: a case number, words of the content, or the customer's phone or name"})
	case !utf8.ValidString(text):
		bad = append(bad, forms.FieldError{Field: "q", Code: "invalid", Message: "q must be UTF-8 text"})
	case runes > maxSearchRunes:
		bad = append(bad, forms.FieldError{Field: "q", Code: "too_long", Message: "q must be at most " + strconv.Itoa(maxSearchRunes) + " characters"})
	}
	size := pageSize(q.Get("page_size"), defaultSearchPage, maxSearchPage, &bad)
	token := q.Get("page_token")
	if len(token) > maxPageToken {
		bad = append(bad, forms.FieldError{Field: "page_token", Code: "invalid", Message: "page_token is not one this API gave"})
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the search has errors", Fields: bad})
		return
	}
	c := callerOf(r.Context())
	reveal := s.mayReveal(r.Context(), c)
	var searched []string
	if archive.CaseNoPrefix(strings.ToUpper(text)) {
		searched = append(searched, matchNumber)
	}
	if runes >= archive.MinContentRunes {
		searched = append(searched, matchContent)
	}
	phone := archive.PhoneLike(text)
	digits := len(archive.PhoneKey(text))
	switch {
	case reveal && phone && digits >= 4:
		searched = append(searched, matchPhone)
	case reveal && !phone:
		searched = append(searched, matchName)
	case !reveal && phone && digits > 4:
		// A whole phone number is no content: searching for it can only
		// be a question about the customer (P1).
		s.fail(w, r, errForbidden("searching by the customer's phone (rule P1: it needs the right to reveal customer data; search by case number or content)"))
		return
	}
	if len(searched) == 0 {
		msg := "q is too short: the content is searched from " + strconv.Itoa(archive.MinContentRunes) + " characters on; or give a case number such as TS-20261123-0001"
		if reveal {
			msg += ", the customer's full name, phone or the last 4 digits of the phone"
		}
		s.fail(w, r, &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_query", Message: "the search cannot be run",
			Fields: forms.Errors{{Field: "q", Code: "too_short", Message: msg}}})
		return
	}
	hits, next, err := s.Cases.Search(r.Context(), text, reveal, scopeFor(c), size, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := searchResponse{Cases: make([]searchHit, 0, len(hits)), NextPageToken: next, Searched: searched}
	if !reveal {
		resp.Notice = noticeNoCustomer
	}
	// The query holds only what the role may see; each case is checked
	// against the policies as well.
	for _, h := range hits {
		hit := hitOf(h)
		if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionRead, summaryCase(hit.Summary)) == nil {
			resp.Cases = append(resp.Cases, hit)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// earlierCase is one of the customer's earlier cases with its outcome.
type earlierCase struct {
	searchHit
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Rating is the customer's latest score (1–5) from the satisfaction
	// link; Satisfied the latest return visit's verdict.
	Rating    *int  `json:"rating,omitempty"`
	Satisfied *bool `json:"satisfied,omitempty"`
}

type historyResponse struct {
	No    string        `json:"no"`
	Cases []earlierCase `json:"cases"`
	// More is true when the customer has more earlier cases than listed.
	More bool `json:"more"`
}

// history answers GET /api/v1/cases/{no}/history: the other cases of the
// case's customer (the same phone), newest first, that the caller may see.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	var bad forms.Errors
	size := pageSize(r.URL.Query().Get("page_size"), defaultHistory, maxHistory, &bad)
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the history request has errors", Fields: bad})
		return
	}
	no := r.PathValue("no")
	c := callerOf(r.Context())
	line, err := s.Cases.ArchivedLine(r.Context(), no)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionRead, summaryCase(line)) != nil {
		s.fail(w, r, hidden(no))
		return
	}
	earlier, more, err := s.Cases.CustomerHistory(r.Context(), no, scopeFor(c), size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := historyResponse{No: no, Cases: make([]earlierCase, 0, len(earlier)), More: more}
	for _, e := range earlier {
		hit := hitOf(e.Hit)
		if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionRead, summaryCase(hit.Summary)) == nil {
			resp.Cases = append(resp.Cases, earlierCase{searchHit: hit, ClosedAt: e.ClosedAt, Rating: e.Rating, Satisfied: e.Satisfied})
		}
	}
	writeJSON(w, http.StatusOK, resp)
}
