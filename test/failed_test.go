package test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/workflows"
)

// failedCaseJSON is the part of the case answer a failure changes.
type failedCaseJSON struct {
	caseJSON
	Failure *workflows.Failure `json:"failure"`
	Perms   struct {
		Actions []string `json:"actions"`
		Restore bool     `json:"restore"`
	} `json:"permissions"`
}

// Issue 17, "failures that show": a case whose workflow is terminated with
// the engine's own API shows as failed — in the case answer and the list,
// within the watcher's period — with no action offered; the
// customer-service head and the administrator are told once; and the
// customer-service head restores it, which brings it back running in its
// status with its pending deadlines at the same due instants, taking
// actions again.
func TestTerminatedCaseShowsFailedAndIsRestored(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary; skipped with -short")
	}
	t.Setenv("CLOSELOOP_FAILURE_WATCH", "1s")
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer func() {
		if s.cmd.ProcessState == nil {
			s.stop()
		}
	}()
	get := func(user, no string) failedCaseJSON {
		t.Helper()
		code, b := s.callAs(user, http.MethodGet, "/api/v1/cases/"+no, nil)
		if code != http.StatusOK {
			t.Fatalf("get %s: %d %s", no, code, b)
		}
		var c failedCaseJSON
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := s.registerComplaint()
	before := get("cshead01", c.No)
	pending := map[string]time.Time{}
	for _, d := range before.Deadlines {
		if d.State == workflows.DeadlinePending {
			pending[d.Name] = d.Due
		}
	}
	if before.Status != workflows.StatusRouted || len(pending) == 0 {
		t.Fatalf("registered %s is %s with pending deadlines %v, want routed with some", c.No, before.Status, pending)
	}

	// An operator terminates the workflow with the engine's own API.
	tc := dialEngine(t, s)
	defer tc.Close()
	terminated := time.Now()
	if err := tc.TerminateWorkflow(context.Background(), workflows.CaseWorkflowID(c.No), "", "issue 17 test: terminated by an operator"); err != nil {
		t.Fatal(err)
	}

	// The case answer says failed at once; the list (the archive) once the
	// watcher, every second here, has recorded it.
	failed := get("cshead01", c.No)
	if failed.Status != workflows.StatusFailed || failed.Failure == nil || failed.Failure.How != "terminated" ||
		failed.Failure.Status != workflows.StatusRouted || !bytes.Contains([]byte(failed.Failure.Reason), []byte("terminated by an operator")) {
		t.Fatalf("terminated case answers status %q failure %+v, want failed, terminated in routed with the reason", failed.Status, failed.Failure)
	}
	if len(failed.Perms.Actions) != 0 || !failed.Perms.Restore {
		t.Errorf("failed case offers actions %v restore %v to the customer-service head, want none and restore", failed.Perms.Actions, failed.Perms.Restore)
	}
	if agent := get("agent01", c.No); agent.Perms.Restore || len(agent.Perms.Actions) != 0 {
		t.Errorf("failed case offers the agent actions %v restore %v, want neither", agent.Perms.Actions, agent.Perms.Restore)
	}
	listed := false
	for time.Since(terminated) < 10*time.Second && !listed {
		_, b := s.callAs("cshead01", http.MethodGet, "/api/v1/cases?status=failed", nil)
		var page struct {
			Cases []struct{ No, Status string } `json:"cases"`
		}
		_ = json.Unmarshal(b, &page)
		listed = slices.ContainsFunc(page.Cases, func(l struct{ No, Status string }) bool { return l.No == c.No && l.Status == workflows.StatusFailed })
		if !listed {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !listed {
		t.Fatalf("failed case %s not listed as failed within 10s", c.No)
	}
	t.Logf("listed as failed %s after the termination", time.Since(terminated).Round(time.Millisecond))

	// Every action is refused with a clear reason.
	code, b := s.callAs("agent01", http.MethodPost, "/api/v1/cases/"+c.No+"/actions/comment", map[string]any{"text": "hello?"})
	if code != http.StatusConflict || !bytes.Contains(b, []byte("failed")) {
		t.Errorf("comment on a failed case: %d %s, want 409 saying it failed", code, b)
	}

	// The customer-service head and the administrator are told, once each.
	told := func() map[string]int {
		entries, err := (&activities.Outbox{Dir: filepath.Join(s.dataDir, "outbox")}).List(c.No)
		if err != nil {
			t.Fatal(err)
		}
		to := map[string]int{}
		for _, e := range entries {
			if e.Notice.Kind == workflows.NoticeCaseFailed {
				to[e.Notice.To.Role]++
			}
		}
		return to
	}
	for time.Since(terminated) < 10*time.Second && len(told()) < 2 {
		time.Sleep(100 * time.Millisecond)
	}
	if to := told(); to["cs_head"] != 1 || to["admin"] != 1 {
		t.Fatalf("case_failed notices %v, want one to the cs_head and one to the admin", to)
	}

	// Only the customer-service head restores, and says why.
	if code, b := s.callAs("agent01", http.MethodPost, "/api/v1/cases/"+c.No+"/restore", map[string]any{"reason": "x"}); code != http.StatusForbidden {
		t.Errorf("agent restores: %d %s, want 403", code, b)
	}
	if code, b := s.callAs("cshead01", http.MethodPost, "/api/v1/cases/"+c.No+"/restore", map[string]any{}); code != http.StatusUnprocessableEntity {
		t.Errorf("restore without a reason: %d %s, want 422", code, b)
	}
	code, b = s.callAs("cshead01", http.MethodPost, "/api/v1/cases/"+c.No+"/restore", map[string]any{"reason": "terminated by mistake"})
	if code != http.StatusOK {
		t.Fatalf("restore: %d %s", code, b)
	}
	restored := get("cshead01", c.No)
	if restored.Status != workflows.StatusRouted || restored.Failure != nil || !slices.Contains(restored.Perms.Actions, workflows.ActionFirstFeedback) {
		t.Fatalf("restored case is %s (failure %+v, actions %v), want routed with its actions", restored.Status, restored.Failure, restored.Perms.Actions)
	}
	for name, due := range pending {
		got, state := restored.deadline(name)
		if !got.Equal(due) || state != workflows.DeadlinePending {
			t.Errorf("restored deadline %s: due %s %s, want %s pending", name, got, state, due)
		}
	}
	if !slices.ContainsFunc(restored.Timeline, func(e struct {
		Kind string `json:"kind"`
	}) bool {
		return e.Kind == "restored"
	}) {
		t.Errorf("restored case's timeline has no restored entry")
	}

	// It takes actions again, and later passes of the watcher leave it be
	// (the terminated run is no longer the case's latest).
	after := s.act(c.No, workflows.ActionFirstFeedback, map[string]any{"actor": "staff.property", "message": "we are on it", "method": "phone"}, http.StatusOK)
	if after.Status != workflows.StatusInProgress {
		t.Errorf("first feedback after the restore: status %s, want in_progress", after.Status)
	}
	time.Sleep(2500 * time.Millisecond)
	if got := get("cshead01", c.No); got.Status != workflows.StatusInProgress {
		t.Errorf("restored case is %s after more watcher passes, want in_progress", got.Status)
	}
	_, b = s.callAs("cshead01", http.MethodGet, "/api/v1/cases?status=failed", nil)
	if bytes.Contains(b, []byte(c.No)) {
		t.Errorf("restored case still listed as failed: %s", b)
	}
	if to := told(); to["cs_head"] != 1 || to["admin"] != 1 {
		t.Errorf("case_failed notices after the restore %v, want still one each", to)
	}
}
