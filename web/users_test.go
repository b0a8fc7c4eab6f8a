package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A waiting or locked sign-in is answered 429 with the API's Retry-After
// and says so, in place of "wrong password".
func TestLoginPageSaysTooManyAttempts(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"code":"too_many_attempts","message":"too many sign-in attempts; try again later"}}`)
	})
	srv := httptest.NewServer(testServer(t, api).Handler())
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/login", url.Values{"username": {"agent01"}, "password": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" ||
		!strings.Contains(string(b), messages(t, "zh-CN")["login.tooMany"]) {
		t.Fatalf("%d Retry-After %q:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
}

// The administrator sees the users, in the menu and on /users, and ends
// one's sessions with the button, which sends the form's CSRF token.
func TestAdminEndsSessionsFromUsersPage(t *testing.T) {
	var revoked string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v1/me":
			_, _ = io.WriteString(w, `{"username":"admin01","role":"admin","department":"it","csrf_token":"tok","can":{"create":[],"users":true}}`)
		case "GET /api/v1/users":
			_, _ = io.WriteString(w, `{"users":[{"username":"agent01","name":"王芳","role":"agent","department":"customer_service"}]}`)
		case "DELETE /api/v1/users/agent01/sessions":
			if r.Header.Get("X-CSRF-Token") != "tok" {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"error":{"code":"csrf","message":"csrf"}}`)
				return
			}
			revoked = "agent01"
			_, _ = io.WriteString(w, `{"username":"agent01","ended":2}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"no"}}`)
		}
	})
	srv := httptest.NewServer(testServer(t, api).Handler())
	defer srv.Close()
	resp, body := signedIn(t, srv, "/users")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/users"`) ||
		!strings.Contains(body, `action="/users/agent01/sessions/revoke"`) || !strings.Contains(body, `name="csrf" value="tok"`) ||
		!strings.Contains(body, "<td>客服专员</td>") || strings.Contains(body, "<td>agent</td>") {
		t.Fatalf("users page %d:\n%s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/users/agent01/sessions/revoke", strings.NewReader("csrf=tok"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || revoked != "agent01" || resp.Header.Get("Location") != "/users?ended=agent01&count=2" {
		t.Fatalf("revoke: %d %q, revoked %q", resp.StatusCode, resp.Header.Get("Location"), revoked)
	}
	if _, body := signedIn(t, srv, "/users?ended=agent01&count=2"); !strings.Contains(body, "已结束 agent01 的 2 个会话。") {
		t.Fatalf("no confirmation:\n%s", body)
	}
}
