package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Activity names; the worker registers the activities struct under them.
const (
	ActivityComputeDue     = "ComputeDue"
	ActivitySendNotice     = "SendNotice"
	ActivityCarryDue       = "CarryDue"
	ActivityNextCaseNumber = "NextCaseNumber"
	ActivitySendAt         = "SendAt"
	ActivityArchive        = "ArchiveCase"
	ActivityReplanDue      = "ReplanDue"
)

// ComplaintWorkflow runs one complaint (投诉) from registration until the
// customer is satisfied: it owns the case's deadlines, reminds before them,
// escalates when they pass, and loops through rework and return visits.
func ComplaintWorkflow(ctx workflow.Context, in ComplaintInput) (ComplaintResult, error) {
	f := in.Form
	w := &complaint{in: in, core: core{policy: in.Policy, channel: string(f.Channel), lang: string(f.Language),
		recordingRef: f.RecordingRef, proposal: breachProposal, childPolicy: in.CollaborationPolicy}}
	w.core.customer = w.customer
	w.history = in.History
	w.next = func(k Carry) (string, any) {
		next := w.in
		next.Reopen, next.Continued = nil, &k
		return ComplaintWorkflowName, next
	}
	if err := w.setup(ctx); err != nil {
		return ComplaintResult{}, err
	}
	return w.run(ctx)
}

type complaint struct {
	core
	in ComplaintInput
}

func (w *complaint) setup(ctx workflow.Context) error {
	form := w.in.Form
	w.view = CaseView{
		No:         w.in.No,
		Type:       TypeComplaint,
		Status:     StatusRegistered,
		Escalation: sla.LevelHandler.String(),
		Form:       &form,
		Record:     &ComplaintRecord{},
		CreatedBy:  w.in.CreatedBy,
		Timeline:   []Event{},
		Deadlines:  []Deadline{},
	}
	w.lastSA = searchState{status: StatusRegistered, department: w.in.Form.Department}
	if r := w.in.Reopen; !w.takeOverFailed(r) && r != nil {
		w.takeOver(*r)
		w.view.Record.Satisfied = false
		w.view.Record.ResultDeliveredAt = nil
	}
	if k := w.in.Continued; k != nil {
		w.carryIn(*k)
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) { return w.view, nil }); err != nil {
		return err
	}
	handlers := []error{
		onUpdate(ctx, &w.core, ActionRoute, w.checkRoute, w.route),
		onUpdate(ctx, &w.core, ActionFirstFeedback, w.checkFirstFeedback, w.firstFeedback),
		onUpdate(ctx, &w.core, ActionTemporarySolution, w.checkTemporarySolution, w.temporarySolution),
		onUpdate(ctx, &w.core, ActionReassign, w.checkReassign, w.reassign),
		onUpdate(ctx, &w.core, ActionResolve, w.checkResolve, w.resolve),
		onUpdate(ctx, &w.core, ActionReturnVisit, w.checkReturnVisit, w.returnVisit),
		onUpdate(ctx, &w.core, ActionDeliverResult, w.checkDeliverResult, w.deliverResult),
		onUpdate(ctx, &w.core, ActionExtend, w.checkExtend, w.extend),
		onUpdate(ctx, &w.core, ActionRequestCollaboration, w.checkCollaboration, w.requestCollaboration),
		onUpdate(ctx, &w.core, ActionCustomerRating, w.checkCustomerRating, w.customerRating),
		onUpdate(ctx, &w.core, ActionEscalate, w.checkEscalate, w.escalateByHand),
		onUpdate(ctx, &w.core, ActionComment, w.checkComment, w.comment),
		onUpdate(ctx, &w.core, ActionAssign, w.checkAssign, w.assignHandler),
		onUpdate(ctx, &w.core, ActionReplan, w.checkReplan, w.replan),
		onUpdate(ctx, &w.core, ActionRevealPII, w.checkReveal, w.reveal),
	}
	for _, err := range handlers {
		if err != nil {
			return err
		}
	}
	w.listenToChildren(ctx)
	return nil
}

