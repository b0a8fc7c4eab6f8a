package ops

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	ready := errors.New("worker not polling yet")
	h := Handler(func() error { return ready }, nil, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("closeloop_cases_opened_total 1\n"))
	}))
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("healthz while starting: %d, want 200 (alive)", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not_ready") || !strings.Contains(body, "not polling") {
		t.Errorf("readyz while starting: %d %s", code, body)
	}
	ready = nil
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("readyz when ready: %d", code)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "closeloop_cases_opened_total") {
		t.Errorf("metrics: %d %s", code, body)
	}
}

// A warning (the calendar's horizon) is named by /readyz, which stays 200;
// with none there is no "warnings" key.
func TestReadinessWarnings(t *testing.T) {
	var warnings []string
	h := Handler(func() error { return nil }, func() []string { return warnings }, nil)
	get := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("readyz body %q: %v", rec.Body.String(), err)
		}
		return rec.Code, body
	}
	if code, body := get(); code != http.StatusOK || body["status"] != "ready" || body["warnings"] != nil {
		t.Errorf("readyz without warnings: %d %v", code, body)
	}
	warnings = []string{"calendar: statutory holidays known through 2027; add 2028"}
	code, body := get()
	ws, _ := body["warnings"].([]any)
	if code != http.StatusOK || body["status"] != "ready" || len(ws) != 1 || ws[0] != warnings[0] {
		t.Errorf("readyz with a warning: %d %v, want 200 ready naming it", code, body)
	}
}
