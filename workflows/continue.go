package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// A case may live for months: every reminder, comment, rework round and
// notice adds to its history. Before the history nears the engine's limits
// the case continues in a new run under the same workflow ID (its case
// number), carrying everything the old run knew: the view with its clocks
// (paused ones with their remaining time), children and rounds, and the
// notices not yet sent. Clocks are data in the view, so the new run's main
// loop arms the next alarm at the same instant; queries, Updates, signals
// from children and lists follow the new run by workflow ID.

// continueVersion is the version of the continue-as-new path: runs that
// started before it never continue (their replay must not change).
const continueVersion = "continue-as-new"

// carryIn makes this run the continuation of the case in k.
func (c *core) carryIn(k Carry) {
	c.continued = &k
	c.view = k.View
	c.runs = k.Run + 1
	if k.RecordingRef != "" {
		c.recordingRef = k.RecordingRef
	}
	s := k.Search
	c.lastSA = searchState{status: s.Status, department: s.Department, next: s.Next, level: s.Level, overdue: s.Overdue}
	c.archivedPrint = k.Print
}

// historyFull reports whether this run's history has reached its limits.
func (c *core) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	l := c.history.OrDefault()
	return info.GetCurrentHistoryLength() >= l.Events || info.GetCurrentHistorySize() >= l.Bytes
}

// continueAsNew ends this run with the case handed to the next one, once
// no action, child report or registration is half-done. Notices still on
// their way are carried and sent again by the new run under the same IDs:
// the mail ledger sends each ID once.
func (c *core) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool {
		// A child's report not yet taken from its channel would be lost.
		reports := workflow.GetSignalChannel(ctx, SignalCollaborationStatus).Len()
		return !c.busy && c.reporting == 0 && reports == 0 && workflow.AllHandlersFinished(ctx)
	}); err != nil {
		return err
	}
	c.alarm.stop()
	k := Carry{
		View:         c.view,
		Notices:      slices.Clone(c.unsent),
		Run:          c.runs,
		RecordingRef: c.recordingRef,
		Search: SearchCarried{Status: c.lastSA.status, Department: c.lastSA.department, Next: c.lastSA.next,
			Level: c.lastSA.level, Overdue: c.lastSA.overdue},
		Print: c.archivedPrint,
	}
	info := workflow.GetInfo(ctx)
	workflow.GetLogger(ctx).Info("case continues in a new run", "case", c.view.No, "run", c.runs+1,
		"events", info.GetCurrentHistoryLength(), "bytes", info.GetCurrentHistorySize(), "notices", len(k.Notices))
	name, input := c.next(k)
	return workflow.NewContinueAsNewError(ctx, name, input)
}

// resendCarried sends again, under their own IDs, the notices the last run
// had not finished sending.
func (c *core) resendCarried(ctx workflow.Context) {
	if c.continued == nil {
		return
	}
	for _, n := range c.continued.Notices {
		c.deliver(ctx, n)
	}
}

// sent takes a notice off the list of those not yet sent.
func (c *core) sent(id string) {
	c.unsent = slices.DeleteFunc(c.unsent, func(n Notice) bool { return n.ID == id })
}
