package api

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 19: bytes that are not UTF-8 are refused with 400, naming the
// field they stand in, before anything is started or stored.
func TestInvalidUTF8BodyRefusedByField(t *testing.T) {
	_, engine := fuzzServer()
	engine.reset()
	body := []byte(`{"complainant_name":"张伟","phone":"13812345678","channel":"phone","region":"sh","content":"bad ` + "\xff\xfe" + `","demand":"d"}`)
	status, e := serve(t, http.MethodPost, "/api/v1/complaints", "application/json", body)
	if status != http.StatusBadRequest || e.Error.Code != CodeInvalidUTF8 || len(e.Error.Fields) != 1 ||
		e.Error.Fields[0].Field != "content" || e.Error.Fields[0].Code != CodeInvalidUTF8 {
		t.Fatalf("got %d %+v, want 400 invalid_utf8 on content", status, e.Error)
	}
	if started, _ := engine.reset(); started {
		t.Fatal("a case was started from a body that is not UTF-8")
	}
	// Nested fields are named with dots; a bad key is named too.
	for body, field := range map[string]string{
		`{"reason":"x","form":{"inner":"` + "\xc3" + `"}}`: "form.inner",
		`{"re` + "\xff" + `ason":"x"}`:                     "re\ufffdason",
	} {
		if got := badJSONField([]byte(body)); got != field {
			t.Errorf("badJSONField(%q) = %q, want %q", body, got, field)
		}
	}
	// An action's text too.
	status, e = serve(t, http.MethodPost, "/api/v1/cases/TS-20261123-0001/actions/comment", "application/json", []byte(`{"text":"`+"\x80"+`"}`))
	if status != http.StatusBadRequest || e.Error.Code != CodeInvalidUTF8 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "text" {
		t.Fatalf("action: got %d %+v, want 400 invalid_utf8 on text", status, e.Error)
	}
}

func TestInvalidUTF8InQueryRefused(t *testing.T) {
	status, e := serve(t, http.MethodGet, "/api/v1/search?q=%FF%FE", "", nil)
	if status != http.StatusBadRequest || e.Error.Code != CodeInvalidUTF8 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "q" {
		t.Fatalf("got %d %+v, want 400 invalid_utf8 on q", status, e.Error)
	}
	status, e = serve(t, http.MethodGet, "/api/v1/cases/TS-%FF", "", nil)
	if status != http.StatusBadRequest || e.Error.Code != CodeInvalidUTF8 {
		t.Fatalf("path: got %d %+v, want 400 invalid_utf8", status, e.Error)
	}
}

func TestControlCharactersRefusedInAPIText(t *testing.T) {
	_, engine := fuzzServer()
	engine.reset()
	body := []byte(`{"complainant_name":"张伟\u001b[31m","phone":"13812345678","channel":"phone","region":"sh","content":"c\u202e","demand":"line\nline\tok"}`)
	status, e := serve(t, http.MethodPost, "/api/v1/complaints", "application/json", body)
	got := map[string]string{}
	for _, f := range e.Error.Fields {
		got[f.Field] = f.Code
	}
	if status != http.StatusUnprocessableEntity || got["complainant_name"] != forms.CodeControlCharacter ||
		got["content"] != forms.CodeControlCharacter || got["demand"] != "" {
		t.Fatalf("got %d %+v, want 422 with control_character on complainant_name and content only", status, e.Error)
	}
	if started, _ := engine.reset(); started {
		t.Fatal("a case was started with control characters")
	}
	status, e = serve(t, http.MethodPost, "/api/v1/cases/TS-20261123-0001/actions/comment", "application/json", []byte(`{"text":"a\u009bb"}`))
	if status != http.StatusUnprocessableEntity || len(e.Error.Fields) == 0 || e.Error.Fields[0].Code != forms.CodeControlCharacter {
		t.Fatalf("action: got %d %+v, want 422 control_character", status, e.Error)
	}
}

