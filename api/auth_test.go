package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// browser is a cookie-keeping client against a test server.
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar}}
}

func (b *browser) send(method, path, body string, header map[string]string) (int, apiError, *http.Response) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var e apiError
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = jsonDecoder(resp)(&e, &me)
	if me.CSRF != "" {
		b.csrf = me.CSRF
	}
	return resp.StatusCode, e, resp
}

// An invalid complaint: a request that gets past authentication is
// answered 422 by validation, before any engine is needed.
const badComplaint = `{"complainant_name":"张伟"}`

// Rule P1 and CSRF: a web session is an HttpOnly, SameSite=Lax cookie; a
// cookie-authenticated write needs the session's CSRF token and is refused
// cross-site; sign-out, expiry, a tampered cookie and a wrong token all
// end in 401.
func TestSessionsCSRFAndTokens(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := testServer(&starter.Service{})
	s.Sessions.Now = func() time.Time { return now }
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)

	if code, e, _ := b.send("GET", "/api/v1/me", "", nil); code != 401 || e.Error.Code != "unauthenticated" {
		t.Fatalf("anonymous: %d %s", code, e.Error.Code)
	}
	if code, e, _ := b.send("POST", "/api/v1/login", `{"username":"agent01","password":"wrong password!"}`, nil); code != 401 || e.Error.Code != "bad_credentials" {
		t.Fatalf("wrong password: %d %s", code, e.Error.Code)
	}
	code, _, resp := b.send("POST", "/api/v1/login", `{"username":"agent01","password":"correct horse battery"}`, nil)
	if code != 200 || b.csrf == "" {
		t.Fatalf("login: %d csrf %q", code, b.csrf)
	}
	ck := resp.Cookies()[0]
	if ck.Name != SessionCookie || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", ck)
	}
	if code, _, _ := b.send("GET", "/api/v1/me", "", nil); code != 200 {
		t.Fatalf("me with the cookie: %d", code)
	}
	if code, e, _ := b.send("POST", "/api/v1/complaints", badComplaint, nil); code != 403 || e.Error.Code != "csrf" {
		t.Fatalf("write without the CSRF token: %d %s", code, e.Error.Code)
	}
	if code, e, _ := b.send("POST", "/api/v1/complaints", badComplaint, map[string]string{CSRFHeader: b.csrf + "x"}); code != 403 || e.Error.Code != "csrf" {
		t.Fatalf("write with a wrong CSRF token: %d %s", code, e.Error.Code)
	}
	if code, _, _ := b.send("POST", "/api/v1/complaints", badComplaint, map[string]string{CSRFHeader: b.csrf, "Sec-Fetch-Site": "cross-site"}); code != 403 {
		t.Fatalf("cross-site write with the token: %d, want 403", code)
	}
	if code, e, _ := b.send("POST", "/api/v1/complaints", badComplaint, map[string]string{CSRFHeader: b.csrf}); code != 422 || e.Error.Code != "invalid_form" {
		t.Fatalf("write with the CSRF token: %d %s", code, e.Error.Code)
	}

	// A tampered cookie names no session.
	tampered := newBrowser(t, srv)
	if code, _, _ := tampered.send("GET", "/api/v1/me", "", map[string]string{"Cookie": SessionCookie + "=" + ck.Value + "A"}); code != 401 {
		t.Fatalf("tampered cookie: %d", code)
	}
	// Idle too long: signed out.
	now = now.Add(31 * time.Minute)
	if code, _, _ := b.send("GET", "/api/v1/me", "", nil); code != 401 {
		t.Fatalf("expired session: %d", code)
	}
	// Sign in again and sign out: the cookie is dead.
	b.send("POST", "/api/v1/login", `{"username":"agent01","password":"correct horse battery"}`, nil)
	if code, _, _ := b.send("POST", "/api/v1/logout", "", map[string]string{CSRFHeader: b.csrf}); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _, _ := b.send("GET", "/api/v1/me", "", map[string]string{"Cookie": SessionCookie + "=" + ck.Value}); code != 401 {
		t.Fatalf("after logout: %d", code)
	}

	// Tokens: a wrong one is refused; a right one needs no CSRF token.
	api := newBrowser(t, srv)
	for _, h := range []string{"Bearer clt_nope", "Basic YWdlbnQwMTp4", "Bearer "} {
		if code, _, _ := api.send("GET", "/api/v1/me", "", map[string]string{"Authorization": h}); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, code)
		}
	}
	if code, _, _ := api.send("POST", "/api/v1/complaints", badComplaint, map[string]string{"Authorization": "Bearer " + agentToken}); code != 422 {
		t.Fatalf("token write: %d", code)
	}
}

