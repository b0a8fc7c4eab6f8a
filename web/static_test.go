package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// rawGet fetches a path without the client's transparent decompression,
// so the test sees what was sent.
func rawGet(t *testing.T, srv *httptest.Server, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// Pages and static files go compressed to browsers that accept it; the
// JSON API is left alone.
func TestCompression(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI("{}")).Handler())
	defer srv.Close()
	gz := map[string]string{"Accept-Encoding": "gzip"}
	for _, p := range []string{"/dashboard?group_by=region", "/login", assetURL("app.css"), "/static/app.js"} {
		resp, b := rawGet(t, srv, p, gz)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: %d, Content-Encoding %q, want gzip", p, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			continue
		}
		if body := gunzip(t, b); len(body) < 200 {
			t.Errorf("%s: %d bytes after gunzip", p, len(body))
		}
	}
	if resp, _ := rawGet(t, srv, "/login", nil); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a client that did not ask got %q", resp.Header.Get("Content-Encoding"))
	}
	if resp, _ := rawGet(t, srv, "/api/v1/me", gz); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("the API was compressed: %q", resp.Header.Get("Content-Encoding"))
	}
}

// Static files: a versioned address is cached for a year; the bare one
// revalidates by ETag (the content hash: embedded files have no mtime);
// no directory is listed; the favicon is served.
func TestStaticCaching(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI("{}")).Handler())
	defer srv.Close()
	_, page := signedIn(t, srv, "/dashboard")
	css := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]{16})"`).FindStringSubmatch(page)
	if css == nil || css[1] != assetURL("app.css") {
		t.Fatalf("the page does not link the versioned stylesheet %s", assetURL("app.css"))
	}
	for _, want := range []string{assetURL("app.js"), assetURL("favicon.svg"), `rel="icon"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	resp, _ := rawGet(t, srv, css[1], nil)
	if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != 200 || !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("versioned stylesheet: %d, Cache-Control %q", resp.StatusCode, cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet Content-Type %q", ct)
	}
	resp, _ = rawGet(t, srv, "/static/app.css?v=old", nil)
	etag := resp.Header.Get("ETag")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" || etag == "" {
		t.Errorf("an old or bare address must revalidate: Cache-Control %q, ETag %q", cc, etag)
	}
	for _, enc := range []string{"", "gzip"} {
		resp, b := rawGet(t, srv, "/static/app.css", map[string]string{"If-None-Match": etag, "Accept-Encoding": enc})
		if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("revalidation (Accept-Encoding %q): %d with %d bytes, want 304", enc, resp.StatusCode, len(b))
		}
	}
	for _, p := range []string{"/static/", "/static", "/static/nothing.css", "/static/../web.go"} {
		if resp, b := rawGet(t, srv, p, nil); resp.StatusCode == 200 || strings.Contains(string(b), "app.css") {
			t.Errorf("%s: %d %.100s (no listings, no other files)", p, resp.StatusCode, b)
		}
	}
	resp, b := rawGet(t, srv, "/favicon.ico", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/x-icon" || len(b) < 22 || string(b[:4]) != "\x00\x00\x01\x00" {
		t.Errorf("/favicon.ico: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
}