func (w *complaint) run(ctx workflow.Context) (ComplaintResult, error) {
	if err := w.loop(ctx, w.register, func() bool { return w.view.Status == StatusClosed }); err != nil {
		return ComplaintResult{}, err
	}
	return ComplaintResult{No: w.view.No, Status: w.view.Status, ClosedAt: *w.view.ClosedAt, Rounds: w.view.Rounds}, nil
}

// register records the intake and arms the clocks that run from it; a
// reopened complaint goes back to rework and owes the customer the result
// in person again.
func (w *complaint) register(ctx workflow.Context) error {
	if r := w.in.Reopen; r != nil {
		if err := w.reopened(ctx, *r); err != nil {
			return err
		}
		return w.arm(ctx, sla.ResultDelivery, workflow.Now(ctx), w.view.Rounds)
	}
	f := w.in.Form
	regAt := f.RegisteredAt
	w.event(regAt, w.in.CreatedBy, "registered", "complaint registered", kv("intake_at", f.IntakeAt.Format(time.RFC3339), "channel", string(f.Channel), "region", f.Region))
	// Rule C1: registration more than the limit after intake is flagged.
	if f.LateRegistration(w.policy.RegistrationLimit) {
		w.view.LateRegistration = true
		w.event(regAt, "system", "late_registration",
			fmt.Sprintf("registered %s after intake (limit %s)", f.RegisteredAt.Sub(f.IntakeAt).Round(time.Second), w.policy.RegistrationLimit), nil)
	}
	// Deadlines run from the registration time even when the case is
	// entered later (rule E1), so a backfilled case may already be overdue.
	for _, name := range []string{sla.FirstFeedback, sla.Resolution, sla.ResultDelivery} {
		if err := w.arm(ctx, name, regAt, 0); err != nil {
			return err
		}
	}
	if f.Email != "" {
		w.notify(ctx, Notice{Kind: NoticeCustomerAck, To: w.customer()})
	}
	if f.Department != "" {
		w.route(ctx, RouteInput{Actor: w.in.CreatedBy, Department: f.Department})
	}
	// Rule C9: a major complaint is owned by management from the start.
	if f.Major {
		w.escalate(ctx, w.in.CreatedBy, sla.LevelManagement, "major complaint: reported to management at once (C9)",
			"management owns the case; customer service assists with contact and return visits")
	}
	return nil
}

// --- Staff actions: each check is also the update validator.

func (w *complaint) checkRoute(_ workflow.Context, in RouteInput) error {
	if err := w.inStatus(ActionRoute); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), departmentError("department", in.Department))
}

func (w *complaint) route(ctx workflow.Context, in RouteInput) error {
	now := workflow.Now(ctx)
	w.assign(in.Department, in.Handler)
	w.view.Status = StatusRouted
	w.event(now, in.Actor, "routed", "routed to "+in.Department, kv("department", in.Department, "handler", in.Handler, "note", in.Note))
	w.notify(ctx, Notice{Kind: NoticeAssignment, To: Recipient{Role: "handler", Department: in.Department, Name: in.Handler}})
	return nil
}

// assign gives the case to a department and handler, who are also the
// handling person/department of the complaint record (rule C6).
func (w *complaint) assign(department, handler string) {
	w.view.Department, w.view.Handler = department, handler
	w.view.Record.HandlingDepartment, w.view.Record.Handler = department, handler
}

func (w *complaint) checkFirstFeedback(_ workflow.Context, in FirstFeedbackInput) error {
	if err := w.inStatus(ActionFirstFeedback); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("message", in.Message))
}

func (w *complaint) firstFeedback(ctx workflow.Context, in FirstFeedbackInput) error {
	now := workflow.Now(ctx)
	w.view.Status = StatusInProgress
	w.event(now, in.Actor, "first_feedback", in.Message, kv("method", in.Method))
	w.meet(now, sla.FirstFeedback)
	return nil
}

func (w *complaint) checkTemporarySolution(_ workflow.Context, in TemporarySolutionInput) error {
	if err := w.inStatus(ActionTemporarySolution); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("description", in.Description))
}

