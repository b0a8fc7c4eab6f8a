package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/closeloop/closeloop/workflows"
)

// routedCase is a routed complaint as the API shows it to a user who may
// give first feedback, comment and reveal.
func routedCase(step map[string]any, deadlines ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "routed", "department": "property",
		"handler": "li.ming", "handler_name": "李明", "subject": "电梯停运三天",
		"form":      map[string]any{"content": "电梯停运三天\n住户无法上楼", "demand": "今天修好", "complainant_name": "张*", "phone": "138****5678"},
		"customer":  map[string]any{"name": "张*", "phone": "138****5678"},
		"next_step": step, "deadlines": deadlines, "timeline": []any{},
		"permissions": map[string]any{"actions": []string{"first-feedback", "comment", "escalate"}, "reveal": true}})
	return string(b)
}

// Issue 18 point 3: the case page leads with the customer (masked), what
// the case is about, and what is owed next by whom and by when — counting
// down, overdue, or paused — in the reader's language.
func TestCasePageLeadsWithNextStep(t *testing.T) {
	// The test clock is 2026-12-01 02:00 UTC.
	for _, c := range []struct {
		name   string
		step   map[string]any
		en, zh string
	}{
		{"counting down", map[string]any{"action": "first-feedback", "party": "department", "department": "property", "deadline": "first_feedback", "due": "2026-12-01T05:10:00Z"},
			"<strong>Property</strong>: first feedback, ", "<strong>物业部</strong>：首次反馈，"},
		{"overdue", map[string]any{"action": "first-feedback", "party": "department", "department": "property", "deadline": "first_feedback", "due": "2026-11-30T23:50:00Z"},
			"overdue by 2 h 10 min", "已超时 2小时 10分钟"},
		{"paused", map[string]any{"action": "resolve", "party": "department", "department": "property", "deadline": "resolution", "due": "2026-12-03T00:00:00Z", "paused_for": "XT-20261201-0002"},
			"Property</strong>: report the result, paused while XT-20261201-0002 is handled", "物业部</strong>：反馈处理结果，暂停中：等待 XT-20261201-0002 处理"},
		{"customer service owes", map[string]any{"action": "return-visit", "party": "customer_service", "deadline": "return_visit", "due": "2026-12-01T05:10:00Z"},
			"Customer service</strong>: return visit, ", "客服</strong>：回访，"},
	} {
		srv := httptest.NewServer(testServer(t, fakeAPI(routedCase(c.step))).Handler())
		for lang, want := range map[string][]string{
			"en":    {c.en, "Customer", "张* · 138****5678", "电梯停运三天\n住户无法上楼", "今天修好", "李明"},
			"zh-CN": {c.zh, "客户", "张* · 138****5678", "客户诉求", "李明"},
		} {
			code, page := getStatus(t, srv, "/cases/TS-20261201-0001", lang)
			if code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%s", c.name, lang, code, page)
			}
			wantAll(t, c.name+" "+lang, page, want...)
			if c.name == "counting down" && !strings.Contains(page, map[string]string{"en": "3 h 10 min left", "zh-CN": "剩余 3小时 10分钟"}[lang]) {
				t.Errorf("%s: no countdown", lang)
			}
			lead, _, _ := strings.Cut(page, `id="h-actions"`)
			if !strings.Contains(lead, `id="next-step"`) {
				t.Errorf("%s %s: the next step is not above the actions", c.name, lang)
			}
		}
		srv.Close()
	}
}

// Issue 18: an overdue case never reads "3 days left": a pending clock
// whose due time passed (the engine has not yet marked it) counts as
// overdue, in the table as in the summary.
func TestPendingDeadlinePastDueReadsOverdue(t *testing.T) {
	step := map[string]any{"action": "first-feedback", "party": "department", "department": "property", "deadline": "first_feedback", "due": "2026-11-30T23:50:00Z"}
	srv := httptest.NewServer(testServer(t, fakeAPI(routedCase(step,
		map[string]any{"name": "first_feedback", "state": "pending", "due": "2026-11-28T01:00:00Z"}))).Handler())
	defer srv.Close()
	_, page := getStatus(t, srv, "/cases/TS-20261201-0001", "en")
	if !strings.Contains(page, "overdue by 3 d 1 h") || strings.Contains(page, " left<") {
		t.Errorf("a passed pending deadline:\n%s", page)
	}
	if !strings.Contains(page, `class="countdown late"`) {
		t.Error("the passed deadline is not marked late")
	}
}