// Rule P3: quality control reads and registers nothing new; a refusal is a
// 403 with a plain message.
func TestCreateNeedsPolicy(t *testing.T) {
	srv := httptest.NewServer(testServer(&starter.Service{}).Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	code, e, _ := b.send("POST", "/api/v1/complaints", badComplaint, map[string]string{"Authorization": "Bearer clt_test_qc"})
	if code != 403 || e.Error.Code != "forbidden" {
		t.Fatalf("qc registering a complaint: %d %s", code, e.Error.Code)
	}
}

// Rule P1: names, phones and e-mails are masked.
func TestMasking(t *testing.T) {
	for in, want := range map[string]string{"张伟": "张*", "13812345678": "138****5678", "+86 138-1234-5678": "+86 1**-****-5678",
		"021-5888": "***-**88", "zhang.wei@example.com": "z***@example.com", "A": "A*", "": ""} {
		var got string
		switch {
		case strings.Contains(in, "@"):
			got = forms.MaskEmail(in)
		case strings.ContainsAny(in, "0123456789"):
			got = forms.MaskPhone(in)
		default:
			got = forms.MaskName(in)
		}
		if got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// jsonDecoder decodes a response body into each target in turn.
func jsonDecoder(resp *http.Response) func(targets ...any) error {
	b, _ := io.ReadAll(resp.Body)
	return func(targets ...any) error {
		for _, t := range targets {
			_ = json.Unmarshal(b, t)
		}
		return nil
	}
}

// The public rating page: an invalid or expired link gets a friendly page
// in the customer's language; a good one shows the 1–5 form with labels.
func TestRatingPage(t *testing.T) {
	srv, signer := publicServer(t, &publicEngine{view: &workflows.CaseView{No: "TS-20261123-0001", Status: workflows.StatusResolved}})
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/rate/not-a-token"); code != 400 || !strings.Contains(body, "This link is not valid") {
		t.Errorf("tampered link: %d %s", code, body)
	}
	expired := signer.Sign(links.Rating{CaseNo: "TS-20261123-0001", Round: 1, Language: "en", Expires: time.Now().Add(-time.Minute), Nonce: "n"})
	if code, body := get("/rate/" + expired); code != 410 || !strings.Contains(body, "This link has expired") {
		t.Errorf("expired link: %d %s", code, body)
	}
	good := signer.Sign(links.Rating{CaseNo: "TS-20261123-0001", Round: 1, Language: "en", Expires: time.Now().Add(time.Hour), Nonce: "n"})
	code, body := get("/rate/" + good)
	if code != 200 || !strings.Contains(body, `name="score" value="5"`) || !strings.Contains(body, `<label for="comment">`) || !strings.Contains(body, "TS-20261123-0001") {
		t.Errorf("rating form: %d %s", code, body)
	}
	resp, err := http.PostForm(srv.URL+"/rate/"+good, map[string][]string{"score": {"9"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "choose a rating from 1 to 5") {
		t.Errorf("bad score: %d %s", resp.StatusCode, b)
	}
}

// Rule P1: the customer's data is masked in every free-text field, not only
// in the form.
func TestMaskEverywhere(t *testing.T) {
	now := time.Now()
	v := workflows.CaseView{No: "TS-1", Type: "complaint",
		Form:      &forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Email: "zhang.wei@example.com"},
		Record:    &workflows.ComplaintRecord{HandlingResult: "called 13812345678 and told 张伟", ReturnVisitOutcome: "张伟 happy"},
		Timeline:  []workflows.Event{{At: now, Message: "mail to zhang.wei@example.com", Fields: map[string]string{"note": "张伟"}}},
		Deadlines: []workflows.Deadline{{Name: "resolution", Extensions: []workflows.Extension{{Reason: "张伟 away until Monday"}}}},
	}
	b, _ := json.Marshal(mask(v))
	for _, p := range []string{"张伟", "13812345678", "zhang.wei@example.com"} {
		if strings.Contains(string(b), p) {
			t.Errorf("%q left unmasked: %s", p, b)
		}
	}
	if !strings.Contains(string(b), "138****5678") || !strings.Contains(string(b), "张*") {
		t.Errorf("masked forms missing: %s", b)
	}
}
