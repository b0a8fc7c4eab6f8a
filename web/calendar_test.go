package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/calendar"
)

// replanAPI is the fake API of the calendar tests: /me as role (the
// administrator may re-plan), the re-plan endpoint answering report and
// recording what it was asked, and fakeAPIAs for the rest.
type replanAPI struct {
	role   string
	report string
	mu     sync.Mutex
	calls  []bool // dry_run of each re-plan call
}

func (f *replanAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie("closeloop_session")
	switch {
	case err != nil || ck.Value != "good":
		fakeAPIAs(f.role, horizonCase).ServeHTTP(w, r)
	case r.URL.Path == "/api/v1/me":
		can := `{"create":[],"calendar":` + map[bool]string{true: "true", false: "false"}[f.role == "admin"] + `}`
		_, _ = io.WriteString(w, `{"username":"u01","name":"李雷","role":"`+f.role+`","department":"it","csrf_token":"tok","can":`+can+`}`)
	case r.URL.Path == "/api/v1/calendar/replan" && r.Method == http.MethodPost:
		if r.Header.Get(api.CSRFHeader) != "tok" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"csrf","message":"missing or wrong CSRF token"}}`)
			return
		}
		if f.role != "admin" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"forbidden","message":"re-planning deadlines is not allowed for your role"}}`)
			return
		}
		var in struct {
			DryRun *bool `json:"dry_run"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.DryRun == nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"code":"bad_json","message":"want {\"dry_run\": bool}"}}`)
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, *in.DryRun)
		f.mu.Unlock()
		rep := strings.ReplaceAll(f.report, `"DRY"`, map[bool]string{true: "true", false: "false"}[*in.DryRun])
		rep = strings.ReplaceAll(rep, `"APPLIED"`, map[bool]string{true: "false", false: "true"}[*in.DryRun])
		_, _ = io.WriteString(w, rep)
	default:
		fakeAPIAs(f.role, horizonCase).ServeHTTP(w, r)
	}
}

func (f *replanAPI) dryRuns() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.calls...)
}

// A report with one clock that moves a week later (New Year's Day and the
// Spring Festival now known), one that moves earlier, a time node agreed
// by hand that falls on New Year's Day, and a case that failed.
const replanReport = `{"dry_run":"DRY","horizon":2027,"checked":3,
	"changes":[
		{"case":"TS-20261206-0001","deadline":"result_delivery","old_due":"2027-02-26T10:00:00Z","new_due":"2027-03-05T10:00:00Z","later":true,"applied":"APPLIED"},
		{"case":"BX-20261206-0002","deadline":"rework","round":2,"old_due":"2027-01-08T10:00:00Z","new_due":"2027-01-07T06:30:00Z","later":false,"applied":"APPLIED"}],
	"check":[{"case":"XZ-20261206-0001","deadline":"time_node","due":"2027-01-01T10:00:00Z","holiday":"元旦节"}],
	"failed":[{"case":"ZX-20261206-0003","error":"case ZX-20261206-0003: context deadline exceeded"}]}`

const emptyReport = `{"dry_run":"DRY","horizon":2027,"checked":5,"changes":[]}`

// calendarServer is a page server with the real calendar, at now.
func calendarServer(t *testing.T, f *replanAPI, now time.Time) *httptest.Server {
	t.Helper()
	s := testServer(t, f)
	s.Calendar, s.Now = calendar.MustDefault(), func() time.Time { return now }
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// postForm posts form to path with the good session in lang.
func postForm(t *testing.T, srv *httptest.Server, path, lang string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, req, lang)
}

// getStatus gets path with the good session in lang.
func getStatus(t *testing.T, srv *httptest.Server, path, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	return send(t, req, lang)
}

