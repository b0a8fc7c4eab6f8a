package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// cli runs the command line as main does and returns its exit status and
// output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// isolate points the command line at an empty data directory and clears
// the settings that would find a real server.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"CLOSELOOP_URL", "CLOSELOOP_HTTP_ADDR", "CLOSELOOP_TIMEZONE", "CLOSELOOP_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("CLOSELOOP_DATA_DIR", dir)
	return dir
}

func TestMistypedSubcommandSuggestsAndFails(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args    []string
		suggest string
	}{
		{[]string{"case", "creat"}, `unknown command "creat" for "closeloop case"; did you mean create?`},
		{[]string{"case", "lsit", "--as", "agent01"}, "did you mean list?"},
		{[]string{"calendar", "replna"}, "did you mean replan?"},
		{[]string{"import", "emergncy", "x.csv"}, "did you mean emergency?"},
		{[]string{"serv"}, "did you mean serve?"},
		{[]string{"case", "frobnicate"}, "its commands are act, create, list, show"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.suggest) {
			t.Errorf("closeloop %s: exit %d, stderr %q; want a non-zero exit and %q", strings.Join(tc.args, " "), code, stderr, tc.suggest)
		}
	}
	// A group alone shows its commands, and that is no error.
	if code, stdout, _ := cli(t, "case"); code != 0 || !strings.Contains(stdout, "create") {
		t.Errorf("closeloop case: exit %d, output %q; want help and exit 0", code, stdout)
	}
}

