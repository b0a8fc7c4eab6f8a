package engine

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// A new data directory indexes workflows in a file of its own; one made
// before the split keeps its index where its workflows are.
func TestSeparateVisibilityOnlyForNewDataDirectories(t *testing.T) {
	touch := func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"new directory", nil, true},
		{"state only: made before the split", []string{"temporal.db"}, false},
		{"state and index", []string{"temporal.db", "visibility.db"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{opts: Options{DataDir: t.TempDir()}}
			for _, f := range tc.files {
				touch(t, filepath.Join(e.opts.DataDir, f))
			}
			if got := e.separateVisibility(); got != tc.want {
				t.Errorf("separateVisibility() = %v, want %v", got, tc.want)
			}
		})
	}
}

// The engine on a new data directory writes its index to visibility.db
// and answers list queries from it.
func TestEngineListsFromItsOwnVisibilityFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded engine")
	}
	dir := t.TempDir()
	port, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Start(Options{DataDir: dir, Port: port, Namespace: "default",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	c, err := client.Dial(client.Options{HostPort: e.Address(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
	if !e.visibility {
		t.Fatal("a new data directory should index in its own file")
	}
	if fi, err := os.Stat(e.VisibilityFile()); err != nil || fi.Size() == 0 {
		t.Fatalf("visibility file %s: %v", e.VisibilityFile(), err)
	}
}
