package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 17: a client that reaches the engine without the API (temporal
// workflow update execute) still cannot store an oversized text: the
// Update validator refuses it with ErrInvalidInput naming the field, even
// while the case is still registering, and the case goes on as if nothing
// had been sent.
func TestOversizedCommentRejectedByValidator(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	huge := strings.Repeat("评", 700<<10/3) // 700 KB of UTF-8
	atLimit := strings.Repeat("评", forms.CurrentLimits().Text)
	registering := h.do(0, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: huge})
	open := h.do(time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: huge})
	long := h.do(2*time.Minute, workflows.ActionEscalate, workflows.EscalateInput{Actor: "cs.head",
		Reason: "r", Proposal: "p", RecordingRef: strings.Repeat("r", forms.CurrentLimits().Short+1)})
	normal := h.do(3*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: atLimit})
	state := h.stateAt(time.Hour)
	h.cancelAt(2 * time.Hour)
	h.runUntilCancelled(input(form(t, reg)))

	for _, o := range []*outcome{registering, open} {
		if e := requireFieldError(t, o, "text"); e.Code != forms.CodeTooLong {
			t.Errorf("%s at +%s: code %q, want %q", o.action, o.at, e.Code, forms.CodeTooLong)
		}
	}
	requireFieldError(t, long, "recording_ref")
	normal.ok(t)

	comments := events(*state, "comment")
	if len(comments) != 1 || comments[0].Message != atLimit {
		t.Errorf("timeline has %d comments, want only the one at the limit", len(comments))
	}
	if len(events(*state, "escalated")) != 0 || state.EscalationLevel != 0 {
		t.Errorf("the refused escalation left a trace: level %d", state.EscalationLevel)
	}
	if state.Status != workflows.StatusRouted {
		t.Errorf("status %q, want %q: the case goes on", state.Status, workflows.StatusRouted)
	}
	if d := deadline(t, *state, sla.FirstFeedback, 0); d.State != workflows.DeadlinePending {
		t.Errorf("first_feedback clock %s, want pending", d.State)
	}
}