// Issue 19: an intake time further back than CLOSELOOP_MAX_BACKDATE is
// refused at the API (the emergency import keeps old times); one within
// it passes this check.
func TestBackdatedIntakeRefused(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 15, 0, 0, time.UTC)
	s := &Server{Cases: &starter.Service{Now: func() time.Time { return now }}, MaxBackdate: 24 * time.Hour}
	for _, tc := range []struct {
		form  any
		field string
	}{
		{&forms.Complaint{IntakeAt: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}, "intake_at"},
		{&forms.Complaint{IntakeAt: now.Add(-25 * time.Hour)}, "intake_at"},
		{&forms.Repair{ReceivedAt: now.Add(-48 * time.Hour)}, "received_at"},
		{&forms.Consultation{ReceivedAt: now.Add(-48 * time.Hour)}, "received_at"},
		{&forms.MediaInquiry{ReceivedAt: now.Add(-48 * time.Hour)}, "received_at"},
	} {
		err := s.checkBackdate(tc.form)
		e, ok := err.(*starter.Error)
		if !ok || e.Status != http.StatusUnprocessableEntity || len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Code != CodeTooOld {
			t.Errorf("%T: %v, want 422 too_old on %s", tc.form, err, tc.field)
		}
	}
	for _, f := range []any{&forms.Complaint{IntakeAt: now.Add(-23 * time.Hour)}, &forms.Complaint{}, &forms.Collaboration{}} {
		if err := s.checkBackdate(f); err != nil {
			t.Errorf("%T %+v refused: %v", f, f, err)
		}
	}
	// Through the handler: the 1970 intake from the issue.
	_, engine := fuzzServer()
	engine.reset()
	status, e := serve(t, http.MethodPost, "/api/v1/complaints", "application/json",
		[]byte(`{"intake_at":"1970-01-01T00:00:00Z","complainant_name":"张伟","phone":"13812345678","channel":"phone","region":"sh","content":"c","demand":"d"}`))
	if status != http.StatusUnprocessableEntity || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "intake_at" || e.Error.Fields[0].Code != CodeTooOld {
		t.Fatalf("got %d %+v, want 422 too_old on intake_at", status, e.Error)
	}
	if started, _ := engine.reset(); started {
		t.Fatal("a backdated case was started")
	}
}

func TestAPIAnswersAreNoStore(t *testing.T) {
	h, _ := fuzzServer()
	for _, target := range []string{"/api/v1/me", "/api/v1/cases/TS-20261123-0001", "/api/v1/nothing", "/api/v1/openapi.json"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+agentToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: %d Cache-Control %q, want no-store", target, rec.Code, got)
		}
	}
}

// shapeEngine stands in for Temporal with one open case in department
// "it"; it counts every call that reaches it.
type shapeEngine struct {
	client.Client
	mu                sync.Mutex
	describes, states int
}

const openHidden = "TS-20261123-0007"

func (e *shapeEngine) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	e.mu.Lock()
	e.describes++
	e.mu.Unlock()
	if id != workflows.CaseWorkflowID(openHidden) {
		return nil, serviceerror.NewNotFound("no workflow " + id)
	}
	dc := converter.GetDefaultDataConverter()
	fields := map[string]*commonpb.Payload{}
	for name, v := range map[string]any{workflows.SACaseType.GetName(): workflows.TypeComplaint,
		workflows.SACaseStatus.GetName(): workflows.StatusRegistered, workflows.SADepartment.GetName(): "it"} {
		p, err := dc.ToPayload(v)
		if err != nil {
			return nil, err
		}
		fields[name] = p
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: id},
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields}}}, nil
}

func (e *shapeEngine) QueryWorkflowWithOptions(context.Context, *client.QueryWorkflowWithOptionsRequest) (*client.QueryWorkflowWithOptionsResponse, error) {
	e.mu.Lock()
	e.states++
	e.mu.Unlock()
	return nil, serviceerror.NewNotFound("the test engine answers no state")
}

// shapeRows is the archive with one closed case, past the engine's
// retention, in department "it"; it counts its lookups.
type shapeRows struct {
	mu    sync.Mutex
	reads int
}

