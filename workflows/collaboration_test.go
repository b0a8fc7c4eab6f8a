package workflows_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

const xzNo = "XZ-20261123-0001"

// collabInput is a standalone request from customer service to
// engineering booked at booked with its time node lead ahead.
func collabInput(t *testing.T, booked time.Time, lead time.Duration, mods ...func(*forms.Collaboration)) workflows.CollaborationInput {
	t.Helper()
	f := forms.Collaboration{RequestingDepartment: "customer_service", TargetDepartment: "engineering", Requester: "agent01",
		Email: "cs.desk@example.com", Need: "inspect the roof membrane above the lobby", TimeNode: booked.Add(lead),
		RequesterResponsibilities: "arrange access with the owner", TargetResponsibilities: "inspect and send a written repair plan"}
	for _, m := range mods {
		m(&f)
	}
	f.Normalize(booked)
	p := sla.DefaultCollaboration()
	if errs := f.Validate(booked, p.MinBookingLead); len(errs) > 0 {
		t.Fatalf("request form invalid: %v", errs)
	}
	return workflows.CollaborationInput{No: xzNo, Form: f, Policy: p, CreatedBy: "agent01"}
}

func runCollab(h *harness, in workflows.CollaborationInput) (workflows.CollaborationResult, error) {
	return runCase[workflows.CollaborationResult](h, workflows.CollaborationWorkflowName, in.No, in)
}

func accept() workflows.AcceptInput {
	return workflows.AcceptInput{Actor: "eng.head", Handler: "sun.eng", SignResponsibilities: true}
}

func deliverWork() workflows.DeliverInput {
	return workflows.DeliverInput{Actor: "sun.eng", Result: "membrane cracked at the drain; repair plan sent"}
}

// ofCase keeps the notices of one case.
func ofCase(ns []workflows.Notice, no string) []workflows.Notice {
	var out []workflows.Notice
	for _, n := range ns {
		if n.CaseNo == no {
			out = append(out, n)
		}
	}
	return out
}

