package test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/closeloop/closeloop/worker"
	"github.com/closeloop/closeloop/workflows"
)

// TestReplayCommittedHistories replays every history under
// testdata/histories with today's workflow code. A change to running logic
// that is not behind workflow.GetVersion fails here.
func TestReplayCommittedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no committed histories in testdata/histories")
	}
	// Every workflow type the worker runs has a history to guard it.
	covered := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			Events []struct {
				Started *struct {
					WorkflowType struct{ Name string } `json:"workflowType"`
				} `json:"workflowExecutionStartedEventAttributes"`
			} `json:"events"`
		}
		if err := json.Unmarshal(b, &h); err != nil || len(h.Events) == 0 || h.Events[0].Started == nil {
			t.Fatalf("%s: not a workflow history (%v)", f, err)
		}
		covered[h.Events[0].Started.WorkflowType.Name] = true
	}
	for _, name := range []string{workflows.ComplaintWorkflowName, workflows.RepairWorkflowName, workflows.ConsultationWorkflowName,
		workflows.MediaInquiryWorkflowName, workflows.CollaborationWorkflowName, workflows.SequenceWorkflowName,
		workflows.DigestWorkflowName, workflows.SupervisionWorkflowName} {
		if !covered[name] {
			t.Errorf("no committed history of %s: record one (README, Development)", name)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// writeHistory saves a workflow's history as JSON for the replay test;
// run the end-to-end test with CLOSELOOP_RECORD_HISTORY=testdata/histories.
func writeHistory(t *testing.T, c client.Client, id, path string) {
	t.Helper()
	writeRunHistory(t, c, id, "", path)
}

// writeRunHistory saves one run's history (the latest when runID is "").
func writeRunHistory(t *testing.T, c client.Client, id, runID, path string) {
	t.Helper()
	var h historypb.History
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d events)", path, len(h.Events))
}
