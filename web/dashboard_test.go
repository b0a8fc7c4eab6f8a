package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// kpiAPI answers the KPI report with body, as the signed-in head of
// customer service, in the language the page asked for.
func kpiAPI(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/me":
			_, _ = io.WriteString(w, `{"username":"cshead01","name":"李娜","role":"cs_head","department":"customer_service","csrf_token":"tok","can":{"reports":true}}`)
		case "/api/v1/reports/kpi":
			_, _ = io.WriteString(w, body)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"not found"}}`)
		}
	})
}

func inLanguage(t *testing.T, srv *httptest.Server, lang, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: "good"})
	req.AddCookie(&http.Cookie{Name: "closeloop_lang", Value: lang})
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %.300s", path, resp.StatusCode, b)
	}
	return string(b)
}

const byType = `{"from":"2026-11-01","to":"2026-11-30","group_by":"type","targets":{"resolution_rate":0.9,"satisfaction":4.5},
	"groups":[{"group":"collaboration","cases":2,"closed":1,"resolution_rate":0.5},{"group":"complaint","cases":4,"closed":3,"resolution_rate":0.75,"satisfaction":4.25}],
	"total":{"cases":4,"closed":3,"resolution_rate":0.75,"satisfaction":4.25}}`

// Issue 18, point 8: each bar carries its value, the axes and groups are
// in the page's language, cross-department requests have their own row
// (marked as outside the total), and the form shows the period applied.
func TestDashboardPolish(t *testing.T) {
	srv := httptest.NewServer(testServer(t, kpiAPI(byType)).Handler())
	defer srv.Close()
	for _, c := range []struct{ lang, axis, group, metric, apart string }{
		{"zh-CN", "类型", "跨部门协作", "解决率", "不计入合计"},
		{"en", "Type", "Cross-department request", "Resolution rate", "not in the total"},
	} {
		svg := inLanguage(t, srv, c.lang, "/dashboard/chart.svg?metric=resolution_rate&group_by=type")
		for _, want := range []string{">75.0%<", ">50.0%<", ">" + c.axis + "<", c.group, c.metric} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s chart lacks %q", c.lang, want)
			}
		}
		if strings.Contains(svg, ">collaboration<") || strings.Contains(svg, ">resolution_rate<") {
			t.Errorf("%s chart shows a raw code", c.lang)
		}
		// Satisfaction is decided in one group only: the other bar says so.
		if svg := inLanguage(t, srv, c.lang, "/dashboard/chart.svg?metric=satisfaction&group_by=type"); !strings.Contains(svg, ">4.2<") && !strings.Contains(svg, ">4.3<") || !strings.Contains(svg, ">–<") {
			t.Errorf("%s satisfaction chart: no value on the rated bar or no dash on the other", c.lang)
		}
		page := inLanguage(t, srv, c.lang, "/dashboard?group_by=type")
		row := regexp.MustCompile(`(?s)<tr><th scope="row">([^<]*)<small>([^<]*)</small>`).FindStringSubmatch(page)
		if row == nil || !strings.Contains(row[1], c.group) || !strings.Contains(row[2], c.apart) {
			t.Errorf("%s: the requests' row is not named and marked apart: %v", c.lang, row)
		}
		for _, want := range []string{`id="from" name="from" value="2026-11-01"`, `id="to" name="to" value="2026-11-30"`, `<option value="type" selected>`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the form does not show the applied filter %s", c.lang, want)
			}
		}
		if strings.Contains(page, "dash-nodata") {
			t.Errorf("%s: a report with groups says no data", c.lang)
		}
		// The <img> has the SVG's own proportions.
		img := regexp.MustCompile(`<img src="[^"]*metric=resolution_rate[^"]*" alt="[^"]*" width="(\d+)" height="(\d+)"`).FindStringSubmatch(page)
		size := regexp.MustCompile(`<svg[^>]*width="(\d+)pt" height="(\d+)pt"`).FindStringSubmatch(svg)
		if img == nil || size == nil || img[1]+"/"+img[2] != scaled(size[1])+"/"+scaled(size[2]) {
			t.Errorf("%s: chart image %v, SVG %v", c.lang, img, size)
		}
	}
}

// An empty period says so instead of drawing empty charts, and a figure
// no group has reached says "no data" in place of its chart.
func TestDashboardNoData(t *testing.T) {
	empty := httptest.NewServer(testServer(t, kpiAPI(`{"from":"2026-11-01","to":"2026-11-30","group_by":"department","targets":{"resolution_rate":0.9,"satisfaction":4.5},"groups":[],"total":{"cases":0}}`)).Handler())
	defer empty.Close()
	page := inLanguage(t, empty, "zh-CN", "/dashboard")
	if !strings.Contains(page, `id="dash-nodata"`) || !strings.Contains(page, "此期间没有新建的工单") || strings.Contains(page, "chart.svg") {
		t.Errorf("an empty period: no 'no data' note, or charts drawn")
	}
	srv := httptest.NewServer(testServer(t, kpiAPI(byType)).Handler())
	defer srv.Close()
	page = inLanguage(t, srv, "en", "/dashboard?group_by=type")
	if n := strings.Count(page, `class="nodata"`); n != 3 { // first feedback, resolution on time, return-visit rounds
		t.Errorf("%d figures marked as without data, want 3", n)
	}
	if strings.Contains(page, "metric=first_feedback_on_time") || !strings.Contains(page, "metric=resolution_rate") {
		t.Errorf("charts drawn for the wrong figures")
	}
}

// scaled is a length in points as CSS pixels.
func scaled(pt string) string {
	n, _ := strconv.Atoi(pt)
	return strconv.Itoa(n * 4 / 3)
}

// The API names its total row "total" and a group without a department
// (not routed yet) ""; neither shows as a code, and the page renders
// (it failed with 500 on the total's name).
func TestDashboardTotalAndUnrouted(t *testing.T) {
	body := `{"from":"2026-11-07","to":"2026-12-07","group_by":"department","targets":{"resolution_rate":0.9,"satisfaction":4.5},
	"groups":[{"group":"","cases":2,"closed":0,"resolution_rate":0},{"group":"property","cases":4,"closed":3,"resolution_rate":0.75}],
	"total":{"group":"total","cases":6,"closed":3,"resolution_rate":0.5}}`
	ts := testServer(t, kpiAPI(body))
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	page := inLanguage(t, srv, "zh-CN", "/dashboard")
	heads := regexp.MustCompile(`<th scope="row">([^<]*)`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, h := range heads {
		got = append(got, h[1])
	}
	want := "尚未转派|" + view{s: ts, Lang: "zh-CN"}.Dept("property") + "|合计"
	if strings.Join(got, "|") != want {
		t.Errorf("row headings %q, want %s", got, want)
	}
	if svg := inLanguage(t, srv, "zh-CN", "/dashboard/chart.svg?metric=resolution_rate"); !strings.Contains(svg, "尚未转派") {
		t.Error("the chart leaves the unrouted group unnamed")
	}
}
