package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// These requests are all refused before the engine is asked, so the
// service runs without a Temporal client.
func newTestServer(ready func() error) *httptest.Server {
	s := testServer(&starter.Service{})
	s.Ready = ready
	return httptest.NewServer(s.Handler())
}

// agentToken signs the test requests in as an agent, who may register
// every kind of case.
const agentToken = "clt_test_agent"

var testDirectory = sync.OnceValue(func() *identity.Directory {
	hash, err := identity.HashPassword("correct horse battery")
	if err != nil {
		panic(err)
	}
	d, err := identity.New(identity.File{
		Departments: []identity.Department{{Code: "customer_service"}, {Code: "property"}, {Code: "it"}},
		Users: []identity.User{
			{Username: "agent01", Role: identity.RoleAgent, Department: "customer_service", PasswordHash: hash, TokenHashes: []string{identity.HashToken(agentToken)}},
			{Username: "qc01", Role: identity.RoleQC, Department: "property", PasswordHash: hash, TokenHashes: []string{identity.HashToken("clt_test_qc")}},
			{Username: "head01", Role: identity.RoleDeptHead, Department: "property", PasswordHash: hash, TokenHashes: []string{identity.HashToken("clt_test_head")}},
			{Username: "cshead01", Role: identity.RoleCSHead, Department: "customer_service", PasswordHash: hash, TokenHashes: []string{identity.HashToken("clt_test_cshead")}},
			{Username: "admin01", Role: identity.RoleAdmin, Department: "it", PasswordHash: hash, TokenHashes: []string{identity.HashToken("clt_test_admin")}},
		}})
	if err != nil {
		panic(err)
	}
	return d
})

