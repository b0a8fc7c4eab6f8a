package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Activity names; the worker registers the activities struct under them.
const (
	ActivityComputeDue = "ComputeDue"
	ActivitySendNotice = "SendNotice"
)

// ComplaintWorkflow runs one complaint (投诉) from registration until the
// customer is satisfied: it owns the case's deadlines, reminds before them,
// escalates when they pass, and loops through rework and return visits.
func ComplaintWorkflow(ctx workflow.Context, in ComplaintInput) (ComplaintResult, error) {
	w := &complaint{in: in, policy: in.Policy}
	if err := w.setup(ctx); err != nil {
		return ComplaintResult{}, err
	}
	return w.run(ctx)
}

type complaint struct {
	in     ComplaintInput
	policy sla.Policy
	view   CaseView
	// dirty wakes the main loop after a staff action changed the clocks.
	dirty bool
	// sending counts notices still on their way; the case finishes only
	// after the last one.
	sending int
	lastSA  searchState
	// busy is set while an action (or the registration) changes the case.
	// Actions run one at a time, so none sees another's half-done change,
	// such as a resolved case whose return-visit clock is still being
	// computed by the local activity.
	busy bool
}

// searchState is what was last written to the search attributes.
type searchState struct {
	status, department string
	next               time.Time
	level              sla.Level
	overdue            bool
}

func (w *complaint) setup(ctx workflow.Context) error {
	w.view = CaseView{
		No:         w.in.No,
		Type:       TypeComplaint,
		Status:     StatusRegistered,
		Escalation: sla.LevelHandler.String(),
		Form:       w.in.Form,
		CreatedBy:  w.in.CreatedBy,
		Timeline:   []Event{},
		Deadlines:  []Deadline{},
	}
	w.lastSA = searchState{status: StatusRegistered, department: w.in.Form.Department}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) { return w.view, nil }); err != nil {
		return err
	}
	handlers := []error{
		onUpdate(ctx, w, ActionRoute, w.checkRoute, w.route),
		onUpdate(ctx, w, ActionFirstFeedback, w.checkFirstFeedback, w.firstFeedback),
		onUpdate(ctx, w, ActionTemporarySolution, w.checkTemporarySolution, w.temporarySolution),
		onUpdate(ctx, w, ActionReassign, w.checkReassign, w.reassign),
		onUpdate(ctx, w, ActionResolve, w.checkResolve, w.resolve),
		onUpdate(ctx, w, ActionReturnVisit, w.checkReturnVisit, w.returnVisit),
		onUpdate(ctx, w, ActionDeliverResult, w.checkDeliverResult, w.deliverResult),
		onUpdate(ctx, w, ActionExtend, w.checkExtend, w.extend),
		onUpdate(ctx, w, ActionEscalate, w.checkEscalate, w.escalateByHand),
		onUpdate(ctx, w, ActionComment, w.checkComment, w.comment),
	}
	for _, err := range handlers {
		if err != nil {
			return err
		}
	}
	return nil
}

// onUpdate registers a staff action. The check runs as the validator (so a
// rejected action leaves no trace in history) and again when the handler
// starts, because another action may have changed the case in between.
func onUpdate[T any](ctx workflow.Context, w *complaint, name string,
	check func(workflow.Context, T) error, apply func(workflow.Context, T) error) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in T) (CaseView, error) {
			if err := workflow.Await(ctx, func() bool { return !w.busy }); err != nil {
				return CaseView{}, err
			}
			w.busy = true
			defer func() { w.busy = false }()
			if err := check(ctx, in); err != nil {
				return CaseView{}, err
			}
			if err := apply(ctx, in); err != nil {
				return CaseView{}, err
			}
			w.dirty = true
			return w.view, nil
		},
		workflow.UpdateHandlerOptions{Validator: check})
}

func (w *complaint) run(ctx workflow.Context) (ComplaintResult, error) {
	w.busy = true
	err := w.register(ctx)
	w.busy = false
	if err != nil {
		return ComplaintResult{}, err
	}
	for w.view.Status != StatusClosed {
		w.upsertSearch(ctx)
		w.dirty = false
		next, ok := w.nextAlarm()
		if !ok {
			if err := workflow.Await(ctx, func() bool { return w.dirty }); err != nil {
				return ComplaintResult{}, err
			}
			continue
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			woken, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return w.dirty })
			if err != nil {
				return ComplaintResult{}, err
			}
			if woken {
				continue
			}
		}
		// Alarms change the clocks too: never in the middle of an action.
		if err := workflow.Await(ctx, func() bool { return !w.busy }); err != nil {
			return ComplaintResult{}, err
		}
		w.fireAlarms(ctx)
	}
	// Let in-flight actions and notices finish before the case completes.
	err = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && w.sending == 0 })
	if err != nil {
		return ComplaintResult{}, err
	}
	w.upsertSearch(ctx)
	return ComplaintResult{No: w.view.No, Status: w.view.Status, ClosedAt: *w.view.ClosedAt, Rounds: w.view.Rounds}, nil
}

