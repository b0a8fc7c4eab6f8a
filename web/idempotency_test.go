package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/closeloop/closeloop/api"
)

// Issue 17: each registration form carries its own Idempotency-Key, and
// posting it passes the key to the API, so a form sent twice registers one
// case.
func TestFormSendsItsIdempotencyKey(t *testing.T) {
	var got []string
	fake := fakeAPIAs("agent", "{}")
	s := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/complaints" {
			got = append(got, r.Header.Get(api.IdempotencyHeader))
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":{"code":"invalid_form","message":"the complaint form has errors"}}`)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	keyField := regexp.MustCompile(`name="idempotency_key" value="(form-[0-9a-f]{32})"`)
	var keys []string
	for range 2 {
		_, page := signedIn(t, srv, "/new/complaint")
		m := keyField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("registration form without an idempotency key:\n%s", page)
		}
		keys = append(keys, m[1])
	}
	if keys[0] == keys[1] {
		t.Fatalf("two forms share the key %s", keys[0])
	}
	for range 2 { // the same form sent twice
		postForm(t, srv, "/new/complaint", "en", url.Values{"csrf": {"tok"}, "idempotency_key": {keys[0]}})
	}
	if len(got) != 2 || got[0] != keys[0] || got[1] != keys[0] {
		t.Errorf("API saw keys %q, want %s twice", got, keys[0])
	}
}
