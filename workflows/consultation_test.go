package workflows_test

import (
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

func consultationInput(t *testing.T, registered time.Time, mods ...func(*forms.Consultation)) workflows.ConsultationInput {
	t.Helper()
	f := forms.Consultation{
		CallerName: "赵敏", Phone: "13700001111", Affiliation: forms.AffiliationCustomer,
		Question: "Can the parking fee be paid by the quarter?", Channel: forms.ChannelPhone, Region: "Shanghai-Pudong", Recorder: "agent01",
	}
	for _, m := range mods {
		m(&f)
	}
	f.Normalize(registered)
	if errs := f.Validate(registered); len(errs) > 0 {
		t.Fatalf("consultation form invalid: %v", errs)
	}
	return workflows.ConsultationInput{No: "ZX-20261123-0001", Form: f, Policy: sla.DefaultConsultation(), CreatedBy: "agent01"}
}

func runConsultation(h *harness, in workflows.ConsultationInput) workflows.ConsultationResult {
	h.t.Helper()
	res, err := runCase[workflows.ConsultationResult](h, workflows.ConsultationWorkflowName, in.No, in)
	if err != nil {
		h.t.Fatalf("consultation failed: %v", err)
	}
	return res
}

// Rule Q1: a question answered at once closes with the answer, no clock.
func TestConsultation_AnsweredAtOnce(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	res := runConsultation(h, consultationInput(t, reg, func(f *forms.Consultation) {
		f.AnsweredAtOnce, f.Answer = true, "Yes, at the property office."
	}))
	v := h.query()
	if !res.AnsweredAt.Equal(reg) || v.Status != workflows.StatusClosed || v.Consultation.Answer == "" || len(v.Deadlines) != 0 {
		t.Fatalf("result %+v status %s deadlines %v", res, v.Status, names(v.Deadlines))
	}
}

// Rules Q1, Q2, T2: a deferred answer is due within 2 working days; from
// Wed 2026-09-30 that skips the National Day holiday to Fri 10-09 18:00,
// with reminders at 50% and 80% of the window.
func TestConsultation_CallBackAcrossHoliday(t *testing.T) {
	reg := sh(2026, 9, 30, 10, 0)
	due := sh(2026, 10, 9, 18, 0)
	h := newHarness(t, reg)
	cb := h.do(due.Sub(reg)-time.Hour, workflows.ActionCallBack, workflows.CallBackInput{Actor: "agent02", Answer: "Quarterly payment is possible from January."})
	res := runConsultation(h, consultationInput(t, reg))
	v := cb.ok(t)
	requireDue(t, deadline(t, v, sla.Callback, 0), due, workflows.DeadlineMet)
	if !res.OnTime || v.Status != workflows.StatusClosed || v.Consultation.AnsweredBy != "agent02" {
		t.Fatalf("result %+v, status %s", res, v.Status)
	}
	window := due.Sub(reg)
	requireSent(t, h.notes.notices(), []sent{
		{reg.Add(window / 2), workflows.NoticeReminder, "handler", sla.Callback},
		{reg.Add(window * 8 / 10), workflows.NoticeReminder, "handler", sla.Callback},
	})
}

// Rule Q3: a complex question records the expected time told, and the
// call-back clock is the specific promised time; missing it escalates.
func TestConsultation_PromisedTimeForComplexQuestion(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	late := h.do(3*time.Hour, workflows.ActionCallBack, workflows.CallBackInput{Actor: "agent01", Answer: "verified"})
	res := runConsultation(h, consultationInput(t, reg, func(f *forms.Consultation) {
		f.ExpectedTimeTold, f.CallbackAt = "2 hours to verify, we will call back", reg.Add(2*time.Hour)
	}))
	v := late.ok(t)
	d := deadline(t, v, sla.Callback, 0)
	requireDue(t, d, reg.Add(2*time.Hour), workflows.DeadlineMetLate)
	if !d.Promised || res.OnTime {
		t.Errorf("promised %v on time %v, want promised and late", d.Promised, res.OnTime)
	}
	if len(events(v, "expected_time_told")) != 1 {
		t.Error("expected time told not recorded")
	}
	if v.EscalationLevel != sla.LevelDeptHead || !v.Escalations[0].At.Equal(reg.Add(2*time.Hour)) {
		t.Errorf("escalations %+v, want dept_head at 12:00", v.Escalations)
	}
}

// Rule Q4: an unsolvable question goes to a specialist department with its
// own deadline (2 working days from the transfer), and the call-back meets
// both clocks.
func TestConsultation_TransferToSpecialist(t *testing.T) {
	reg := sh(2026, 11, 27, 16, 0) // Friday
	h := newHarness(t, reg)
	tr := h.do(time.Hour, workflows.ActionTransfer, workflows.TransferInput{Actor: "agent01", Department: "legal", Reason: "contract clause question"})
	noReason := h.do(30*time.Minute, workflows.ActionTransfer, workflows.TransferInput{Actor: "agent01", Department: "legal"})
	cb := h.do(48*time.Hour, workflows.ActionCallBack, workflows.CallBackInput{Actor: "lawyer", Answer: "clause 7 applies"})
	runConsultation(h, consultationInput(t, reg))
	requireFieldError(t, noReason, "reason")
	v := tr.ok(t)
	if v.Status != workflows.StatusTransferred || v.Department != "legal" {
		t.Fatalf("after transfer: %s %s", v.Status, v.Department)
	}
	// Transferred Fri 17:00: Mon and Tue are the two working days.
	requireDue(t, deadline(t, v, sla.SpecialistAnswer, 0), sh(2026, 12, 1, 18, 0), workflows.DeadlinePending)
	v = cb.ok(t)
	requireDue(t, deadline(t, v, sla.SpecialistAnswer, 0), sh(2026, 12, 1, 18, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.Callback, 0), sh(2026, 12, 1, 18, 0), workflows.DeadlineMet)
	if n := h.notes.notices(workflows.NoticeAssignment); len(n) != 1 || n[0].To.Department != "legal" {
		t.Errorf("assignment notices %+v", n)
	}
}

// Rule Q5: internal information only for callers from the company's own
// departments.
func TestConsultation_InternalInformationOnlyForStaff(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	t.Run("customer", func(t *testing.T) {
		h := newHarness(t, reg)
		refused := h.do(time.Minute, workflows.ActionCallBack, workflows.CallBackInput{Actor: "agent01", Answer: "cost price is 80", InternalInfo: true})
		h.do(2*time.Minute, workflows.ActionCallBack, workflows.CallBackInput{Actor: "agent01", Answer: "the public tariff is 120"})
		runConsultation(h, consultationInput(t, reg))
		requireFieldError(t, refused, "internal_info")
	})
	t.Run("staff", func(t *testing.T) {
		h := newHarness(t, reg)
		ok := h.do(time.Minute, workflows.ActionCallBack, workflows.CallBackInput{Actor: "agent01", Answer: "cost price is 80", InternalInfo: true})
		runConsultation(h, consultationInput(t, reg, func(f *forms.Consultation) {
			f.Affiliation, f.CallerDepartment = forms.AffiliationInternal, "finance"
		}))
		if v := ok.ok(t); !v.Consultation.InternalInfo {
			t.Error("internal answer not recorded")
		}
	})
}

// Rules Q2, Q4, E3: a specialist department that misses its own deadline
// is escalated like any other clock; the call-back owed to the caller is
// breached at the same instant and climbs a second rung.
func TestConsultation_SpecialistDeadlineMissed(t *testing.T) {
	reg := sh(2026, 11, 27, 16, 0) // Friday; both clocks due Tue 18:00
	due := sh(2026, 12, 1, 18, 0)
	h := newHarness(t, reg)
	h.do(time.Hour, workflows.ActionTransfer, workflows.TransferInput{Actor: "agent01", Department: "legal", Reason: "contract clause question"})
	cb := h.do(due.Sub(reg)+2*time.Hour, workflows.ActionCallBack, workflows.CallBackInput{Actor: "lawyer", Answer: "clause 7 applies"})
	res := runConsultation(h, consultationInput(t, reg))
	v := cb.ok(t)
	requireDue(t, deadline(t, v, sla.SpecialistAnswer, 0), due, workflows.DeadlineMetLate)
	requireDue(t, deadline(t, v, sla.Callback, 0), due, workflows.DeadlineMetLate)
	if res.OnTime || len(v.Escalations) != 2 || !v.Escalations[0].At.Equal(due) || v.EscalationLevel != sla.LevelCSHead {
		t.Fatalf("on time %t escalations %+v level %v", res.OnTime, v.Escalations, v.EscalationLevel)
	}
	for _, n := range h.notes.notices(workflows.NoticeEscalation) {
		if n.To.Department != "legal" {
			t.Errorf("escalation to %s/%s, want the specialist department legal", n.To.Role, n.To.Department)
		}
	}
}