// Rules X1, X2, X4: a request booked 48 hours ahead is accepted with the
// target's responsibilities signed within its 4 business hours, delivered
// by the time node, and rated by the requester, which closes it.
func TestCollaboration_AcceptDeliverRate(t *testing.T) {
	booked := sh(2026, 11, 23, 10, 0) // Monday
	h := newHarness(t, booked)
	unsigned := h.do(30*time.Minute, workflows.ActionAccept, workflows.AcceptInput{Actor: "eng.head"})
	early := h.do(40*time.Minute, workflows.ActionDeliver, deliverWork())
	accepted := h.do(time.Hour, workflows.ActionAccept, accept())
	delivered := h.do(30*time.Hour, workflows.ActionDeliver, deliverWork())
	badScore := h.do(30*time.Hour+30*time.Minute, workflows.ActionRate, workflows.RateInput{Actor: "agent01", Score: 0})
	rated := h.do(31*time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "agent01", Score: 4, Comment: "quick and clear"})
	res, err := runCollab(h, collabInput(t, booked, 48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	requireFieldError(t, unsigned, "sign_responsibilities")
	early.rejected(t, workflows.ErrInvalidState)
	requireFieldError(t, badScore, "score")

	v := accepted.ok(t)
	requireDue(t, deadline(t, v, sla.Acceptance, 0), sh(2026, 11, 23, 14, 0), workflows.DeadlineMet)
	tn := deadline(t, v, sla.TimeNode, 0)
	requireDue(t, tn, sh(2026, 11, 25, 10, 0), workflows.DeadlinePending)
	if !tn.Agreed || v.Status != workflows.StatusInProgress || v.Handler != "sun.eng" ||
		v.Collaboration.Signed != "inspect and send a written repair plan" || v.Collaboration.AcceptedBy != "eng.head" {
		t.Fatalf("after accept: %s handler %q record %+v agreed %t", v.Status, v.Handler, v.Collaboration, tn.Agreed)
	}
	v = delivered.ok(t)
	requireDue(t, deadline(t, v, sla.TimeNode, 0), sh(2026, 11, 25, 10, 0), workflows.DeadlineMet)
	// Delivered Tue 16:00: the requester rates within 2 working days.
	requireDue(t, deadline(t, v, sla.Rating, 0), sh(2026, 11, 26, 18, 0), workflows.DeadlinePending)
	if v.Status != workflows.StatusResolved {
		t.Fatalf("after delivery: %s", v.Status)
	}
	v = rated.ok(t)
	if v.Status != workflows.StatusClosed || res.Outcome != workflows.OutcomeRated || res.Rating != 4 || len(v.Collaboration.Reports) != 0 {
		t.Fatalf("after rating: %s result %+v reports %+v", v.Status, res, v.Collaboration.Reports)
	}
	requireSent(t, h.notes.notices(), []sent{
		{booked, workflows.NoticeAssignment, "dept_head", sla.Acceptance},
		{booked.Add(time.Hour), workflows.NoticeCollaboration, "requester", ""},
		{booked.Add(24 * time.Hour), workflows.NoticeReminder, "handler", sla.TimeNode}, // 50% of the 48h
		{booked.Add(30 * time.Hour), workflows.NoticeSatisfactionReq, "requester", sla.Rating},
	})
}

// Rule X1: the target department may decline with a reason; the request
// ends declined and its clocks stop.
func TestCollaboration_Declined(t *testing.T) {
	booked := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, booked)
	noReason := h.do(time.Hour, workflows.ActionDecline, workflows.DeclineInput{Actor: "eng.head"})
	declined := h.do(2*time.Hour, workflows.ActionDecline, workflows.DeclineInput{Actor: "eng.head", Reason: "the roof belongs to the landlord; ask facilities"})
	res, err := runCollab(h, collabInput(t, booked, 48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	requireFieldError(t, noReason, "reason")
	v := declined.ok(t)
	if v.Status != workflows.StatusDeclined || res.Status != workflows.StatusDeclined || res.Outcome != workflows.OutcomeDeclined ||
		v.Collaboration.DeclineReason == "" {
		t.Fatalf("declined: %s result %+v", v.Status, res)
	}
	requireDue(t, deadline(t, v, sla.Acceptance, 0), sh(2026, 11, 23, 14, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.TimeNode, 0), sh(2026, 11, 25, 10, 0), workflows.DeadlineCancelled)
	if n := h.notes.notices(workflows.NoticeCollaboration); len(n) != 1 || n[0].Reason == "" {
		t.Fatalf("requester told of the decline: %+v", n)
	}
}

// Rule X1: acceptance not given within 4 business hours climbs the target
// department's ladder — booked Fri 17:00, due Mon 12:00.
func TestCollaboration_AcceptanceMissedEscalates(t *testing.T) {
	booked := sh(2026, 11, 27, 17, 0)
	h := newHarness(t, booked)
	h.cancelAt(4 * 24 * time.Hour)
	state := h.stateAt(3*24*time.Hour + time.Hour) // Mon 18:00
	_, err := runCollab(h, collabInput(t, booked, 5*24*time.Hour))
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("ended with %v", err)
	}
	requireDue(t, deadline(t, *state, sla.Acceptance, 0), sh(2026, 11, 30, 12, 0), workflows.DeadlineBreached)
	if len(state.Escalations) != 1 || state.Escalations[0].To != sla.LevelDeptHead || !state.Escalations[0].At.Equal(sh(2026, 11, 30, 12, 0)) {
		t.Fatalf("escalations %+v, want the target's department head at Mon 12:00", state.Escalations)
	}
	esc := h.notes.notices(workflows.NoticeEscalation)
	if len(esc) != 1 || esc[0].To.Department != "engineering" {
		t.Fatalf("escalation notices %+v, want one to engineering", esc)
	}
}

// Rule X3: a time node that passes without delivery is a broken hand-off
// reported to quality control; a working day later it is serious and goes
// to quality control's supervising leader.
func TestCollaboration_TimeNodeBreachGoesToQualityControl(t *testing.T) {
	booked := sh(2026, 11, 27, 10, 0) // Friday; time node Mon 10:00
	node := sh(2026, 11, 30, 10, 0)
	serious := sh(2026, 12, 1, 18, 0) // 1 working day after the time node
	h := newHarness(t, booked)
	h.do(time.Hour, workflows.ActionAccept, accept())
	afterNode := h.stateAt(node.Sub(booked) + time.Minute)
	late := h.do(serious.Sub(booked)+time.Hour, workflows.ActionDeliver, deliverWork())
	h.do(serious.Sub(booked)+2*time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "agent01", Score: 3})
	if _, err := runCollab(h, collabInput(t, booked, node.Sub(booked))); err != nil {
		t.Fatal(err)
	}
	if !afterNode.Overdue || len(afterNode.Collaboration.Reports) != 1 || afterNode.Collaboration.Reports[0].To != "qc" ||
		!afterNode.Collaboration.Reports[0].At.Equal(node) || afterNode.EscalationLevel != sla.LevelHandler {
		t.Fatalf("after the time node: overdue %t reports %+v level %v", afterNode.Overdue, afterNode.Collaboration.Reports, afterNode.EscalationLevel)
	}
	requireDue(t, deadline(t, *afterNode, sla.SeriousBreach, 0), serious, workflows.DeadlinePending)
	v := late.ok(t)
	requireDue(t, deadline(t, v, sla.TimeNode, 0), node, workflows.DeadlineMetLate)
	requireDue(t, deadline(t, v, sla.SeriousBreach, 0), serious, workflows.DeadlineMetLate)
	if v.EscalationLevel != sla.LevelManagement || len(v.Collaboration.Reports) != 2 || v.Collaboration.Reports[1].To != "qc_leader" {
		t.Fatalf("after the serious breach: level %v reports %+v", v.EscalationLevel, v.Collaboration.Reports)
	}
	window := node.Sub(booked)
	requireSent(t, h.notes.notices(workflows.NoticeQCReport, workflows.NoticeEscalation, workflows.NoticeReminder), []sent{
		{booked.Add(window / 2), workflows.NoticeReminder, "handler", sla.TimeNode},
		{booked.Add(window * 8 / 10), workflows.NoticeReminder, "handler", sla.TimeNode},
		{node, workflows.NoticeQCReport, "qc", ""},
		{serious, workflows.NoticeEscalation, "qc_leader", ""},
	})
	for _, n := range h.notes.notices(workflows.NoticeQCReport, workflows.NoticeEscalation) {
		if n.To.Department != forms.QualityControlDepartment {
			t.Errorf("%s went to %q, want quality control", n.Kind, n.To.Department)
		}
	}
}

