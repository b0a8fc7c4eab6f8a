package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const queueJSON = `{"view":"mine","views":[{"name":"mine","count":2},{"name":"callbacks","count":1},{"name":"waiting","count":7},{"name":"all","count":9}],
"cases":[{"no":"TS-20261201-0001","type":"complaint","status":"routed","department":"property","subject":"楼道灯不亮","customer":"张*",
  "handler":"staff.property","next_step":{"action":"first-feedback","party":"department","department":"property","deadline":"first_feedback","due":"2026-12-01T00:00:00Z"},
  "escalation_level":1,"overdue":true,"vip":true},
 {"no":"TS-20261201-0002","type":"complaint","status":"in_progress","department":"property","subject":"漏水",
  "next_step":{"action":"resolve","party":"department","department":"property","deadline":"resolution","due":"2026-12-03T00:00:00Z","paused_for":"XT-20261201-0001"}}],
"total":120,"page":1,"page_size":50,"load":{"staff.property":3},"names":{"staff.property":"李强"}}`

// Issue 18: the inbox shows each row as a to-do — subject, masked
// customer, next step and who owes it, its clock ("overdue by …" when
// late, paused while a request is handled), the handler by name with
// their load — and the views with their counts, paging past a page.
func TestInboxShowsToDos(t *testing.T) {
	var asked []string
	api := fakeAPI("{}")
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/queue" {
			asked = append(asked, r.URL.RawQuery)
			_, _ = io.WriteString(w, queueJSON)
			return
		}
		if r.URL.Path == "/api/v1/staff" {
			_, _ = io.WriteString(w, `{"staff":[{"username":"staff.property","name":"李强"}]}`)
			return
		}
		if r.URL.Path == "/api/v1/cases/TS-20261201-0002/actions/assign" && r.Method == http.MethodPost {
			var in map[string]string
			_ = json.NewDecoder(r.Body).Decode(&in)
			if in["handler"] != "staff.property" {
				w.WriteHeader(http.StatusUnprocessableEntity)
			}
			_, _ = io.WriteString(w, `{}`)
			return
		}
		if r.URL.Path == "/api/v1/cases/TS-20261201-0001/actions/comment" && r.Method == http.MethodPost {
			_, _ = io.WriteString(w, `{}`)
			return
		}
		api.ServeHTTP(w, r)
	})).Handler())
	defer srv.Close()
	for lang, want := range map[string][]string{
		"en": {"楼道灯不亮", "张*", "Property: first feedback", "overdue by", "Clock paused while XT-20261201-0001 is handled",
			"李强", "(3 open)", "Mine <span class=\"count\">2</span>", "1–2 of 120", `href="/inbox?page=2&amp;view=mine"`},
		"zh-CN": {"：首次反馈", "已超时", "计时暂停，等待 XT-20261201-0001 办理", "我的待办 <span class=\"count\">2</span>", "第 1–2 件，共 120 件"},
	} {
		page := getAs(t, srv, "/inbox?page=1", lang)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s inbox lacks %q", lang, w)
			}
		}
		if first := strings.SplitN(page, "TS-20261201-0002", 2)[0]; strings.Contains(first, " left") || strings.Contains(first, "剩余") {
			t.Errorf("%s: the overdue case reads as time left", lang)
		}
	}
	if asked[0] != "page_size=50" {
		t.Errorf("the inbox asked the API for %q", asked[0])
	}
	post := func(form url.Values) *url.URL {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/inbox/bulk", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc
	}
	// A bulk note goes through the API case by case and says what it did.
	loc := post(url.Values{"csrf": {"tok"}, "no": {"TS-20261201-0001", "TS-20261201-0009"}, "action": {"comment"}, "text": {"已电话联系"}, "back": {"/inbox?view=mine"}})
	if loc.Path != "/inbox" || loc.Query().Get("done") != "1" || loc.Query().Get("failed") != "TS-20261201-0009" {
		t.Errorf("bulk: %s", loc)
	}
	if loc := post(url.Values{"csrf": {"tok"}, "action": {"comment"}, "text": {"x"}}); loc.Query().Get("problem") != "bulk.none" {
		t.Errorf("bulk with no case chosen: %s", loc)
	}
	// A head who may list the department's staff assigns in bulk.
	if page := getAs(t, srv, "/inbox", "en"); !strings.Contains(page, `<option value="assign">`) || !strings.Contains(page, `id="bulk-handler"`) {
		t.Error("the inbox offers no bulk assignment to a user who may list the staff")
	}
	if loc := post(url.Values{"csrf": {"tok"}, "no": {"TS-20261201-0002"}, "action": {"assign"}, "handler": {"staff.property"}}); loc.Query().Get("done") != "1" {
		t.Errorf("bulk assign: %s", loc)
	}
	if loc := post(url.Values{"csrf": {"tok"}, "no": {"TS-20261201-0002"}, "action": {"assign"}}); loc.Query().Get("problem") != "bulk.noHandler" {
		t.Errorf("bulk assign to nobody: %s", loc)
	}
}
