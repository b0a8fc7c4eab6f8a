package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Counters made through the handler, with their tags, are what Prometheus
// scrapes.
func TestCountersAreScraped(t *testing.T) {
	m, err := New()
	if err != nil {
		t.Fatal(err)
	}
	m.Denied("case:act:resolve")
	m.Denied("case:act:resolve")
	m.Handler.WithTags(map[string]string{"case_type": "complaint"}).Counter("closeloop_cases_opened").Inc(3)
	// Tags added twice keep the counter monotonic.
	nested := m.Handler.WithTags(map[string]string{"case_type": "repair"}).WithTags(map[string]string{"clock": "sign_for"})
	nested.Counter("closeloop_breaches").Inc(2)
	rec := httptest.NewRecorder()
	m.HTTP().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`closeloop_authorization_denials_total{action="case:act:resolve"} 2`,
		`closeloop_cases_opened_total{case_type="complaint"} 3`,
		"# TYPE closeloop_cases_opened_total counter",
		`closeloop_breaches_total{case_type="repair",clock="sign_for"} 2`,
		"# TYPE closeloop_breaches_total counter",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// The calendar's horizon is a gauge.
func TestCalendarHorizonGauge(t *testing.T) {
	m, err := New()
	if err != nil {
		t.Fatal(err)
	}
	m.CalendarHorizon(2027)
	rec := httptest.NewRecorder()
	m.HTTP().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if body := rec.Body.String(); !strings.Contains(body, "\n"+CalendarHorizonYear+" 2027\n") ||
		!strings.Contains(body, "# TYPE "+CalendarHorizonYear+" gauge") {
		t.Errorf("metrics lack %s 2027:\n%s", CalendarHorizonYear, body)
	}
}
