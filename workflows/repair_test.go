package workflows_test

import (
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

func repairInput(t *testing.T, registered time.Time) workflows.RepairInput {
	t.Helper()
	f := forms.Repair{Location: "Building 3 lobby", Fault: "ceiling leak", ReporterName: "张伟", Phone: "13812345678",
		Email: "zhang.wei@example.com", Channel: forms.ChannelPhone, Region: "Shanghai-Pudong", Recorder: "agent01"}
	f.Normalize(registered)
	if errs := f.Validate(registered); len(errs) > 0 {
		t.Fatalf("repair form invalid: %v", errs)
	}
	return workflows.RepairInput{No: "BX-20261123-0001", Form: f, Policy: sla.DefaultRepair(), CreatedBy: "agent01"}
}

func runRepair(h *harness, in workflows.RepairInput) (workflows.RepairResult, error) {
	return runCase[workflows.RepairResult](h, workflows.RepairWorkflowName, in.No, in)
}

func passVisit(actor string) workflows.RepairVisitInput {
	return workflows.RepairVisitInput{Actor: actor, AttitudeOK: true, WorkOK: true, ResultOK: true, Satisfaction: 5, Comment: "all good"}
}

// Rules R1–R4: recorded and dispatched to maintenance, signed for within 2
// business hours, scheduled with progress fed back to the customer,
// returned to customer service, visited back and closed.
func TestRepair_HappyPath(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0) // Monday
	h := newHarness(t, reg)
	signed := h.do(30*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head", Technician: "liu.tech"})
	early := h.do(20*time.Minute, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "x"})
	sched := h.do(time.Hour, workflows.ActionSchedule, workflows.ScheduleInput{Actor: "liu.tech", VisitAt: sh(2026, 11, 24, 9, 0)})
	h.do(2*time.Hour, workflows.ActionProgress, workflows.ProgressInput{Actor: "liu.tech", Note: "parts ordered"})
	done := h.do(24*time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "pipe joint replaced"})
	badScore := h.do(25*time.Hour, workflows.ActionReturnVisit, workflows.RepairVisitInput{Actor: "agent01", Satisfaction: 9})
	visit := h.do(26*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	res, err := runRepair(h, repairInput(t, reg))
	if err != nil {
		t.Fatal(err)
	}
	early.rejected(t, workflows.ErrInvalidState)
	requireFieldError(t, badScore, "satisfaction")
	v := signed.ok(t)
	requireDue(t, deadline(t, v, sla.SignFor, 0), sh(2026, 11, 23, 12, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.RepairCompletion, 0), sh(2026, 11, 26, 18, 0), workflows.DeadlinePending)
	if v.Repair.Technician != "liu.tech" || v.Status != workflows.StatusInProgress {
		t.Errorf("after signing: technician %q status %s", v.Repair.Technician, v.Status)
	}
	if v := sched.ok(t); v.Repair.ScheduledAt == nil || !v.Repair.ScheduledAt.Equal(sh(2026, 11, 24, 9, 0)) {
		t.Errorf("scheduled at %v", v.Repair.ScheduledAt)
	}
	v = done.ok(t)
	requireDue(t, deadline(t, v, sla.RepairCompletion, 0), sh(2026, 11, 26, 18, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.ReturnVisit, 1), reg.Add(48*time.Hour), workflows.DeadlinePending)
	v = visit.ok(t)
	if v.Status != workflows.StatusClosed || res.Rounds != 1 || len(v.Repair.Visits) != 1 || !v.Repair.Visits[0].Passed {
		t.Fatalf("after visit: %s rounds %d visits %+v", v.Status, res.Rounds, v.Repair.Visits)
	}
	if n := h.notes.notices(workflows.NoticeCustomerProgress); len(n) != 2 {
		t.Errorf("customer progress notices %d, want 2 (schedule, progress)", len(n))
	}
	if n := h.notes.notices(workflows.NoticeAssignment); len(n) != 1 || n[0].To.Department != forms.DefaultMaintenance {
		t.Errorf("dispatch notices %+v, want one to maintenance", n)
	}
}