// Rule X1: an urgent request may be booked inside the 24 hours only with a
// reason, which is recorded and reported to quality control; missing its
// time node is serious at once (X3).
func TestCollaboration_UrgentBypassRecordedAndReported(t *testing.T) {
	booked := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, booked)
	h.do(10*time.Minute, workflows.ActionAccept, accept())
	h.do(5*time.Hour, workflows.ActionDeliver, deliverWork())
	h.do(6*time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "agent01", Score: 5})
	in := collabInput(t, booked, 3*time.Hour, func(f *forms.Collaboration) {
		f.Urgency = forms.UrgencyUrgent
		f.BypassReason = "water is coming through the ceiling now"
	})
	if _, err := runCollab(h, in); err != nil {
		t.Fatal(err)
	}
	v := h.query()
	if !v.Collaboration.Bypassed || len(events(v, "booking_bypass")) != 1 {
		t.Fatalf("bypass not recorded: %+v", v.Collaboration)
	}
	r := v.Collaboration.Reports
	if len(r) != 3 || r[0].To != "qc" || !r[0].At.Equal(booked) || !strings.Contains(r[0].Reason, "water is coming") ||
		r[1].To != "qc" || !r[1].At.Equal(booked.Add(3*time.Hour)) || r[2].To != "qc_leader" || !r[2].At.Equal(booked.Add(3*time.Hour)) {
		t.Fatalf("reports %+v, want the bypass at booking, then qc and qc_leader at the time node", r)
	}
	if v.EscalationLevel != sla.LevelManagement {
		t.Errorf("level %v, want management for a serious breach", v.EscalationLevel)
	}
}

