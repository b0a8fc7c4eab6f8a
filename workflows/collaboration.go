package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// CollaborationWorkflow runs a cross-department request (跨部门协作): booked
// with the 协作申请表 at least 24 hours ahead of its time node (X1, X2),
// accepted by the target department signing its responsibilities or
// declined with a reason, delivered by the time node or reported to quality
// control — and to its supervising leader when serious (X3) — and rated by
// the requester, a poor rating going to quality control too (X4). Opened
// from a complaint or repair, it reports each status change to that case.
func CollaborationWorkflow(ctx workflow.Context, in CollaborationInput) (CollaborationResult, error) {
	w := &collaboration{in: in, core: core{policy: in.Policy, lang: string(in.Form.Language), proposal: collaborationProposal}}
	if p := workflow.GetInfo(ctx).ParentWorkflowExecution; p != nil {
		w.parent = p.ID
	} else if k := in.Continued; k != nil {
		// A continued run keeps the parent its first run was given.
		w.parent = k.View.Parent
	}
	w.history = in.History
	w.next = func(k Carry) (string, any) {
		next := w.in
		next.Reopen, next.Continued = nil, &k
		return CollaborationWorkflowName, next
	}
	w.onBreach = w.breach
	w.reminderTo = func(clock string) (Recipient, bool) {
		// The requester owes the rating; the target department the rest.
		return w.requester(), clock == sla.Rating
	}
	if err := w.setup(ctx); err != nil {
		return CollaborationResult{}, err
	}
	if err := w.loop(ctx, w.register, w.finished); err != nil {
		return CollaborationResult{}, err
	}
	r := w.view.Collaboration
	return CollaborationResult{No: w.view.No, Status: w.view.Status, Outcome: r.Outcome, Rating: r.Rating, Overdue: w.view.Overdue,
		ClosedAt: *w.view.ClosedAt}, nil
}

type collaboration struct {
	core
	in CollaborationInput
	// parent is the workflow ID of the case that opened the request; only
	// the engine's own record of the parent is trusted, never the form.
	parent string
}

func (w *collaboration) setup(ctx workflow.Context) error {
	f := w.in.Form
	f.ParentCase = w.parent
	w.view = CaseView{
		No:            w.in.No,
		Type:          TypeCollaboration,
		Status:        StatusRegistered,
		Department:    f.TargetDepartment,
		Escalation:    sla.LevelHandler.String(),
		Collaboration: &CollaborationRecord{Form: f, Bypassed: f.Bypassed(w.policy.MinBookingLead)},
		Parent:        w.parent,
		CreatedBy:     w.in.CreatedBy,
		Timeline:      []Event{},
		Deadlines:     []Deadline{},
	}
	w.lastSA = searchState{status: StatusRegistered, department: f.TargetDepartment}
	if w.takeOverFailed(w.in.Reopen) {
		// A restored request runs on its own; it still reports to the
		// case that opened it, by that case's number.
		w.parent = w.view.Parent
	}
	if k := w.in.Continued; k != nil {
		w.carryIn(*k)
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) { return w.view, nil }); err != nil {
		return err
	}
	for _, err := range []error{
		onUpdate(ctx, &w.core, ActionAccept, w.checkAccept, w.accept),
		onUpdate(ctx, &w.core, ActionDecline, w.checkDecline, w.decline),
		onUpdate(ctx, &w.core, ActionDeliver, w.checkDeliver, w.deliver),
		onUpdate(ctx, &w.core, ActionRate, w.checkRate, w.rate),
		onUpdate(ctx, &w.core, ActionEscalate, w.checkEscalate, w.escalateByHand),
		onUpdate(ctx, &w.core, ActionComment, w.checkComment, w.comment),
		onUpdate(ctx, &w.core, ActionAssign, w.checkAssign, w.assignHandler),
		onUpdate(ctx, &w.core, ActionReplan, w.checkReplan, w.replan),
		onUpdate(ctx, &w.core, ActionRevealPII, w.checkReveal, w.reveal),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *collaboration) finished() bool {
	return w.view.Status == StatusClosed || w.view.Status == StatusDeclined
}

// register records the request, reports an urgent booking inside the lead
// time (X1), and starts the acceptance and time-node clocks.
func (w *collaboration) register(ctx workflow.Context) error {
	f := w.view.Collaboration.Form
	w.event(f.BookedAt, w.in.CreatedBy, "registered", fmt.Sprintf("cross-department request from %s to %s: %s", f.RequestingDepartment, f.TargetDepartment, f.Need),
		kv("requesting_department", f.RequestingDepartment, "target_department", f.TargetDepartment, "urgency", string(f.Urgency),
			"time_node", f.TimeNode.Format(time.RFC3339), "parent", w.parent))
	if w.view.Collaboration.Bypassed {
		reason := fmt.Sprintf("urgent request booked %s before its time node (less than %s): %s",
			f.Lead().Round(time.Minute), w.policy.MinBookingLead, f.BypassReason)
		w.event(f.BookedAt, w.in.CreatedBy, "booking_bypass", reason, kv("reason", f.BypassReason))
		w.report(ctx, "qc", reason)
	}
	if err := w.arm(ctx, sla.Acceptance, f.BookedAt, 0); err != nil {
		return err
	}
	if err := w.armWithin(ctx, sla.TimeNode, f.BookedAt, 0, f.TimeNode, w.in.TimeNodeWithin); err != nil {
		return err
	}
	w.notify(ctx, Notice{Kind: NoticeAssignment, Deadline: sla.Acceptance, Urgent: f.Urgency == forms.UrgencyUrgent,
		To:     Recipient{Role: "dept_head", Department: f.TargetDepartment},
		Fields: kv("need", f.Need, "requesting_department", f.RequestingDepartment, "time_node", f.TimeNode.Format(time.RFC3339))})
	return nil
}

