package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// MediaInquiryWorkflow runs a journalist's inquiry (rule E2): the standard
// holding reply is recorded at registration, and the named contact person
// must call the outlet back within 2 hours, or management is told at once.
func MediaInquiryWorkflow(ctx workflow.Context, in MediaInquiryInput) (MediaInquiryResult, error) {
	w := &mediaInquiry{in: in, core: core{policy: in.Policy, lang: string(in.Form.Language), proposal: mediaProposal}}
	w.history = in.History
	w.next = func(k Carry) (string, any) {
		next := w.in
		next.Reopen, next.Continued = nil, &k
		return MediaInquiryWorkflowName, next
	}
	if err := w.setup(ctx); err != nil {
		return MediaInquiryResult{}, err
	}
	if err := w.loop(ctx, w.register, func() bool { return w.view.Status == StatusClosed }); err != nil {
		return MediaInquiryResult{}, err
	}
	d := w.view.Deadlines[w.current(sla.MediaContact)]
	return MediaInquiryResult{No: w.view.No, ContactedAt: *w.view.Media.ContactedAt, OnTime: d.State == DeadlineMet}, nil
}

type mediaInquiry struct {
	core
	in MediaInquiryInput
}

func (w *mediaInquiry) setup(ctx workflow.Context) error {
	f := w.in.Form
	w.view = CaseView{
		No:         w.in.No,
		Type:       TypeMediaInquiry,
		Status:     StatusRegistered,
		Handler:    f.ContactPerson,
		Escalation: sla.LevelHandler.String(),
		Media:      &MediaRecord{Form: f, HoldingReply: forms.HoldingReply(f.Language)},
		CreatedBy:  w.in.CreatedBy,
		Timeline:   []Event{},
		Deadlines:  []Deadline{},
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
		onUpdate(ctx, &w.core, ActionContactOutlet, w.checkContact, w.contact),
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

// register records the holding reply and starts the 2-hour clock from when
// the outlet got through.
func (w *mediaInquiry) register(ctx workflow.Context) error {
	f := w.in.Form
	w.event(f.RegisteredAt, w.in.CreatedBy, "registered", "media inquiry from "+f.Outlet,
		kv("outlet", f.Outlet, "reporter", f.ReporterName, "received_at", f.ReceivedAt.Format(time.RFC3339), "contact_person", f.ContactPerson))
	w.event(f.RegisteredAt, w.in.CreatedBy, "holding_reply", w.view.Media.HoldingReply, nil)
	if err := w.arm(ctx, sla.MediaContact, f.ReceivedAt, 0); err != nil {
		return err
	}
	// The reporter is masked in staff mail like a customer (P1).
	w.notify(ctx, Notice{Kind: NoticeAssignment, Urgent: true, Deadline: sla.MediaContact,
		To: Recipient{Role: "handler", Name: f.ContactPerson}, Customer: f.ReporterName,
		Fields: kv("outlet", f.Outlet, "topic", f.Topic)})
	return nil
}

func (w *mediaInquiry) checkContact(_ workflow.Context, in ContactOutletInput) error {
	if err := w.inStatus(ActionContactOutlet); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("outcome", in.Outcome))
}

// contact records the call-back to the outlet, which closes the inquiry.
func (w *mediaInquiry) contact(ctx workflow.Context, in ContactOutletInput) error {
	now := workflow.Now(ctx)
	m := w.view.Media
	m.ContactedBy, m.ContactedAt, m.Outcome = in.Actor, &now, in.Outcome
	w.meet(now, sla.MediaContact)
	w.event(now, in.Actor, "outlet_contacted", in.Outcome, kv("outlet", m.Form.Outlet))
	w.view.Status = StatusClosed
	w.view.ClosedAt = &now
	w.event(now, in.Actor, "closed", "outlet contacted; inquiry closed", nil)
	return nil
}

func mediaProposal(clock string) string {
	return fmt.Sprintf("%s missed: management names a spokesperson who calls the outlet now with an agreed statement", clock)
}
