package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// ConsultationWorkflow runs a question (咨询): answered at once it closes
// with the answer (Q1); otherwise the caller gets a call-back by the
// promised time, within 2 working days (Q1–Q3), and what customer service
// cannot answer goes to a specialist department with its own deadline
// (Q4). Internal information goes only to the company's own staff (Q5).
func ConsultationWorkflow(ctx workflow.Context, in ConsultationInput) (ConsultationResult, error) {
	f := in.Form
	w := &consultation{in: in, core: core{policy: in.Policy, channel: string(f.Channel), lang: string(f.Language), proposal: consultationProposal}}
	w.history = in.History
	w.next = func(k Carry) (string, any) {
		next := w.in
		next.Reopen, next.Continued = nil, &k
		return ConsultationWorkflowName, next
	}
	if err := w.setup(ctx); err != nil {
		return ConsultationResult{}, err
	}
	if err := w.loop(ctx, w.register, func() bool { return w.view.Status == StatusClosed }); err != nil {
		return ConsultationResult{}, err
	}
	res := ConsultationResult{No: w.view.No, AnsweredAt: *w.view.Consultation.AnsweredAt, OnTime: true}
	if i := w.current(sla.Callback); i >= 0 {
		res.OnTime = w.view.Deadlines[i].State == DeadlineMet
	}
	return res, nil
}

type consultation struct {
	core
	in ConsultationInput
}

func (w *consultation) setup(ctx workflow.Context) error {
	w.view = CaseView{
		No:           w.in.No,
		Type:         TypeConsultation,
		Status:       StatusRegistered,
		Escalation:   sla.LevelHandler.String(),
		Consultation: &ConsultationRecord{Form: w.in.Form},
		CreatedBy:    w.in.CreatedBy,
		Timeline:     []Event{},
		Deadlines:    []Deadline{},
	}
	w.lastSA = searchState{status: StatusRegistered}
	w.takeOverFailed(w.in.Reopen)
	if k := w.in.Continued; k != nil {
		w.carryIn(*k)
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CaseView, error) { return w.view, nil }); err != nil {
		return err
	}
	for _, err := range []error{
		onUpdate(ctx, &w.core, ActionCallBack, w.checkCallBack, w.callBack),
		onUpdate(ctx, &w.core, ActionTransfer, w.checkTransfer, w.transfer),
		onUpdate(ctx, &w.core, ActionEscalate, w.checkEscalate, w.escalateByHand),
		onUpdate(ctx, &w.core, ActionComment, w.checkComment, w.comment),
		onUpdate(ctx, &w.core, ActionReplan, w.checkReplan, w.replan),
		onUpdate(ctx, &w.core, ActionRevealPII, w.checkReveal, w.reveal),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *consultation) register(ctx workflow.Context) error {
	f := w.in.Form
	reg := f.RegisteredAt
	w.event(reg, w.in.CreatedBy, "registered", "consultation registered",
		kv("channel", string(f.Channel), "region", f.Region, "affiliation", string(f.Affiliation)))
	// Rule Q1: answered at once, the consultation closes with the answer.
	if f.AnsweredAtOnce {
		w.answer(reg, w.in.CreatedBy, f.Answer, false)
		return nil
	}
	// Rule Q3: a complex question records what the caller was told.
	if f.ExpectedTimeTold != "" {
		w.event(reg, w.in.CreatedBy, "expected_time_told", f.ExpectedTimeTold, nil)
	}
	// Rules Q1, Q2: the call-back is due at the promised time, never later
	// than the limit.
	return w.armBy(ctx, sla.Callback, reg, 0, f.CallbackAt)
}

func (w *consultation) checkCallBack(_ workflow.Context, in CallBackInput) error {
	if err := w.inStatus(ActionCallBack); err != nil {
		return err
	}
	var internal *forms.FieldError
	if in.InternalInfo && w.in.Form.Affiliation != forms.AffiliationInternal {
		// Rule Q5.
		internal = &forms.FieldError{Field: "internal_info", Code: "invalid",
			Message: "internal information is given only to callers from the company's own departments; this caller is a customer"}
	}
	return fieldErrors(actorError(in.Actor), required("answer", in.Answer), internal)
}

func (w *consultation) callBack(ctx workflow.Context, in CallBackInput) error {
	now := workflow.Now(ctx)
	w.meet(now, sla.Callback)
	w.meet(now, sla.SpecialistAnswer)
	w.answer(now, in.Actor, in.Answer, in.InternalInfo)
	return nil
}

// answer records the answer given to the caller and closes the case.
func (w *consultation) answer(at time.Time, actor, text string, internal bool) {
	r := w.view.Consultation
	r.Answer, r.AnsweredBy, r.AnsweredAt, r.InternalInfo = text, actor, &at, internal
	w.event(at, actor, "answered", text, kv("internal_info", fmt.Sprint(internal)))
	w.view.Status = StatusClosed
	w.view.ClosedAt = &at
	w.event(at, actor, "closed", "caller answered; consultation closed", nil)
}

func (w *consultation) checkTransfer(_ workflow.Context, in TransferInput) error {
	if err := w.inStatus(ActionTransfer); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), departmentError("department", in.Department), required("reason", in.Reason))
}

// transfer gives an unsolvable question to a specialist department with a
// deadline of its own (Q4); the caller's call-back promise still stands.
func (w *consultation) transfer(ctx workflow.Context, in TransferInput) error {
	now := workflow.Now(ctx)
	r := w.view.Consultation
	r.TransferredTo, r.TransferReason = in.Department, in.Reason
	w.view.Department = in.Department
	w.view.Status = StatusTransferred
	w.event(now, in.Actor, "transferred", fmt.Sprintf("transferred to %s: %s", in.Department, in.Reason),
		kv("department", in.Department, "reason", in.Reason))
	w.notify(ctx, Notice{Kind: NoticeAssignment, Reason: in.Reason, Deadline: sla.SpecialistAnswer,
		To: Recipient{Role: "handler", Department: in.Department}})
	return w.arm(ctx, sla.SpecialistAnswer, now, 0)
}

func consultationProposal(clock string) string {
	if clock == sla.SpecialistAnswer {
		return "the specialist department head names an expert who answers today; customer service calls the caller back"
	}
	return "call the caller back today with the answer or an honest new time, and record why the promise was missed"
}