func (w *collaboration) requester() Recipient {
	f := w.view.Collaboration.Form
	return Recipient{Role: "requester", Department: f.RequestingDepartment, Name: f.Requester, Email: f.Email}
}

// report tells quality control (to "qc") or its supervising leader
// ("qc_leader") about a broken hand-off or a poor rating (X3, X4).
func (w *collaboration) report(ctx workflow.Context, to, reason string) {
	w.record(workflow.Now(ctx), to, reason)
	r := w.view.Collaboration
	w.notify(ctx, Notice{Kind: NoticeQCReport, Reason: reason, To: Recipient{Role: to, Department: forms.QualityControlDepartment},
		Fields: kv("requesting_department", r.Form.RequestingDepartment, "target_department", r.Form.TargetDepartment, "parent", w.parent)})
}

func (w *collaboration) record(now time.Time, to, reason string) {
	r := w.view.Collaboration
	r.Reports = append(r.Reports, QCReport{At: now, To: to, Reason: reason})
	w.event(now, "system", "qc_report", reason, kv("to", to))
}

// tellParent reports the request's status to the case that opened it.
func (w *collaboration) tellParent(ctx workflow.Context) {
	if w.parent == "" {
		return
	}
	r := w.view.Collaboration
	st := CollaborationStatus{No: w.view.No, Status: w.view.Status, Outcome: r.Outcome, Overdue: w.view.Overdue, Rating: r.Rating, At: workflow.Now(ctx)}
	f := workflow.SignalExternalWorkflow(ctx, w.parent, "", SignalCollaborationStatus, st)
	w.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { w.sending-- }()
		if err := f.Get(ctx, nil); err != nil {
			// A parent that has closed no longer needs to know.
			workflow.GetLogger(ctx).Warn("tell parent case", "case", w.view.No, "parent", w.parent, "error", err)
		}
	})
}

func (w *collaboration) checkAccept(_ workflow.Context, in AcceptInput) error {
	if err := w.inStatus(ActionAccept); err != nil {
		return err
	}
	var sign *forms.FieldError
	if !in.SignResponsibilities {
		sign = &forms.FieldError{Field: "sign_responsibilities", Code: forms.CodeRequired,
			Message: "to accept, the target department signs its responsibilities: " + w.view.Collaboration.Form.TargetResponsibilities}
	}
	return fieldErrors(actorError(in.Actor), sign)
}

// accept takes the request on, signing the target's responsibilities (X1).
func (w *collaboration) accept(ctx workflow.Context, in AcceptInput) error {
	now := workflow.Now(ctx)
	r := w.view.Collaboration
	r.AcceptedBy, r.AcceptedAt, r.Signed = in.Actor, &now, r.Form.TargetResponsibilities
	w.view.Handler = in.Handler
	w.view.Status = StatusInProgress
	w.meet(now, sla.Acceptance)
	w.event(now, in.Actor, "accepted", "accepted; responsibilities signed: "+r.Signed, kv("handler", in.Handler, "note", in.Note))
	w.notify(ctx, Notice{Kind: NoticeCollaboration, To: w.requester(), Fields: kv("status", StatusInProgress, "by", in.Actor)})
	w.tellParent(ctx)
	return nil
}

func (w *collaboration) checkDecline(_ workflow.Context, in DeclineInput) error {
	if err := w.inStatus(ActionDecline); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("reason", in.Reason))
}

// decline refuses the request with a reason; the requester and the case
// that opened it are told, and its clocks stop.
func (w *collaboration) decline(ctx workflow.Context, in DeclineInput) error {
	now := workflow.Now(ctx)
	r := w.view.Collaboration
	r.DeclinedBy, r.DeclineReason, r.Outcome = in.Actor, in.Reason, OutcomeDeclined
	w.meet(now, sla.Acceptance)
	w.cancelPending()
	w.view.Status = StatusDeclined
	w.view.ClosedAt = &now
	w.event(now, in.Actor, "declined", in.Reason, nil)
	w.notify(ctx, Notice{Kind: NoticeCollaboration, To: w.requester(), Reason: in.Reason, Fields: kv("status", StatusDeclined, "by", in.Actor)})
	w.tellParent(ctx)
	return nil
}

func (w *collaboration) checkDeliver(_ workflow.Context, in DeliverInput) error {
	if err := w.inStatus(ActionDeliver); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("result", in.Result))
}

