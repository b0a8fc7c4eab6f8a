package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/starter"
)

// Rules K2, K3: quality control reads the day's supervision and fills in
// the evaluation table once; others may not; the grades reach the report.
func TestSupervisionAPI(t *testing.T) {
	store := testArchive(t)
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if _, err := store.OpenSupervision(context.Background(), "2026-11-23", from, from.Add(24*time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testServer(&starter.Service{Archive: store}).Handler())
	defer srv.Close()
	call := func(token, method, path, body string) (int, string) { return call(t, srv, token, method, path, body) }
	if code, _ := call("clt_test_qc", "GET", "/api/v1/supervision/2026-11-23", ""); code != 200 {
		t.Fatalf("qc reads the supervision: %d", code)
	}
	if code, _ := call(agentToken, "GET", "/api/v1/supervision/2026-11-23", ""); code != 403 {
		t.Errorf("agent reads the supervision: %d, want 403", code)
	}
	if code, _ := call("clt_test_qc", "GET", "/api/v1/supervision/2026-11-24", ""); code != 404 {
		t.Errorf("a day without supervision: %d", code)
	}
	items := `"etiquette":{"grade":"优"},"hotline_language":{"grade":"良"},"attitude":{"grade":"差","problems":"curt on two calls","measures":"coaching"},` +
		`"record_completeness":{"grade":"良"},"complaint_efficiency":{"grade":"一般","problems":"slow routing","measures":"route within 10 minutes"},` +
		`"return_visit_quality":{"grade":"优"},"information_feedback":{"grade":"良"}`
	if code, body := call("clt_test_qc", "POST", "/api/v1/supervision/2026-11-23/evaluation", `{"items":{"etiquette":{"grade":"A"}}}`); code != 422 || !strings.Contains(body, "items.attitude") {
		t.Errorf("incomplete table: %d %s", code, body)
	}
	if code, _ := call(agentToken, "POST", "/api/v1/supervision/2026-11-23/evaluation", `{"items":{`+items+`}}`); code != 403 {
		t.Errorf("agent evaluates: %d", code)
	}
	if code, body := call("clt_test_qc", "POST", "/api/v1/supervision/2026-11-23/evaluation", `{"items":{`+items+`}}`); code != 200 || !strings.Contains(body, `"evaluated_by": "qc01"`) {
		t.Fatalf("qc evaluates: %d %s", code, body)
	}
	if code, _ := call("clt_test_qc", "POST", "/api/v1/supervision/2026-11-23/evaluation", `{"items":{`+items+`}}`); code != 409 {
		t.Errorf("second evaluation: %d", code)
	}
	if code, body := call("clt_test_qc", "GET", "/api/v1/reports/evaluations?from=2026-11-01&to=2026-11-30", ""); code != 200 ||
		!strings.Contains(body, `"days_evaluated": 1`) || !strings.Contains(body, `"差": 1`) {
		t.Errorf("grades report: %d %s", code, body)
	}
}