const archivedHidden = "TS-20250101-0003"

func (r *shapeRows) Line(_ context.Context, no string) (archive.Line, error) {
	r.mu.Lock()
	r.reads++
	r.mu.Unlock()
	if no != archivedHidden {
		return archive.Line{}, archive.ErrNotFound
	}
	return archive.Line{No: no, Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "it"}, nil
}

// Issue 19: a case the caller may not see — open in the engine, or only in
// the archive — and a case that does not exist take the same lookups (one
// engine record, one archive row, never the case's state through the
// worker) and answer the same bytes, for reading and for every write.
func TestHiddenAndMissingCasesAnswerAlike(t *testing.T) {
	engine, rows := &shapeEngine{}, &shapeRows{}
	cal := calendar.MustDefault()
	s := testServer(&starter.Service{Client: engine, Lines: rows, SLA: sla.Defaults(), Calendar: cal, Location: cal.Location()})
	h := s.Handler()
	type answer struct {
		status                   int
		body, header             string
		describes, states, reads int
	}
	ask := func(method, path, body, no string) answer {
		engine.describes, engine.states, rows.reads = 0, 0, 0
		req := httptest.NewRequest(method, strings.ReplaceAll(path, "{no}", no), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer clt_test_head") // head of "property"
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var hdr bytes.Buffer
		_ = rec.Header().Write(&hdr)
		return answer{rec.Code, strings.ReplaceAll(rec.Body.String(), no, "{no}"), hdr.String(),
			engine.describes, engine.states, rows.reads}
	}
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "/api/v1/cases/{no}", ""},
		{"GET", "/api/v1/cases/{no}/timeline", ""},
		{"POST", "/api/v1/cases/{no}/actions/comment", `{"text":"hello"}`},
		{"POST", "/api/v1/cases/{no}/reveal", `{"reason":"call back"}`},
		{"POST", "/api/v1/cases/{no}/reopen", `{"reason":"again"}`},
	} {
		missing := ask(rq.method, rq.path, rq.body, "TS-20261123-0099")
		if missing.status != http.StatusNotFound || missing.describes != 1 || missing.reads != 1 || missing.states != 0 {
			t.Errorf("%s %s missing: %+v, want 404 after one engine record and one archive row", rq.method, rq.path, missing)
		}
		for _, no := range []string{openHidden, archivedHidden} {
			if got := ask(rq.method, rq.path, rq.body, no); got != missing {
				t.Errorf("%s %s hidden %s:\n%+v\nmissing:\n%+v", rq.method, rq.path, no, got, missing)
			}
		}
	}
}

// A body cut off by the server's deadline is a 408, not "too large".
func TestSlowBodyAnswers408(t *testing.T) {
	var e *starter.Error
	if !errors.As(bodyError(&http.MaxBytesError{Limit: maxBody}), &e) || e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %v", e)
	}
	if !errors.As(bodyError(os.ErrDeadlineExceeded), &e) || e.Status != http.StatusRequestTimeout || e.Code != "body_timeout" {
		t.Fatalf("deadline: %v", e)
	}
}

// The customer's rating comment refuses control characters and broken
// text, in the customer's language, and nothing reaches the case.
func TestRatingCommentRefusesUncleanText(t *testing.T) {
	e := &publicEngine{view: &workflows.CaseView{No: caseNo, Status: workflows.StatusResolved}, updateErr: errors.New("the rating must not be sent")}
	srv, signer := publicServer(t, e)
	for _, comment := range []string{"still \x1b[31mleaking", "still \xffleaking"} {
		for lang, want := range map[string]string{"en": ratingTexts["en"].BadText, "zh-CN": ratingTexts["zh-CN"].BadText} {
			code, _, body := fetch(t, http.MethodPost, srv.URL+"/rate/"+ratingToken(signer, lang), url.Values{"score": {"1"}, "comment": {comment}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(want)) {
				t.Errorf("%s %q: %d %s", lang, comment, code, body)
			}
		}
	}
}
