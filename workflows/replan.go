package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/workflows/sla"
)

// customerClocks are the clocks whose times the customer is given (C2, C3,
// C10, Q2, Q4, R3): when a calendar update moves one later, the customer
// is told before the old time passes (C4).
var customerClocks = map[string]bool{
	sla.FirstFeedback: true, sla.Resolution: true, sla.ResultDelivery: true,
	sla.Callback: true, sla.SpecialistAnswer: true, sla.RepairCompletion: true,
}

func (c *core) checkReplan(_ workflow.Context, in ReplanInput) error {
	if err := c.open(ActionReplan); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor))
}

// replan asks the business calendar, as the worker has it now, where the
// case's running clocks fall, and moves those it puts elsewhere. Met,
// breached, paused and extended clocks keep their history; a second run
// finds nothing to move.
func (c *core) replan(ctx workflow.Context, in ReplanInput) error {
	// Version 1 of "calendar-replan": the first logic of this action; a
	// later change to it goes behind a new version.
	if workflow.GetVersion(ctx, "calendar-replan", workflow.DefaultVersion, 1) < 1 {
		return invalidState("re-planning is not possible for this case")
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var res ReplanResult
	if err := workflow.ExecuteLocalActivity(lctx, ActivityReplanDue, ReplanRequest{Deadlines: c.view.Deadlines}).Get(ctx, &res); err != nil {
		return fmt.Errorf("re-plan deadlines: %w", err)
	}
	now := workflow.Now(ctx)
	for _, ch := range res.Changes {
		i := c.current(ch.Deadline)
		if i < 0 {
			continue
		}
		d := &c.view.Deadlines[i]
		// The plan was made on the clocks as they stood; this action holds
		// the case, so they still do, but never move a clock that changed.
		if d.State != DeadlinePending || d.Round != ch.Round || !d.Due.Equal(ch.OldDue) {
			continue
		}
		d.Due, d.Explanation, d.Also = ch.NewDue.UTC(), ch.Explanation, ch.Also
		d.Provisional = ch.Explanation.IsProvisional()
		d.Reminded = c.pastReminders(*d, now)
		c.event(now, in.Actor, "deadline_replanned",
			fmt.Sprintf("deadline re-planned: calendar updated: %s from %s to %s", d.Name, ch.OldDue.Format(time.RFC3339), d.Due.Format(time.RFC3339)),
			kv("deadline", d.Name, "from", ch.OldDue.Format(time.RFC3339), "due", d.Due.Format(time.RFC3339)))
		if customerClocks[d.Name] && d.Due.After(ch.OldDue) && c.customer != nil {
			due := d.Due
			c.notify(ctx, Notice{Kind: NoticeCustomerReplan, To: c.customer(), Deadline: d.Name, Due: &due,
				Fields: kv("from", ch.OldDue.Format(time.RFC3339))})
		}
	}
	return nil
}
