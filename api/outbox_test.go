package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/mail"
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

// rateURL is a satisfaction link as the outbox keeps it.
const rateURL = "https://cl.example/rate/eyJjYXNlIjoiVFMifQ.c2lnbmF0dXJl"

// customerOutbox holds one satisfaction request to 李娜 <lina@mail.example>
// for case TS-20261201-0003, rendered with its live link.
func customerOutbox(t *testing.T) *activities.Outbox {
	t.Helper()
	box := &activities.Outbox{Dir: t.TempDir(), Render: func(n workflows.Notice) []mail.Message {
		return []mail.Message{{To: mail.Address{Name: n.To.Name, Email: n.To.Email, Language: "zh-CN"}, Subject: "李娜，请评价案件 " + n.CaseNo,
			Text: "李娜您好：\n请评价：" + rateURL + "\n", HTML: `<p>李娜您好</p><a href="` + rateURL + `">` + rateURL + `</a>`}}
	}}
	n := workflows.Notice{ID: "s1", CaseNo: "TS-20261201-0003", CaseType: workflows.TypeComplaint, Kind: workflows.NoticeSatisfactionReq,
		To: workflows.Recipient{Role: "customer", Name: "李娜", Email: "lina@mail.example"}, Customer: "李娜"}
	if _, err := box.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return box
}

type revealCall struct{ no, actor, reason string }

func outboxServer(t *testing.T, local bool, calls *[]revealCall) *httptest.Server {
	s := testServer(&starter.Service{})
	s.Outbox, s.OutboxLocal = customerOutbox(t), local
	s.RecordReveal = func(_ context.Context, no, actor, reason string) error {
		*calls = append(*calls, revealCall{no, actor, reason})
		return nil
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func outboxBody(t *testing.T, srv *httptest.Server, token, path string) (int, string, outboxResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var out outboxResponse
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, string(b), out
}

// P1: the administrator, who may not reveal customers, reads the outbox
// masked — headers and rendered text alike — and the customer-service
// head too until a reveal, which is recorded on the case like the reveal
// action; nobody without the right can reveal.
func TestOutboxMasksCustomerUnlessRevealedAndRecorded(t *testing.T) {
	var calls []revealCall
	srv := outboxServer(t, true, &calls)
	for _, token := range []string{"clt_test_admin", "clt_test_cshead"} {
		code, body, out := outboxBody(t, srv, token, "/api/v1/outbox")
		if code != 200 || len(out.Entries) != 1 || out.Revealed {
			t.Fatalf("%s: %d %s", token, code, body)
		}
		if strings.Contains(body, "李娜") || strings.Contains(body, "lina@") {
			t.Errorf("%s reads the customer in clear:\n%s", token, body)
		}
		if e := out.Entries[0]; e.Notice.To.Name != "李*" || e.Messages[0].To.Email != "l***@mail.example" || !strings.Contains(e.Messages[0].Text, "李*您好") {
			t.Errorf("%s: masked entry %+v", token, e)
		}
	}
	if len(calls) != 0 {
		t.Fatalf("a masked read was recorded as a reveal: %+v", calls)
	}
	if code, body, _ := outboxBody(t, srv, "clt_test_admin", "/api/v1/outbox?case=TS-20261201-0003&reveal=true"); code != 403 || strings.Contains(body, "李娜") {
		t.Errorf("the administrator reveals: %d %s", code, body)
	}
	if code, _, _ := outboxBody(t, srv, "clt_test_cshead", "/api/v1/outbox?reveal=true"); code != 400 {
		t.Errorf("a reveal of the whole outbox: %d, want 400", code)
	}
	if len(calls) != 0 {
		t.Fatalf("a refused reveal was recorded: %+v", calls)
	}
	code, body, out := outboxBody(t, srv, "clt_test_cshead", "/api/v1/outbox?case=TS-20261201-0003&reveal=true&reason=customer+called")
	if code != 200 || !out.Revealed || !strings.Contains(body, "lina@mail.example") || !strings.Contains(out.Entries[0].Messages[0].Text, "李娜您好") {
		t.Fatalf("the head's reveal: %d %s", code, body)
	}
	if want := (revealCall{"TS-20261201-0003", "cshead01", "read in the outbox: customer called"}); len(calls) != 1 || calls[0] != want {
		t.Errorf("recorded reveals %+v, want [%+v]", calls, want)
	}
}

// The customers' satisfaction links are cut for all staff, except the
// administrator of a local outbox (a test installation), told so by the
// answer; where the outbox holds mail SendGrid refused, nobody follows them.
func TestOutboxShowsLiveLinksOnlyToAdminOfLocalOutbox(t *testing.T) {
	var calls []revealCall
	local, sendgrid := outboxServer(t, true, &calls), outboxServer(t, false, &calls)
	for _, c := range []struct {
		srv   *httptest.Server
		token string
		links bool
	}{{local, "clt_test_admin", true}, {local, "clt_test_cshead", false}, {sendgrid, "clt_test_admin", false}, {sendgrid, "clt_test_cshead", false}} {
		code, body, out := outboxBody(t, c.srv, c.token, "/api/v1/outbox")
		if code != 200 || out.Links != c.links || out.Local != (c.srv == local) {
			t.Fatalf("%s: %d links=%v local=%v", c.token, code, out.Links, out.Local)
		}
		if got := strings.Contains(body, "c2lnbmF0dXJl"); got != c.links {
			t.Errorf("%s (local %v): the link in full %v, want %v:\n%s", c.token, out.Local, got, c.links, body)
		}
		if !c.links && !strings.Contains(out.Entries[0].Messages[0].Text, "/rate/eyJj"+activities.HiddenLink) {
			t.Errorf("%s: the cut link: %s", c.token, out.Entries[0].Messages[0].Text)
		}
	}
	// Revealed or not, the head never gets the link.
	if _, body, _ := outboxBody(t, local, "clt_test_cshead", "/api/v1/outbox?case=TS-20261201-0003&reveal=true"); strings.Contains(body, "c2lnbmF0dXJl") {
		t.Errorf("the revealed entry carries the live link:\n%s", body)
	}
}