func testServer(cases *starter.Service) *Server {
	idx, err := policies.Load(policies.Builtin)
	if err != nil {
		panic(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &Server{Cases: cases, Log: log, Directory: testDirectory(), Sessions: identity.NewSessions(30*time.Minute, 8*time.Hour),
		Authz: policies.NewAuthorizer(idx, log)}
}

type apiError struct {
	Error struct {
		Code    string             `json:"code"`
		Message string             `json:"message"`
		Fields  []forms.FieldError `json:"fields"`
	} `json:"error"`
}

func do(t *testing.T, method, url, contentType, body string) (int, apiError) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+agentToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var e apiError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e
}

func TestErrors(t *testing.T) {
	srv := newTestServer(nil)
	defer srv.Close()
	const js = "application/json"
	tests := []struct {
		name, method, path, ct, body string
		status                       int
		code                         string
		fields                       []string
	}{
		// Rule C1: missing core elements are reported per field, at once (a
		// missing intake time defaults to now at the API).
		{"core elements missing", "POST", "/api/v1/complaints", js,
			`{"complainant_name":"张伟","phone":"13812345678","recorder":"agent01","channel":"phone","region":"sh"}`,
			422, "invalid_form", []string{"content", "demand"}},
		{"intake in the future", "POST", "/api/v1/complaints", js,
			`{"intake_at":"2999-01-01T00:00:00Z","complainant_name":"张伟","phone":"13812345678","recorder":"agent01","channel":"phone","region":"sh","content":"c","demand":"d"}`,
			422, "invalid_form", []string{"intake_at"}},
		{"registration time is the system's", "POST", "/api/v1/complaints", js,
			`{"registered_at":"2026-01-01T00:00:00Z"}`, 422, "invalid_form", []string{"registered_at"}},
		{"unknown field", "POST", "/api/v1/complaints", js, `{"complaint":"x"}`, 400, "bad_json", nil},
		// Rule E2: no registration without the holding reply and a named person.
		{"media inquiry without holding reply", "POST", "/api/v1/media-inquiries", js,
			`{"outlet":"Daily","reporter_name":"Chen","reporter_email":"c@example.com","topic":"leak","recorder":"agent01"}`,
			422, "invalid_form", []string{"contact_person", "holding_reply_given"}},
		{"complaint action on a media inquiry", "POST", "/api/v1/cases/MT-20261123-0001/actions/resolve", js, `{}`, 404, "unknown_action", nil},
		{"malformed JSON", "POST", "/api/v1/complaints", js, `{"content":`, 400, "bad_json", nil},
		{"trailing data", "POST", "/api/v1/complaints", js, `{} {}`, 400, "bad_json", nil},
		{"not JSON", "POST", "/api/v1/complaints", "text/plain", `x`, 415, "unsupported_media_type", nil},
		{"unknown action", "POST", "/api/v1/cases/TS-20261123-0001/actions/dance", js, `{}`, 404, "unknown_action", nil},
		{"malformed case number", "GET", "/api/v1/cases/..%2Fetc", "", "", 404, "not_found", nil},
		{"action on malformed number", "POST", "/api/v1/cases/nope/actions/resolve", js, `{}`, 404, "not_found", nil},
		{"bad list filter", "GET", "/api/v1/cases?status=open&department=Bad%27Dept&overdue=maybe", "", "", 400, "invalid_filter", []string{"overdue"}},
		{"bad filter values", "GET", "/api/v1/cases?status=open&department=Bad%27Dept", "", "", 400, "invalid_filter", []string{"status", "department"}},
		{"unknown endpoint", "GET", "/api/v1/nothing", "", "", 404, "not_found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := do(t, tt.method, srv.URL+tt.path, tt.ct, tt.body)
			if status != tt.status || e.Error.Code != tt.code {
				t.Fatalf("got %d %q (%s), want %d %q", status, e.Error.Code, e.Error.Message, tt.status, tt.code)
			}
			for _, f := range tt.fields {
				found := false
				for _, got := range e.Error.Fields {
					found = found || got.Field == f
				}
				if !found {
					t.Errorf("no field error for %q in %+v", f, e.Error.Fields)
				}
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	ready := errors.New("starting")
	srv := newTestServer(func() error { return ready })
	defer srv.Close()
	if status, e := do(t, "GET", srv.URL+"/readyz", "", ""); status != 503 || e.Error.Code != "not_ready" {
		t.Fatalf("not ready: got %d %q", status, e.Error.Code)
	}
	if status, _ := do(t, "GET", srv.URL+"/healthz", "", ""); status != 200 {
		t.Fatalf("alive while starting: got %d", status)
	}
	ready = nil
	if status, _ := do(t, "GET", srv.URL+"/readyz", "", ""); status != 200 {
		t.Fatalf("ready: got %d", status)
	}
}

func TestOpenAPIListsEveryAction(t *testing.T) {
	srv := newTestServer(nil)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	for _, p := range []string{"/api/v1/complaints", "/api/v1/media-inquiries", "/api/v1/consultations", "/api/v1/repairs", "/api/v1/collaborations", "/api/v1/cases", "/api/v1/cases/{no}", "/api/v1/cases/{no}/actions/{action}", "/healthz", "/readyz", "/metrics",
		"/api/v1/login", "/api/v1/logout", "/api/v1/me", "/api/v1/cases/{no}/reveal", "/api/v1/cases/{no}/reopen", "/api/v1/cases/{no}/restore", "/api/v1/outbox", "/api/v1/calendar/replan", "/api/v1/queue"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	for _, a := range slices.Concat(workflows.ComplaintActions, workflows.RepairActions, workflows.MediaInquiryActions, workflows.ConsultationActions, workflows.CollaborationActions) {
		if !strings.Contains(string(doc.Paths["/api/v1/cases/{no}/actions/{action}"]), `"`+a+`"`) {
			t.Errorf("openapi.json lacks action %s", a)
		}
	}
}

// Rule T3: instants are stored in UTC and shown in the case's time zone;
// rule C11: the losing alternative is named in the explanation.
func TestPresentShowsLocalTimeAndAlternatives(t *testing.T) {
	cal := calendar.MustDefault()
	sh := cal.Location()
	start := time.Date(2026, 11, 23, 20, 0, 0, 0, sh)
	day, err := cal.Due(start, calendar.Span{N: 1, Unit: calendar.WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	hours, err := cal.Due(start, calendar.Span{N: 24, Unit: calendar.Hours})
	if err != nil {
		t.Fatal(err)
	}
	v := workflows.CaseView{Deadlines: []workflows.Deadline{{Name: "first_feedback", Due: day.At, Explanation: day.Explanation, Also: []calendar.Explanation{hours.Explanation}}}}
	got := present(v, "en").Deadlines[0]
	if got.DueLocal != "2026-11-24 18:00 CST" {
		t.Errorf("due_local = %q, want 2026-11-24 18:00 CST", got.DueLocal)
	}
	if !strings.Contains(got.Text, "earlier than") || !strings.Contains(got.Text, "24 hours") {
		t.Errorf("explanation does not name the 24-hour alternative: %q", got.Text)
	}
	if zh := present(v, "zh-CN").Deadlines[0].Text; !strings.Contains(zh, "工作日") {
		t.Errorf("Chinese explanation: %q", zh)
	}
}

// Rule Q2: a promised call-back later than 2 working days is refused at
// intake, with the limit in the message.
func TestConsultationCallbackLimit(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, calendar.MustDefault().Location())
	s := testServer(&starter.Service{Calendar: calendar.MustDefault(), SLA: sla.Defaults(), Now: func() time.Time { return now }})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := `{"caller_name":"Zhao","phone":"13700001111","affiliation":"customer","question":"q","channel":"phone","region":"sh","recorder":"agent01","callback_at":"2026-10-10T09:00:00+08:00"}`
	status, e := do(t, "POST", srv.URL+"/api/v1/consultations", "application/json", body)
	if status != 422 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "callback_at" {
		t.Fatalf("got %d %+v, want 422 on callback_at", status, e.Error)
	}
	// Wed 09-30 + 2 working days skips the National Day holiday.
	if msg := e.Error.Fields[0].Message; !strings.Contains(msg, "2026-10-09 18:00") {
		t.Fatalf("message %q does not name the limit 2026-10-09 18:00", msg)
	}
}

// Rule X1: a cross-department request booked less than 24 hours before its
// time node is refused at intake with the reason; time_node_within is
// resolved through the business calendar first, so "1 working day" from a
// Wednesday before National Day is far enough ahead, and "2h" is not.
func TestCollaborationBookingLead(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, calendar.MustDefault().Location())
	s := testServer(&starter.Service{Calendar: calendar.MustDefault(), SLA: sla.Defaults(), Location: calendar.MustDefault().Location(),
		Now: func() time.Time { return now }})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	form := func(extra string) string {
		return `{"requesting_department":"customer_service","target_department":"engineering","requester":"agent01","need":"inspect the roof",` +
			`"requester_responsibilities":"arrange access","target_responsibilities":"inspect and report"` + extra + `}`
	}
	for _, tc := range []struct {
		name, extra, field, code, inMessage string
	}{
		{"absolute, 23h ahead", `,"time_node":"2026-10-01T09:00:00+08:00"`, "time_node", "too_soon", "2026-10-01 10:00 CST or later"},
		{"relative, 2h ahead", `,"time_node_within":"2h"`, "time_node", "too_soon", "at least 24h0m0s"},
		{"urgent without reason", `,"time_node_within":"2h","urgency":"urgent"`, "bypass_reason", "required", "reported to quality control"},
		{"unknown span", `,"time_node_within":"soon"`, "time_node_within", "invalid", "invalid span"},
		{"both given", `,"time_node_within":"3wd","time_node":"2026-10-20T09:00:00+08:00"`, "time_node_within", "invalid", "not both"},
		{"system fields", `,"time_node_within":"3wd","parent_case":"TS-20260930-0001"`, "booked_at", "invalid", "request-collaboration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := do(t, "POST", srv.URL+"/api/v1/collaborations", "application/json", form(tc.extra))
			if status != 422 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != tc.field || e.Error.Fields[0].Code != tc.code ||
				!strings.Contains(e.Error.Fields[0].Message, tc.inMessage) {
				t.Fatalf("got %d %+v, want 422 on %s (%s) mentioning %q", status, e.Error, tc.field, tc.code, tc.inMessage)
			}
		})
	}
}

// A paused and resumed clock says so in its explanation, in both
// languages; an agreed time node is explained as agreed.
func TestPresentExplainsPausesAndTimeNodes(t *testing.T) {
	loc := calendar.MustDefault().Location()
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, loc) }
	resumed := at(24, 15)
	res, err := calendar.MustDefault().Due(at(23, 9), calendar.Span{N: 72, Unit: calendar.Hours})
	if err != nil {
		t.Fatal(err)
	}
	v := workflows.CaseView{Deadlines: []workflows.Deadline{
		{Name: "resolution", Start: at(23, 9), Due: at(27, 13), Explanation: res.Explanation,
			Pauses: []workflows.Pause{{From: at(23, 11), To: &resumed, For: "XZ-20261123-0001", DueBefore: at(26, 9), Remaining: 70 * time.Hour}}},
		{Name: "time_node", Start: at(23, 10), Due: at(25, 10), Agreed: true, Explanation: calendar.Explanation{Location: "Asia/Shanghai"}},
	}}
	en, zh := present(v, "en").Deadlines, present(v, "zh-CN").Deadlines
	for _, want := range []string{"paused 11-23 11:00–11-24 15:00 while XZ-20261123-0001 was handled", "was due 11-26 09:00", "2 d 22 h left carried forward"} {
		if !strings.Contains(en[0].Text, want) {
			t.Errorf("pause explanation %q lacks %q", en[0].Text, want)
		}
	}
	// No Go duration reaches a person (70h0m0s, 48h0m0s).
	if !strings.Contains(zh[0].Text, "暂停") || !strings.Contains(zh[0].Text, "剩余 2天 22小时 顺延") {
		t.Errorf("Chinese pause explanation %q", zh[0].Text)
	}
	if en[0].DueLocal != "2026-11-27 13:00 CST" {
		t.Errorf("due_local %q", en[0].DueLocal)
	}
	if !strings.Contains(en[1].Text, "time node 2026-11-25 10:00 agreed in the request (booked 2026-11-23 10:00, 2 d 0 h ahead)") {
		t.Errorf("time node explanation %q", en[1].Text)
	}
	if !strings.Contains(zh[1].Text, "约定的时间节点 2026-11-25 10:00") || !strings.Contains(zh[1].Text, "提前 2天 0小时") {
		t.Errorf("Chinese time node explanation %q", zh[1].Text)
	}
}

// A deadline past the calendar's horizon is provisional in the API: from
// the explanation's flag, from an older explanation's "no_holiday_data:"
// note, or from a clock carried past the horizon; a time node computed
// from working days is explained as such.
func TestPresentProvisional(t *testing.T) {
	cal := calendar.MustDefault()
	sh := cal.Location()
	booked := time.Date(2027, 12, 20, 10, 0, 0, 0, sh)
	due, err := cal.Due(booked, calendar.Span{N: 10, Unit: calendar.WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	inYear, err := cal.Due(booked, calendar.Span{N: 2, Unit: calendar.WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	old := due.Explanation
	old.Provisional = false // armed before the flag existed: only the note says it
	v := workflows.CaseView{Deadlines: []workflows.Deadline{
		{Name: "time_node", Start: booked, Due: due.At, Agreed: true, Explanation: due.Explanation, Provisional: true},
		{Name: "resolution", Start: booked, Due: due.At, Explanation: old},
		{Name: "rework", Start: booked, Due: inYear.At, Explanation: inYear.Explanation},
		{Name: "return_visit", Start: booked, Due: due.At, Explanation: inYear.Explanation, Provisional: true},
	}}
	for _, lang := range []string{"en", "zh-CN"} {
		got := present(v, lang).Deadlines
		for i, want := range []bool{true, true, false, true} {
			if got[i].Provisional != want {
				t.Errorf("%s %s: provisional %v, want %v", lang, got[i].Name, got[i].Provisional, want)
			}
		}
		mark := map[string]string{"en": "provisional", "zh-CN": "暂定"}[lang]
		for i, d := range got {
			if strings.Contains(d.Text, mark) != (i != 2) {
				t.Errorf("%s %s: text %q, provisional mark %q expected: %v", lang, d.Name, d.Text, mark, i != 2)
			}
		}
	}
	en := present(v, "en").Deadlines[0].Text
	if !strings.Contains(en, "agreed in the request") || !strings.Contains(en, "10 working days from Mon 2027-12-20") {
		t.Errorf("time node from working days: %q", en)
	}
	raw, err := json.Marshal(present(v, "en"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Deadlines []map[string]any `json:"deadlines"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Deadlines[1]["provisional"] != true || out.Deadlines[2]["provisional"] != false {
		t.Errorf("JSON provisional fields: %v, %v; want true, false (always present)", out.Deadlines[1]["provisional"], out.Deadlines[2]["provisional"])
	}
}
