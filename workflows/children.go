package workflows

import (
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// A complaint or repair that needs another department's work opens a
// cross-department request as a child workflow. While any such request is
// open, the case's pausable clocks stand still; when the last one is
// delivered or declined they run again with exactly the time they had left.

// childFailed is shown for a request whose workflow failed or was
// terminated; it no longer holds the case's clocks.
const childFailed = "failed"

// collaborationPolicy is the policy the case's requests run under.
func (c *core) collaborationPolicy() sla.Policy {
	if c.childPolicy != nil {
		return *c.childPolicy
	}
	return sla.DefaultCollaboration()
}

// collaborationForm is the 协作申请表 the case fills in for its department.
func (c *core) collaborationForm(now time.Time, in RequestCollaborationInput) forms.Collaboration {
	f := forms.Collaboration{
		BookedAt:                  now,
		RequestingDepartment:      c.view.Department,
		TargetDepartment:          in.TargetDepartment,
		Requester:                 in.Actor,
		Urgency:                   in.Urgency,
		Need:                      in.Need,
		TimeNode:                  in.TimeNode,
		RequesterResponsibilities: in.RequesterResponsibilities,
		TargetResponsibilities:    in.TargetResponsibilities,
		BypassReason:              in.BypassReason,
		Language:                  forms.Language(c.lang),
		ParentCase:                c.view.No,
	}
	f.Normalize(now)
	return f
}

// checkRequestCollaboration is the validator: the form must pass, with
// rule X1's booking lead measured from now.
func (c *core) checkRequestCollaboration(ctx workflow.Context, in RequestCollaborationInput) error {
	if err := c.inStatus(ActionRequestCollaboration); err != nil {
		return err
	}
	if c.view.Department == "" {
		return invalidState("request-collaboration needs the case to be with a department first")
	}
	now := workflow.Now(ctx)
	if errs := c.collaborationForm(now, in).ValidateRequest(now, c.collaborationPolicy().MinBookingLead); len(errs) > 0 {
		return invalidInput(errs...)
	}
	return nil
}

// requestCollaboration numbers and starts the child request, shows it on
// the case, and pauses the clocks the SLA lets wait for it.
func (c *core) requestCollaboration(ctx workflow.Context, in RequestCollaborationInput) error {
	now := workflow.Now(ctx)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10},
	})
	var num NumberResult
	if err := workflow.ExecuteActivity(actx, ActivityNextCaseNumber, NumberRequest{Prefix: PrefixCollaboration, At: now}).Get(ctx, &num); err != nil {
		return fmt.Errorf("number the collaboration request: %w", err)
	}
	form := c.collaborationForm(now, in)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: CaseWorkflowID(num.No),
		TaskQueue:  TaskQueue,
		// The request is a case of its own department: it outlives a
		// parent that closes first.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SACaseType.ValueSet(TypeCollaboration),
			SACaseStatus.ValueSet(StatusRegistered),
			SADepartment.ValueSet(form.TargetDepartment),
			SAEscalationLevel.ValueSet(0),
			SAOverdue.ValueSet(false),
			SAParentCase.ValueSet(c.view.No),
			SARequestingDepartment.ValueSet(form.RequestingDepartment),
		),
		StaticSummary: fmt.Sprintf("%s %s for %s", TypeCollaboration, num.No, c.view.No),
	})
	child := workflow.ExecuteChildWorkflow(cctx, CollaborationWorkflowName, CollaborationInput{
		No: num.No, Form: form, Policy: c.collaborationPolicy(), CreatedBy: in.Actor, History: c.history})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return fmt.Errorf("start collaboration request %s: %w", num.No, err)
	}
	c.view.Children = append(c.view.Children, ChildCase{No: num.No, Type: TypeCollaboration, TargetDepartment: form.TargetDepartment,
		Need: form.Need, TimeNode: form.TimeNode, Status: StatusRegistered, OpenedAt: now, UpdatedAt: now})
	c.event(now, in.Actor, "collaboration_requested", fmt.Sprintf("cross-department request %s to %s: %s", num.No, form.TargetDepartment, form.Need),
		kv("child", num.No, "department", form.TargetDepartment, "time_node", form.TimeNode.Format(time.RFC3339), "urgency", string(form.Urgency)))
	c.hold(now, num.No)
	workflow.Go(ctx, func(ctx workflow.Context) {
		var res CollaborationResult
		err := child.Get(ctx, &res)
		st := CollaborationStatus{No: num.No, Status: res.Status, Outcome: res.Outcome, Rating: res.Rating, Overdue: res.Overdue, At: workflow.Now(ctx)}
		if err != nil {
			st.Status, st.Outcome = childFailed, err.Error()
		}
		c.childStatus(ctx, st)
	})
	return nil
}

// listenToChildren applies the status reports of the case's requests.
func (c *core) listenToChildren(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalCollaborationStatus)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var st CollaborationStatus
			if !ch.Receive(ctx, &st) {
				return
			}
			c.childStatus(ctx, st)
		}
	})
}