func (w *complaint) temporarySolution(ctx workflow.Context, in TemporarySolutionInput) error {
	w.view.Record.TemporarySolution = in.Description
	w.event(workflow.Now(ctx), in.Actor, "temporary_solution", in.Description, nil)
	return nil
}

func (w *complaint) checkReassign(_ workflow.Context, in ReassignInput) error {
	if err := w.inStatus(ActionReassign); err != nil {
		return err
	}
	errs := fieldErrors(actorError(in.Actor), departmentError("department", in.Department), required("reason", in.Reason))
	if errs == nil && in.Department == w.view.Department && in.Handler == w.view.Handler {
		return invalidInput(forms.FieldError{Field: "department", Code: "invalid", Message: "the case is already with this department and handler"})
	}
	return errs
}

// reassign hands the case to the department that caused it (rule C12); the
// clocks keep running: the set time still applies.
func (w *complaint) reassign(ctx workflow.Context, in ReassignInput) error {
	now := workflow.Now(ctx)
	from := w.view.Department
	w.assign(in.Department, in.Handler)
	w.event(now, in.Actor, "reassigned", fmt.Sprintf("reassigned from %s to %s: %s", from, in.Department, in.Reason),
		kv("from", from, "to", in.Department, "reason", in.Reason))
	w.notify(ctx, Notice{Kind: NoticeAssignment, Reason: in.Reason, To: Recipient{Role: "handler", Department: in.Department, Name: in.Handler}})
	return nil
}

func (w *complaint) checkResolve(_ workflow.Context, in ResolveInput) error {
	if err := w.inStatus(ActionResolve); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("result", in.Result))
}

// resolve is the department reporting its result back to customer service
// (rule C7); the return visit is due within 24 hours (rule C10).
func (w *complaint) resolve(ctx workflow.Context, in ResolveInput) error {
	now := workflow.Now(ctx)
	clock := sla.Resolution
	if w.view.Status == StatusRework {
		clock = sla.Rework
	}
	w.view.Status = StatusResolved
	w.view.Record.HandlingResult = in.Result
	if in.Handler != "" {
		w.view.Record.Handler = in.Handler
	}
	w.view.Record.CompletedAt = &now
	w.event(now, in.Actor, "resolved", in.Result, nil)
	w.meet(now, clock)
	if w.view.Form.Email != "" {
		w.notify(ctx, Notice{Kind: NoticeCustomerResult, To: w.customer(), Fields: kv("result", in.Result)})
	}
	w.askRating(ctx, w.view.Rounds+1)
	return w.arm(ctx, sla.ReturnVisit, now, w.view.Rounds+1)
}

func (w *complaint) checkReturnVisit(_ workflow.Context, in ReturnVisitInput) error {
	if err := w.inStatus(ActionReturnVisit); err != nil {
		return err
	}
	var methodErr *forms.FieldError
	switch in.Method {
	case "phone", "onsite":
	case "":
		methodErr = &forms.FieldError{Field: "method", Code: "required", Message: "return-visit method (phone or onsite) is required"}
	default:
		// Rule C10: the visit is by phone or on site; e-mail is only an aid.
		methodErr = &forms.FieldError{Field: "method", Code: "unknown_value", Message: "a return visit is made by phone or onsite; e-mail may only accompany it"}
	}
	return fieldErrors(actorError(in.Actor), required("outcome", in.Outcome), methodErr)
}

