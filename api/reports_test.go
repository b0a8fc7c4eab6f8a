package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Rules K4, K5, P3: the KPI report in JSON and CSV, for those the policies
// let read it; a department head sees the own department only.
func TestKPIReport(t *testing.T) {
	store := testArchive(t)
	now := time.Now().UTC()
	closed := now
	for _, v := range []workflows.CaseView{
		{No: "TS-1", Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "property", ClosedAt: &closed,
			Timeline: []workflows.Event{{At: now.Add(-time.Hour)}}, Ratings: []workflows.CustomerRating{{Score: 5}}},
		{No: "TS-2", Type: workflows.TypeComplaint, Status: workflows.StatusRouted, Department: "engineering",
			Timeline: []workflows.Event{{At: now.Add(-time.Hour)}}},
	} {
		if err := store.Put(context.Background(), v); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(testServer(&starter.Service{Archive: store}).Handler())
	defer srv.Close()
	get := func(token, query string) (int, string) {
		return call(t, srv, token, "GET", "/api/v1/reports/kpi"+query, "")
	}
	if code, _ := get(agentToken, ""); code != 403 {
		t.Errorf("agent: %d, want 403", code)
	}
	code, body := get("clt_test_qc", "")
	var r kpiResponse
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.Groups) != 2 || r.Total.Cases != 2 || r.Targets.ResolutionRate != 0.9 {
		t.Fatalf("qc report: %d %s", code, body)
	}
	if code, body := get("clt_test_head", ""); code != 200 || !strings.Contains(body, `"group": "property"`) || strings.Contains(body, "engineering") {
		t.Errorf("department head: %d %s", code, body)
	}
	if code, _ := get("clt_test_head", "?department=engineering"); code != 403 {
		t.Errorf("department head on another department: %d", code)
	}
	code, body = get("clt_test_qc", "?format=csv&group_by=type")
	if code != 200 || !strings.HasPrefix(body, "type,cases,closed,") || !strings.Contains(body, "complaint,2,1,") || !strings.Contains(body, "total,2,1,") {
		t.Errorf("csv: %d %s", code, body)
	}
	if code, body := get("clt_test_qc", "?from=yesterday&group_by=colour"); code != 400 || !strings.Contains(body, "group_by") || !strings.Contains(body, `"from"`) {
		t.Errorf("bad filter: %d %s", code, body)
	}
}

// testArchive is a fresh SQLite archive for one test.
func testArchive(t *testing.T) *archive.Store {
	t.Helper()
	store, err := archive.Open(context.Background(), "", filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// call sends a JSON request with a bearer token.
func call(t *testing.T, srv *httptest.Server, token, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Issue 19: a group named by user data (a region, a handler) that a
// spreadsheet would run as a formula is written quoted in the KPI CSV.
func TestKPICSVNeutralisesFormulaGroups(t *testing.T) {
	rec := httptest.NewRecorder()
	writeKPICSV(rec, kpiResponse{From: "2026-12-01", To: "2026-12-01", GroupBy: "region",
		Groups: []archive.KPI{{Group: `=HYPERLINK("http://evil.example","x")`, Cases: 1}, {Group: "-2+3+cmd|' /C calc'!A0", Cases: 2}, {Group: "Pudong", Cases: 3}},
		Total:  archive.KPI{Group: "total", Cases: 6}})
	body := rec.Body.String()
	for _, want := range []string{`"'=HYPERLINK(""http://evil.example"",""x"")",1,`, "\n'-2+3+cmd|' /C calc'!A0,2,", "\nPudong,3,", "\ntotal,6,"} {
		if !strings.Contains(body, want) {
			t.Errorf("the KPI CSV lacks %q:\n%s", want, body)
		}
	}
}