// childStatus shows a request's new status on the case; once the request's
// work is delivered (or refused) the clocks it held run again.
func (c *core) childStatus(ctx workflow.Context, st CollaborationStatus) {
	c.reporting++
	defer func() { c.reporting-- }()
	i := slices.IndexFunc(c.view.Children, func(ch ChildCase) bool { return ch.No == st.No })
	if i < 0 {
		return
	}
	if err := workflow.Await(ctx, func() bool { return !c.busy }); err != nil {
		return
	}
	c.busy = true
	defer func() { c.busy = false }()
	ch := &c.view.Children[i]
	if ch.Status == st.Status && ch.Overdue == st.Overdue && ch.Outcome == st.Outcome {
		return // the final result repeats the last report
	}
	now := workflow.Now(ctx)
	ch.Status, ch.Outcome, ch.Overdue, ch.Rating, ch.UpdatedAt = st.Status, st.Outcome, st.Overdue, st.Rating, now
	c.event(now, "system", "collaboration_status", fmt.Sprintf("request %s is %s", st.No, st.Status),
		kv("child", st.No, "status", st.Status, "outcome", st.Outcome, "overdue", fmt.Sprint(st.Overdue)))
	c.dirty = true
	switch st.Status {
	case StatusResolved, StatusClosed, StatusDeclined, childFailed:
	default:
		return
	}
	if !ch.Holds {
		return
	}
	ch.Holds = false
	if slices.ContainsFunc(c.view.Children, func(ch ChildCase) bool { return ch.Holds }) {
		return
	}
	if err := c.resume(ctx, now, st.No); err != nil {
		workflow.GetLogger(ctx).Error("resume paused clocks", "case", c.view.No, "child", st.No, "error", err)
	}
}

// hold pauses every pending clock the SLA lets wait, for child. Clocks
// already paused for an earlier request stay paused until the last one is
// done.
func (c *core) hold(now time.Time, child string) {
	held := false
	for i := range c.view.Deadlines {
		d := &c.view.Deadlines[i]
		clock, _ := c.policy.Clock(d.Name)
		if !clock.Pausable {
			continue
		}
		switch {
		case d.State == DeadlinePaused:
			held = true
		case d.State == DeadlinePending && now.Before(d.Due):
			d.State = DeadlinePaused
			d.Pauses = append(d.Pauses, Pause{From: now, For: child, DueBefore: d.Due})
			held = true
			c.event(now, "system", "deadline_paused", fmt.Sprintf("%s paused while %s is handled", d.Name, child),
				kv("deadline", d.Name, "child", child, "due_before", d.Due.Format(time.RFC3339)))
		}
	}
	if held {
		c.view.Children[len(c.view.Children)-1].Holds = true
		c.dirty = true
	}
}

// resume restarts the paused clocks at now with the time each had left,
// through the business calendar, and tells the customer the new time.
func (c *core) resume(ctx workflow.Context, now time.Time, child string) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	for i := range c.view.Deadlines {
		if c.view.Deadlines[i].State != DeadlinePaused {
			continue
		}
		d := &c.view.Deadlines[i]
		p := &d.Pauses[len(d.Pauses)-1]
		var carry CarryResult
		req := CarryRequest{PausedAt: p.From, ResumedAt: now, Due: d.Due, Unit: d.Explanation.Span.Unit}
		if err := workflow.ExecuteLocalActivity(lctx, ActivityCarryDue, req).Get(ctx, &carry); err != nil {
			return fmt.Errorf("carry %s forward: %w", d.Name, err)
		}
		d = &c.view.Deadlines[i]
		p = &d.Pauses[len(d.Pauses)-1]
		p.To, p.Remaining, p.Business = &now, carry.Remaining, carry.Business
		d.Due = carry.At
		if carry.Provisional {
			d.Provisional = true
		}
		d.State = DeadlinePending
		// Reminders already sent stay sent; points now behind us are skipped.
		for _, pt := range c.pastReminders(*d, now) {
			if !slices.Contains(d.Reminded, pt) {
				d.Reminded = append(d.Reminded, pt)
			}
		}
		due := d.Due
		c.event(now, "system", "deadline_resumed",
			fmt.Sprintf("%s runs again after %s: %s left, due %s", d.Name, child, carry.Remaining, due.Format(time.RFC3339)),
			kv("deadline", d.Name, "child", child, "due", due.Format(time.RFC3339), "remaining", carry.Remaining.String()))
		if c.customer != nil {
			c.notify(ctx, Notice{Kind: NoticeCustomerDelay, To: c.customer(), Deadline: d.Name, Due: &due,
				Reason: fmt.Sprintf("work by the %s department was needed (%s); the time that was left is carried forward", c.childDepartment(child), child)})
		}
	}
	c.dirty = true
	return nil
}

func (c *core) childDepartment(no string) string {
	for _, ch := range c.view.Children {
		if ch.No == no {
			return ch.TargetDepartment
		}
	}
	return ""
}
