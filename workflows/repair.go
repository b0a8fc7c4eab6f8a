package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// passingSatisfaction is the lowest satisfaction score (1–5) that passes a
// repair return visit.
const passingSatisfaction = 3

// RepairWorkflow runs a repair order (工程报修): recorded and dispatched to
// the maintenance department (R1), signed for within 2 business hours or
// chased and escalated (R2), scheduled with progress fed back to the
// customer (R3), returned to customer service when done (R4), and visited
// back on four items until every one passes (R5).
func RepairWorkflow(ctx workflow.Context, in RepairInput) (RepairResult, error) {
	f := in.Form
	w := &repair{in: in, core: core{policy: in.Policy, channel: string(f.Channel), lang: string(f.Language), proposal: repairProposal,
		childPolicy: in.CollaborationPolicy}}
	w.core.customer = w.customer
	w.history = in.History
	w.next = func(k Carry) (string, any) {
		next := w.in
		next.Reopen, next.Continued = nil, &k
		return RepairWorkflowName, next
	}
	if err := w.setup(ctx); err != nil {
		return RepairResult{}, err
	}
	if err := w.loop(ctx, w.register, func() bool { return w.view.Status == StatusClosed }); err != nil {
		return RepairResult{}, err
	}
	return RepairResult{No: w.view.No, ClosedAt: *w.view.ClosedAt, Rounds: w.view.Rounds}, nil
}

type repair struct {
	core
	in RepairInput
}

func (w *repair) setup(ctx workflow.Context) error {
	w.view = CaseView{
		No:         w.in.No,
		Type:       TypeRepair,
		Status:     StatusRegistered,
		Department: w.in.Form.Department,
		Escalation: sla.LevelHandler.String(),
		Repair:     &RepairRecord{Form: w.in.Form},
		CreatedBy:  w.in.CreatedBy,
		Timeline:   []Event{},
		Deadlines:  []Deadline{},
	}
	w.lastSA = searchState{status: StatusRegistered, department: w.in.Form.Department}
	if r := w.in.Reopen; !w.takeOverFailed(r) && r != nil {
		w.takeOver(*r)
	}
	if k := w.in.Continued; k != nil {
		w.carryIn(*k)
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) { return w.view, nil }); err != nil {
		return err
	}
	for _, err := range []error{
		onUpdate(ctx, &w.core, ActionSign, w.checkSign, w.sign),
		onUpdate(ctx, &w.core, ActionSchedule, w.checkSchedule, w.schedule),
		onUpdate(ctx, &w.core, ActionProgress, w.checkProgress, w.progress),
		onUpdate(ctx, &w.core, ActionComplete, w.checkComplete, w.complete),
		onUpdate(ctx, &w.core, ActionReturnVisit, w.checkVisit, w.visit),
		onUpdate(ctx, &w.core, ActionRequestCollaboration, w.checkCollaboration, w.requestCollaboration),
		onUpdate(ctx, &w.core, ActionCustomerRating, w.checkCustomerRating, w.customerRating),
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
	w.listenToChildren(ctx)
	return nil
}

// register records the order and dispatches it (R1, R2); a reopened
// order goes back to rework.
func (w *repair) register(ctx workflow.Context) error {
	if r := w.in.Reopen; r != nil {
		return w.reopened(ctx, *r)
	}
	f := w.in.Form
	reg := f.RegisteredAt
	w.event(reg, w.in.CreatedBy, "registered", "repair order recorded: "+f.Location,
		kv("urgency", string(f.Urgency), "channel", string(f.Channel), "region", f.Region, "department", f.Department))
	for _, name := range []string{sla.SignFor, sla.RepairCompletion} {
		if err := w.arm(ctx, name, reg, 0); err != nil {
			return err
		}
	}
	w.notify(ctx, Notice{Kind: NoticeAssignment, Deadline: sla.SignFor, Urgent: f.Urgency == forms.UrgencyUrgent,
		To: Recipient{Role: "handler", Department: f.Department}, Fields: kv("location", f.Location, "fault", f.Fault)})
	if f.Email != "" {
		w.notify(ctx, Notice{Kind: NoticeCustomerAck, To: w.customer()})
	}
	return nil
}

