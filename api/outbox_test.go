package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

func getAs(t *testing.T, srv *httptest.Server, token, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// P1, P3: the local outbox holds every message to every customer, so only
// the customer-service head and the administrator read it; without a local
// outbox (SendGrid) there is nothing to read.
func TestOutboxAccess(t *testing.T) {
	box := &activities.Outbox{Dir: t.TempDir(), Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}
	for i, no := range []string{"TS-20261201-0001", "TS-20261201-0002"} {
		n := workflows.Notice{ID: "n" + string(rune('a'+i)), CaseNo: no, Kind: workflows.NoticeCustomerAck, To: workflows.Recipient{Role: "customer"}}
		if _, err := box.Send(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	s := testServer(&starter.Service{})
	s.Outbox = box
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	for token, want := range map[string]int{agentToken: 403, "clt_test_qc": 403, "clt_test_head": 403, "clt_test_cshead": 200, "clt_test_admin": 200} {
		if got := getAs(t, srv, token, "/api/v1/outbox", nil); got != want {
			t.Errorf("%s reading the outbox: %d, want %d", token, got, want)
		}
	}
	var out outboxResponse
	if code := getAs(t, srv, "clt_test_cshead", "/api/v1/outbox?case=TS-20261201-0002", &out); code != 200 || len(out.Entries) != 1 || out.Entries[0].Notice.CaseNo != "TS-20261201-0002" {
		t.Fatalf("outbox for one case: %d %+v", code, out.Entries)
	}

	s.Outbox = nil
	srv2 := httptest.NewServer(s.Handler())
	defer srv2.Close()
	var e apiError
	if code := getAs(t, srv2, "clt_test_cshead", "/api/v1/outbox", &e); code != 404 || e.Error.Code != "no_outbox" {
		t.Fatalf("without a local outbox: %d %s", code, e.Error.Code)
	}
}

// P3: /me says which areas the user may use, from the same policies that
// decide each request.
func TestRightsInMe(t *testing.T) {
	s := testServer(&starter.Service{})
	s.Outbox = &activities.Outbox{Dir: t.TempDir()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var agent, head, qc, deptHead, admin me
	getAs(t, srv, agentToken, "/api/v1/me", &agent)
	getAs(t, srv, "clt_test_cshead", "/api/v1/me", &head)
	getAs(t, srv, "clt_test_qc", "/api/v1/me", &qc)
	getAs(t, srv, "clt_test_head", "/api/v1/me", &deptHead)
	getAs(t, srv, "clt_test_admin", "/api/v1/me", &admin)
	if agent.Can == nil || !slices.Contains(agent.Can.Create, workflows.TypeComplaint) || agent.Can.Import || agent.Can.Outbox || agent.Can.Reports || agent.Can.Calendar {
		t.Errorf("agent rights: %+v", agent.Can)
	}
	if head.Can == nil || !head.Can.Import || !head.Can.Outbox || !head.Can.Reports || !head.Can.Supervision || head.Can.Evaluate || head.Can.Calendar {
		t.Errorf("customer-service head rights: %+v", head.Can)
	}
	if qc.Can == nil || len(qc.Can.Create) != 0 || !qc.Can.Evaluate || qc.Can.Outbox || qc.Can.Calendar {
		t.Errorf("quality control rights: %+v", qc.Can)
	}
	if deptHead.Can == nil || deptHead.Can.Calendar {
		t.Errorf("department head rights: %+v", deptHead.Can)
	}
	// Re-planning deadlines after a calendar update is the administrator's
	// alone (calendar:replan), as is the web UI's calendar page.
	if admin.Can == nil || !admin.Can.Calendar || !admin.Can.Outbox {
		t.Errorf("administrator rights: %+v", admin.Can)
	}
}