// Issue 18: only the actions the API offers, the expected next one first
// and open, the others behind "more actions".
func TestCasePageExpectedActionFirst(t *testing.T) {
	step := map[string]any{"action": "first-feedback", "party": "department", "department": "property", "deadline": "first_feedback", "due": "2026-12-01T05:10:00Z"}
	srv := httptest.NewServer(testServer(t, fakeAPI(routedCase(step))).Handler())
	defer srv.Close()
	_, page := getStatus(t, srv, "/cases/TS-20261201-0001", "en")
	first := strings.Index(page, `<details class="action" open id="action-first-feedback">`)
	more := strings.Index(page, `id="more-actions"`)
	comment := strings.Index(page, `<details class="action" id="action-comment">`)
	if first < 0 || more < first || comment < more {
		t.Errorf("first-feedback open at %d, more at %d, comment (closed) at %d", first, more, comment)
	}
	if !strings.Contains(page, "More actions (2)") || strings.Contains(page, "/actions/resolve") {
		t.Error("the other actions are not behind 'More actions', or an action the API did not offer is shown")
	}
}

// Issue 18: each action's text says whether it reaches the customer.
func TestActionFieldsSayWhoReadsThem(t *testing.T) {
	for action, names := range customerFields {
		var in any
		for _, byType := range actionInputs {
			if i, ok := byType[action]; ok {
				in = i
			}
		}
		if in == nil {
			t.Errorf("%s: no such action", action)
			continue
		}
		have := jsonNames(reflect.TypeOf(in))
		for _, n := range names {
			if !slices.Contains(have, n) {
				t.Errorf("%s has no field %s", action, n)
			}
		}
	}
	s := testServer(t, nil)
	mark := func(caseType, action, name string) string {
		in, _ := actionInput(caseType, action)
		for _, f := range markAudience(action, s.fieldsOf(in, "en", nil)) {
			if f.Name == name {
				return f.Audience
			}
		}
		t.Fatalf("%s.%s not found", action, name)
		return ""
	}
	for _, c := range []struct{ caseType, action, field, want string }{
		{workflows.TypeComplaint, workflows.ActionResolve, "result", audienceCustomer}, // e-mailed as the result
		{workflows.TypeComplaint, workflows.ActionExtend, "reason", audienceCustomer},  // the delay notice (C4)
		{workflows.TypeRepair, workflows.ActionProgress, "note", audienceCustomer},
		{workflows.TypeConsultation, workflows.ActionCallBack, "answer", audienceCustomer},
		{workflows.TypeComplaint, workflows.ActionComment, "text", audienceInternal},
		{workflows.TypeComplaint, workflows.ActionEscalate, "proposal", audienceInternal},
		{workflows.TypeComplaint, workflows.ActionReassign, "reason", audienceInternal},
		{workflows.TypeComplaint, workflows.ActionReturnVisit, "satisfied", ""},
	} {
		if got := mark(c.caseType, c.action, c.field); got != c.want {
			t.Errorf("%s.%s: %q, want %q", c.action, c.field, got, c.want)
		}
	}
	srv := httptest.NewServer(testServer(t, fakeAPI(routedCase(nil))).Handler())
	defer srv.Close()
	for lang, want := range map[string]string{"en": "Sent to the customer", "zh-CN": "客户可见"} {
		_, page := getStatus(t, srv, "/cases/TS-20261201-0001", lang)
		if !strings.Contains(page, want) {
			t.Errorf("%s: first feedback's message not marked %q", lang, want)
		}
		internal := map[string]string{"en": "Internal only", "zh-CN": "仅内部"}[lang]
		if !strings.Contains(page, internal) {
			t.Errorf("%s: the note is not marked %q", lang, internal)
		}
	}
}

// revealAPI is a fake API with two sessions, s1 and s2, that may both
// reveal; it counts the reveals it records.
type revealAPI struct {
	reveals atomic.Int32
	reveal  atomic.Bool // the reveal right
}