// returnVisit closes the loop (rule C8): satisfied moves towards closing,
// unsatisfied sends the case back for rework, and after MaxRounds
// unsatisfied visits management takes over.
func (w *complaint) returnVisit(ctx workflow.Context, in ReturnVisitInput) error {
	now := workflow.Now(ctx)
	w.view.Rounds++
	w.view.Record.ReturnVisitOutcome = in.Outcome
	w.view.Record.ReturnVisitor = in.Actor
	w.view.Record.ReturnVisitAt = &now
	w.view.Record.Satisfied = in.Satisfied
	w.meet(now, sla.ReturnVisit)
	round := kv("round", fmt.Sprint(w.view.Rounds), "method", in.Method, "satisfied", fmt.Sprint(in.Satisfied))
	if in.Satisfied {
		w.event(now, in.Actor, "return_visit", in.Outcome, round)
		w.closeIfDone(ctx, now, in.Actor)
		return nil
	}
	w.event(now, in.Actor, "return_visit", in.Outcome, round)
	w.view.Status = StatusRework
	reason := fmt.Sprintf("customer unsatisfied at return visit %d: %s", w.view.Rounds, in.Outcome)
	for _, role := range []string{"cs_head", "dept_head"} {
		w.notify(ctx, Notice{Kind: NoticeRework, Reason: reason, To: Recipient{Role: role, Department: w.view.Department}})
	}
	w.event(now, in.Actor, "rework", reason, round)
	if w.view.Rounds >= w.policy.MaxRounds && w.view.EscalationLevel < sla.LevelManagement {
		w.escalate(ctx, "system", sla.LevelManagement,
			fmt.Sprintf("customer still unsatisfied after %d return visits (limit %d)", w.view.Rounds, w.policy.MaxRounds),
			"management reviews the handling, decides the remedy, and names the owner of the next return visit")
	}
	return w.arm(ctx, sla.Rework, now, w.view.Rounds)
}

func (w *complaint) checkCustomerRating(_ workflow.Context, in CustomerRatingInput) error {
	return w.checkRating(in)
}

// customerRating: a low rating sends the case back exactly as an
// unsatisfied return visit does; a good one is recorded and the visit
// still follows (C10: e-mail only aids the phone or on-site visit).
func (w *complaint) customerRating(ctx workflow.Context, in CustomerRatingInput) error {
	if !w.rated(ctx, in) {
		return nil
	}
	return w.returnVisit(ctx, ReturnVisitInput{Actor: "customer", Satisfied: false, Method: "online",
		Outcome: fmt.Sprintf("customer rated %d/5 online: %s", in.Score, in.Comment)})
}

func (w *complaint) checkDeliverResult(_ workflow.Context, in DeliverResultInput) error {
	if err := w.inStatus(ActionDeliverResult); err != nil {
		return err
	}
	if w.view.Record.ResultDeliveredAt != nil {
		return invalidState("the result was already delivered to the customer")
	}
	return fieldErrors(actorError(in.Actor))
}

func (w *complaint) deliverResult(ctx workflow.Context, in DeliverResultInput) error {
	now := workflow.Now(ctx)
	w.view.Record.ResultDeliveredAt = &now
	w.event(now, in.Actor, "result_delivered", "handling result delivered to the customer in person", kv("note", in.Note))
	w.meet(now, sla.ResultDelivery)
	w.closeIfDone(ctx, now, in.Actor)
	return nil
}

// closeIfDone closes the case once the customer is satisfied and has the
// result in hand; a satisfied customer still waiting for delivery is
// "satisfied".
func (w *complaint) closeIfDone(ctx workflow.Context, now time.Time, actor string) {
	if !w.view.Record.Satisfied {
		return
	}
	if w.view.Record.ResultDeliveredAt == nil {
		w.view.Status = StatusSatisfied
		return
	}
	w.view.Status = StatusClosed
	w.view.ClosedAt = &now
	for i := range w.view.Deadlines {
		if d := &w.view.Deadlines[i]; d.State == DeadlinePending || d.State == DeadlinePaused {
			d.State = DeadlineCancelled
		}
	}
	w.releaseChildren()
	w.event(now, actor, "closed", "customer satisfied; case closed", nil)
}

// checkCollaboration: the department handling the complaint may ask
// another department for help while it works on the case (C12, X1).
func (w *complaint) checkCollaboration(ctx workflow.Context, in RequestCollaborationInput) error {
	return w.checkRequestCollaboration(ctx, in)
}

