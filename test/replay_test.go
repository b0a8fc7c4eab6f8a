package test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/closeloop/closeloop/codec"
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
	// Long histories are kept compressed.
	zipped, err := filepath.Glob("testdata/histories/*.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, zipped...)
	if len(files) == 0 {
		t.Fatal("no committed histories in testdata/histories")
	}
	// Every workflow type the worker runs has a history to guard it.
	covered := map[string]bool{}
	for _, f := range files {
		b := readHistoryFile(t, f)
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
			t.Errorf("no committed history of %s: record one (docs/development.md)", name)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			h, err := client.HistoryFromJSON(bytes.NewReader(readHistoryFile(t, f)), client.HistoryJSONOptions{})
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			if err := r.ReplayWorkflowHistory(nil, h); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// readHistoryFile reads a committed history, gunzipping a .gz one.
func readHistoryFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err = io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
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
	// A committed history is replayed by later runs of the tests, whose
	// payload keys are their own: it is kept decrypted, as histories from
	// before the codec are (the codec passes clear payloads through).
	payloads, err := codec.Open(testPayloadKeys(), "")
	if err != nil {
		t.Fatal(err)
	}
	err = proxy.VisitPayloads(context.Background(), &h, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return payloads.Decode(p)
		}})
	if err != nil {
		t.Fatalf("decrypting %s for the record: %v", id, err)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		b = zb.Bytes()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d events)", path, len(h.Events))
}
