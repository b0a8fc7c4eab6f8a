package web

import (
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

func testServer(t *testing.T, apiHandler http.Handler) *Server {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	s, err := New(Server{API: apiHandler, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Location: loc,
		Departments: []identity.Department{{Code: "property", Name: "物业部 Property"}},
		Now:         func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, err := localeFiles(lang)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range files {
		b, err := localeFS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s: message %s is also in another file", f, k)
			}
			m[k] = v
		}
	}
	return m
}

// U1: the interface speaks Chinese and English with the same messages, and
// every message a template names exists in both.
func TestCatalogsMatch(t *testing.T) {
	zh, en := messages(t, "zh-CN"), messages(t, "en")
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: in zh-CN, not in en", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%s: in en, not in zh-CN", k)
		}
	}
	literal := regexp.MustCompile(`\.T "([a-zA-Z0-9_.-]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := templateFS.ReadFile(f)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s names %q, which has no message", f, m[1])
			}
		}
	}
	for _, k := range []string{"error.form"} {
		if _, ok := en[k]; !ok {
			t.Errorf("%s is used by the pages and has no message", k)
		}
	}
}

// U1: every value a page shows by its code has a label in both languages:
// statuses, types, roles, actions, deadlines and their states, ladder
// levels, timeline events, field names and enumerated values.
func TestEveryCodeHasALabel(t *testing.T) {
	zh, en := messages(t, "zh-CN"), messages(t, "en")
	need := map[string]bool{}
	add := func(prefix string, codes ...string) {
		for _, c := range codes {
			need[prefix+c] = true
		}
	}
	add("status.", statuses...)
	add("type.", caseTypes...)
	for _, r := range []identity.Role{identity.RoleAgent, identity.RoleCSHead, identity.RoleDeptStaff, identity.RoleDeptHead,
		identity.RoleMaintenance, identity.RoleQC, identity.RoleManager, identity.RoleAdmin} {
		add("role.", string(r))
	}
	for _, list := range [][]string{workflows.ComplaintActions, workflows.RepairActions, workflows.ConsultationActions,
		workflows.MediaInquiryActions, workflows.CollaborationActions} {
		add("action.", list...)
	}
	add("deadline.", sla.FirstFeedback, sla.Resolution, sla.ReturnVisit, sla.ResultDelivery, sla.Rework, sla.MediaContact, sla.Callback,
		sla.SpecialistAnswer, sla.SignFor, sla.RepairCompletion, sla.Acceptance, sla.TimeNode, sla.SeriousBreach, sla.Rating)
	add("state.", workflows.DeadlinePending, workflows.DeadlineMet, workflows.DeadlineMetLate, workflows.DeadlineBreached,
		workflows.DeadlineCancelled, workflows.DeadlinePaused)
	add("level.", "0", "1", "2", "3")
	add("part.", "form", "record", "media", "consultation", "repair", "collaboration")
	add("problem.", forms.CodeRequired, forms.CodeInvalid, forms.CodeTooLong, forms.CodeFuture, forms.CodeOrder, forms.CodeUnknownValue)
	add("problem.too_long.", forms.UnitCharacters, forms.UnitEntries)
	add("event.", eventKinds(t)...)
	add("notice.", workflows.NoticeReminder, workflows.NoticeEscalation, workflows.NoticeAssignment, workflows.NoticeRework,
		workflows.NoticeCustomerAck, workflows.NoticeCustomerDelay, workflows.NoticeCustomerResult, workflows.NoticeSatisfactionReq,
		workflows.NoticeCustomerProgress, workflows.NoticeQCReport, workflows.NoticeCollaboration, workflows.NoticeDigest, workflows.NoticeSupervision,
		workflows.NoticeCaseFailed)
	add("value.", forms.Grades...)
	add("failure.", "terminated", "failed", "timed_out", "cancelled")
	add("event.", "case_failed", "restored")
	// The API's error codes, so a page can say what went wrong in Chinese.
	add("error.code.", "bad_credentials", "bad_file", "bad_json", "csrf", "forbidden", "internal", "invalid_filter", "invalid_form",
		"invalid_state", "no_archive", "no_outbox", "not_found", "not_ready", "too_large", "unauthenticated", "unknown_action", "unsupported_media_type")
	s := testServer(t, http.NotFoundHandler())
	var inputs []any
	for _, ft := range formTypes {
		inputs = append(inputs, ft.form)
	}
	for _, byAction := range actionInputs {
		inputs = append(inputs, slices.Collect(maps.Values(byAction))...)
	}
	inputs = append(inputs, slices.Collect(maps.Values(sharedActions))...)
	for _, in := range inputs {
		for _, f := range s.fieldsOf(in, "en", []string{sla.Resolution}) {
			add("field.", f.Name)
			for _, o := range f.Options {
				if o.Value != "" && !slices.Contains([]string{"1", "2", "3", "4", "5"}, o.Value) && f.Name != "deadline" && !strings.HasSuffix(f.Name, "department") {
					add("value.", o.Value)
				}
			}
		}
	}
	// The case page shows the records' fields too.
	for _, v := range []any{workflows.ComplaintRecord{}, workflows.MediaRecord{}, workflows.ConsultationRecord{}, workflows.RepairRecord{},
		workflows.RepairVisit{}, workflows.CollaborationRecord{}, workflows.ChildCase{}, workflows.QCReport{}} {
		add("field.", jsonNames(reflect.TypeOf(v))...)
	}
	for k := range need {
		if _, ok := en[k]; !ok {
			t.Errorf("no English label for %s", k)
		}
		if _, ok := zh[k]; !ok {
			t.Errorf("no Chinese label for %s", k)
		}
	}
}

// eventKinds reads the timeline's event kinds from the workflows' source:
// a kind added there without a label fails here.
func eventKinds(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(os.DirFS("../workflows"), "*.go")
	if err != nil {
		t.Fatal(err)
	}
	kind := regexp.MustCompile(`\.event\([^,]+, [^,]+, "([a-z_]+)"`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile("../workflows/" + f)
		for _, m := range kind.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "deadline_" {
				out = append(out, m[1])
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found only %d event kinds in the workflows; has the event call changed?", len(out))
	}
	for _, st := range []string{workflows.DeadlineMet, workflows.DeadlineMetLate, workflows.DeadlineCancelled} {
		out = append(out, "deadline_"+st) // "deadline_" + state
	}
	return out
}

func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.IsExported() && name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// Redirects after sign-in and the language switch stay on this site.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/cases/TS-1?x=1": "/cases/TS-1?x=1", "": "/inbox", "https://evil.example/": "/inbox", "//evil.example/": "/inbox",
		"/\\evil.example": "/inbox", "javascript:alert(1)": "/inbox", "inbox": "/inbox",
		// http.Redirect cleans the path: these would become /\evil.example.
		"/./\\evil.example": "/inbox", "/a/../\\evil.example": "/inbox", "/.//x": "/.//x",
	} {
		if got := localPath(in, "/inbox"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A posted form becomes the API's JSON: times in the business zone,
// numbers as numbers, ticked boxes as true; a value of the wrong kind is
// reported on its field and nothing else is guessed.
func TestEncodeForm(t *testing.T) {
	s := testServer(t, http.NotFoundHandler())
	fields := s.fieldsOf(workflows.RepairVisitInput{}, "en", nil)
	body, bad := encode(fields, url.Values{"attitude_ok": {"on"}, "satisfaction": {"4"}, "comment": {"  fine  "}}, s.Location)
	if len(bad) > 0 || string(body) != `{"attitude_ok":true,"comment":"fine","satisfaction":4}` {
		t.Errorf("repair visit: %s %v", body, bad)
	}
	fields = s.fieldsOf(workflows.ScheduleInput{}, "en", nil)
	body, _ = encode(fields, url.Values{"visit_at": {"2026-12-02T10:30"}}, s.Location)
	if string(body) != `{"visit_at":"2026-12-02T10:30:00+08:00"}` {
		t.Errorf("schedule: %s", body)
	}
	if _, bad := encode(fields, url.Values{"visit_at": {"tomorrow"}}, s.Location); len(bad) != 1 || bad[0].Field != "visit_at" {
		t.Errorf("a date that is no date: %v", bad)
	}
	for _, f := range s.fieldsOf(forms.Repair{}, "en", nil) {
		if slices.Contains(system, f.Name) {
			t.Errorf("the repair form offers the system field %s", f.Name)
		}
	}
}

// K7: the inbox puts overdue cases first, then the higher rung of the
// ladder, then VIP and major cases, then the nearest deadline.
func TestSortByUrgency(t *testing.T) {
	at := func(h int) *time.Time { v := time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC); return &v }
	cases := []starter.Summary{
		{No: "later", NextDeadline: at(12)},
		{No: "none"},
		{No: "sooner", NextDeadline: at(9)},
		{No: "vip", NextDeadline: at(20), Marks: starter.Marks{VIP: true}},
		{No: "escalated", EscalationLevel: 2, NextDeadline: at(23)},
		{No: "overdue", Overdue: true, NextDeadline: at(1)},
	}
	sortByUrgency(cases)
	var got []string
	for _, c := range cases {
		got = append(got, c.No)
	}
	if want := []string{"overdue", "escalated", "vip", "sooner", "later", "none"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// fakeAPI answers as the API would for one signed-in agent.
func fakeAPI(caseJSON string) http.Handler { return fakeAPIAs("agent", caseJSON) }

// fakeAPIAs answers as the API would for one signed-in user of role.
func fakeAPIAs(role, caseJSON string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("closeloop_session")
		if err != nil || ck.Value != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in"}}`)
			return
		}
		switch r.URL.Path {
		case "/api/v1/me":
			_, _ = io.WriteString(w, `{"username":"agent01","name":"王芳","role":"`+role+`","department":"customer_service","csrf_token":"tok","can":{"create":["complaint"]}}`)
		case "/api/v1/cases/TS-20261201-0001":
			_, _ = io.WriteString(w, caseJSON)
		case "/api/v1/reports/kpi":
			_, _ = io.WriteString(w, `{"from":"2026-11-01","to":"2026-11-30","group_by":"region","targets":{"resolution_rate":0.9,"satisfaction":4.5},
				"groups":[{"group":"<script>x</script>","cases":4,"closed":3,"resolution_rate":0.75},{"group":"Pudong","cases":2,"closed":2,"resolution_rate":1}],
				"total":{"cases":6,"closed":5,"resolution_rate":0.833}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"case not found"}}`)
		}
	})
}

