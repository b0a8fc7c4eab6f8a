package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/forms"
)

// Issue 19: a form post or a query with bytes that are not UTF-8 is
// refused with a 400 page naming the field, in the page's language, and
// never reaches the API (whose JSON would hold U+FFFD instead).
func TestInvalidUTF8FormRefusedBeforeTheAPI(t *testing.T) {
	var writes atomic.Int32
	fake := fakeAPI(`{}`)
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			writes.Add(1)
		}
		fake.ServeHTTP(w, r)
	})).Handler())
	defer srv.Close()
	for _, lang := range []string{"en", "zh-CN"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/new/complaint",
			strings.NewReader("csrf=tok&complainant_name=ok&content=bad%FF%FEtext"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
		req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		label := testServer(t, nil).label(lang, "content")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), label) {
			t.Errorf("%s: %d, want 400 naming %q:\n%s", lang, resp.StatusCode, label, b)
		}
	}
	if n := writes.Load(); n != 0 {
		t.Fatalf("%d posts reached the API", n)
	}
	resp, _ := signedIn(t, srv, "/search?q=%FF")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("query: %d, want 400", resp.StatusCode)
	}
	// Valid text passes on to the page.
	if resp, _ := signedIn(t, srv, "/search?q=%E4%B8%AD"); resp.StatusCode == http.StatusBadRequest {
		t.Fatal("a valid UTF-8 query was refused")
	}
}

// The codes the API gives for unclean input have words in both languages.
func TestInputProblemsHaveWordsInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "zh-CN"} {
		m := messages(t, lang)
		for _, id := range []string{"problem." + forms.CodeControlCharacter, "problem." + api.CodeInvalidUTF8, "problem." + api.CodeTooOld,
			"error.code." + api.CodeInvalidUTF8, "error.code.body_timeout", "input.invalid_utf8", "input.invalid_utf8.field"} {
			if strings.TrimSpace(m[id]) == "" {
				t.Errorf("%s: no message %s", lang, id)
			}
		}
	}
}

// Signed-in pages, the dashboard's chart included, are never stored;
// hashed static assets keep their long cache.
func TestSignedInPagesAreNoStore(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI(`{}`)).Handler())
	defer srv.Close()
	for _, p := range []string{"/inbox", "/dashboard/chart.svg"} {
		resp, _ := signedIn(t, srv, p)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: %d Cache-Control %q, want no-store", p, resp.StatusCode, cc)
		}
	}
}