func (w *repair) customer() Recipient {
	f := w.in.Form
	return Recipient{Role: "customer", Name: f.ReporterName, Email: f.Email}
}

func (w *repair) checkSign(_ workflow.Context, in SignInput) error {
	if err := w.inStatus(ActionSign); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor))
}

func (w *repair) sign(ctx workflow.Context, in SignInput) error {
	now := workflow.Now(ctx)
	r := w.view.Repair
	r.SignedBy, r.SignedAt, r.Technician = in.Actor, &now, in.Technician
	w.view.Handler = in.Technician
	w.view.Status = StatusInProgress
	w.meet(now, sla.SignFor)
	w.event(now, in.Actor, "signed", "maintenance signed for the order", kv("technician", in.Technician))
	return nil
}

func (w *repair) checkSchedule(ctx workflow.Context, in ScheduleInput) error {
	if err := w.inStatus(ActionSchedule); err != nil {
		return err
	}
	var when *forms.FieldError
	switch {
	case in.VisitAt.IsZero():
		when = &forms.FieldError{Field: "visit_at", Code: "required", Message: "the visit time is required"}
	case !in.VisitAt.After(workflow.Now(ctx)):
		when = &forms.FieldError{Field: "visit_at", Code: "order", Message: "the visit must be scheduled in the future"}
	}
	return fieldErrors(actorError(in.Actor), when)
}

// schedule books the visit and tells the customer (R3).
func (w *repair) schedule(ctx workflow.Context, in ScheduleInput) error {
	now := workflow.Now(ctx)
	at := in.VisitAt.UTC()
	w.view.Repair.ScheduledAt = &at
	w.event(now, in.Actor, "scheduled", "visit scheduled for "+at.Format(time.RFC3339), kv("visit_at", at.Format(time.RFC3339)))
	w.notify(ctx, Notice{Kind: NoticeCustomerProgress, To: w.customer(), Due: &at, Fields: kv("visit_at", at.Format(time.RFC3339))})
	return nil
}

func (w *repair) checkProgress(_ workflow.Context, in ProgressInput) error {
	if err := w.inStatus(ActionProgress); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("note", in.Note))
}

// progress feeds the repair's progress back to the customer (R3).
func (w *repair) progress(ctx workflow.Context, in ProgressInput) error {
	w.event(workflow.Now(ctx), in.Actor, "progress", in.Note, nil)
	w.notify(ctx, Notice{Kind: NoticeCustomerProgress, To: w.customer(), Fields: kv("note", in.Note)})
	return nil
}

func (w *repair) checkComplete(_ workflow.Context, in CompleteInput) error {
	if err := w.inStatus(ActionComplete); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("result", in.Result))
}

// complete returns the order to customer service (R4), which owes the
// customer a return visit within 24 hours.
func (w *repair) complete(ctx workflow.Context, in CompleteInput) error {
	now := workflow.Now(ctx)
	clock := sla.RepairCompletion
	if w.view.Status == StatusRework {
		clock = sla.Rework
	}
	r := w.view.Repair
	r.CompletedAt, r.Result = &now, in.Result
	w.view.Status = StatusResolved
	w.meet(now, clock)
	w.event(now, in.Actor, "completed", in.Result, nil)
	w.askRating(ctx, w.view.Rounds+1)
	return w.arm(ctx, sla.ReturnVisit, now, w.view.Rounds+1)
}

func (w *repair) checkVisit(_ workflow.Context, in RepairVisitInput) error {
	if err := w.inStatus(ActionReturnVisit); err != nil {
		return err
	}
	var score *forms.FieldError
	if in.Satisfaction < 1 || in.Satisfaction > 5 {
		score = &forms.FieldError{Field: "satisfaction", Code: "invalid", Message: "satisfaction is a score from 1 to 5"}
	}
	return fieldErrors(actorError(in.Actor), score)
}

