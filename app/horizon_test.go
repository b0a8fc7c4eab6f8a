package app

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/metrics"
)

// At start the horizon becomes a metric, and from 1 November of the last
// known year the log warns once and /readyz names the missing year; before
// that neither says anything.
func TestWatchHorizon(t *testing.T) {
	cal := calendar.MustDefault()
	h := cal.Horizon()
	for _, tc := range []struct {
		now  time.Time
		warn bool
	}{
		{time.Date(h, 10, 31, 12, 0, 0, 0, cal.Location()), false},
		{time.Date(h, 11, 1, 9, 0, 0, 0, cal.Location()), true},
	} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		m, err := metrics.New()
		if err != nil {
			t.Fatal(err)
		}
		warnings := watchHorizon(cal, func() time.Time { return tc.now }, log, m)
		next := strconv.Itoa(h + 1)
		logged := buf.String()
		if got := strings.Count(logged, "level=WARN"); got != map[bool]int{true: 1, false: 0}[tc.warn] {
			t.Errorf("%s: %d warnings logged, want warn=%v:\n%s", tc.now, got, tc.warn, logged)
		}
		ws := warnings()
		if (len(ws) == 1) != tc.warn {
			t.Fatalf("%s: readyz warnings %q, want warn=%v", tc.now, ws, tc.warn)
		}
		if tc.warn {
			for _, want := range []string{"known through " + strconv.Itoa(h), "add " + next, "CLOSELOOP_CALENDAR_FILE", `"years": [` + next + `]`} {
				if !strings.Contains(ws[0], want) {
					t.Errorf("warning %q lacks %q", ws[0], want)
				}
			}
			if !strings.Contains(logged, "missing_year="+next) {
				t.Errorf("log lacks the missing year: %s", logged)
			}
		}
		rec := httptest.NewRecorder()
		m.HTTP().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if !strings.Contains(rec.Body.String(), metrics.CalendarHorizonYear+" "+strconv.Itoa(h)+"\n") {
			t.Errorf("metric %s %d missing", metrics.CalendarHorizonYear, h)
		}
	}
}
