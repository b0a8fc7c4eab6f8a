package web

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/closeloop/closeloop/starter"
)

// cleanInput refuses a page request whose path, query or posted form holds
// bytes that are not UTF-8 (issue 19), with a 400 page naming the field:
// the pages re-encode a form as JSON for the API, which would quietly
// store U+FFFD in their place. The API's own paths check for themselves.
func (s *Server) cleanInput(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		field, bad := invalidInput(r)
		if !bad {
			h.ServeHTTP(w, r)
			return
		}
		rq := &request{w: w, r: r, lang: s.language(r)}
		msg := s.i18n.text(rq.lang, "input.invalid_utf8")
		if field != "" {
			msg = s.i18n.text(rq.lang, "input.invalid_utf8.field", "Field", s.label(rq.lang, field))
		}
		// No error.code words for this code: the page shows msg, already
		// in the page's language, as its explanation.
		s.render(rq, http.StatusBadRequest, "error", map[string]any{"Error": &starter.Error{
			Status: http.StatusBadRequest, Code: "invalid_utf8_input", Message: msg}})
	})
}

// apiPath reports the paths the API serves behind the pages.
func apiPath(p string) bool {
	for _, prefix := range []string{"/api/", "/rate/", "/status/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// invalidInput finds text that is not UTF-8 in r's path, query or
// url-encoded form, and the field (query or form name) it stands in.
func invalidInput(r *http.Request) (field string, bad bool) {
	if !utf8.ValidString(r.URL.Path) {
		return "", true
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		if f, ok := invalidValue(q); ok {
			return f, true
		}
	}
	if r.Method != http.MethodPost {
		return "", false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return "", false // uploads are checked by the API (the emergency form)
	}
	if err := r.ParseForm(); err != nil {
		return "", false // the handler answers a form it cannot read, as before
	}
	return invalidValue(r.PostForm)
}

// invalidValue is the first name in vs with a name or value that is not
// UTF-8.
func invalidValue(vs url.Values) (string, bool) {
	for k, list := range vs {
		if !utf8.ValidString(k) {
			return "", true
		}
		for _, v := range list {
			if !utf8.ValidString(v) {
				return k, true
			}
		}
	}
	return "", false
}
