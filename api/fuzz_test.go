package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Fuzz targets for the API's request decoding, driven through the real
// handler with an httptest request: whatever the body, the answer is a
// 4xx with a specific JSON error, never a 500, unless the request got as
// far as starting a case (which the stand-in engine refuses).

// errNoEngine is the stand-in engine's refusal to start a case.
var errNoEngine = errors.New("fuzz engine: cases are not started")

// fuzzEngine stands in for Temporal: it hands out case number 1, answers
// "not found" for every case, and refuses to start a case after encoding
// its input as the SDK's data converter would. The embedded nil Client
// makes any other call panic, which fails the fuzz run.
type fuzzEngine struct {
	client.Client
	mu      sync.Mutex
	started bool  // a case's start was asked for
	encode  error // encoding that case's input
}

func (e *fuzzEngine) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	if workflow == workflows.SequenceWorkflowName {
		return nil, nil
	}
	_, err := converter.GetDefaultDataConverter().ToPayloads(args...)
	e.mu.Lock()
	e.started, e.encode = true, err
	e.mu.Unlock()
	return nil, errNoEngine
}

func (e *fuzzEngine) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return numberOne{}, nil
}

func (e *fuzzEngine) QueryWorkflow(_ context.Context, id, _ string, _ string, _ ...any) (converter.EncodedValue, error) {
	return nil, serviceerror.NewNotFound("fuzz engine: no workflow " + id)
}

func (e *fuzzEngine) QueryWorkflowWithOptions(_ context.Context, r *client.QueryWorkflowWithOptionsRequest) (*client.QueryWorkflowWithOptionsResponse, error) {
	return nil, serviceerror.NewNotFound("fuzz engine: no workflow " + r.WorkflowID)
}

func (e *fuzzEngine) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewNotFound("fuzz engine: no workflow " + id)
}

// reset forgets the last request and reports what it asked for.
func (e *fuzzEngine) reset() (started bool, encode error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	started, encode = e.started, e.encode
	e.started, e.encode = false, nil
	return started, encode
}

// numberOne is the sequence workflow's answer: number 1.
type numberOne struct{ client.WorkflowUpdateHandle }

func (numberOne) Get(_ context.Context, v any) error {
	*v.(*workflows.NextNumber) = workflows.NextNumber{N: 1}
	return nil
}

var fuzzServer = sync.OnceValues(func() (http.Handler, *fuzzEngine) {
	engine := &fuzzEngine{}
	cal := calendar.MustDefault()
	now := time.Date(2026, 11, 23, 16, 15, 0, 0, cal.Location())
	s := testServer(&starter.Service{Client: engine, SLA: sla.Defaults(), Calendar: cal, Location: cal.Location(),
		Now: func() time.Time { return now }})
	return s.Handler(), engine
})

// serve sends one request as the test agent and decodes the JSON error.
func serve(t *testing.T, method, target, contentType string, body []byte) (int, apiError) {
	t.Helper()
	h, _ := fuzzServer()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+agentToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var e apiError
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || strings.TrimSpace(e.Error.Message) == "" {
			t.Fatalf("%s %s: %d without a JSON error (%v): %s", method, target, rec.Code, err, rec.Body)
		}
	}
	return rec.Code, e
}

// statusCodes are the error codes each client-error status may carry.
var statusCodes = map[int][]string{
	http.StatusBadRequest:            {"bad_json", CodeInvalidUTF8},
	http.StatusForbidden:             {"forbidden"},
	http.StatusNotFound:              {"not_found", "unknown_action"},
	http.StatusRequestEntityTooLarge: {"too_large"},
	http.StatusUnsupportedMediaType:  {"unsupported_media_type"},
	http.StatusUnprocessableEntity:   {"invalid_form", "invalid_input"},
}

// checkClientError asserts a 4xx with the code that fits its status and,
// for an invalid form, field-level errors.
func checkClientError(t *testing.T, status int, e apiError) {
	t.Helper()
	codes, ok := statusCodes[status]
	if !ok {
		t.Fatalf("status %d (%s: %s)", status, e.Error.Code, e.Error.Message)
	}
	found := false
	for _, c := range codes {
		found = found || c == e.Error.Code
	}
	if !found {
		t.Fatalf("status %d with code %q (%s)", status, e.Error.Code, e.Error.Message)
	}
	if status == http.StatusUnprocessableEntity {
		if len(e.Error.Fields) == 0 {
			t.Fatalf("422 without field errors: %s", e.Error.Message)
		}
		for _, f := range e.Error.Fields {
			if f.Field == "" || f.Code == "" || strings.TrimSpace(f.Message) == "" {
				t.Fatalf("422 with an unnamed or empty field error: %+v", f)
			}
		}
	}
}

// createPaths are the registration endpoints, with the example each is
// seeded with.
var createPaths = []struct{ path, example string }{
	{"/api/v1/complaints", "complaint.json"},
	{"/api/v1/media-inquiries", "media_inquiry.json"},
	{"/api/v1/consultations", "consultation.json"},
	{"/api/v1/repairs", "repair.json"},
	{"/api/v1/collaborations", "collaboration.json"},
}