func TestSetSendsValuesAsTheActionTakesThem(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	body := func(no, action string, sets ...string) map[string]any {
		t.Helper()
		b, err := actionBody(no, action, sets, shanghai)
		if err != nil {
			t.Fatalf("%s %v: %v", action, sets, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// A repair's return visit: booleans, a number, and a text that looks
	// like a number but is text.
	m := body("BX-20261206-0001", "return-visit", "attitude_ok=true", "work_ok=false", "result_ok=true", "satisfaction=5", "comment=42")
	if m["satisfaction"] != float64(5) || m["attitude_ok"] != true || m["work_ok"] != false || m["comment"] != "42" {
		t.Errorf("repair return visit: %v", m)
	}
	if m := body("XZ-20261206-0001", "rate", "score=4"); m["score"] != float64(4) {
		t.Errorf("rate: score %#v, want the number 4", m["score"])
	}
	// "true" is text where the field is text.
	if m := body("TS-20261206-0001", "comment", "text=true"); m["text"] != "true" {
		t.Errorf("comment: text %#v, want the text true", m["text"])
	}
	// A time without offset is in the business zone.
	m = body("TS-20261206-0001", "request-collaboration", "time_node=2026-12-08 14:00", "need=inspect")
	if m["time_node"] != "2026-12-08T14:00:00+08:00" {
		t.Errorf("time_node %v, want 2026-12-08T14:00:00+08:00", m["time_node"])
	}
	if m := body("TS-20261206-0001", "request-collaboration", "time_node=2026-12-08T06:00:00Z"); m["time_node"] != "2026-12-08T06:00:00Z" {
		t.Errorf("time_node %v, want it as given", m["time_node"])
	}
	// An action this command line does not know: numbers and booleans
	// as they read, and the API judges.
	if m := body("TS-20261206-0001", "no-such-action", "n=3", "b=false", "s=x"); m["n"] != float64(3) || m["b"] != false || m["s"] != "x" {
		t.Errorf("unknown action: %v", m)
	}

	for _, tc := range []struct {
		no, action, set, want string
	}{
		{"BX-20261206-0001", "return-visit", "satisfaction=five", "--set satisfaction=five: want a whole number"},
		{"BX-20261206-0001", "return-visit", "work_ok=yes please", "want true or false"},
		{"TS-20261206-0001", "first-feedback", "mesage=hello", "first-feedback takes no mesage; its fields are message, method"},
		{"TS-20261206-0001", "extend", "new_due=tomorrow", "want a time such as 2026-12-08 14:00 (Asia/Shanghai)"},
		{"TS-20261206-0001", "comment", "text", `--set "text": want key=value`},
	} {
		_, err := actionBody(tc.no, tc.action, []string{tc.set}, shanghai)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s --set %s: %v; want %q", tc.action, tc.set, err, tc.want)
		}
	}
	if _, err := actionBody("TS-20261206-0001", "comment", []string{"text=a", "text=b"}, shanghai); err == nil {
		t.Error("a field given twice was accepted")
	}
}

// fakeAPI answers GET /api/v1/cases with one case due at 02:00 UTC.
func fakeAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/cases" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"error":{"code":"not_found","message":"no"}}`, http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(`{"cases":[{"no":"TS-20261206-0001","type":"complaint","status":"registered","department":"property",` +
			`"next_deadline":"2026-12-07T02:00:00Z","escalation_level":1,"overdue":false,"started_at":"2026-12-06T02:00:00Z"}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Rule T3: the list shows times in the business zone, and says which.
func TestListShowsTimesInTheBusinessZoneLabelled(t *testing.T) {
	dir := isolate(t)
	srv := fakeAPI(t)
	// The server published its address and zone in the data directory.
	if _, err := config.WriteAddress(dir, config.Address{URL: srv.URL, TimeZone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "case", "list", "--token", "tok")
	if code != 0 {
		t.Fatalf("case list: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "NEXT DEADLINE (Asia/Shanghai)") || !strings.Contains(out, "2026-12-07 10:00") {
		t.Errorf("case list output lacks the deadline in Asia/Shanghai, labelled:\n%s", out)
	}
	// CLOSELOOP_TIMEZONE, the setting the server reads, decides when set.
	t.Setenv("CLOSELOOP_TIMEZONE", "Europe/Berlin")
	_, out, _ = cli(t, "case", "list", "--token", "tok")
	if !strings.Contains(out, "NEXT DEADLINE (Europe/Berlin)") || !strings.Contains(out, "2026-12-07 03:00") {
		t.Errorf("with CLOSELOOP_TIMEZONE=Europe/Berlin:\n%s", out)
	}
}

func TestFindsTheAPIFromTheDataDirectory(t *testing.T) {
	dir := isolate(t)
	if e := findServer(""); e.url != defaultURL || !strings.Contains(e.from, config.AddressPath(dir)) {
		t.Errorf("nothing set: %+v, want the default naming the missing file", e)
	}
	t.Setenv("CLOSELOOP_HTTP_ADDR", "0.0.0.0:9191")
	if e := findServer(""); e.url != "http://127.0.0.1:9191" || e.from != "CLOSELOOP_HTTP_ADDR" {
		t.Errorf("CLOSELOOP_HTTP_ADDR=0.0.0.0:9191: %+v", e)
	}
	if _, err := config.WriteAddress(dir, config.Address{URL: "http://127.0.0.1:18480", TimeZone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if e := findServer(""); e.url != "http://127.0.0.1:18480" || e.zone != "Asia/Shanghai" {
		t.Errorf("address file: %+v", e)
	}
	t.Setenv("CLOSELOOP_URL", "http://example.test:1")
	if e := findServer(""); e.url != "http://example.test:1" {
		t.Errorf("CLOSELOOP_URL: %+v", e)
	}
	if e := findServer("http://flag.test:2"); e.url != "http://flag.test:2" {
		t.Errorf("--server: %+v", e)
	}

	// Nothing answers: the error says where it looked and what to set.
	isolate(t)
	ln := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(ln.URL, "http://")
	ln.Close()
	t.Setenv("CLOSELOOP_HTTP_ADDR", addr)
	code, _, stderr := cli(t, "case", "list", "--token", "tok")
	for _, want := range []string{"no Closeloop answers at http://" + addr, "(CLOSELOOP_HTTP_ADDR)", "CLOSELOOP_DATA_DIR", "CLOSELOOP_URL=http://HOST:PORT"} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("unreachable server: exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
}

func TestCaseTypeIsSpelledAsTheAPISpellsIt(t *testing.T) {
	for in, want := range map[string]string{"media_inquiry": "media-inquiries", "media-inquiry": "media-inquiries", "complaint": "complaints", "collaboration": "collaborations"} {
		name, coll, err := caseType(in)
		if err != nil || coll != want || strings.Contains(name, "-") {
			t.Errorf("caseType(%q) = %q, %q, %v; want collection %s and the API's spelling", in, name, coll, err, want)
		}
	}
	if _, _, err := caseType("mediainquiry"); err == nil || !strings.Contains(err.Error(), "media_inquiry") {
		t.Errorf("unknown type: %v", err)
	}
}

// Issue 19: text a user wrote reaches the terminal without its escape
// sequences — no window title, no colour — and the outbox shows the
// customer masked and their links cut unless asked for as stored.
func TestOutboxPrintsNoEscapesAndMasksTheCustomer(t *testing.T) {
	dir := isolate(t)
	const evil = "Handled.\x1b]0;pwned\x07\x1b[31m red \u202eexe.txt\u202c\x1b[0m\x9b2J"
	box := &activities.Outbox{Dir: filepath.Join(dir, "outbox"), Render: func(n workflows.Notice) []mail.Message {
		return []mail.Message{{To: mail.Address{Name: "李娜", Email: "lina@mail.example"}, Subject: "Case " + n.CaseNo + evil,
			Text: "李娜您好\n" + evil + "\nhttps://cl.example/rate/eyJjYXNlIjoiVFMifQ.c2lnbmF0dXJl"}}
	}}
	if _, err := box.Send(context.Background(), workflows.Notice{ID: "n1", CaseNo: "TS-20261201-0001", Kind: workflows.NoticeSatisfactionReq,
		To: workflows.Recipient{Role: "customer", Name: "李娜", Email: "lina@mail.example"}, Customer: "李娜"}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"outbox", "--full"}, {"outbox", "--full", "--unmasked"}} {
		code, out, stderr := cli(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if strings.ContainsAny(out, "\x1b\x07\u009b\u202e\u202c") {
			t.Errorf("%v prints control characters: %q", args, out)
		}
		if !strings.Contains(out, "Handled. red exe.txt") {
			t.Errorf("%v lost the text around the escapes: %q", args, out)
		}
		clear := strings.Contains(out, "李娜") || strings.Contains(out, "lina@") || strings.Contains(out, "c2lnbmF0dXJl")
		if want := len(args) == 3; clear != want {
			t.Errorf("%v: customer or link in clear %v, want %v:\n%s", args, clear, want, out)
		}
	}
}

// Text a user wrote in a case comes back from the API inside JSON, where
// bidi overrides and C1 controls are not escaped: case show prints none.
func TestCaseShowPrintsNoControlCharacters(t *testing.T) {
	dir := isolate(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{\"no\":\"TS-20261201-0001\",\"timeline\":[{\"message\":\"ok \u202eevil\u202c \u009b2J done\"}]}"))
	}))
	t.Cleanup(srv.Close)
	if _, err := config.WriteAddress(dir, config.Address{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "case", "show", "TS-20261201-0001", "--token", "tok")
	if code != 0 {
		t.Fatalf("case show: exit %d: %s", code, stderr)
	}
	if strings.ContainsAny(out, "\u202e\u202c\u009b") || !strings.Contains(out, `"ok evil  done"`) {
		t.Errorf("case show: %q", out)
	}
}
