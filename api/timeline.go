package api

import (
	"net/http"
	"strconv"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
)

// Timeline paging bounds: a page is at most maxTimelinePage entries.
const (
	defaultTimelinePage = 50
	maxTimelinePage     = 200
)

// getTimeline pages through a case's whole timeline, the entries the case
// keeps only in the archive included, for whoever may see the case.
func (s *Server) getTimeline(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit := 0, defaultTimelinePage
	var bad forms.Errors
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad = append(bad, forms.FieldError{Field: "offset", Code: "invalid", Message: "offset must be a whole number from 0"})
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTimelinePage {
			bad = append(bad, forms.FieldError{Field: "limit", Code: "invalid", Message: "limit must be a number from 1 to " + strconv.Itoa(maxTimelinePage)})
		}
		limit = n
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the timeline page has errors", Fields: bad})
		return
	}
	view, err := s.visible(r.Context(), r.PathValue("no"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.Cases.Timeline(r.Context(), view, offset, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The customer's data is masked in the entries' text as in the case (P1).
	writeJSON(w, http.StatusOK, maskText(page, customerOf(view)))
}
