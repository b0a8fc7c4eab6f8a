package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

func mediaInput(received time.Time) workflows.MediaInquiryInput {
	f := forms.MediaInquiry{
		ReceivedAt: received, RegisteredAt: received.Add(3 * time.Minute),
		Outlet: "浦东时报", ReporterName: "陈静", ReporterPhone: "13998765432",
		Topic: "lobby leak", ContactPerson: "wang.lei", Recorder: "agent01", HoldingReplyGiven: true,
	}
	f.Normalize(received)
	return workflows.MediaInquiryInput{No: "MT-20261123-0001", Form: f, Policy: sla.DefaultMediaInquiry(), CreatedBy: "agent01"}
}

func runMedia(h *harness, in workflows.MediaInquiryInput) (workflows.MediaInquiryResult, error) {
	return runCase[workflows.MediaInquiryResult](h, workflows.MediaInquiryWorkflowName, in.No, in)
}

// Rule E2: the holding reply is recorded, the named person is told at once,
// reminded at 1h and 1h36m, and a call-back within 2 hours closes the
// inquiry on time.
func TestMediaInquiry_ContactWithinTwoHours(t *testing.T) {
	received := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, received.Add(3*time.Minute))
	contact := h.do(hours(1.75)-3*time.Minute, workflows.ActionContactOutlet,
		workflows.ContactOutletInput{Actor: "wang.lei", Outcome: "statement given: repair on Wednesday"})
	res, err := runMedia(h, mediaInput(received))
	if err != nil {
		t.Fatal(err)
	}
	v := contact.ok(t)
	if !res.OnTime || !res.ContactedAt.Equal(received.Add(hours(1.75))) || v.Status != workflows.StatusClosed {
		t.Fatalf("result %+v status %s, want on time at 11:45", res, v.Status)
	}
	requireDue(t, deadline(t, v, sla.MediaContact, 0), received.Add(2*time.Hour), workflows.DeadlineMet)
	if len(events(v, "holding_reply")) != 1 || !strings.Contains(v.Media.HoldingReply, "两小时") {
		t.Errorf("holding reply not recorded: %q", v.Media.HoldingReply)
	}
	if v.Media.ContactedBy != "wang.lei" || v.EscalationLevel != sla.LevelHandler {
		t.Errorf("contacted by %q, level %v", v.Media.ContactedBy, v.EscalationLevel)
	}
	requireSent(t, h.notes.notices(), []sent{
		{received.Add(3 * time.Minute), workflows.NoticeAssignment, "handler", sla.MediaContact},
		{received.Add(time.Hour), workflows.NoticeReminder, "handler", sla.MediaContact},
		{received.Add(96 * time.Minute), workflows.NoticeReminder, "handler", sla.MediaContact},
	})
}

// Rule E2: a missed call-back goes straight to management, urgently, at
// exactly 2 hours after the outlet got through.
func TestMediaInquiry_MissedCallBackEscalatesToManagement(t *testing.T) {
	received := sh(2026, 11, 23, 17, 30)
	h := newHarness(t, received.Add(3*time.Minute))
	late := h.do(3*time.Hour, workflows.ActionContactOutlet, workflows.ContactOutletInput{Actor: "boss", Outcome: "apologised"})
	if _, err := runMedia(h, mediaInput(received)); err != nil {
		t.Fatal(err)
	}
	v := late.ok(t)
	requireDue(t, deadline(t, v, sla.MediaContact, 0), received.Add(2*time.Hour), workflows.DeadlineMetLate)
	if v.EscalationLevel != sla.LevelManagement || len(v.Escalations) != 1 || !v.Escalations[0].At.Equal(received.Add(2*time.Hour)) {
		t.Fatalf("escalations %+v, want one to management at 19:30", v.Escalations)
	}
	esc := h.notes.notices(workflows.NoticeEscalation)
	if len(esc) != 1 || esc[0].To.Role != "management" || !esc[0].Urgent {
		t.Fatalf("escalation notices %+v, want one urgent to management", esc)
	}
}

func TestMediaInquiry_ActionChecks(t *testing.T) {
	received := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, received)
	noOutcome := h.do(time.Minute, workflows.ActionContactOutlet, workflows.ContactOutletInput{Actor: "wang.lei"})
	noProposal := h.do(2*time.Minute, workflows.ActionEscalate, workflows.EscalateInput{Actor: "agent01", Reason: "front page tomorrow"})
	escalated := h.do(3*time.Minute, workflows.ActionEscalate, workflows.EscalateInput{Actor: "agent01", Reason: "front page tomorrow", Proposal: "director calls"})
	done := h.do(4*time.Minute, workflows.ActionContactOutlet, workflows.ContactOutletInput{Actor: "director", Outcome: "called"})
	if _, err := runMedia(h, mediaInput(received)); err != nil {
		t.Fatal(err)
	}
	requireFieldError(t, noOutcome, "outcome")
	requireFieldError(t, noProposal, "proposal")
	if v := escalated.ok(t); v.EscalationLevel != sla.LevelDeptHead {
		t.Errorf("manual escalation level %v, want dept_head", v.EscalationLevel)
	}
	done.ok(t) // acting on the finished case is refused by the starter (see the end-to-end test)
}