// signedIn gets a page with the fake API's good session.
func signedIn(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A stored script in a complaint comes back as text: html/template
// escapes it wherever it is shown, and the page forbids inline script.
func TestCasePageEscapesStoredText(t *testing.T) {
	probe := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	caseJSON, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "routed",
		"form":        map[string]any{"content": probe, "complainant_name": probe},
		"timeline":    []map[string]any{{"at": "2026-12-01T01:00:00Z", "actor": probe, "kind": "comment", "message": probe}},
		"deadlines":   []map[string]any{{"name": "resolution", "state": "pending", "due": "2026-12-04T01:00:00Z", "explanation_text": probe}},
		"permissions": map[string]any{"actions": []string{"comment"}}})
	srv := httptest.NewServer(testServer(t, fakeAPI(string(caseJSON))).Handler())
	defer srv.Close()
	resp, page := signedIn(t, srv, "/cases/TS-20261201-0001")
	if resp.StatusCode != 200 {
		t.Fatalf("case page: %d\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") {
		t.Fatal("the stored script reached the page as markup")
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 4 {
		t.Errorf("the probe is shown as text %d times, want it in the form, name, timeline and explanation", n)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q allows inline script", csp)
	}
	if !strings.Contains(page, `action="/cases/TS-20261201-0001/actions/comment"`) || !strings.Contains(page, `name="csrf" value="tok"`) {
		t.Error("the allowed action is not offered as a form with the CSRF token")
	}
	if strings.Contains(page, "/actions/escalate") {
		t.Error("an action the API did not allow is offered")
	}
}

// Issue 17: a failed case's page says so — how and when its workflow
// ended, the engine's reason, the status it stopped in — offers no
// action, and offers the restore form to whom the API allows it.
func TestFailedCasePage(t *testing.T) {
	caseJSON, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "failed",
		"failure":     map[string]any{"how": "terminated", "at": "2026-12-01T02:00:00Z", "reason": "operator mistake", "status": "routed", "run": "r1"},
		"timeline":    []map[string]any{{"at": "2026-12-01T02:00:00Z", "actor": "system", "kind": "case_failed", "message": "ended"}},
		"deadlines":   []map[string]any{{"name": "resolution", "state": "pending", "due": "2026-12-04T01:00:00Z"}},
		"permissions": map[string]any{"actions": []string{}, "restore": true}})
	srv := httptest.NewServer(testServer(t, fakeAPI(string(caseJSON))).Handler())
	defer srv.Close()
	for lang, want := range map[string][]string{
		"en":    {"Failed", "was terminated at 2026-12-01", "operator mistake", "It was in status ‘Routed’", "can restore it", "Restore the case"},
		"zh-CN": {"已中断", "被终止", "operator mistake", "已转派", "恢复案件"},
	} {
		code, page := getStatus(t, srv, "/cases/TS-20261201-0001", lang)
		if code != http.StatusOK {
			t.Fatalf("%s case page: %d\n%s", lang, code, page)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s failed case page lacks %q", lang, w)
			}
		}
		if !strings.Contains(page, `action="/cases/TS-20261201-0001/restore"`) || strings.Contains(page, "/actions/") {
			t.Errorf("%s failed case page: want the restore form and no action", lang)
		}
	}
}