func (w *complaint) checkExtend(ctx workflow.Context, in ExtendInput) error {
	if err := w.open(ActionExtend); err != nil {
		return err
	}
	if errs := fieldErrors(actorError(in.Actor), required("deadline", in.Deadline), required("reason", in.Reason)); errs != nil {
		return errs
	}
	i := w.current(in.Deadline)
	if i < 0 {
		return invalidInput(forms.FieldError{Field: "deadline", Code: "invalid", Message: fmt.Sprintf("no pending deadline %q on this case", in.Deadline)})
	}
	d := w.view.Deadlines[i]
	// Rule C4: the customer must be told before the deadline passes; a
	// breached clock has passed even if it is no longer pending.
	passed := d.State == DeadlineBreached || (d.State == DeadlinePending && !workflow.Now(ctx).Before(d.Due))
	if !passed && d.State != DeadlinePending {
		return invalidInput(forms.FieldError{Field: "deadline", Code: "invalid", Message: fmt.Sprintf("no pending deadline %q on this case", in.Deadline)})
	}
	if passed {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("deadline %s passed at %s; an extension must be granted before it passes", d.Name, d.Due.Format(time.RFC3339)),
			ErrDeadlinePassed, nil)
	}
	if !in.NewDue.After(d.Due) {
		return invalidInput(forms.FieldError{Field: "new_due", Code: "invalid", Message: "the new deadline must be later than the current one (" + d.Due.Format(time.RFC3339) + ")"})
	}
	return nil
}

// extend moves a deadline and tells the customer why (rule C4).
func (w *complaint) extend(ctx workflow.Context, in ExtendInput) error {
	now := workflow.Now(ctx)
	d := &w.view.Deadlines[w.current(in.Deadline)]
	newDue := in.NewDue.UTC()
	d.Extensions = append(d.Extensions, Extension{At: now, By: in.Actor, From: d.Due, To: newDue, Reason: in.Reason})
	d.Due = newDue
	d.Reminded = w.pastReminders(*d, now)
	w.view.Extensions++
	w.event(now, in.Actor, "extended", fmt.Sprintf("%s extended to %s: %s", d.Name, newDue.Format(time.RFC3339), in.Reason),
		kv("deadline", d.Name, "due", newDue.Format(time.RFC3339), "reason", in.Reason))
	w.notify(ctx, Notice{Kind: NoticeCustomerDelay, To: w.customer(), Reason: in.Reason, Deadline: d.Name, Due: &newDue,
		Fields: kv("extension", fmt.Sprint(len(d.Extensions)))})
	return nil
}

func (w *complaint) checkEscalate(_ workflow.Context, in EscalateInput) error {
	if err := w.open(ActionEscalate); err != nil {
		return err
	}
	if w.view.EscalationLevel >= sla.LevelManagement {
		return invalidState("the case is already with management, the top of the escalation ladder")
	}
	// Rule C5: an escalation carries the full record; for a phone complaint
	// that includes the call recording.
	var recErr *forms.FieldError
	if w.view.Form.Channel == forms.Channel("phone") && in.RecordingRef == "" && w.view.Form.RecordingRef == "" {
		recErr = &forms.FieldError{Field: "recording_ref", Code: "required", Message: "the call recording reference is required to escalate a phone complaint"}
	}
	return fieldErrors(actorError(in.Actor), required("reason", in.Reason), required("proposal", in.Proposal), recErr)
}

func (w *complaint) escalateByHand(ctx workflow.Context, in EscalateInput) error {
	if in.RecordingRef != "" {
		w.view.Form.RecordingRef = in.RecordingRef
		w.recordingRef = in.RecordingRef
	}
	w.escalate(ctx, in.Actor, w.view.EscalationLevel.Next(), in.Reason, in.Proposal)
	return nil
}

// breachProposal is the written handling proposal an automatic escalation
// carries (rule C5).
func breachProposal(clock string) string {
	switch clock {
	case sla.FirstFeedback:
		return "contact the customer today with a first response and name the handler"
	case sla.Resolution, sla.Rework:
		return "assign an owner with authority to fix the problem, agree a new time with the customer and report the cause"
	case sla.ReturnVisit:
		return "customer service calls the customer back today to confirm the result"
	case sla.ResultDelivery:
		return "arrange the in-person delivery of the result within one working day"
	}
	return "review the case and agree the next step with the customer"
}

func (w *complaint) customer() Recipient {
	f := w.view.Form
	return Recipient{Role: "customer", Name: f.ComplainantName, Email: f.Email}
}
