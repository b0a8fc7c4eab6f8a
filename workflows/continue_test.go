package workflows_test

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// continued runs the complaint until it continues as new and returns the
// input of its next run.
func continued(t *testing.T, h *harness, in workflows.ComplaintInput) workflows.ComplaintInput {
	t.Helper()
	_, err := h.run(in)
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	if can.WorkflowType.Name != workflows.ComplaintWorkflowName {
		t.Fatalf("continues as %s", can.WorkflowType.Name)
	}
	var next workflows.ComplaintInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Continued == nil {
		t.Fatal("the next run's input carries no case")
	}
	return next
}

// Issue 17: a case whose history reaches its limit continues in a new run
// under the same number, with its clocks, its rounds and a notice held for
// quiet hours; the new run fires each clock at its instant and sends the
// held notice once, at the end of the night.
func TestContinueAsNewCarriesTheCase(t *testing.T) {
	// Registered at 22:00 Shanghai: the customer's acknowledgement waits
	// for the end of quiet hours (08:00).
	reg := sh(2026, 11, 23, 22, 0)
	h := newHarness(t, reg)
	in := input(form(t, reg))
	in.History = workflows.HistoryLimits{Events: 600}
	first := h.do(10*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: "checked the meter"})
	// The engine reports a history past the limit; the next wake-up (an
	// action) continues the case.
	h.env.RegisterDelayedCallback(func() { h.env.SetCurrentHistoryLength(700) }, 20*time.Minute)
	last := h.do(30*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: "ordered the part"})
	next := continued(t, h, in)
	first.ok(t)
	last.ok(t)
	k := next.Continued
	if k.Run != 0 || next.Reopen != nil || next.History != in.History {
		t.Errorf("carry: run %d, reopen %v, history %+v", k.Run, next.Reopen, next.History)
	}
	if got := len(events(k.View, "comment")); got != 2 {
		t.Errorf("carried %d comments, want 2", got)
	}
	ff := deadline(t, k.View, sla.FirstFeedback, 0)
	if ff.State != workflows.DeadlinePending {
		t.Fatalf("first feedback carried as %s", ff.State)
	}
	var ack []workflows.Notice
	for _, n := range k.Notices {
		if n.Kind == workflows.NoticeCustomerAck {
			ack = append(ack, n)
		}
	}
	if len(ack) != 1 {
		t.Fatalf("carried notices %v, want the held acknowledgement", k.Notices)
	}
	if len(h.notes.notices(workflows.NoticeCustomerAck)) != 0 {
		t.Fatal("the acknowledgement went out in quiet hours")
	}

	// The new run, from the instant the old one ended.
	h2 := newHarness(t, reg.Add(30*time.Minute))
	after := h2.do(time.Hour, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: "after the new run"})
	view := h2.stateAt(ff.Due.Sub(reg.Add(30*time.Minute)) + time.Minute)
	h2.cancelAt(ff.Due.Sub(reg.Add(30*time.Minute)) + 2*time.Minute)
	h2.runUntilCancelled(next)
	after.ok(t)

	if got := len(events(*view, "registered")); got != 1 {
		t.Errorf("%d registered events after continuing, want 1", got)
	}
	if got := len(events(*view, "comment")); got != 3 {
		t.Errorf("%d comments after continuing, want 3", got)
	}
	acks := h2.notes.notices(workflows.NoticeCustomerAck)
	if len(acks) != 1 || acks[0].ID != ack[0].ID {
		t.Fatalf("acknowledgements sent by the new run: %v, want the carried one once", acks)
	}
	if at := h2.notes.sentAt[acks[0].ID]; !at.Equal(sh(2026, 11, 24, 8, 0)) {
		t.Errorf("acknowledgement sent at %s, want at the end of quiet hours", fmtSH(at))
	}
	// The first-feedback clock breached at its own instant in the new run.
	got := deadline(t, *view, sla.FirstFeedback, 0)
	if got.State != workflows.DeadlineBreached || got.BreachedAt == nil || !got.BreachedAt.Equal(ff.Due) {
		t.Errorf("first feedback %s, breached at %v, want breached at %s", got.State, got.BreachedAt, fmtSH(ff.Due))
	}
	if got.Due != ff.Due {
		t.Errorf("first feedback moved from %s to %s", fmtSH(ff.Due), fmtSH(got.Due))
	}
}

// Issue 17: below the limit a case never continues, and a case started
// before continue-as-new existed (replayed from history) never does either
// (the replay tests over committed histories cover that).
func TestContinueAsNewOnlyAtTheLimit(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	in := input(form(t, reg))
	in.History = workflows.HistoryLimits{Events: 600}
	h.env.RegisterDelayedCallback(func() { h.env.SetCurrentHistoryLength(599) }, 20*time.Minute)
	o := h.do(30*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: "ordered the part"})
	h.cancelAt(time.Hour)
	h.runUntilCancelled(in)
	o.ok(t)
}
