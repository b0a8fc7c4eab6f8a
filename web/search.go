package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
)

// Search and the customer's earlier cases (issue 18): pages over
// GET /api/v1/search and GET /api/v1/cases/{no}/history.

// partials are template files included in every page rather than pages
// of their own.
var partials = map[string]bool{"history": true}

// searchPageSize is how many cases one page of results shows.
const searchPageSize = "50"

// foundCase is a search hit or an earlier case as the API gives it.
type foundCase struct {
	starter.Summary
	Subject  string `json:"subject"`
	Customer struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"customer"`
	ClosedAt  *time.Time `json:"closed_at"`
	Rating    *int       `json:"rating"`
	Satisfied *bool      `json:"satisfied"`
}

// Score is the customer's latest rating, 0 for none.
func (f foundCase) Score() int {
	if f.Rating == nil {
		return 0
	}
	return *f.Rating
}

// Visit is the latest return visit's verdict: "satisfied",
// "dissatisfied", or "" when there was none.
func (f foundCase) Visit() string {
	switch {
	case f.Satisfied == nil:
		return ""
	case *f.Satisfied:
		return "satisfied"
	}
	return "dissatisfied"
}

type searchResults struct {
	Cases    []foundCase `json:"cases"`
	Next     string      `json:"next_page_token"`
	Searched []string    `json:"searched"`
	Notice   string      `json:"notice"`
}

// searchPage shows the search form and, for a query, the cases found. A
// query the API refuses comes back with the reason beside the field.
func (s *Server) searchPage(rq *request) {
	in := rq.r.URL.Query()
	q := strings.TrimSpace(in.Get("q"))
	data := map[string]any{"Query": q}
	if q == "" && !in.Has("q") {
		s.render(rq, http.StatusOK, "search", data)
		return
	}
	params := url.Values{"q": {q}, "page_size": {searchPageSize}}
	if after := in.Get("after"); after != "" {
		params.Set("page_token", after)
	}
	res := s.call(rq, http.MethodGet, "/api/v1/search?"+params.Encode(), nil, "")
	if p := res.problem(); p != nil {
		problem := searchProblem(p)
		if problem == "" {
			s.fail(rq, p)
			return
		}
		data["Problem"] = problem
		s.render(rq, p.Status, "search", data)
		return
	}
	var found searchResults
	if err := json.Unmarshal(res.body, &found); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	data["Results"] = found
	if found.Next != "" {
		data["NextPage"] = "/search?" + url.Values{"q": {q}, "after": {found.Next}}.Encode()
	}
	s.render(rq, http.StatusOK, "search", data)
}

// searchProblem is the message key for a search the API refused because
// of the query, "" for any other error.
func searchProblem(p *starter.Error) string {
	if p.Status == http.StatusForbidden && p.Code == "forbidden" {
		return "search.phoneNeedsRight"
	}
	for _, f := range p.Fields {
		switch {
		case f.Field == "q" && f.Code == forms.CodeRequired:
			return "search.required"
		case f.Field == "q" && f.Code == "too_long":
			return "search.tooLong"
		case f.Field == "q" && f.Code == "too_short":
			return "search.tooShort"
		case f.Field == "page_token":
			return "search.badPage"
		}
	}
	return ""
}

// earlierCases is what the case page shows of the customer's other cases.
type earlierCases struct {
	Cases []foundCase `json:"cases"`
	More  bool        `json:"more"`
	// Failed: the history could not be read; the case page shows the
	// rest anyway.
	Failed bool `json:"-"`
}

// customerHistory reads case no's earlier cases for the case page: nil,
// showing nothing, without an archive; none when the archive does not
// hold the case yet.
func (s *Server) customerHistory(rq *request, no string) *earlierCases {
	var h earlierCases
	res := s.call(rq, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no)+"/history", nil, "")
	if p := res.problem(); p != nil {
		switch {
		case p.Code == "no_archive":
			return nil
		case p.Status == http.StatusNotFound:
			return &h
		}
		s.Log.Warn("customer history", "case", no, "status", p.Status, "error", p.Message)
		return &earlierCases{Failed: true}
	}
	if err := json.Unmarshal(res.body, &h); err != nil {
		s.Log.Warn("customer history", "case", no, "error", err)
		return &earlierCases{Failed: true}
	}
	return &h
}
