package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// end-sessions sends the administrator's revocation to the API with the
// token and says how many sessions ended; a refusal fails the command.
func TestEndSessionsAsksTheAPIToEndAUsersSessions(t *testing.T) {
	isolate(t)
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Method + " " + r.URL.Path + " " + r.Header.Get("Authorization")
		if r.Header.Get("Authorization") != "Bearer admintok" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"forbidden","message":"not allowed"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"username":"agent01","ended":3}`)
	}))
	defer srv.Close()
	code, out, stderr := cli(t, "end-sessions", "agent01", "--server", srv.URL, "--token", "admintok")
	if code != 0 || got != "DELETE /api/v1/users/agent01/sessions Bearer admintok" || !strings.Contains(out, "ended 3 session(s) of agent01") {
		t.Fatalf("exit %d, sent %q, out %q, err %q", code, got, out, stderr)
	}
	if code, _, _ := cli(t, "end-sessions", "agent01", "--server", srv.URL, "--token", "other"); code == 0 {
		t.Fatal("a refused revocation exited 0")
	}
}
