package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
)

// Clean input at the door (issue 19): text that is not UTF-8 is refused,
// never stored as U+FFFD, and intake times reach back only so far.

// CodeInvalidUTF8 is the error code, and the field code, of a request that
// carries bytes that are not UTF-8 text.
const CodeInvalidUTF8 = "invalid_utf8"

// errInvalidUTF8 is the 400 answer for bytes that are not UTF-8 in field
// (a JSON field's dotted name, a query parameter or "path"), or somewhere
// in the body when field is "".
func errInvalidUTF8(where, field string) error {
	if field == "" {
		return &starter.Error{Status: http.StatusBadRequest, Code: CodeInvalidUTF8,
			Message: "the " + where + " is not valid UTF-8 text"}
	}
	return &starter.Error{Status: http.StatusBadRequest, Code: CodeInvalidUTF8,
		Message: fmt.Sprintf("%s %q is not valid UTF-8 text", where, field),
		Fields:  forms.Errors{{Field: field, Code: CodeInvalidUTF8, Message: field + " is not valid UTF-8 text"}}}
}

// checkUTF8 refuses a JSON body with bytes that are not UTF-8, naming the
// field they stand in. encoding/json would quietly turn them into U+FFFD.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	if field := badJSONField(body); field != "" {
		return errInvalidUTF8("request body field", field)
	}
	return errInvalidUTF8("request body", "")
}

// badJSONField is the dotted name of the first field of a JSON document
// whose key or value holds bytes that are not UTF-8 ("form.content"; a
// list's entries are named by the list), or "" when they stand elsewhere.
func badJSONField(body []byte) string {
	type frame struct {
		object  bool
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var names []string
		for _, f := range stack {
			if f.object && f.key != "" {
				names = append(names, f.key)
			}
		}
		return strings.Join(names, ".")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		bad := !utf8.Valid(body[start:dec.InputOffset()])
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.wantKey {
			top.key, top.wantKey = s, false
			if bad {
				return path()
			}
			continue
		}
		if bad {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value is complete: an object expects its next key.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// checkURL refuses a path or query whose decoded text is not UTF-8,
// naming the query parameter.
func checkURL(u *url.URL) error {
	if !utf8.ValidString(u.Path) {
		return errInvalidUTF8("path", "")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil // malformed escapes are the handlers' to answer, as before
	}
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return errInvalidUTF8("query parameter name", "")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return errInvalidUTF8("query parameter", k)
			}
		}
	}
	return nil
}

// guard wraps the API's routes: every answer is no-store (case data, the
// reveal answer above all, must stay out of caches), and a path or query
// that is not UTF-8 is refused before any handler reads it.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := checkURL(r.URL); err != nil {
			s.fail(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// CodeTooOld is the field code of an intake time further back than the
// backdating limit allows.
const CodeTooOld = "too_old"

// checkBackdate refuses an intake time further back than s.MaxBackdate
// (CLOSELOOP_MAX_BACKDATE): an agent registers what came in recently, and
// older cases come in through the emergency import, which keeps their
// times. f is a pointer to a form; forms without an intake time pass.
func (s *Server) checkBackdate(f any) error {
	var field string
	var at time.Time
	switch f := f.(type) {
	case *forms.Complaint:
		field, at = "intake_at", f.IntakeAt
	case *forms.MediaInquiry:
		field, at = "received_at", f.ReceivedAt
	case *forms.Consultation:
		field, at = "received_at", f.ReceivedAt
	case *forms.Repair:
		field, at = "received_at", f.ReceivedAt
	default:
		return nil
	}
	limit := s.MaxBackdate
	if limit <= 0 {
		limit = forms.DefaultMaxBackdate
	}
	now := time.Now()
	if s.Cases != nil && s.Cases.Now != nil {
		now = s.Cases.Now()
	}
	if at.IsZero() || !at.Before(now.Add(-limit)) {
		return nil
	}
	return &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the form has errors",
		Fields: forms.Errors{{Field: field, Code: CodeTooOld, Message: fmt.Sprintf(
			"%s is more than %s in the past; enter older cases through the emergency import", field, hours(limit))}}}
}

// hours writes d as "24h" rather than "24h0m0s" when it is whole hours.
func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