func (f *revealAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie("closeloop_session")
	if err != nil || (ck.Value != "s1" && ck.Value != "s2") {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in"}}`)
		return
	}
	switch r.URL.Path {
	case "/api/v1/me":
		_, _ = io.WriteString(w, `{"username":"agent01","name":"王芳","role":"agent","department":"customer_service","csrf_token":"tok","can":{}}`)
	case "/api/v1/cases/TS-20261201-0001":
		var c map[string]any
		_ = json.Unmarshal([]byte(routedCase(nil)), &c)
		c["permissions"] = map[string]any{"actions": []string{}, "reveal": f.reveal.Load()}
		_ = json.NewEncoder(w).Encode(c)
	case "/api/v1/cases/TS-20261201-0001/reveal":
		f.reveals.Add(1)
		_, _ = io.WriteString(w, `{"no":"TS-20261201-0001","customer":{"name":"张伟","phone":"+86 138-1234-5678"}}`)
	case "/api/v1/logout":
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"not found"}}`)
	}
}

func as(t *testing.T, srv *httptest.Server, method, path, session string) string {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(url.Values{"csrf": {"tok"}, "reason": {"call back"}}.Encode())
	}
	req, _ := http.NewRequest(method, srv.URL+path, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: session})
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Rule P1, issue 18: a revealed phone is a tel: link and stays revealed on
// the case page for the session that revealed it — recorded once, never
// shown to another session, gone at sign-out, gone when the right is.
func TestRevealStaysForTheSessionOnly(t *testing.T) {
	f := &revealAPI{}
	f.reveal.Store(true)
	srv := httptest.NewServer(testServer(t, f).Handler())
	defer srv.Close()
	const link = `<a href="tel:&#43;8613812345678">&#43;86 138-1234-5678</a>`
	if page := as(t, srv, http.MethodPost, "/cases/TS-20261201-0001/reveal", "s1"); !strings.Contains(page, link) {
		t.Fatalf("the revealed phone is no tel: link:\n%s", page)
	}
	if page := as(t, srv, http.MethodGet, "/cases/TS-20261201-0001", "s1"); !strings.Contains(page, link) || !strings.Contains(page, "张伟") {
		t.Error("the reveal did not stay for the session")
	}
	if n := f.reveals.Load(); n != 1 {
		t.Errorf("%d reveals recorded, want 1 (views do not reveal again)", n)
	}
	if page := as(t, srv, http.MethodGet, "/cases/TS-20261201-0001", "s2"); strings.Contains(page, "张伟") || strings.Contains(page, "1234-5678") {
		t.Error("another session sees the revealed customer")
	}
	f.reveal.Store(false)
	if page := as(t, srv, http.MethodGet, "/cases/TS-20261201-0001", "s1"); strings.Contains(page, "张伟") {
		t.Error("the reveal outlived the right to reveal")
	}
	f.reveal.Store(true)
	if page := as(t, srv, http.MethodGet, "/cases/TS-20261201-0001", "s1"); strings.Contains(page, "张伟") {
		t.Error("a reveal dropped when the right went came back")
	}
	as(t, srv, http.MethodPost, "/cases/TS-20261201-0001/reveal", "s1")
	as(t, srv, http.MethodPost, "/logout", "s1")
	if page := as(t, srv, http.MethodGet, "/cases/TS-20261201-0001", "s1"); strings.Contains(page, "张伟") {
		t.Error("the reveal outlived sign-out")
	}
}

// Issue 18 point 4: a head assigns from the case page, choosing the
// person by name with their open load; the form is there only when the
// API offers the action (heads), and the handler shows by name.
func TestAssignFormForHeadsOnly(t *testing.T) {
	caseAs := func(actions ...string) string {
		var c map[string]any
		_ = json.Unmarshal([]byte(routedCase(nil)), &c)
		c["permissions"] = map[string]any{"actions": actions}
		b, _ := json.Marshal(c)
		return string(b)
	}
	staffAPI := func(role string, actions ...string) http.Handler {
		inner := fakeAPIAs(role, caseAs(actions...))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/api/v1/staff" && role == "dept_head" && r.URL.Query().Get("department") == "property":
				_, _ = io.WriteString(w, `{"department":"property","staff":[{"username":"li.ming","name":"李明"},{"username":"zhang.san","name":"张三"}]}`)
			case r.URL.Path == "/api/v1/staff":
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"error":{"code":"forbidden","message":"no"}}`)
			case r.URL.Path == "/api/v1/queue":
				_, _ = io.WriteString(w, `{"view":"mine","cases":[],"load":{"li.ming":3,"zhang.san":1}}`)
			default:
				inner.ServeHTTP(w, r)
			}
		})
	}
	head := httptest.NewServer(testServer(t, staffAPI("dept_head", "comment", "assign")).Handler())
	defer head.Close()
	for lang, want := range map[string][]string{
		"en":    {"Assign to a person", `<option value="zhang.san" data-user>张三 · 1 open</option>`, "李明"},
		"zh-CN": {"指派经办人", `<option value="zhang.san" data-user>张三 · 在办 1 件</option>`},
	} {
		_, page := getStatus(t, head, "/cases/TS-20261201-0001", lang)
		wantAll(t, "head "+lang, page, append(want, `<select id="assign-f-handler" name="handler"`)...)
		if strings.Contains(page, `<option value="li.ming"`) {
			t.Errorf("%s: the current handler is offered again", lang)
		}
	}
	agent := httptest.NewServer(testServer(t, staffAPI("agent", "comment")).Handler())
	defer agent.Close()
	if _, page := getStatus(t, agent, "/cases/TS-20261201-0001", "en"); strings.Contains(page, "/actions/assign") || strings.Contains(page, "zhang.san") {
		t.Error("an agent is offered the assign form or the staff list")
	}
}