// send sends req with the fake API's good session in lang.
func send(t *testing.T, req *http.Request, lang string) (int, string) {
	t.Helper()
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
	req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func wantAll(t *testing.T, what, page string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The administrator has the calendar in the menu and a page that says,
// in both languages, how far the holidays are known, whether the warning
// applies now, what re-planning does, with the two buttons as forms that
// carry the session's CSRF token; it calls no re-plan by itself.
func TestCalendarPageForAdmin(t *testing.T) {
	f := &replanAPI{role: "admin", report: replanReport}
	h := calendar.MustDefault().Horizon()
	quiet := calendarServer(t, f, time.Date(h, 6, 1, 2, 0, 0, 0, time.UTC))
	warned := calendarServer(t, f, time.Date(h, 11, 2, 2, 0, 0, 0, time.UTC))
	for lang, words := range map[string]struct{ page, quiet, warned []string }{
		"en": {
			page:   []string{">Calendar</a>", "<h1>Business calendar</h1>", "Statutory holidays known through " + itoa(h), "Re-planning counts every running deadline", ">Check</button>", ">Re-plan now</button>"},
			quiet:  []string{"No warning now", "1 November " + itoa(h)},
			warned: []string{"Warning now: the holidays of " + itoa(h+1) + " are missing"},
		},
		"zh-CN": {
			page:   []string{">业务日历</a>", "<h1>业务日历</h1>", "法定节假日已知至 " + itoa(h) + " 年", "重新排期会按现在的日历", ">检查</button>", ">立即重新排期</button>"},
			quiet:  []string{"当前没有提醒", itoa(h) + " 年 11 月 1 日"},
			warned: []string{"当前有提醒：缺少 " + itoa(h+1) + " 年的节假日安排"},
		},
	} {
		code, page := getStatus(t, quiet, "/calendar", lang)
		if code != http.StatusOK {
			t.Fatalf("%s: /calendar %d\n%s", lang, code, page)
		}
		wantAll(t, lang+" calendar page", page, words.page...)
		wantAll(t, lang+" calendar page in June", page, words.quiet...)
		wantAll(t, lang+" calendar page", page, `href="/calendar" aria-current="page"`,
			`action="/calendar/check#h-result"`, `action="/calendar/replan#h-result"`, `name="csrf" value="tok"`)
		if n := strings.Count(page, `name="csrf" value="tok"`); n < 3 { // sign-out, check, re-plan
			t.Errorf("%s: %d forms carry the CSRF token, want the check and the re-plan too", lang, n)
		}
		if strings.Contains(page, "calendar-nothing") || strings.Contains(page, `id="h-result"`) {
			t.Errorf("%s: the page shows a result before anything was asked", lang)
		}
		_, page = getStatus(t, warned, "/calendar", lang)
		wantAll(t, lang+" calendar page in November", page, words.warned...)
		if !strings.Contains(page, `id="calendar-horizon"`) {
			t.Errorf("%s: no horizon banner in November", lang)
		}
		// The menu item is on every page.
		_, page = getStatus(t, quiet, "/cases/TS-20261201-0001", lang)
		if !strings.Contains(page, `href="/calendar"`) {
			t.Errorf("%s: the case page's menu lacks the calendar", lang)
		}
	}
	if calls := f.dryRuns(); len(calls) != 0 {
		t.Errorf("opening the page called the re-plan: %v", calls)
	}
}

// Other roles have no calendar in the menu; the page and its forms answer
// 403 like other forbidden pages, translated, and the API is not asked.
func TestCalendarPageForbidden(t *testing.T) {
	for _, role := range []string{"agent", "cs_head", "manager", "qc", "dept_head"} {
		f := &replanAPI{role: role, report: replanReport}
		srv := calendarServer(t, f, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
		for lang, words := range map[string][]string{"en": {"Your role may not do this"}, "zh-CN": {"您的角色无权执行此操作"}} {
			_, page := getStatus(t, srv, "/cases/TS-20261201-0001", lang)
			if strings.Contains(page, `href="/calendar"`) {
				t.Errorf("%s (%s): the menu offers the calendar", role, lang)
			}
			code, page := getStatus(t, srv, "/calendar", lang)
			if code != http.StatusForbidden || !strings.Contains(page, `data-page="error"`) {
				t.Errorf("%s (%s): GET /calendar %d, want the 403 page", role, lang, code)
			}
			wantAll(t, role+" "+lang+" forbidden page", page, words...)
			for _, path := range []string{"/calendar/check", "/calendar/replan"} {
				if code, _ := postForm(t, srv, path, lang, url.Values{"csrf": {"tok"}}); code != http.StatusForbidden {
					t.Errorf("%s (%s): POST %s %d, want 403", role, lang, path, code)
				}
			}
		}
		if calls := f.dryRuns(); len(calls) != 0 {
			t.Errorf("%s: the re-plan was called: %v", role, calls)
		}
	}
}

// Check asks the API for a dry run, re-plan for the real thing; each
// shows the rows — case link, the clock's name, old and new due in the
// business zone, moved later or earlier in words — the clocks to check by
// hand with the holiday's name, and the cases that failed.
func TestCalendarCheckAndReplan(t *testing.T) {
	f := &replanAPI{role: "admin", report: replanReport}
	srv := calendarServer(t, f, time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
	rows := map[string][]string{
		"en": {`<a href="/cases/TS-20261206-0001">TS-20261206-0001</a>`, "On-site result delivery (5 working days)", "2027-02-26 18:00", "2027-03-05 18:00", "later by 7 d 0 h",
			"Rework (round 2)", "2027-01-08 18:00", "2027-01-07 14:30", "earlier by 1 d 3 h",
			"Check by hand", `<a href="/cases/XZ-20261206-0001">XZ-20261206-0001</a>`, "Time node", "2027-01-01 18:00", "元旦节",
			"Cases that could not be finished", `<a href="/cases/ZX-20261206-0003">ZX-20261206-0003</a>`, "context deadline exceeded"},
		"zh-CN": {`<a href="/cases/TS-20261206-0001">TS-20261206-0001</a>`, "上门反馈结果（5个工作日）", "2027-02-26 18:00", "2027-03-05 18:00", "推迟 7天 0小时",
			"返工 (第 2 轮)", "提前 1天 3小时", "需人工核对", "时间节点", "2027-01-01 18:00", "元旦节", "未能处理完的案件"},
	}
	for lang, words := range rows {
		code, page := postForm(t, srv, "/calendar/check", lang, url.Values{"csrf": {"tok"}})
		if code != http.StatusOK {
			t.Fatalf("%s: check %d\n%s", lang, code, page)
		}
		wantAll(t, lang+" check", page, words...)
		wantAll(t, lang+" check", page, map[string]string{"en": "Check: what would move", "zh-CN": "检查结果"}[lang],
			map[string]string{"en": "Open cases checked: 3. Deadlines that would move: 2. Nothing has been changed.", "zh-CN": "已检查未结案件 3 个，将调整的截止时间 2 个；尚未做任何改动。"}[lang])
		if strings.Contains(page, map[string]string{"en": ">Moved<", "zh-CN": ">已调整<"}[lang]) {
			t.Errorf("%s: the dry run says a clock moved", lang)
		}
		for _, raw := range []string{"T10:00:00Z", "2027-02-26T", "168h", "result_delivery", "time_node"} {
			if strings.Contains(page, raw) {
				t.Errorf("%s: the check shows the raw %q", lang, raw)
			}
		}

		code, page = postForm(t, srv, "/calendar/replan", lang, url.Values{"csrf": {"tok"}})
		if code != http.StatusOK {
			t.Fatalf("%s: re-plan %d\n%s", lang, code, page)
		}
		wantAll(t, lang+" re-plan", page, words...)
		wantAll(t, lang+" re-plan", page, map[string]string{"en": "Re-plan: what moved", "zh-CN": "重新排期结果"}[lang],
			map[string]string{"en": "Deadlines moved: 2 of 2.", "zh-CN": "已调整 2 个"}[lang],
			map[string]string{"en": ">Moved<", "zh-CN": ">已调整<"}[lang])
		// The language switch of a posted page comes back to the calendar.
		if !strings.Contains(page, `back=%2fcalendar"`) {
			t.Errorf("%s: the language switch after a post does not lead back to /calendar", lang)
		}
	}
	if got := f.dryRuns(); len(got) != 4 || !got[0] || got[1] || !got[2] || got[3] {
		t.Errorf("re-plan calls' dry_run %v, want check=true, re-plan=false, twice", got)
	}
}

// When nothing would move the page says so in words; a post without the
// session's CSRF token is refused by the API and the page says why.
func TestCalendarNothingAndCSRF(t *testing.T) {
	f := &replanAPI{role: "admin", report: emptyReport}
	srv := calendarServer(t, f, time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
	for lang, want := range map[string][2]string{
		"en":    {"Nothing would move: every running deadline already agrees with the calendar.", "Nothing moved: every running deadline"},
		"zh-CN": {"没有需要调整的截止时间", "没有调整任何截止时间"},
	} {
		_, page := postForm(t, srv, "/calendar/check", lang, url.Values{"csrf": {"tok"}})
		wantAll(t, lang+" empty check", page, want[0], `id="calendar-nothing"`)
		if strings.Contains(page, `class="replan"`) || strings.Contains(page, "h-by-hand") || strings.Contains(page, "h-failed") {
			t.Errorf("%s: an empty check shows tables", lang)
		}
		_, page = postForm(t, srv, "/calendar/replan", lang, url.Values{"csrf": {"tok"}})
		wantAll(t, lang+" empty re-plan", page, want[1])
	}
	code, page := postForm(t, srv, "/calendar/replan", "en", url.Values{"csrf": {"forged"}})
	if code != http.StatusForbidden || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, "<h1>Business calendar</h1>") {
		t.Errorf("re-plan with a wrong CSRF token: %d\n%s", code, page)
	}
	if got := f.dryRuns(); len(got) != 4 { // two languages, check and re-plan
		t.Errorf("re-plan calls %v: the forged post reached the re-plan", got)
	}
}
