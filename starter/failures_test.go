package starter

import (
	"testing"

	historypb "go.temporal.io/api/history/v1"
)

// Issue 17: the reason shown for a terminated case (failure box, timeline,
// mail) is the operator's, without the engine client's identity, which is
// kept apart.
func TestCloseReasonKeepsTheIdentityApart(t *testing.T) {
	e := &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{
		WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{
			Reason: "stuck after a bad deploy", Identity: "28183@vm@"}}}
	reason, by := closeReason(e)
	if reason != "stuck after a bad deploy" || by != "28183@vm@" {
		t.Errorf("closeReason = %q, %q; want the reason alone and the identity apart", reason, by)
	}
}
