package engine_test

import (
	"context"
	"os"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/internal/enginetest"
)

// The engine on a new data directory writes its index to visibility.db
// and answers list queries from it.
func TestEngineListsFromItsOwnVisibilityFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded engine")
	}
	e, c := enginetest.Start(t, engine.Options{})
	ctx := context.Background()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "indexed", TaskQueue: "nobody"}, "Nothing"); err != nil {
		t.Fatal(err)
	}
	var listed bool
	for deadline := time.Now().Add(30 * time.Second); !listed && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowId = 'indexed'"})
		if err != nil {
			t.Fatal(err)
		}
		listed = len(resp.Executions) == 1 && resp.Executions[0].Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}
	if !listed {
		t.Fatal("the started workflow never showed in the list")
	}
	if fi, err := os.Stat(e.VisibilityFile()); err != nil || fi.Size() == 0 {
		t.Fatalf("a new data directory should index in its own file, %s: %v", e.VisibilityFile(), err)
	}
}
