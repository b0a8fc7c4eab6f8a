package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// searchAPI answers the search and history as the API would, for an agent
// (who may reveal the customer) or a quality controller (who may not).
func searchAPI(t *testing.T, reveal bool) http.Handler {
	caseJSON, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "routed",
		"form": map[string]any{"content": "电梯故障", "complainant_name": "张*"}})
	role := "qc"
	if reveal {
		role = "agent"
	}
	base := fakeAPIAs(role, string(caseJSON))
	hit := `{"no":"TS-20261120-0003","type":"complaint","status":"closed","department":"property","escalation_level":0,"overdue":false,
		"started_at":"2026-11-20T01:00:00Z","subject":"小区电梯故障三天无人维修","customer":{"name":"张*","phone":"138****5678"}`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/search":
			q := r.URL.Query().Get("q")
			switch {
			case q == "":
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"error":{"code":"invalid_filter","message":"the search has errors","fields":[{"field":"q","code":"required","message":"q is required"}]}}`)
			case q == "电梯":
				w.WriteHeader(422)
				_, _ = io.WriteString(w, `{"error":{"code":"invalid_query","message":"the search cannot be run","fields":[{"field":"q","code":"too_short","message":"q is too short (rule P1)"}]}}`)
			case q == "13812345678" && !reveal:
				w.WriteHeader(403)
				_, _ = io.WriteString(w, `{"error":{"code":"forbidden","message":"searching by the customer's phone (rule P1) is not allowed for your role"}}`)
			case reveal:
				_, _ = io.WriteString(w, `{"cases":[`+hit+`}],"next_page_token":"0x 2026","searched":["content","name"]}`)
			default:
				_, _ = io.WriteString(w, `{"cases":[`+hit+`}],"searched":["content"],"notice":"the customer's phone and name are searched only for roles that may reveal them (rule P1)"}`)
			}
		case "/api/v1/cases/TS-20261201-0001/history":
			_, _ = io.WriteString(w, `{"no":"TS-20261201-0001","cases":[`+hit+`,"closed_at":"2026-11-21T02:00:00Z","rating":4,"satisfied":false}],"more":true}`)
		default:
			base.ServeHTTP(w, r)
		}
	})
}

func pageIn(t *testing.T, srv *httptest.Server, path, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
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

var (
	// userData is what the fake API returns as the customer's own words
	// and the masked name: allowed in any language.
	userData = strings.NewReplacer("小区电梯故障三天无人维修", "", "电梯故障", "", "电梯故", "", "张*", "", "王芳", "", "物业部 Property", "", "中文", "", "电梯", "")
)

// The search page and the case page's earlier cases render in both
// languages, with no rule ID, code or English on the Chinese page and no
// Chinese on the English one but the user's data.
func TestSearchPage(t *testing.T) {
	for _, reveal := range []bool{true, false} {
		srv := httptest.NewServer(testServer(t, searchAPI(t, reveal)).Handler())
		for _, lang := range []string{"zh-CN", "en"} {
			code, page := pageIn(t, srv, "/search?q=%E7%94%B5%E6%A2%AF%E6%95%85", lang)
			if code != 200 || !strings.Contains(page, `href="/cases/TS-20261120-0003"`) || !strings.Contains(page, "138****5678") ||
				!strings.Contains(page, "小区电梯故障三天无人维修") {
				t.Fatalf("%s search page: %d\n%s", lang, code, page)
			}
			if strings.Contains(page, "P1") || strings.Contains(page, "reveal them") {
				t.Errorf("%s: the API's English notice reached the page", lang)
			}
			notice := map[string]string{"zh-CN": "客户电话和姓名仅对可查看客户信息的角色开放查询", "en": "searched only for roles that may see customer data"}[lang]
			if strings.Contains(page, notice) == reveal {
				t.Errorf("%s reveal=%v: the notice that phone and name were not searched is wrong", lang, reveal)
			}
			if reveal && !strings.Contains(page, `href="/search?after=0x&#43;2026&amp;q=`) {
				t.Errorf("%s: no link to the next page\n%s", lang, page)
			}
			if lang == "en" && han.MatchString(userData.Replace(page)) {
				t.Errorf("Chinese on the English search page: %s", han.FindAllString(userData.Replace(page), 10))
			}
			// Refusals come back beside the field, in the page's language.
			for _, tc := range []struct {
				q      string
				status int
				zh, en string
			}{
				{"%E7%94%B5%E6%A2%AF", 422, "至少 3 个字", "from 3 characters on"},
				{"", 400, "请输入查询内容", "Enter what to search for"},
			} {
				code, page := pageIn(t, srv, "/search?q="+tc.q, lang)
				want := map[string]string{"zh-CN": tc.zh, "en": tc.en}[lang]
				if code != tc.status || !strings.Contains(page, want) || !strings.Contains(page, `aria-invalid="true"`) || strings.Contains(page, "P1") {
					t.Errorf("%s %q: %d, want %d with %q beside the field\n%s", lang, tc.q, code, tc.status, want, page)
				}
			}
			if !reveal {
				code, page := pageIn(t, srv, "/search?q=13812345678", lang)
				want := map[string]string{"zh-CN": "不能按客户电话查询", "en": "may not search by the customer"}[lang]
				if code != 403 || !strings.Contains(page, want) {
					t.Errorf("%s: a phone search without the reveal right: %d\n%s", lang, code, page)
				}
			}
			// The case page lists the customer's earlier cases.
			code, page = pageIn(t, srv, "/cases/TS-20261201-0001", lang)
			title := map[string]string{"zh-CN": "该客户的历史工单", "en": "Customer&#39;s earlier cases"}[lang]
			visit := map[string]string{"zh-CN": "不满意", "en": "Not satisfied"}[lang]
			if code != 200 || !strings.Contains(page, title) || !strings.Contains(page, `href="/cases/TS-20261120-0003"`) ||
				!strings.Contains(page, "4/5") || !strings.Contains(page, visit) || !strings.Contains(page, "2026-11-21 10:00") {
				t.Errorf("%s case page lacks the earlier cases:\n%s", lang, page)
			}
			if lang == "en" && han.MatchString(userData.Replace(page)) {
				t.Errorf("Chinese on the English case page: %s", han.FindAllString(userData.Replace(page), 10))
			}
		}
		srv.Close()
	}
}
