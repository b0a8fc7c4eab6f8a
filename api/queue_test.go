package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// queueAs gets a queue page with a token.
func queueAs(t *testing.T, url, token string) (int, queueResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var q queueResponse
	_ = json.NewDecoder(resp.Body).Decode(&q)
	return resp.StatusCode, q
}

// Issue 18: each role's default view holds its own work with counts; a
// department head's "mine" holds no case waiting on customer service; the
// agent's call-back view holds what is due by tonight; rows are masked
// (P1); a view of another role is refused.
func TestQueueViews(t *testing.T) {
	store, err := archive.Open(context.Background(), "", filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	now := time.Now()
	mk := func(no, typ, status string, due time.Duration, clock string) workflows.CaseView {
		v := workflows.CaseView{No: no, Type: typ, Status: status, Department: "property",
			Deadlines: []workflows.Deadline{{Name: clock, Due: now.Add(due), State: workflows.DeadlinePending}},
			Timeline:  []workflows.Event{{At: now.Add(-time.Hour), Kind: "registered"}}}
		switch typ {
		case workflows.TypeComplaint:
			v.Form, v.Record = &forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Content: "楼道灯不亮"}, &workflows.ComplaintRecord{}
		case workflows.TypeConsultation:
			v.Department = ""
			v.Consultation = &workflows.ConsultationRecord{Form: forms.Consultation{CallerName: "李娜", Question: "物业费怎么交"}}
		}
		return v
	}
	// Due far ahead: not "due today" in any zone.
	cases := []workflows.CaseView{
		mk("TS-20261201-0001", workflows.TypeComplaint, workflows.StatusRouted, 2*time.Hour, "first_feedback"),
		mk("TS-20261201-0002", workflows.TypeComplaint, workflows.StatusResolved, time.Minute, "return_visit"),
		mk("TS-20261201-0003", workflows.TypeComplaint, workflows.StatusResolved, 72*time.Hour, "return_visit"),
		mk("ZX-20261201-0001", workflows.TypeConsultation, workflows.StatusRegistered, -time.Hour, "callback"),
		mk("TS-20261201-0004", workflows.TypeComplaint, workflows.StatusRework, 5*time.Hour, "rework"),
	}
	if err := store.PutAll(context.Background(), cases); err != nil {
		t.Fatal(err)
	}
	s := testServer(&starter.Service{Archive: store})
	s.Location = time.UTC
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	code, q := queueAs(t, srv.URL+"/api/v1/queue", agentToken)
	if code != 200 || q.View != ViewMine {
		t.Fatalf("agent's default view: %d %q", code, q.View)
	}
	counts := map[string]int{}
	for _, v := range q.Views {
		counts[v.Name] = v.Count
	}
	if counts[ViewMine] != 3 || counts[ViewWaiting] != 2 || counts[ViewAll] != 5 {
		t.Errorf("agent's counts: %v", counts)
	}
	if q.Cases[0].No != "ZX-20261201-0001" || q.Cases[0].Next == nil || q.Cases[0].Next.Action != workflows.ActionCallBack {
		t.Errorf("agent's first row: %+v", q.Cases[0])
	}
	for _, r := range q.Cases {
		if r.Customer == "张伟" || r.Customer == "李娜" {
			t.Errorf("P1: %s shows the customer's name", r.No)
		}
	}
	// The overdue call-back and the return visit due in a minute are due
	// today; the visit due in three days is not (unless the day ends in
	// the next minute, which the test does not risk).
	if end := time.Now().UTC(); end.Hour() != 23 || end.Minute() < 58 {
		_, cb := queueAs(t, srv.URL+"/api/v1/queue?view=callbacks", agentToken)
		var got []string
		for _, r := range cb.Cases {
			got = append(got, r.No)
		}
		if len(got) != 2 || got[0] != "ZX-20261201-0001" || got[1] != "TS-20261201-0002" {
			t.Errorf("call-backs due today: %v", got)
		}
	}
	_, head := queueAs(t, srv.URL+"/api/v1/queue", "clt_test_head")
	if head.View != ViewMine || len(head.Cases) != 2 {
		t.Errorf("department head's own work: %+v", head.Cases)
	}
	for _, r := range head.Cases {
		if r.Next.Party != workflows.PartyDepartment {
			t.Errorf("department head's mine holds %s, owed by %s", r.No, r.Next.Party)
		}
	}
	if _, cs := queueAs(t, srv.URL+"/api/v1/queue", "clt_test_cshead"); cs.View != ViewReworks || len(cs.Cases) != 1 || cs.Cases[0].No != "TS-20261201-0004" {
		t.Errorf("customer-service head's reworks: %+v", cs)
	}
	if code, _ := queueAs(t, srv.URL+"/api/v1/queue?view=reworks", agentToken); code != http.StatusBadRequest {
		t.Errorf("an agent asking for the head's view: %d", code)
	}
	if code, _ := queueAs(t, srv.URL+"/api/v1/queue?page_size=500", agentToken); code != http.StatusBadRequest {
		t.Errorf("page_size 500: %d", code)
	}
	_, page2 := queueAs(t, srv.URL+"/api/v1/queue?view=all&page=2&page_size=2", agentToken)
	if page2.Total != 5 || len(page2.Cases) != 2 || page2.Page != 2 {
		t.Errorf("second page: total %d, %d rows", page2.Total, len(page2.Cases))
	}
}