// register records the intake and arms the clocks that run from it.
func (w *complaint) register(ctx workflow.Context) error {
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
	if err := w.inStatus(ActionRoute, StatusRegistered, StatusRouted); err != nil {
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
	if err := w.inStatus(ActionFirstFeedback, StatusRouted); err != nil {
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
	if err := w.inStatus(ActionTemporarySolution, StatusRouted, StatusInProgress, StatusRework); err != nil {
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
	if err := w.inStatus(ActionReassign, StatusRouted, StatusInProgress, StatusRework); err != nil {
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
	if err := w.inStatus(ActionResolve, StatusInProgress, StatusRework); err != nil {
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
	return w.arm(ctx, sla.ReturnVisit, now, w.view.Rounds+1)
}

func (w *complaint) checkReturnVisit(_ workflow.Context, in ReturnVisitInput) error {
	if err := w.inStatus(ActionReturnVisit, StatusResolved); err != nil {
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

func (w *complaint) checkDeliverResult(_ workflow.Context, in DeliverResultInput) error {
	if err := w.inStatus(ActionDeliverResult, StatusResolved, StatusSatisfied); err != nil {
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
		if d := &w.view.Deadlines[i]; d.State == DeadlinePending {
			d.State = DeadlineCancelled
		}
	}
	w.event(now, actor, "closed", "customer satisfied; case closed", nil)
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
	}
	w.escalate(ctx, in.Actor, w.view.EscalationLevel.Next(), in.Reason, in.Proposal)
	return nil
}

func (w *complaint) checkComment(_ workflow.Context, in CommentInput) error {
	if err := w.open(ActionComment); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("text", in.Text))
}

func (w *complaint) comment(ctx workflow.Context, in CommentInput) error {
	w.event(workflow.Now(ctx), in.Actor, "comment", in.Text, nil)
	return nil
}

// --- Deadlines.

// arm computes a clock's due instant from start through the business
// calendar (an activity: the calendar file may change, history must not).
func (w *complaint) arm(ctx workflow.Context, name string, start time.Time, round int) error {
	clock, ok := w.policy.Clock(name)
	if !ok {
		return fmt.Errorf("sla policy has no clock %q", name)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var due DueResult
	req := DueRequest{Start: start, Spans: clock.Spans(string(w.view.Form.Channel))}
	if err := workflow.ExecuteLocalActivity(lctx, ActivityComputeDue, req).Get(ctx, &due); err != nil {
		return fmt.Errorf("compute %s deadline: %w", name, err)
	}
	// A new round supersedes the clock of the previous one.
	if i := w.current(name); i >= 0 && w.view.Deadlines[i].State == DeadlinePending {
		w.view.Deadlines[i].State = DeadlineCancelled
	}
	d := Deadline{Name: name, Round: round, Start: start.UTC(), Due: due.At.UTC(), State: DeadlinePending,
		Explanation: due.Explanation, Also: due.Also}
	now := workflow.Now(ctx)
	d.Reminded = w.pastReminders(d, now)
	w.view.Deadlines = append(w.view.Deadlines, d)
	w.event(now, "system", "deadline_set", fmt.Sprintf("%s due %s", name, d.Due.Format(time.RFC3339)),
		kv("deadline", name, "due", d.Due.Format(time.RFC3339)))
	w.dirty = true
	return nil
}

// pastReminders marks reminder points already behind us (after an extension
// or for a backfilled case) as handled, so nobody gets a stale reminder.
func (w *complaint) pastReminders(d Deadline, now time.Time) []int {
	clock, _ := w.policy.Clock(d.Name)
	var past []int
	for _, p := range clock.Reminders {
		if !reminderAt(d, p).After(now) {
			past = append(past, p)
		}
	}
	return past
}

func reminderAt(d Deadline, percent int) time.Time {
	return d.Start.Add(d.Due.Sub(d.Start) * time.Duration(percent) / 100)
}

// current is the index of the latest deadline with this name, or -1.
func (w *complaint) current(name string) int {
	for i := len(w.view.Deadlines) - 1; i >= 0; i-- {
		if w.view.Deadlines[i].Name == name {
			return i
		}
	}
	return -1
}

// meet records that the work a clock measures is done.
func (w *complaint) meet(now time.Time, name string) {
	i := w.current(name)
	if i < 0 {
		return
	}
	d := &w.view.Deadlines[i]
	switch d.State {
	case DeadlinePending:
		d.State = DeadlineMet
		if now.After(d.Due) {
			d.State = DeadlineMetLate
		}
	case DeadlineBreached:
		d.State = DeadlineMetLate
	default:
		return
	}
	d.MetAt = &now
	w.view.Overdue = w.anyBreached()
	w.event(now, "system", "deadline_"+d.State, fmt.Sprintf("%s %s", name, strings.ReplaceAll(d.State, "_", " ")),
		kv("deadline", name))
}

func (w *complaint) anyBreached() bool {
	return slices.ContainsFunc(w.view.Deadlines, func(d Deadline) bool { return d.State == DeadlineBreached })
}

// nextAlarm is the earliest pending reminder point or due instant.
func (w *complaint) nextAlarm() (time.Time, bool) {
	var next time.Time
	for _, d := range w.view.Deadlines {
		if d.State != DeadlinePending {
			continue
		}
		clock, _ := w.policy.Clock(d.Name)
		candidates := []time.Time{d.Due}
		for _, p := range clock.Reminders {
			if !slices.Contains(d.Reminded, p) {
				candidates = append(candidates, reminderAt(d, p))
			}
		}
		for _, t := range candidates {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// fireAlarms sends the reminders that are due and breaches the clocks that
// have passed; each breach climbs the escalation ladder (rule E3).
func (w *complaint) fireAlarms(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for i := range w.view.Deadlines {
		d := &w.view.Deadlines[i]
		if d.State != DeadlinePending {
			continue
		}
		clock, _ := w.policy.Clock(d.Name)
		if !now.Before(d.Due) {
			d.State = DeadlineBreached
			d.BreachedAt = &now
			d.Reminded = slices.Clone(clock.Reminders)
			w.view.Overdue = true
			w.event(now, "system", "deadline_breached", fmt.Sprintf("%s passed at %s", d.Name, d.Due.Format(time.RFC3339)),
				kv("deadline", d.Name))
			to := max(w.view.EscalationLevel.Next(), clock.EscalateTo)
			w.escalate(ctx, "system", to,
				fmt.Sprintf("deadline %s (due %s) passed without the work being done", d.Name, d.Due.Format(time.RFC3339)),
				breachProposal(d.Name))
			continue
		}
		for _, p := range clock.Reminders {
			if slices.Contains(d.Reminded, p) || reminderAt(*d, p).After(now) {
				continue
			}
			d.Reminded = append(d.Reminded, p)
			due := d.Due
			w.notify(ctx, Notice{Kind: NoticeReminder, Deadline: d.Name, Due: &due,
				To:     Recipient{Role: "handler", Department: w.view.Department, Name: w.view.Handler},
				Fields: kv("point", fmt.Sprint(p), "round", fmt.Sprint(d.Round), "extensions", fmt.Sprint(len(d.Extensions)))})
			w.event(now, "system", "reminder", fmt.Sprintf("%s reminder at %d%%", d.Name, p), kv("deadline", d.Name))
		}
	}
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

// escalate climbs to level and tells that level why (rules C5, C9, E3).
func (w *complaint) escalate(ctx workflow.Context, actor string, to sla.Level, reason, proposal string) {
	now := workflow.Now(ctx)
	from := w.view.EscalationLevel
	e := Escalation{At: now, By: actor, From: from, To: to, Reason: reason, Proposal: proposal, RecordingRef: w.view.Form.RecordingRef}
	w.view.Escalations = append(w.view.Escalations, e)
	w.view.EscalationLevel = to
	w.view.Escalation = to.String()
	w.event(now, actor, "escalated", fmt.Sprintf("escalated %s → %s: %s", from, to, reason),
		kv("from", from.String(), "to", to.String(), "proposal", proposal, "recording_ref", e.RecordingRef))
	w.notify(ctx, Notice{Kind: NoticeEscalation, Reason: reason, Urgent: to == sla.LevelManagement,
		To:     Recipient{Role: to.String(), Department: w.view.Department},
		Fields: kv("proposal", proposal, "recording_ref", e.RecordingRef, "level", to.String(), "from", from.String())})
}

// --- Notices, timeline and search attributes.

func (w *complaint) customer() Recipient {
	f := w.view.Form
	return Recipient{Role: "customer", Name: f.ComplainantName, Email: f.Email}
}

// notify sends a notice without blocking the case: a slow or failing mail
// service must never hold up deadlines. The ID makes a resend recognisable.
func (w *complaint) notify(ctx workflow.Context, n Notice) {
	now := workflow.Now(ctx)
	n.CaseNo, n.CaseType, n.CreatedAt = w.view.No, TypeComplaint, now
	n.Language = string(w.view.Form.Language)
	n.ID = noticeID(n, w.view.Rounds, len(w.view.Timeline))
	w.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { w.sending-- }()
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    time.Second,
				BackoffCoefficient: 2,
				MaximumInterval:    10 * time.Minute,
				MaximumAttempts:    20,
			},
		})
		var res NoticeResult
		err := workflow.ExecuteActivity(actx, ActivitySendNotice, n).Get(ctx, &res)
		at := workflow.Now(ctx)
		if err != nil {
			w.event(at, "system", "notice_failed", fmt.Sprintf("%s to %s failed: %v", n.Kind, n.To.Role, err),
				kv("notice", n.ID))
			return
		}
		w.event(at, "system", "notice_sent", fmt.Sprintf("%s to %s via %s", n.Kind, n.To.Role, res.Channel),
			kv("notice", n.ID, "ref", res.Ref))
	})
}

// noticeID is stable for the same case, kind, recipient, deadline and round;
// the timeline position tells apart two notices that share all of those.
func noticeID(n Notice, round, seq int) string {
	parts := []string{n.CaseNo, n.Kind, n.To.Role}
	if n.Deadline != "" {
		parts = append(parts, n.Deadline)
	}
	if n.Due != nil {
		parts = append(parts, n.Due.UTC().Format("20060102T150405"))
	}
	if p := n.Fields["point"]; p != "" {
		parts = append(parts, p)
	}
	parts = append(parts, fmt.Sprintf("r%d", round), fmt.Sprintf("e%d", seq))
	return strings.Join(parts, ":")
}

func (w *complaint) event(at time.Time, actor, kind, msg string, fields map[string]string) {
	w.view.Timeline = append(w.view.Timeline, Event{At: at.UTC(), Actor: actor, Kind: kind, Message: msg, Fields: fields})
}

// upsertSearch writes the search attributes that changed since last time.
func (w *complaint) upsertSearch(ctx workflow.Context) {
	next, _ := w.nextDue()
	cur := searchState{status: w.view.Status, department: w.view.Department, next: next,
		level: w.view.EscalationLevel, overdue: w.view.Overdue}
	if cur == w.lastSA {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		SACaseStatus.ValueSet(cur.status),
		SAEscalationLevel.ValueSet(int64(cur.level)),
		SAOverdue.ValueSet(cur.overdue),
	}
	if cur.department != "" {
		updates = append(updates, SADepartment.ValueSet(cur.department))
	}
	if next.IsZero() {
		updates = append(updates, SANextDeadline.ValueUnset())
	} else {
		updates = append(updates, SANextDeadline.ValueSet(next))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
		return
	}
	w.lastSA = cur
}

// nextDue is the earliest pending due instant.
func (w *complaint) nextDue() (time.Time, bool) {
	var next time.Time
	for _, d := range w.view.Deadlines {
		if d.State == DeadlinePending && (next.IsZero() || d.Due.Before(next)) {
			next = d.Due
		}
	}
	return next, !next.IsZero()
}

// kv builds timeline or notice fields from key/value pairs, leaving out
// empty values.
func kv(pairs ...string) map[string]string {
	var m map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string, len(pairs)/2)
		}
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// --- Validation helpers shared by the checks.

func (w *complaint) open(action string) error {
	if w.view.Status == StatusClosed {
		return invalidState(fmt.Sprintf("%s is not possible: the case is closed", action))
	}
	return nil
}

func (w *complaint) inStatus(action string, allowed ...string) error {
	if slices.Contains(allowed, w.view.Status) {
		return nil
	}
	return invalidState(fmt.Sprintf("%s is not possible while the case is %s (allowed when %s)",
		action, w.view.Status, strings.Join(allowed, ", ")))
}

func invalidState(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrInvalidState, nil)
}

func invalidInput(errs ...forms.FieldError) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
	}
	return temporal.NewNonRetryableApplicationError(strings.Join(msgs, "; "), ErrInvalidInput, nil, forms.Errors(errs))
}

// fieldErrors turns the problems found into one rejection, or nil.
func fieldErrors(errs ...*forms.FieldError) error {
	var found []forms.FieldError
	for _, e := range errs {
		if e != nil {
			found = append(found, *e)
		}
	}
	if len(found) == 0 {
		return nil
	}
	return invalidInput(found...)
}

func required(field, value string) *forms.FieldError {
	if strings.TrimSpace(value) != "" {
		return nil
	}
	return &forms.FieldError{Field: field, Code: "required", Message: strings.ReplaceAll(field, "_", " ") + " is required"}
}

func actorError(actor string) *forms.FieldError { return required("actor", actor) }

func departmentError(field, dept string) *forms.FieldError {
	if e := required(field, dept); e != nil {
		return e
	}
	if !forms.ValidDepartment(dept) {
		return &forms.FieldError{Field: field, Code: "invalid", Message: "department must be a code like \"property\" (lower-case letters, digits, - and _)"}
	}
	return nil
}