// Rule X4: a poor rating goes to quality control; a requester who does not
// rate within 2 working days lets the request close unrated.
func TestCollaboration_PoorRatingAndUnrated(t *testing.T) {
	booked := sh(2026, 11, 23, 10, 0)
	t.Run("poor rating", func(t *testing.T) {
		h := newHarness(t, booked)
		h.do(time.Hour, workflows.ActionAccept, accept())
		h.do(2*time.Hour, workflows.ActionDeliver, deliverWork())
		h.do(3*time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "agent01", Score: 2, Comment: "plan was incomplete"})
		res, err := runCollab(h, collabInput(t, booked, 48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		qc := h.notes.notices(workflows.NoticeQCReport)
		if res.Rating != 2 || len(qc) != 1 || !strings.Contains(qc[0].Reason, "poor rating 2/5") || !qc[0].CreatedAt.Equal(booked.Add(3*time.Hour)) {
			t.Fatalf("result %+v, QC notices %+v", res, qc)
		}
	})
	t.Run("unrated", func(t *testing.T) {
		h := newHarness(t, booked)
		h.do(time.Hour, workflows.ActionAccept, accept())
		h.do(2*time.Hour, workflows.ActionDeliver, deliverWork()) // Mon 12:00: rate by Wed 18:00
		res, err := runCollab(h, collabInput(t, booked, 48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != workflows.OutcomeUnrated || !res.ClosedAt.Equal(sh(2026, 11, 25, 18, 0)) || res.Status != workflows.StatusClosed {
			t.Fatalf("result %+v, want closed unrated at Wed 18:00", res)
		}
		// Reminded once, half-way, to rate.
		var rating []workflows.Notice
		for _, n := range h.notes.notices(workflows.NoticeReminder) {
			if n.Deadline == sla.Rating {
				rating = append(rating, n)
			}
		}
		if len(rating) != 1 || rating[0].To.Role != "requester" || !rating[0].CreatedAt.Equal(sh(2026, 11, 24, 15, 0)) {
			t.Fatalf("rating reminders %+v, want one to the requester at Tue 15:00", rating)
		}
		if n := h.notes.notices(workflows.NoticeQCReport, workflows.NoticeEscalation); len(n) != 0 {
			t.Fatalf("an unrated request is not a breach: %+v", n)
		}
	})
}

// requestFrom is a request-collaboration action to engineering with its
// time node at node.
func requestFrom(actor string, node time.Time) workflows.RequestCollaborationInput {
	return workflows.RequestCollaborationInput{Actor: actor, TargetDepartment: "engineering",
		Need: "find where the water enters the roof", TimeNode: node,
		RequesterResponsibilities: "keep the customer informed", TargetResponsibilities: "inspect the roof and report the cause"}
}

// Rules X1, C12: a complaint opens a cross-department request as a child;
// its resolution clock (72 natural hours) stands still from the request
// until the work is delivered, then runs on with exactly the time it had
// left — a second request declined meanwhile does not restart it early.
func TestComplaint_ResolutionClockPausedForCollaboration(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0) // Monday; resolution due Thu 09:00
	h := newHarness(t, reg)
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	opened := h.do(2*time.Hour, workflows.ActionRequestCollaboration, requestFrom("prop.lead", sh(2026, 11, 25, 12, 0)))
	second := h.do(3*time.Hour, workflows.ActionRequestCollaboration, requestFrom("prop.lead", sh(2026, 11, 26, 12, 0)))
	const first, other = "XZ-20261123-0001", "XZ-20261123-0002"
	h.doOn(first, 3*time.Hour, workflows.ActionAccept, accept())
	h.doOn(other, 4*time.Hour, workflows.ActionDecline, workflows.DeclineInput{Actor: "eng.head", Reason: "same question as " + first})
	stillPaused := h.stateAt(5 * time.Hour)
	h.doOn(first, 30*time.Hour, workflows.ActionDeliver, deliverWork()) // Tue 15:00
	resumed := h.stateAt(30*time.Hour + time.Minute)
	child := h.stateOfAt(first, 30*time.Hour+time.Minute)
	h.doOn(first, 31*time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "prop.lead", Score: 5})
	childDone := h.stateAt(31*time.Hour + time.Minute)
	h.do(75*time.Hour, workflows.ActionResolve, resolveWith("roof drain cleared and membrane patched"))
	h.do(76*time.Hour, workflows.ActionReturnVisit, visit(true, "dry now"))
	h.do(77*time.Hour, workflows.ActionDeliverResult, deliver())
	h.runToClose(input(form(t, reg, online)))

	v := opened.ok(t)
	if len(v.Children) != 1 || v.Children[0].No != first || v.Children[0].Status != workflows.StatusRegistered || !v.Children[0].Holds {
		t.Fatalf("children after the request: %+v", v.Children)
	}
	d := deadline(t, v, sla.Resolution, 0)
	if d.State != workflows.DeadlinePaused || len(d.Pauses) != 1 || !d.Pauses[0].From.Equal(reg.Add(2*time.Hour)) {
		t.Fatalf("resolution %s pauses %+v, want paused at Mon 11:00", d.State, d.Pauses)
	}
	// First feedback is not pausable: the customer still hears from us.
	if ff := deadline(t, v, sla.FirstFeedback, 0); ff.State != workflows.DeadlineMet {
		t.Errorf("first feedback %s", ff.State)
	}
	if v := second.ok(t); len(v.Children) != 2 {
		t.Fatalf("second request: %+v", v.Children)
	}
	if d := deadline(t, *stillPaused, sla.Resolution, 0); d.State != workflows.DeadlinePaused {
		t.Fatalf("after the second request was declined the clock is %s, want still paused for %s", d.State, first)
	}
	if c := stillPaused.Children[1]; c.Status != workflows.StatusDeclined || c.Holds {
		t.Fatalf("declined child shown as %+v", c)
	}
	if c := stillPaused.Children[0]; c.Status != workflows.StatusInProgress || !c.Holds {
		t.Fatalf("accepted child shown as %+v", c)
	}

	// Paused Mon 11:00 with 70h left; resumed Tue 15:00 → due Fri 13:00.
	d = deadline(t, *resumed, sla.Resolution, 0)
	requireDue(t, d, sh(2026, 11, 27, 13, 0), workflows.DeadlinePending)
	p := d.Pauses[0]
	if p.To == nil || !p.To.Equal(sh(2026, 11, 24, 15, 0)) || p.Remaining != 70*time.Hour || p.Business ||
		!p.DueBefore.Equal(sh(2026, 11, 26, 9, 0)) || p.For != first {
		t.Fatalf("pause %+v", p)
	}
	if c := resumed.Children[0]; c.Status != workflows.StatusResolved || c.Holds {
		t.Fatalf("delivered child shown as %+v", c)
	}
	if c := childDone.Children[0]; c.Status != workflows.StatusClosed || c.Rating != 5 {
		t.Fatalf("rated child shown as %+v", c)
	}
	if child.Parent != "TS-20261123-0001" || child.Collaboration.Form.RequestingDepartment != "property" ||
		child.Collaboration.Form.ParentCase != "TS-20261123-0001" {
		t.Fatalf("child does not name its parent: parent %q form %+v", child.Parent, child.Collaboration.Form)
	}
	// The customer is told the new time (C4) when the clock runs again.
	delay := ofCase(h.notes.notices(workflows.NoticeCustomerDelay), "TS-20261123-0001")
	if len(delay) != 1 || !delay[0].Due.Equal(sh(2026, 11, 27, 13, 0)) || !strings.Contains(delay[0].Reason, "engineering") {
		t.Fatalf("customer delay notices %+v", delay)
	}
	// Reminders count running time only: 50% of the 72h falls 36h of
	// running time after Mon 09:00 — Tue 21:00 without the pause, Thu 01:00
	// after the 28h pause (sent when business opens); 80% (Thu 22:36) comes
	// after the resolution.
	var reminders []time.Time
	for _, n := range ofCase(h.notes.notices(workflows.NoticeReminder), "TS-20261123-0001") {
		if n.Deadline == sla.Resolution {
			reminders = append(reminders, n.CreatedAt)
		}
	}
	if want := []time.Time{sh(2026, 11, 26, 1, 0)}; !slices.EqualFunc(reminders, want, time.Time.Equal) {
		t.Errorf("resolution reminders at %v, want %v", reminders, want)
	}
}

// Rules R3, X3: a repair's completion clock (3 working days, T2) pauses
// for a request to purchasing and carries its business time forward over
// the weekend; the parent shows the request overdue when it misses its
// time node.
func TestRepair_CompletionClockCarriesBusinessTime(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0) // Monday; completion due Thu 18:00
	h := newHarness(t, reg)
	h.do(10*time.Minute, workflows.ActionSign, workflows.SignInput{Actor: "maint.head", Technician: "liu.tech"})
	pausedAt := sh(2026, 11, 24, 16, 0) // Tue: 2h + 9h + 9h of business time left
	in := requestFrom("maint.head", sh(2026, 11, 26, 10, 0))
	in.TargetDepartment = "purchasing"
	h.do(pausedAt.Sub(reg), workflows.ActionRequestCollaboration, in)
	h.doOn("XZ-20261124-0001", pausedAt.Sub(reg)+time.Hour, workflows.ActionAccept, accept())
	overdue := h.stateAt(sh(2026, 11, 26, 10, 1).Sub(reg))
	deliveredAt := sh(2026, 11, 27, 11, 0) // Fri, a day after the time node
	h.doOn("XZ-20261124-0001", deliveredAt.Sub(reg), workflows.ActionDeliver, deliverWork())
	resumed := h.stateAt(deliveredAt.Sub(reg) + time.Minute)
	h.doOn("XZ-20261124-0001", deliveredAt.Sub(reg)+time.Hour, workflows.ActionRate, workflows.RateInput{Actor: "maint.head", Score: 1})
	h.do(deliveredAt.Sub(reg)+2*time.Hour, workflows.ActionComplete, workflows.CompleteInput{Actor: "liu.tech", Result: "valve replaced"})
	h.do(deliveredAt.Sub(reg)+3*time.Hour, workflows.ActionReturnVisit, passVisit("agent01"))
	if _, err := runRepair(h, repairInput(t, reg)); err != nil {
		t.Fatal(err)
	}
	if c := overdue.Children; len(c) != 1 || !c[0].Overdue || c[0].Status != workflows.StatusInProgress {
		t.Fatalf("children after the missed time node: %+v", c)
	}
	if d := deadline(t, *overdue, sla.RepairCompletion, 0); d.State != workflows.DeadlinePaused {
		t.Fatalf("completion clock %s while the request runs late, want paused", d.State)
	}
	// 20 business hours from Fri 11:00: Fri 7h, Mon 9h, Tue 4h → Tue 13:00.
	d := deadline(t, *resumed, sla.RepairCompletion, 0)
	requireDue(t, d, sh(2026, 12, 1, 13, 0), workflows.DeadlinePending)
	if p := d.Pauses[0]; p.Remaining != 20*time.Hour || !p.Business {
		t.Fatalf("pause %+v, want 20 business hours carried", p)
	}
	if qc := ofCase(h.notes.notices(workflows.NoticeQCReport), "XZ-20261124-0001"); len(qc) != 2 {
		t.Fatalf("QC reports %+v, want the missed time node and the poor rating", qc)
	}
}

