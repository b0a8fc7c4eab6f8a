package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Issue 19: the Temporal UI answers the administrator only; anyone not
// signed in is sent to sign in, anyone else refused, and neither request
// reaches the UI.
func TestTemporalUIOnlyForTheAdministrator(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("closeloop_session")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in"}}`)
			return
		}
		temporal := ck.Value == "admin"
		_, _ = io.WriteString(w, `{"username":"`+ck.Value+`01","role":"`+ck.Value+`","can":{"create":[],"temporal":`+map[bool]string{true: "true", false: "false"}[temporal]+`}}`)
	})
	s := testServer(t, api)
	reached := 0
	s.Temporal = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		_, _ = io.WriteString(w, "temporal ui "+r.URL.Path)
	})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(session string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/temporal/namespaces/default/workflows", nil)
		if session != "" {
			req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: session})
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := get(""); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=%2Ftemporal%2F") {
		t.Errorf("anonymous: %d %q, want a redirect to sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := get("agent"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "temporal ui") {
		t.Errorf("agent: %d, want 403", resp.StatusCode)
	}
	if reached != 0 {
		t.Fatalf("refused requests reached the UI %d times", reached)
	}
	resp, body := get("admin")
	if resp.StatusCode != http.StatusOK || body != "temporal ui /temporal/namespaces/default/workflows" {
		t.Errorf("admin: %d %q", resp.StatusCode, body)
	}
	// The UI sets its own headers; Closeloop's page policy would block its script.
	if resp.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("Closeloop's CSP on the UI: %q", resp.Header.Get("Content-Security-Policy"))
	}
}