// deliver reports the work done (X4): the time node is met (or met late),
// the case that opened the request is told, and the requester is asked to
// rate the service.
func (w *collaboration) deliver(ctx workflow.Context, in DeliverInput) error {
	now := workflow.Now(ctx)
	r := w.view.Collaboration
	r.DeliveredBy, r.DeliveredAt, r.Result = in.Actor, &now, in.Result
	w.meet(now, sla.TimeNode)
	w.meet(now, sla.SeriousBreach)
	w.view.Status = StatusResolved
	w.event(now, in.Actor, "delivered", in.Result, nil)
	if err := w.arm(ctx, sla.Rating, now, 0); err != nil {
		return err
	}
	w.notify(ctx, Notice{Kind: NoticeSatisfactionReq, To: w.requester(), Deadline: sla.Rating, Fields: kv("result", in.Result)})
	w.tellParent(ctx)
	return nil
}

func (w *collaboration) checkRate(_ workflow.Context, in RateInput) error {
	if err := w.inStatus(ActionRate); err != nil {
		return err
	}
	var score *forms.FieldError
	if in.Score < 1 || in.Score > 5 {
		score = &forms.FieldError{Field: "score", Code: forms.CodeInvalid, Message: "score is a rating from 1 to 5"}
	}
	return fieldErrors(actorError(in.Actor), score)
}

// rate records the requester's rating and closes the request; a poor
// rating goes to quality control (X4).
func (w *collaboration) rate(ctx workflow.Context, in RateInput) error {
	now := workflow.Now(ctx)
	r := w.view.Collaboration
	r.Rating, r.RatingComment, r.RatedAt, r.Outcome = in.Score, in.Comment, &now, OutcomeRated
	w.meet(now, sla.Rating)
	w.event(now, in.Actor, "rated", fmt.Sprintf("rated %d/5: %s", in.Score, in.Comment), kv("score", fmt.Sprint(in.Score)))
	if in.Score <= w.policy.PoorRating {
		w.report(ctx, "qc", fmt.Sprintf("poor rating %d/5 from %s for %s: %s", in.Score, r.Form.RequestingDepartment, r.Form.TargetDepartment, in.Comment))
	}
	w.close(ctx, now, in.Actor, "rated; request closed")
	return nil
}

func (w *collaboration) close(ctx workflow.Context, now time.Time, actor, msg string) {
	w.cancelPending()
	w.view.Status = StatusClosed
	w.view.ClosedAt = &now
	w.event(now, actor, "closed", msg, nil)
	w.tellParent(ctx)
}

func (w *collaboration) cancelPending() {
	for i := range w.view.Deadlines {
		if d := &w.view.Deadlines[i]; d.State == DeadlinePending {
			d.State = DeadlineCancelled
		}
	}
}

// breach handles the request's own clocks: a missed time node is a broken
// hand-off for quality control, serious at once for an urgent request and
// otherwise once a further working day passes without delivery (X3); a
// requester who does not rate lets the request close unrated. A missed
// acceptance climbs the target department's ladder like any other clock.
func (w *collaboration) breach(ctx workflow.Context, d Deadline) bool {
	now := workflow.Now(ctx)
	f := w.view.Collaboration.Form
	switch d.Name {
	case sla.TimeNode:
		w.report(ctx, "qc", fmt.Sprintf("time node %s passed without the work from %s being delivered", d.Due.Format(time.RFC3339), f.TargetDepartment))
		if f.Urgency == forms.UrgencyUrgent {
			w.serious(ctx, "urgent request not delivered by its time node")
		} else if err := w.arm(ctx, sla.SeriousBreach, d.Due, 0); err != nil {
			workflow.GetLogger(ctx).Error("arm serious breach clock", "case", w.view.No, "error", err)
		}
		w.tellParent(ctx)
		return true
	case sla.SeriousBreach:
		clock, _ := w.policy.Clock(sla.SeriousBreach)
		w.serious(ctx, fmt.Sprintf("still not delivered %s after the time node", clock.Span))
		return true
	case sla.Rating:
		w.view.Collaboration.Outcome = OutcomeUnrated
		w.close(ctx, now, "system", "not rated in time; request closed unrated")
		return true
	}
	return false
}

// serious reports a serious breach to quality control's supervising leader,
// who owns it from then on (X3).
func (w *collaboration) serious(ctx workflow.Context, why string) {
	reason := fmt.Sprintf("serious cross-department breach by %s: %s", w.view.Collaboration.Form.TargetDepartment, why)
	w.record(workflow.Now(ctx), "qc_leader", reason)
	w.escalateTo(ctx, "system", sla.LevelManagement, reason, collaborationProposal(sla.SeriousBreach),
		Recipient{Role: "qc_leader", Department: forms.QualityControlDepartment})
}

func collaborationProposal(clock string) string {
	switch clock {
	case sla.Acceptance:
		return "the target department head accepts or declines the request today"
	case sla.SeriousBreach:
		return "quality control's supervising leader meets both department heads, sets a new time node and records the cause"
	}
	return "quality control analyses the broken hand-off with both departments"
}