// FuzzCreate posts any body under any content type to a registration
// endpoint. Properties: the handler never panics; a body over 1 MiB is
// 413 and a content type other than JSON 415; otherwise the answer is a
// 4xx with the code that fits its status (bad_json for what does not
// decode strictly, invalid_form with field errors for a form that does
// not validate), or, only for a form that passed every check, the
// engine's refusal as a 500 after the case's input encoded for the
// engine.
func FuzzCreate(f *testing.F) {
	for i, p := range createPaths {
		b, err := os.ReadFile("../forms/examples/" + p.example)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), "application/json", b, false)
		f.Add(uint8(i), "", b, true)
		f.Add(uint8(i), "application/json; charset=utf-8", b[:len(b)/2], false)
	}
	f.Add(uint8(0), "application/json", []byte(`{"complaint":"x"}`), false)
	f.Add(uint8(0), "application/json", []byte(`{} {}`), false)
	f.Add(uint8(0), "application/json", []byte(`{"intake_at":"0000-01-01T00:30:00+01:00"}`), false)
	f.Add(uint8(1), "text/plain", []byte(`{}`), false)
	f.Add(uint8(2), "application/json", []byte(`[]`), false)
	f.Add(uint8(3), "application/json", []byte(`{"photos":[1]}`), false)
	f.Add(uint8(4), "application/json", []byte(`{"time_node_within":"3 fortnights"}`), false)
	f.Add(uint8(4), "application/json", []byte(`{"time_node_within":"99999999 working days"}`), false)
	_, engine := fuzzServer()
	f.Fuzz(func(t *testing.T, endpoint uint8, contentType string, body []byte, oversize bool) {
		p := createPaths[int(endpoint)%len(createPaths)].path
		if oversize {
			// Trailing spaces do not change the JSON, only the size.
			body = append(body, bytes.Repeat([]byte(" "), maxBody+1-min(len(body), maxBody))...)
		}
		engine.reset()
		status, e := serve(t, "POST", p, contentType, body)
		started, encode := engine.reset()
		jsonType := contentType == "" || strings.HasPrefix(contentType, "application/json")
		switch {
		case !jsonType:
			if status != http.StatusUnsupportedMediaType {
				t.Fatalf("content type %q: %d %s", contentType, status, e.Error.Code)
			}
		case oversize:
			if status != http.StatusRequestEntityTooLarge {
				t.Fatalf("body over 1 MiB: %d %s", status, e.Error.Code)
			}
		case status == http.StatusInternalServerError:
			if !started {
				t.Fatalf("500 before the engine was asked: %s", e.Error.Message)
			}
			if encode != nil {
				t.Fatalf("an accepted form cannot be sent to the engine: %v\n%s", encode, body)
			}
			return
		}
		if started {
			t.Fatalf("the engine was asked to start a case, yet the answer is %d %s", status, e.Error.Code)
		}
		checkClientError(t, status, e)
	})
}

// FuzzAction posts any body as any action on any case number. Properties:
// no panic and no 500; a body that does not decode strictly into the
// action's input is 400 bad_json, an unknown action or malformed number
// 404; a well-formed action reaches the engine, which knows no case: 404.
func FuzzAction(f *testing.F) {
	f.Add("TS-20261123-0001", workflows.ActionComment, []byte(`{"text":"called back"}`))
	f.Add("TS-20261123-0001", workflows.ActionEscalate, []byte(`{}`))
	f.Add("TS-20261123-0001", "dance", []byte(`{}`))
	f.Add("MT-20261123-0001", "resolve", []byte(`{}`))
	f.Add("BX-20261123-0001", workflows.ActionSchedule, []byte(`{"at":"tomorrow"}`))
	f.Add("nope", "resolve", []byte(`{`))
	f.Add("TS-2026112-30001", workflows.ActionComment, []byte(`{} []`))
	f.Fuzz(func(t *testing.T, no, action string, body []byte) {
		if no == "" || action == "" || no == "." || no == ".." || action == "." || action == ".." {
			return // not this route: the mux answers or redirects
		}
		target := "/api/v1/cases/" + url.PathEscape(no) + "/actions/" + url.PathEscape(action)
		status, e := serve(t, "POST", target, "application/json", body)
		checkClientError(t, status, e)
		_, perr := starter.ParseAction(no, action, body)
		var se *starter.Error
		switch {
		case !utf8.Valid(body) || !utf8.ValidString(no) || !utf8.ValidString(action):
			// Refused as invalid UTF-8 (issue 19), unless what the route
			// itself refuses comes first.
			invalid := status == http.StatusBadRequest && e.Error.Code == "invalid_utf8"
			parsed := errors.As(perr, &se) && status == se.Status && e.Error.Code == se.Code
			if !invalid && !parsed {
				t.Fatalf("invalid UTF-8 (%q %q %q): %d %s, want 400 invalid_utf8 or what the route refuses (%v)", no, action, body, status, e.Error.Code, perr)
			}
		case perr == nil:
			if status != http.StatusNotFound || e.Error.Code != "not_found" {
				t.Fatalf("a well-formed %s on %s: %d %s, want 404 not_found", action, no, status, e.Error.Code)
			}
		case errors.As(perr, &se):
			if status != se.Status || e.Error.Code != se.Code {
				t.Fatalf("%s on %s: %d %s, but the body decodes to %d %s", action, no, status, e.Error.Code, se.Status, se.Code)
			}
		default:
			t.Fatalf("ParseAction failed with a plain error: %v", perr)
		}
	})
}