// visit records the four items (R5). Any failed item sends the order back:
// the customer-service head is told and the department head arranges
// rework; after MaxRounds failed visits management takes over.
func (w *repair) visit(ctx workflow.Context, in RepairVisitInput) error {
	now := workflow.Now(ctx)
	passed := in.AttitudeOK && in.WorkOK && in.ResultOK && in.Satisfaction >= passingSatisfaction
	w.view.Rounds++
	w.view.Repair.Visits = append(w.view.Repair.Visits, RepairVisit{At: now, By: in.Actor, Attitude: in.AttitudeOK, Work: in.WorkOK,
		Result: in.ResultOK, Satisfaction: in.Satisfaction, Comment: in.Comment, Passed: passed})
	w.meet(now, sla.ReturnVisit)
	round := kv("round", fmt.Sprint(w.view.Rounds), "satisfaction", fmt.Sprint(in.Satisfaction), "passed", fmt.Sprint(passed))
	w.event(now, in.Actor, "return_visit", in.Comment, round)
	if passed {
		w.view.Status = StatusClosed
		w.view.ClosedAt = &now
		// Clocks held for an open cross-department request end with the
		// order.
		for i := range w.view.Deadlines {
			if d := &w.view.Deadlines[i]; d.State == DeadlinePaused {
				d.State = DeadlineCancelled
			}
		}
		w.releaseChildren()
		w.event(now, in.Actor, "closed", "every return-visit item passed; order closed", nil)
		return nil
	}
	w.view.Status = StatusRework
	reason := fmt.Sprintf("return visit %d failed: %s", w.view.Rounds, failedItems(in))
	for _, role := range []string{"cs_head", "dept_head"} {
		w.notify(ctx, Notice{Kind: NoticeRework, Reason: reason, To: Recipient{Role: role, Department: w.view.Department}})
	}
	w.event(now, in.Actor, "rework", reason, round)
	if w.view.Rounds >= w.policy.MaxRounds && w.view.EscalationLevel < sla.LevelManagement {
		w.escalate(ctx, "system", sla.LevelManagement,
			fmt.Sprintf("repair still failing after %d return visits (limit %d)", w.view.Rounds, w.policy.MaxRounds),
			"management reviews the repair, decides whether to bring in a contractor, and names the owner of the next visit")
	}
	return w.arm(ctx, sla.Rework, now, w.view.Rounds)
}

// checkCollaboration: maintenance may need another department (a supplier
// contact in purchasing, access from security) once it has the order.
func (w *repair) checkCollaboration(ctx workflow.Context, in RequestCollaborationInput) error {
	return w.checkRequestCollaboration(ctx, in)
}

func (w *repair) checkCustomerRating(_ workflow.Context, in CustomerRatingInput) error {
	return w.checkRating(in)
}

// customerRating: a low rating is a failed return visit (R5).
func (w *repair) customerRating(ctx workflow.Context, in CustomerRatingInput) error {
	if !w.rated(ctx, in) {
		return nil
	}
	return w.visit(ctx, RepairVisitInput{Actor: "customer", AttitudeOK: true, WorkOK: true, ResultOK: true,
		Satisfaction: in.Score, Comment: "rated online: " + in.Comment})
}

func failedItems(in RepairVisitInput) string {
	var failed []string
	for _, it := range []struct {
		ok   bool
		name string
	}{{in.AttitudeOK, "staff attitude"}, {in.WorkOK, "the work"}, {in.ResultOK, "the repair result"}} {
		if !it.ok {
			failed = append(failed, it.name)
		}
	}
	if in.Satisfaction < passingSatisfaction {
		failed = append(failed, fmt.Sprintf("satisfaction %d/5", in.Satisfaction))
	}
	return fmt.Sprint(failed)
}

func repairProposal(clock string) string {
	switch clock {
	case sla.SignFor:
		return "the maintenance head signs for the order now and names a technician"
	case sla.RepairCompletion, sla.Rework:
		return "the maintenance head sends a senior technician and agrees a new visit time with the customer"
	case sla.ReturnVisit:
		return "customer service calls the customer today to check the repair"
	}
	return "review the order and agree the next step with the customer"
}
