package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
)

// getAs gets path with the fake API's good session in lang.
func getAs(t *testing.T, srv *httptest.Server, path, lang string) string {
	t.Helper()
	code, body := getStatus(t, srv, path, lang)
	if code != http.StatusOK {
		t.Fatalf("%s: %d\n%s", path, code, body)
	}
	return body
}

const horizonCase = `{"no":"TS-20261201-0001","type":"complaint","status":"routed","deadlines":[
	{"name":"resolution","state":"pending","due":"2028-01-07T10:00:00Z","explanation_text":"x","provisional":true},
	{"name":"first_feedback","state":"met","due":"2027-12-21T10:00:00Z","explanation_text":"y","provisional":false}]}`

// From 1 November of the calendar's last known year, the administrator and
// the head of customer service see which year's holidays are missing and
// how to add them, in both languages; other roles do not, and nobody does
// before November.
func TestCalendarHorizonBanner(t *testing.T) {
	cal := calendar.MustDefault()
	h := cal.Horizon()
	year := h + 1
	sh := cal.Location()
	for _, tc := range []struct {
		role string
		now  time.Time
		want bool
	}{
		{"admin", time.Date(h, 11, 2, 9, 0, 0, 0, sh), true},
		{"cs_head", time.Date(h, 11, 1, 0, 0, 0, 0, sh), true},
		{"cs_head", time.Date(year, 3, 1, 9, 0, 0, 0, sh), true},
		{"agent", time.Date(h, 11, 2, 9, 0, 0, 0, sh), false},
		{"manager", time.Date(h, 12, 2, 9, 0, 0, 0, sh), false},
		{"dept_head", time.Date(h, 12, 2, 9, 0, 0, 0, sh), false},
		{"admin", time.Date(h, 10, 31, 23, 59, 0, 0, sh), false},
	} {
		now := tc.now
		s := testServer(t, fakeAPIAs(tc.role, horizonCase))
		s.Calendar, s.Now = cal, func() time.Time { return now }
		srv := httptest.NewServer(s.Handler())
		for lang, words := range map[string][]string{
			"en":    {"statutory holidays only through " + itoa(h), "holidays of " + itoa(year) + " are missing", "CLOSELOOP_CALENDAR_FILE", "&#34;years&#34;: [" + itoa(year) + "]"},
			"zh-CN": {"法定节假日只到 " + itoa(h) + " 年", "缺少 " + itoa(year) + " 年", "CLOSELOOP_CALENDAR_FILE", "&#34;years&#34;: [" + itoa(year) + "]"},
		} {
			page := getAs(t, srv, "/cases/TS-20261201-0001", lang)
			if got := strings.Contains(page, `id="calendar-horizon"`); got != tc.want {
				t.Errorf("%s at %s (%s): banner %v, want %v", tc.role, now.Format(time.DateTime), lang, got, tc.want)
				continue
			}
			if !tc.want {
				continue
			}
			for _, w := range words {
				if !strings.Contains(page, w) {
					t.Errorf("%s (%s): banner lacks %q", tc.role, lang, w)
				}
			}
		}
		srv.Close()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A provisional deadline is marked next to its due time, in both
// languages; the others are not.
func TestCasePageMarksProvisional(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI(horizonCase)).Handler())
	defer srv.Close()
	for lang, mark := range map[string]string{"en": ">provisional</span>", "zh-CN": ">暂定</span>"} {
		page := getAs(t, srv, "/cases/TS-20261201-0001", lang)
		if n := strings.Count(page, `class="badge provisional"`); n != 1 {
			t.Errorf("%s: %d provisional marks, want 1 (the resolution clock)", lang, n)
		}
		if !strings.Contains(page, mark) {
			t.Errorf("%s: mark %q missing", lang, mark)
		}
	}
}
