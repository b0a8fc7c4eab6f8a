package test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Issue 17, the attack: three comments of 700 KB each, posted by
// department staff on an open complaint, used to push the case's answer
// past the engine's 2 MB limit and get its workflow terminated. Now each
// answers 422 on the text field, one sent straight to the engine is
// refused by the Update validator, and the case lives on: running, its
// clocks armed, taking a normal comment.
func TestOversizedCommentsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary; skipped with -short")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer s.stop()

	c := s.registerComplaint()
	if c.Status != workflows.StatusRouted {
		t.Fatalf("case %s is %s, want routed to property", c.No, c.Status)
	}

	huge := strings.Repeat("评", 700<<10/3) // 700 KB of UTF-8
	comment := "/api/v1/cases/" + c.No + "/actions/comment"
	for i := range 3 {
		code, b := s.callAs("staff.property", http.MethodPost, comment, map[string]any{"text": huge})
		var e struct {
			Error struct {
				Code   string
				Fields []forms.FieldError
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		if code != http.StatusUnprocessableEntity || e.Error.Code != "invalid_input" || len(e.Error.Fields) != 1 ||
			e.Error.Fields[0].Field != "text" || e.Error.Fields[0].Code != forms.CodeTooLong {
			t.Fatalf("oversized comment %d: %d %.300s, want 422 too_long on text", i+1, code, b)
		}
	}

	// A client that reaches the engine without the API meets the Update
	// validator.
	tc := dialEngine(t, s)
	defer tc.Close()
	h, err := tc.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: c.No, UpdateName: workflows.ActionComment,
		Args: []any{workflows.CommentInput{Actor: "staff.property", Text: huge}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != workflows.ErrInvalidInput {
		t.Fatalf("oversized comment straight to the engine: %v, want %s", err, workflows.ErrInvalidInput)
	}

	desc, err := tc.DescribeWorkflowExecution(context.Background(), c.No, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("after the attack the workflow is %s, want running", st)
	}
	checkPendingTimers(t, tc, c.No)

	code, b := s.callAs("staff.property", http.MethodPost, comment, map[string]any{"text": "checked the pipe, parts ordered"})
	if code != http.StatusOK {
		t.Fatalf("normal comment after the attack: %d %s", code, b)
	}
	after := s.get(c.No)
	comments := 0
	for _, e := range after.Timeline {
		if e.Kind == "comment" {
			comments++
		}
	}
	if _, state := after.deadline("first_feedback"); after.Status != workflows.StatusRouted || state != workflows.DeadlinePending || comments != 1 {
		t.Errorf("after the attack: status %s, first_feedback %s, %d comments; want routed, pending, 1", after.Status, state, comments)
	}
}