// P1: a lapsed or missing session goes to sign-in and back to the page;
// the language follows the browser unless the switch was used.
func TestSessionAndLanguage(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI("{}")).Handler())
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cases/TS-20261201-0001?x=1", nil)
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "expired"})
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/cases/TS-20261201-0001?x=1") {
		t.Fatalf("expired session: %d %q", resp.StatusCode, loc)
	}
	for _, back := range []string{"/./%5Cevil.example", "%2F%2Fevil.example", "https:%2F%2Fevil.example"} {
		resp, err := client.Get(srv.URL + "/lang/en?back=" + back)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/inbox" {
			t.Errorf("language switch back=%s redirects to %q", back, loc)
		}
	}
	for _, tc := range []struct{ accept, cookie, want string }{
		{"en-US,en;q=0.9", "", "en"}, {"zh-CN,zh;q=0.9", "", "zh-CN"}, {"", "", "zh-CN"}, {"zh-TW", "", "zh-CN"}, {"en-US", "zh-CN", "zh-CN"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/login", nil)
		req.Header.Set("Accept-Language", tc.accept)
		if tc.cookie != "" {
			req.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if got := resp.Header.Get("Content-Language"); got != tc.want || !strings.Contains(string(b), `<html lang="`+tc.want+`">`) {
			t.Errorf("Accept-Language %q, cookie %q: page in %q, want %q", tc.accept, tc.cookie, got, tc.want)
		}
	}
}

// K4, K5: the dashboard charts each figure by group against its target,
// as an SVG image in which group names are text.
func TestChart(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI("{}")).Handler())
	defer srv.Close()
	get := func(path string) (int, string, string) {
		resp, body := signedIn(t, srv, path)
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	code, ct, svg := get("/dashboard/chart.svg?metric=resolution_rate&group_by=region")
	if code != 200 || ct != "image/svg+xml" || !strings.HasPrefix(strings.TrimSpace(svg), "<?xml") {
		t.Fatalf("chart: %d %s %.200s", code, ct, svg)
	}
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "Pudong") || !strings.Contains(svg, "&lt;script&gt;") {
		t.Error("group names are not escaped text in the chart")
	}
	if code, _, _ := get("/dashboard/chart.svg?metric=nonsense"); code != 404 {
		t.Errorf("unknown chart: %d", code)
	}
	code, _, page := get("/dashboard?group_by=region")
	if code != 200 || !strings.Contains(page, "75.0%") || !strings.Contains(page, `class="miss"`) || !strings.Contains(page, "format=csv") {
		t.Errorf("dashboard table: %d", code)
	}
}
