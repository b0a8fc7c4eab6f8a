package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Rule U2: the customer's pages' stylesheet is served from /static under
// the web's CSP, sets large print (body text at least 20 px) and wraps long
// words so nothing scrolls sideways at phone width; the customer page's own
// stricter CSP, set by the API, is the one the browser gets.
func TestPublicStylesheetLargePrintU2(t *testing.T) {
	const publicCSP = "default-src 'none'; style-src 'self'"
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", publicCSP)
		_, _ = io.WriteString(w, `<link rel="stylesheet" href="/static/public.css">`)
	})
	srv := httptest.NewServer(testServer(t, api).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/static/public.css")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	css := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("public.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m := regexp.MustCompile(`html\s*\{\s*font-size:\s*([0-9.]+)%`).FindStringSubmatch(css)
	if m == nil {
		t.Fatal("public.css sets no root font size")
	}
	if pct, _ := strconv.ParseFloat(m[1], 64); pct*16/100 < 20 {
		t.Errorf("body text %.1f px, want at least 20 px (U2)", pct*16/100)
	}
	if !strings.Contains(css, "overflow-wrap:anywhere") || !strings.Contains(css, "max-width") {
		t.Error("public.css lets long words or wide blocks scroll sideways")
	}
	resp, err = http.Get(srv.URL + "/rate/some-token")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got := resp.Header.Get("Content-Security-Policy"); got != publicCSP {
		t.Errorf("the customer page's CSP was replaced by the web's: %q", got)
	}
}