// Rule X1: the parent's request is refused by the validator when booked
// less than 24 hours ahead, or urgent without a reason, and before the case
// has a department; nothing is started.
func TestComplaint_CollaborationRequestChecked(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	unroutedTry := h.do(time.Minute, workflows.ActionRequestCollaboration, requestFrom("agent01", reg.Add(48*time.Hour)))
	h.do(2*time.Minute, workflows.ActionRoute, workflows.RouteInput{Actor: "agent01", Department: "property"})
	tooSoon := h.do(time.Hour, workflows.ActionRequestCollaboration, requestFrom("prop.lead", reg.Add(24*time.Hour)))
	urgent := requestFrom("prop.lead", reg.Add(3*time.Hour))
	urgent.Urgency = forms.UrgencyUrgent
	noReason := h.do(time.Hour, workflows.ActionRequestCollaboration, urgent)
	self := requestFrom("prop.lead", reg.Add(72*time.Hour))
	self.TargetDepartment = "property"
	selfReq := h.do(time.Hour, workflows.ActionRequestCollaboration, self)
	state := h.stateAt(2 * time.Hour)
	h.cancelAt(3 * time.Hour)
	h.runUntilCancelled(input(form(t, reg, unrouted)))

	unroutedTry.rejected(t, workflows.ErrInvalidState)
	e := requireFieldError(t, tooSoon, "time_node")
	if e.Code != forms.CodeTooSoon || !strings.Contains(e.Message, "at least 24h0m0s") {
		t.Errorf("too-soon error %+v", e)
	}
	requireFieldError(t, noReason, "bypass_reason")
	requireFieldError(t, selfReq, "target_department")
	if len(state.Children) != 0 || len(events(*state, "collaboration_requested")) != 0 {
		t.Fatalf("a refused request left traces: %+v", state.Children)
	}
	if d := deadline(t, *state, sla.Resolution, 0); d.State != workflows.DeadlinePending {
		t.Errorf("resolution %s, want pending", d.State)
	}
}

// A case that closes while a request it opened is still open lets go of it:
// nothing is left holding clocks, in this run or a reopened one.
func TestComplaint_ClosingReleasesRequests(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	h.do(2*time.Hour, workflows.ActionRequestCollaboration, requestFrom("prop.lead", sh(2026, 11, 25, 12, 0)))
	h.do(3*time.Hour, workflows.ActionResolve, resolveWith("fixed without engineering"))
	h.do(4*time.Hour, workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(5*time.Hour, workflows.ActionDeliverResult, deliver())
	h.doOn("XZ-20261123-0001", 6*time.Hour, workflows.ActionDecline, workflows.DeclineInput{Actor: "eng.head", Reason: "no longer needed"})
	h.runToClose(input(form(t, reg, online)))
	v := h.query()
	if len(v.Children) != 1 || v.Children[0].Holds {
		t.Fatalf("children after close %+v, want none holding", v.Children)
	}
	if d := deadline(t, v, sla.Resolution, 0); d.State != workflows.DeadlineMet {
		t.Errorf("resolution %s, want met (resolved while paused)", d.State)
	}
}