// Rule R2: an order recorded Fri 17:30 must be signed for within 2
// business hours — 30 minutes on Friday and 90 on Monday, so by Mon 10:30;
// it is chased at 50% and 80% of the window and escalated when missed.
func TestRepair_SignForChaseOverWeekend(t *testing.T) {
	reg := sh(2026, 11, 27, 17, 30)
	due := sh(2026, 11, 30, 10, 30)
	h := newHarness(t, reg)
	late := h.do(due.Sub(reg)+time.Hour, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	h.cancelAt(due.Sub(reg) + 2*time.Hour)
	h.env.ExecuteWorkflow(workflows.RepairWorkflowName, repairInput(t, reg))
	v := late.ok(t)
	requireDue(t, deadline(t, v, sla.SignFor, 0), due, workflows.DeadlineMetLate)
	window := due.Sub(reg)
	var chase []workflows.Notice
	for _, n := range h.notes.notices(workflows.NoticeReminder) {
		if n.Deadline == sla.SignFor {
			chase = append(chase, n)
		}
	}
	if len(chase) != 2 || !chase[0].CreatedAt.Equal(reg.Add(window/2)) || !chase[1].CreatedAt.Equal(reg.Add(window*8/10)) {
		t.Fatalf("sign-for chases %+v, want at 50%% and 80%% of the window", chase)
	}
	if len(v.Escalations) != 1 || v.Escalations[0].To != sla.LevelDeptHead || !v.Escalations[0].At.Equal(due) {
		t.Fatalf("escalations %+v, want dept_head at Mon 10:30", v.Escalations)
	}
}

// Rule R5: a failed item sends the order back to rework, telling the
// customer-service head and the department head; the third failed visit
// escalates to management; a passing visit closes the order.
func TestRepair_FailedVisitsLoopUntilPassed(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(10*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	fails := []workflows.RepairVisitInput{
		{Actor: "agent01", AttitudeOK: false, WorkOK: true, ResultOK: true, Satisfaction: 4},
		{Actor: "agent01", AttitudeOK: true, WorkOK: true, ResultOK: false, Satisfaction: 3},
		{Actor: "agent01", AttitudeOK: true, WorkOK: true, ResultOK: true, Satisfaction: 2},
	}
	var third *outcome
	for i, f := range fails {
		at := time.Duration(i+1) * 10 * time.Hour
		h.do(at, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "attempt"})
		o := h.do(at+time.Hour, workflows.ActionReturnVisit, f)
		if i == 2 {
			third = o
		}
	}
	h.do(40*time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "fixed properly"})
	final := h.do(41*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	res, err := runRepair(h, repairInput(t, reg))
	if err != nil {
		t.Fatal(err)
	}
	v := third.ok(t)
	if v.Status != workflows.StatusRework || v.EscalationLevel != sla.LevelManagement {
		t.Fatalf("after third failed visit: %s level %v", v.Status, v.EscalationLevel)
	}
	rework := h.notes.notices(workflows.NoticeRework)
	if len(rework) != 6 {
		t.Fatalf("rework notices %d, want 6 (cs_head and dept_head per failed visit)", len(rework))
	}
	for i, n := range rework {
		if want := []string{"cs_head", "dept_head"}[i%2]; n.To.Role != want {
			t.Errorf("rework notice %d to %s, want %s", i, n.To.Role, want)
		}
	}
	if v := final.ok(t); v.Status != workflows.StatusClosed || res.Rounds != 4 || len(v.Repair.Visits) != 4 {
		t.Fatalf("final: %s rounds %d", v.Status, res.Rounds)
	}
}

// Rules R2–R5, E3: the repair's own clocks climb the ladder when missed —
// completion (3 working days) and the 24-hour return visit — and the
// actions check their input and the order's state.
func TestRepair_MissedClocksEscalateAndActionChecks(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0) // Monday; completion due Thu 18:00
	h := newHarness(t, reg)
	unsignedVisit := h.do(5*time.Minute, workflows.ActionReturnVisit, passVisit("agent01"))
	h.do(10*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	again := h.do(15*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	noTime := h.do(20*time.Minute, workflows.ActionSchedule, workflows.ScheduleInput{Actor: "liu.tech"})
	past := h.do(25*time.Minute, workflows.ActionSchedule, workflows.ScheduleInput{Actor: "liu.tech", VisitAt: reg})
	noNote := h.do(30*time.Minute, workflows.ActionProgress, workflows.ProgressInput{Actor: "liu.tech"})
	noResult := h.do(35*time.Minute, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech"})
	completedAt := sh(2026, 11, 27, 10, 0) // Friday, after the Thu 18:00 deadline
	done := h.do(completedAt.Sub(reg), workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "joint replaced"})
	visitedAt := completedAt.Add(30 * time.Hour) // the visit was due 24h after completion
	visited := h.do(visitedAt.Sub(reg), workflows.ActionReturnVisit, passVisit("agent01"))
	if _, err := runRepair(h, repairInput(t, reg)); err != nil {
		t.Fatal(err)
	}
	unsignedVisit.rejected(t, workflows.ErrInvalidState)
	again.rejected(t, workflows.ErrInvalidState)
	requireFieldError(t, noTime, "visit_at")
	requireFieldError(t, past, "visit_at")
	requireFieldError(t, noNote, "note")
	requireFieldError(t, noResult, "result")
	requireDue(t, deadline(t, done.ok(t), sla.RepairCompletion, 0), sh(2026, 11, 26, 18, 0), workflows.DeadlineMetLate)
	v := visited.ok(t)
	requireDue(t, deadline(t, v, sla.ReturnVisit, 1), completedAt.Add(24*time.Hour), workflows.DeadlineMetLate)
	if len(v.Escalations) != 2 ||
		v.Escalations[0].To != sla.LevelDeptHead || !v.Escalations[0].At.Equal(sh(2026, 11, 26, 18, 0)) ||
		v.Escalations[1].To != sla.LevelCSHead || !v.Escalations[1].At.Equal(completedAt.Add(24*time.Hour)) {
		t.Fatalf("escalations %+v, want dept_head at Thu 18:00 and cs_head at Sat 10:00", v.Escalations)
	}
	if v.Escalations[0].Proposal == "" || v.Status != workflows.StatusClosed {
		t.Errorf("escalation without a proposal (%+v) or order not closed (%s)", v.Escalations[0], v.Status)
	}
}

// Rules P3, R5: a closed repair order reopened goes back to rework and is
// visited back again until every item passes.
func TestRepair_ReopenedAfterClose(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	first := newHarness(t, reg)
	first.do(10*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	first.do(time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "joint replaced"})
	first.do(2*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	if _, err := runRepair(first, repairInput(t, reg)); err != nil {
		t.Fatal(err)
	}
	closed := first.query()
	reopenAt := sh(2026, 11, 25, 9, 0)
	h := newHarness(t, reopenAt)
	in := repairInput(t, reg)
	in.Reopen = &workflows.Reopen{View: closed, By: "cshead01", Reason: "dripping again", At: reopenAt}
	state := h.stateAt(time.Minute)
	h.do(time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "whole pipe replaced"})
	h.do(2*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	res, err := runRepair(h, in)
	if err != nil {
		t.Fatal(err)
	}
	if state.Status != workflows.StatusRework || len(events(*state, "reopened")) != 1 {
		t.Fatalf("reopened: %s", state.Status)
	}
	requireDue(t, deadline(t, *state, sla.Rework, 1), reopenAt.Add(72*time.Hour), workflows.DeadlinePending)
	if res.Rounds != 2 || len(h.query().Repair.Visits) != 2 {
		t.Fatalf("rounds %d", res.Rounds)
	}
}

// Rule R5: a low online rating is a failed return visit.
func TestRepair_LowRatingMeansRework(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(10*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head"})
	h.do(time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "joint replaced"})
	low := h.do(2*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 1, Score: 1, Nonce: "x"})
	h.do(3*time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "pipe replaced"})
	h.do(4*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	res, err := runRepair(h, repairInput(t, reg))
	if err != nil {
		t.Fatal(err)
	}
	if v := low.ok(t); v.Status != workflows.StatusRework || len(v.Repair.Visits) != 1 || v.Repair.Visits[0].Passed {
		t.Fatalf("after a low rating: %s visits %+v", v.Status, v.Repair.Visits)
	}
	if res.Rounds != 2 {
		t.Errorf("rounds %d", res.Rounds)
	}
}
