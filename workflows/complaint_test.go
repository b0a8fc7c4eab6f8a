package workflows_test

// Time-skipping tests of ComplaintWorkflow. Every rule of RULES.md that the
// workflow enforces is named in a test name or comment; deadlines, reminders,
// breaches and escalations are asserted to the exact instant.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Rules C2, C3, C6, C7, C10, C11, C13, T1, T3: the whole loop of a phone
// complaint from registration to closing.
func TestComplaint_HappyPathToClosed(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0) // Monday
	h := newHarness(t, reg)

	ff := h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	tmp := h.do(hours(2), workflows.ActionTemporarySolution, workflows.TemporarySolutionInput{
		Actor: "li.si", Description: "sandbags and warning signs in the lobby until the drain is replaced"})
	rs := h.do(hours(26), workflows.ActionResolve, resolveWith("roof drain replaced, ceiling repaired"))
	rv := h.do(hours(28), workflows.ActionReturnVisit, visit(true, "customer checked the lobby: dry, satisfied"))
	dl := h.do(hours(30), workflows.ActionDeliverResult, deliver())

	res := h.runToClose(input(form(t, reg)))

	for o, status := range map[*outcome]string{
		ff: workflows.StatusInProgress, tmp: workflows.StatusInProgress, rs: workflows.StatusResolved,
		rv: workflows.StatusSatisfied, dl: workflows.StatusClosed,
	} {
		if v := o.ok(t); v.Status != status {
			t.Errorf("after %s: status %q, want %q", o.action, v.Status, status)
		}
	}
	closedAt := sh(2026, 11, 24, 16, 0)
	if res.No != "TS-20261123-0001" || res.Status != workflows.StatusClosed || !res.ClosedAt.Equal(closedAt) || res.Rounds != 1 {
		t.Errorf("result = %+v, want closed at %s after 1 round", res, fmtSH(closedAt))
	}

	v := h.query()
	// Rule C7: routed at registration to the form's department.
	if v.Department != "property" || v.Record.HandlingDepartment != "property" {
		t.Errorf("department %q / handling department %q, want property", v.Department, v.Record.HandlingDepartment)
	}
	// Rule C2 (24h beats the phone clock of 1 working day, Tue 18:00, C11),
	// rule C3 (72h beats 3 working days, Thu 18:00), rule C10.
	requireDue(t, deadline(t, v, sla.FirstFeedback, 0), sh(2026, 11, 24, 10, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.Resolution, 0), sh(2026, 11, 26, 10, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.ReturnVisit, 1), sh(2026, 11, 25, 12, 0), workflows.DeadlineMet)
	requireDue(t, deadline(t, v, sla.ResultDelivery, 0), sh(2026, 11, 30, 18, 0), workflows.DeadlineMet)
	if d := deadline(t, v, sla.FirstFeedback, 0); d.MetAt == nil || !d.MetAt.Equal(sh(2026, 11, 23, 11, 0)) ||
		len(d.Also) != 1 || !d.Also[0].Due.Equal(sh(2026, 11, 24, 18, 0)) {
		t.Errorf("first_feedback met at %v, also %+v; want met Mon 11:00 and the 1-working-day clock (Tue 18:00) as the loser", d.MetAt, d.Also)
	}

	// Rule C6: the processing half of the complaint form is filled in.
	r := v.Record
	checks := []struct {
		field string
		ok    bool
	}{
		{"handler", r.Handler == "li.si"},
		{"temporary solution (C13)", strings.HasPrefix(r.TemporarySolution, "sandbags")},
		{"handling result", r.HandlingResult == "roof drain replaced, ceiling repaired"},
		{"completed at", r.CompletedAt != nil && r.CompletedAt.Equal(sh(2026, 11, 24, 12, 0))},
		{"return-visit outcome", r.ReturnVisitOutcome == "customer checked the lobby: dry, satisfied"},
		{"return visitor", r.ReturnVisitor == "cs.wang"},
		{"return-visit time", r.ReturnVisitAt != nil && r.ReturnVisitAt.Equal(sh(2026, 11, 24, 14, 0))},
		{"satisfied", r.Satisfied},
		{"result delivered at", r.ResultDeliveredAt != nil && r.ResultDeliveredAt.Equal(closedAt)},
		{"closed at (UTC, T3)", v.ClosedAt != nil && v.ClosedAt.Equal(closedAt) && v.ClosedAt.Location() == time.UTC},
		{"intake half kept", v.Form.ComplainantName == "张伟" && v.Form.Recorder == "agent01" && v.Form.ContentConfirmed &&
			v.Form.RegisteredAt.Equal(reg) && v.Form.IntakeAt.Equal(reg.Add(-2*time.Minute))},
		{"status closed", v.Status == workflows.StatusClosed},
		{"no escalation", v.EscalationLevel == sla.LevelHandler && len(v.Escalations) == 0 && !v.Overdue},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("record field %s wrong: %+v", c.field, r)
		}
	}
	for _, kind := range []string{"registered", "routed", "first_feedback", "temporary_solution", "resolved", "return_visit", "result_delivered", "closed"} {
		if len(events(v, kind)) != 1 {
			t.Errorf("timeline has %d %q events, want 1", len(events(v, kind)), kind)
		}
	}
	requireSent(t, h.notes.notices(), []sent{
		{reg, workflows.NoticeCustomerAck, "customer", ""},
		{reg, workflows.NoticeAssignment, "handler", ""},
		{sh(2026, 11, 24, 12, 0), workflows.NoticeCustomerResult, "customer", ""},
		{sh(2026, 11, 24, 12, 0), workflows.NoticeSatisfactionReq, "customer", ""}, // with the rating link
	})
	if o, c, b := h.metric(workflows.MetricCasesOpened, "case_type", "complaint"), h.metric(workflows.MetricCasesClosed, "case_type", "complaint"),
		h.metric(workflows.MetricDeadlinesBreached); o != 1 || c != 1 || b != 0 {
		t.Errorf("metrics: opened %v closed %v breached %v, want 1 1 0", o, c, b)
	}
}

// Rules C2, C3, E3, T1: nobody acts. Reminders fire at 50% and 80% of each
// clock; each breach climbs the ladder and tells the new level why.
func TestComplaint_RemindersAndBreachLadderWhenNobodyActs(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0) // Monday
	h := newHarness(t, reg)
	final := h.stateAt(sh(2026, 11, 30, 18, 1).Sub(reg))
	h.cancelAt(sh(2026, 12, 1, 9, 0).Sub(reg))
	h.runUntilCancelled(input(form(t, reg, online)))

	ff, res, rd := sla.FirstFeedback, sla.Resolution, sla.ResultDelivery
	// Reminders are raised at 50% and 80% of each clock; one raised out of
	// business hours waits for the opening, and is dropped when business
	// opens only at or after its deadline (the first-feedback reminders at
	// Mon 21:00 and Tue 04:12, the resolution one at Wed 18:36).
	requireSent(t, h.notes.notices(workflows.NoticeReminder, workflows.NoticeEscalation), []sent{
		{sh(2026, 11, 24, 9, 0), workflows.NoticeEscalation, "dept_head", ""}, // C2 breach at +24h
		{sh(2026, 11, 24, 21, 0), workflows.NoticeReminder, "handler", res},   // 50% of 72h, sent Wed 09:00
		{sh(2026, 11, 26, 9, 0), workflows.NoticeEscalation, "cs_head", ""},   // C3 breach at +72h
		{sh(2026, 11, 27, 1, 30), workflows.NoticeReminder, "handler", rd},    // 50% of Mon 09:00..Mon 18:00 (177h), sent Fri 09:00
		{sh(2026, 11, 29, 6, 36), workflows.NoticeReminder, "handler", rd},    // 80%, sent Mon 09:00
		{sh(2026, 11, 30, 18, 0), workflows.NoticeEscalation, "management", ""},
	})
	if dropped := events(*final, "notice_dropped"); len(dropped) != 3 {
		t.Errorf("dropped reminders %d, want 3: %+v", len(dropped), dropped)
	}
	for _, n := range h.notes.notices(workflows.NoticeReminder) {
		if n.To.Department != "property" || n.Due == nil || n.Fields["point"] == "" {
			t.Errorf("reminder %+v lacks department, due or point", n)
		}
	}
	// Rule E3: each level is told why, with a proposal (C5).
	for i, n := range h.notes.notices(workflows.NoticeEscalation) {
		wantUrgent := n.To.Role == "management"
		if !strings.Contains(n.Reason, "deadline") || n.Fields["proposal"] == "" || n.Urgent != wantUrgent {
			t.Errorf("escalation %d = reason %q fields %v urgent %v", i, n.Reason, n.Fields, n.Urgent)
		}
	}

	v := *final
	requireDue(t, deadline(t, v, ff, 0), sh(2026, 11, 24, 9, 0), workflows.DeadlineBreached)
	requireDue(t, deadline(t, v, res, 0), sh(2026, 11, 26, 9, 0), workflows.DeadlineBreached)
	requireDue(t, deadline(t, v, rd, 0), sh(2026, 11, 30, 18, 0), workflows.DeadlineBreached)
	for _, d := range v.Deadlines {
		if d.BreachedAt == nil || !d.BreachedAt.Equal(d.Due) {
			t.Errorf("%s breached at %v, want exactly at its due %s", d.Name, d.BreachedAt, fmtSH(d.Due))
		}
	}
	ladder := []struct {
		at       time.Time
		from, to sla.Level
		clock    string
	}{
		{sh(2026, 11, 24, 9, 0), sla.LevelHandler, sla.LevelDeptHead, ff},
		{sh(2026, 11, 26, 9, 0), sla.LevelDeptHead, sla.LevelCSHead, res},
		{sh(2026, 11, 30, 18, 0), sla.LevelCSHead, sla.LevelManagement, rd},
	}
	if len(v.Escalations) != len(ladder) {
		t.Fatalf("escalations %+v, want %d", v.Escalations, len(ladder))
	}
	for i, want := range ladder {
		e := v.Escalations[i]
		if !e.At.Equal(want.at) || e.From != want.from || e.To != want.to || e.By != "system" ||
			!strings.Contains(e.Reason, want.clock) || e.Proposal == "" {
			t.Errorf("escalation %d = %+v, want %s → %s at %s for %s", i, e, want.from, want.to, fmtSH(want.at), want.clock)
		}
	}
	if v.EscalationLevel != sla.LevelManagement || v.Escalation != "management" || !v.Overdue {
		t.Errorf("level %v (%q), overdue %v; want management and overdue", v.EscalationLevel, v.Escalation, v.Overdue)
	}
	// The same breaches and escalations, as Prometheus counts them.
	for _, want := range []struct {
		name   string
		labels []string
		n      float64
	}{
		{workflows.MetricDeadlinesBreached, []string{"case_type", "complaint"}, 3},
		{workflows.MetricDeadlinesBreached, []string{"deadline", ff}, 1},
		{workflows.MetricEscalations, []string{"case_type", "complaint"}, 3},
		{workflows.MetricEscalations, []string{"level", "management"}, 1},
		{workflows.MetricCasesOpened, nil, 1},
		{workflows.MetricCasesClosed, nil, 0},
	} {
		if got := h.metric(want.name, want.labels...); got != want.n {
			t.Errorf("%s%v = %v, want %v", want.name, want.labels, got, want.n)
		}
	}
}

// Rule C4: an extension granted before the deadline moves it, tells the
// customer why, is counted, and the breach then happens at the new due.
func TestComplaint_ExtensionBeforeBreachMovesDeadline(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	newDue := sh(2026, 11, 24, 15, 0)
	reason := "waiting for the lift contractor's inspection report"
	h := newHarness(t, reg)
	ext := h.do(hours(20), workflows.ActionExtend, workflows.ExtendInput{
		Actor: "cs.head", Deadline: sla.FirstFeedback, NewDue: newDue, Reason: reason})
	final := h.stateAt(hours(31))
	h.cancelAt(hours(32))
	h.runUntilCancelled(input(form(t, reg, online)))

	ev := ext.ok(t)
	requireDue(t, deadline(t, ev, sla.FirstFeedback, 0), newDue, workflows.DeadlinePending)
	exts := deadline(t, ev, sla.FirstFeedback, 0).Extensions
	if len(exts) != 1 || !exts[0].From.Equal(sh(2026, 11, 24, 9, 0)) || !exts[0].To.Equal(newDue) ||
		!exts[0].At.Equal(sh(2026, 11, 24, 5, 0)) || exts[0].Reason != reason || exts[0].By != "cs.head" || ev.Extensions != 1 {
		t.Errorf("extensions %+v (count %d), want one from Tue 09:00 to Tue 15:00", exts, ev.Extensions)
	}

	ff := sla.FirstFeedback
	// The night reminders (Mon 21:00, Tue 04:12) could only have gone out at
	// the old due instant, Tue 09:00: dropped.
	requireSent(t, h.notes.notices(workflows.NoticeReminder, workflows.NoticeEscalation, workflows.NoticeCustomerDelay), []sent{
		{sh(2026, 11, 24, 5, 0), workflows.NoticeCustomerDelay, "customer", ff},
		{sh(2026, 11, 24, 9, 0), workflows.NoticeReminder, "handler", ff},      // 80% of the new 30h clock
		{sh(2026, 11, 24, 15, 0), workflows.NoticeEscalation, "dept_head", ""}, // breach at the new due, not at 09:00
	})
	delay := h.notes.notices(workflows.NoticeCustomerDelay)[0]
	if delay.Reason != reason || delay.Due == nil || !delay.Due.Equal(newDue) || delay.To.Email != "zhang.wei@example.com" {
		t.Errorf("delay notice = %+v, want the reason and the new due", delay)
	}

	d := deadline(t, *final, ff, 0)
	requireDue(t, d, newDue, workflows.DeadlineBreached)
	if d.BreachedAt == nil || !d.BreachedAt.Equal(newDue) || final.Extensions != 1 {
		t.Errorf("breached at %v, extensions %d; want breach at %s, 1 extension", d.BreachedAt, final.Extensions, fmtSH(newDue))
	}
}

// Rule C4: no extension once the deadline passed, none without a reason or
// a later new deadline; rejections change nothing.
func TestComplaint_ExtensionRejected(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	ext := func(after time.Duration, in workflows.ExtendInput) *outcome {
		in.Actor = "cs.head"
		return h.do(after, workflows.ActionExtend, in)
	}
	later := sh(2026, 11, 25, 9, 0)
	noReason := ext(hours(2), workflows.ExtendInput{Deadline: sla.FirstFeedback, NewDue: later})
	notLater := ext(hours(3), workflows.ExtendInput{Deadline: sla.FirstFeedback, NewDue: sh(2026, 11, 24, 8, 0), Reason: "r"})
	unknown := ext(hours(4), workflows.ExtendInput{Deadline: "nope", NewDue: later, Reason: "r"})
	afterBreach := ext(hours(25), workflows.ExtendInput{Deadline: sla.FirstFeedback, NewDue: later, Reason: "supplier late"})
	final := h.stateAt(hours(26))
	h.cancelAt(hours(27))
	h.runUntilCancelled(input(form(t, reg, online)))

	if e := requireFieldError(t, noReason, "reason"); e.Code != forms.CodeRequired {
		t.Errorf("reason error code %q, want %q", e.Code, forms.CodeRequired)
	}
	requireFieldError(t, notLater, "new_due")
	requireFieldError(t, unknown, "deadline")
	appErr := afterBreach.rejected(t, workflows.ErrDeadlinePassed)
	if !strings.Contains(appErr.Error(), sla.FirstFeedback) {
		t.Errorf("deadline-passed error %q does not name the clock", appErr.Error())
	}
	if final.Extensions != 0 || len(h.notes.notices(workflows.NoticeCustomerDelay)) != 0 {
		t.Errorf("rejected extensions left %d extensions and %d delay notices", final.Extensions, len(h.notes.notices(workflows.NoticeCustomerDelay)))
	}
	requireDue(t, deadline(t, *final, sla.FirstFeedback, 0), sh(2026, 11, 24, 9, 0), workflows.DeadlineBreached)
}

// Rule C8: an unsatisfied return visit goes to the customer-service head and
// the department head for rework, then another visit, until satisfied; the
// third unsatisfied visit brings in management.
func TestComplaint_UnsatisfiedVisitsLoopThroughRework(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	var visits []*outcome
	// Resolve, then visit an hour later; the first three visits fail.
	for i, at := range []float64{5, 8, 11, 14} {
		h.do(hours(at), workflows.ActionResolve, resolveWith(fmt.Sprintf("attempt %d", i+1)))
		visits = append(visits, h.do(hours(at+1), workflows.ActionReturnVisit, visit(i == 3, fmt.Sprintf("visit %d", i+1))))
	}
	h.do(hours(16), workflows.ActionDeliverResult, deliver())
	res := h.runToClose(input(form(t, reg)))

	for i, o := range visits[:3] {
		v := o.ok(t)
		if v.Status != workflows.StatusRework || v.Rounds != i+1 {
			t.Errorf("after visit %d: status %q rounds %d, want rework %d", i+1, v.Status, v.Rounds, i+1)
		}
	}
	if v := visits[3].ok(t); v.Status != workflows.StatusSatisfied {
		t.Errorf("after the satisfied visit: status %q", v.Status)
	}
	if res.Status != workflows.StatusClosed || res.Rounds != 4 || !res.ClosedAt.Equal(sh(2026, 11, 24, 2, 0)) {
		t.Errorf("result %+v, want closed Tue 02:00 after 4 rounds", res)
	}

	visit1, visit2, visit3 := sh(2026, 11, 23, 16, 0), sh(2026, 11, 23, 19, 0), sh(2026, 11, 23, 22, 0)
	requireSent(t, h.notes.notices(workflows.NoticeRework, workflows.NoticeEscalation), []sent{
		{visit1, workflows.NoticeRework, "cs_head", ""},
		{visit1, workflows.NoticeRework, "dept_head", ""},
		{visit2, workflows.NoticeRework, "cs_head", ""},
		{visit2, workflows.NoticeRework, "dept_head", ""},
		{visit3, workflows.NoticeRework, "cs_head", ""},
		{visit3, workflows.NoticeRework, "dept_head", ""},
		{visit3, workflows.NoticeEscalation, "management", ""},
	})
	for _, n := range h.notes.notices(workflows.NoticeRework) {
		if n.To.Department != "property" || !strings.Contains(n.Reason, "unsatisfied") {
			t.Errorf("rework notice %+v lacks department or reason", n)
		}
	}
	esc := h.notes.notices(workflows.NoticeEscalation)[0]
	if !esc.Urgent || !strings.Contains(esc.Reason, "3 return visits") {
		t.Errorf("management escalation = %+v, want urgent and the reason", esc)
	}

	v := h.query()
	for round, due := range map[int]time.Time{
		1: sh(2026, 11, 24, 15, 0), 2: sh(2026, 11, 24, 18, 0), 3: sh(2026, 11, 24, 21, 0), 4: sh(2026, 11, 25, 0, 0),
	} {
		requireDue(t, deadline(t, v, sla.ReturnVisit, round), due, workflows.DeadlineMet)
	}
	for round, due := range map[int]time.Time{1: visit1.Add(72 * time.Hour), 2: visit2.Add(72 * time.Hour), 3: visit3.Add(72 * time.Hour)} {
		requireDue(t, deadline(t, v, sla.Rework, round), due, workflows.DeadlineMet)
	}
	if v.EscalationLevel != sla.LevelManagement || len(v.Escalations) != 1 || !v.Escalations[0].At.Equal(visit3) ||
		!v.Record.Satisfied || v.Record.HandlingResult != "attempt 4" || v.Record.ReturnVisitOutcome != "visit 4" {
		t.Errorf("after the loop: level %v escalations %+v record %+v", v.EscalationLevel, v.Escalations, v.Record)
	}
}

// Rule C9: a major complaint goes to management at once, urgently, and the
// ladder has nowhere further to go (E3).
func TestComplaint_MajorComplaintEscalatedToManagementAtRegistration(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	again := h.do(time.Minute, workflows.ActionEscalate, workflows.EscalateInput{Actor: "cs.head", Reason: "r", Proposal: "p"})
	final := h.stateAt(2 * time.Minute)
	h.cancelAt(3 * time.Minute)
	h.runUntilCancelled(input(form(t, reg, func(c *forms.Complaint) { c.Major = true })))

	requireSent(t, h.notes.notices(workflows.NoticeEscalation), []sent{{reg, workflows.NoticeEscalation, "management", ""}})
	n := h.notes.notices(workflows.NoticeEscalation)[0]
	if !n.Urgent || !strings.Contains(n.Reason, "major") || n.Fields["recording_ref"] != "rec-20261123-0815" {
		t.Errorf("major escalation notice = %+v", n)
	}
	v := *final
	if v.EscalationLevel != sla.LevelManagement || len(v.Escalations) != 1 {
		t.Fatalf("level %v escalations %+v, want management once", v.EscalationLevel, v.Escalations)
	}
	if e := v.Escalations[0]; e.By != "agent01" || e.From != sla.LevelHandler || !e.At.Equal(reg) || e.Proposal == "" {
		t.Errorf("escalation = %+v", e)
	}
	again.rejected(t, workflows.ErrInvalidState)
}

// Rules T1, T2, T3, C10, C11: the due instants come from the business
// calendar: natural hours, working days with the statutory holidays and
// make-up days, and the stricter phone clocks.
func TestComplaint_DeadlinesFollowBusinessCalendar(t *testing.T) {
	cases := []struct {
		name                     string
		channel                  forms.Channel
		reg                      time.Time
		first, resolution, deliv time.Time
		firstSpan                calendar.Span
		text                     []string // in the result_delivery explanation ("en")
	}{
		{
			name:    "C11 phone Monday evening: 1 and 3 working days beat 24h and 72h",
			channel: forms.ChannelPhone, reg: sh(2026, 11, 23, 20, 0),
			first: sh(2026, 11, 24, 18, 0), resolution: sh(2026, 11, 26, 18, 0), deliv: sh(2026, 11, 30, 18, 0),
			firstSpan: calendar.Span{N: 1, Unit: calendar.WorkingDays},
		},
		{
			name:    "T2 C10 five working days across the National Day holiday",
			channel: forms.ChannelOnline, reg: sh(2026, 9, 30, 10, 0),
			first: sh(2026, 10, 1, 10, 0), resolution: sh(2026, 10, 3, 10, 0), deliv: sh(2026, 10, 13, 18, 0),
			firstSpan: calendar.Span{N: 24, Unit: calendar.Hours},
			text:      []string{"National Day holiday 10-01..10-07", "make-up working Saturday 10-10", "due Tue 2026-10-13 18:00"},
		},
		{
			name:    "T2 registered on the make-up Saturday: the start day is not counted",
			channel: forms.ChannelOnline, reg: sh(2026, 10, 10, 10, 0),
			first: sh(2026, 10, 11, 10, 0), resolution: sh(2026, 10, 13, 10, 0), deliv: sh(2026, 10, 16, 18, 0),
			firstSpan: calendar.Span{N: 24, Unit: calendar.Hours},
		},
		{
			name:    "T1 natural hours run through the weekend",
			channel: forms.ChannelOnline, reg: sh(2026, 11, 27, 17, 0),
			first: sh(2026, 11, 28, 17, 0), resolution: sh(2026, 11, 30, 17, 0), deliv: sh(2026, 12, 4, 18, 0),
			firstSpan: calendar.Span{N: 24, Unit: calendar.Hours},
		},
		{
			name:    "C11 phone Saturday evening: the make-up Sunday 09-20 is a working day",
			channel: forms.ChannelPhone, reg: sh(2026, 9, 19, 20, 0),
			first: sh(2026, 9, 20, 18, 0), resolution: sh(2026, 9, 22, 18, 0), deliv: sh(2026, 9, 24, 18, 0),
			firstSpan: calendar.Span{N: 1, Unit: calendar.WorkingDays},
			text:      []string{"make-up working Sunday 09-20"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.reg)
			final := h.stateAt(time.Minute)
			h.cancelAt(2 * time.Minute)
			h.runUntilCancelled(input(form(t, tc.reg, func(c *forms.Complaint) { c.Channel = tc.channel })))

			v := *final
			first := deadline(t, v, sla.FirstFeedback, 0)
			requireDue(t, first, tc.first, workflows.DeadlinePending)
			requireDue(t, deadline(t, v, sla.Resolution, 0), tc.resolution, workflows.DeadlinePending)
			deliv := deadline(t, v, sla.ResultDelivery, 0)
			requireDue(t, deliv, tc.deliv, workflows.DeadlinePending)
			if first.Explanation.Span != tc.firstSpan {
				t.Errorf("first_feedback explained by %v, want %v", first.Explanation.Span, tc.firstSpan)
			}
			// C11: the phone case records the general clock it beat.
			if wantAlso := tc.channel == forms.ChannelPhone; wantAlso != (len(first.Also) == 1) {
				t.Errorf("first_feedback alternatives %+v", first.Also)
			}
			if !deliv.Explanation.Due.Equal(tc.deliv) || deliv.Explanation.Location != "Asia/Shanghai" {
				t.Errorf("result_delivery explanation %+v", deliv.Explanation)
			}
			text := deliv.Explanation.Text("en")
			for _, want := range tc.text {
				if !strings.Contains(text, want) {
					t.Errorf("explanation %q lacks %q", text, want)
				}
			}
		})
	}
}

// Rule C10: the return visit is made by phone or on site; e-mail is only an
// aid.
func TestComplaint_ReturnVisitMethod(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	h.do(hours(2), workflows.ActionResolve, resolveWith("fixed"))
	byMethod := func(after float64, method string) *outcome {
		in := visit(true, "fine")
		in.Method = method
		return h.do(hours(after), workflows.ActionReturnVisit, in)
	}
	email := byMethod(3, "email")
	none := byMethod(3.5, "")
	onsite := byMethod(4, "onsite")
	h.cancelAt(hours(5))
	h.runUntilCancelled(input(form(t, reg)))

	if e := requireFieldError(t, email, "method"); e.Code != forms.CodeUnknownValue {
		t.Errorf("email method error %+v", e)
	}
	if e := requireFieldError(t, none, "method"); e.Code != forms.CodeRequired {
		t.Errorf("empty method error %+v", e)
	}
	if v := onsite.ok(t); v.Status != workflows.StatusSatisfied || v.Rounds != 1 {
		t.Errorf("after the on-site visit: status %q rounds %d; the rejected visits must not count", v.Status, v.Rounds)
	}
}

// Rules C5, E3: a manual escalation of a phone complaint needs the call
// recording and carries reason, proposal and recording up the ladder.
func TestComplaint_ManualEscalationCarriesRecord(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	esc := func(after float64, reason, proposal, rec string) *outcome {
		return h.do(hours(after), workflows.ActionEscalate, workflows.EscalateInput{
			Actor: "cs.wang", Reason: reason, Proposal: proposal, RecordingRef: rec})
	}
	const rec = "rec-20261123-1002"
	noRec := esc(1, "customer threatens to go to the press", "department head calls back today", "")
	noProposal := esc(1.5, "customer threatens to go to the press", "", rec)
	first := esc(2, "customer threatens to go to the press", "department head calls back today", rec)
	second := esc(3, "no callback yet", "cs head calls the customer", "") // the recording is on the case now
	third := esc(4, "customer still angry", "management decides compensation", "")
	fourth := esc(5, "again", "again", "")
	h.cancelAt(hours(6))
	h.runUntilCancelled(input(form(t, reg, noRecording)))

	if e := requireFieldError(t, noRec, "recording_ref"); e.Code != forms.CodeRequired {
		t.Errorf("recording_ref error %+v", e)
	}
	requireFieldError(t, noProposal, "proposal")
	v := first.ok(t)
	want := workflows.Escalation{At: sh(2026, 11, 23, 12, 0), By: "cs.wang", From: sla.LevelHandler, To: sla.LevelDeptHead,
		Reason: "customer threatens to go to the press", Proposal: "department head calls back today", RecordingRef: rec}
	if len(v.Escalations) != 1 || !v.Escalations[0].At.Equal(want.At) || v.Escalations[0].At.Location() != time.UTC {
		t.Fatalf("escalations %+v, want one at %s", v.Escalations, fmtSH(want.At))
	}
	if got := v.Escalations[0]; got.By != want.By || got.From != want.From || got.To != want.To ||
		got.Reason != want.Reason || got.Proposal != want.Proposal || got.RecordingRef != want.RecordingRef {
		t.Errorf("escalation = %+v, want %+v", got, want)
	}
	if v.Form.RecordingRef != rec {
		t.Errorf("recording ref %q not kept on the case", v.Form.RecordingRef)
	}
	if v := second.ok(t); v.EscalationLevel != sla.LevelCSHead || v.Escalations[1].RecordingRef != rec {
		t.Errorf("second escalation: level %v, %+v", v.EscalationLevel, v.Escalations)
	}
	if v := third.ok(t); v.EscalationLevel != sla.LevelManagement {
		t.Errorf("third escalation: level %v", v.EscalationLevel)
	}
	fourth.rejected(t, workflows.ErrInvalidState)

	requireSent(t, h.notes.notices(workflows.NoticeEscalation), []sent{
		{sh(2026, 11, 23, 12, 0), workflows.NoticeEscalation, "dept_head", ""},
		{sh(2026, 11, 23, 13, 0), workflows.NoticeEscalation, "cs_head", ""},
		{sh(2026, 11, 23, 14, 0), workflows.NoticeEscalation, "management", ""},
	})
	n := h.notes.notices(workflows.NoticeEscalation)[0]
	if n.Reason != want.Reason || n.Fields["proposal"] != want.Proposal || n.Fields["recording_ref"] != rec ||
		n.Fields["from"] != "handler" || n.To.Department != "property" {
		t.Errorf("escalation notice = %+v", n)
	}
}

// Rule C7: without a department on the form the case waits to be routed.
func TestComplaint_RouteByHand(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	early := h.do(10*time.Minute, workflows.ActionFirstFeedback, firstFeedback())
	noDept := h.do(20*time.Minute, workflows.ActionRoute, workflows.RouteInput{Actor: "agent01"})
	badDept := h.do(25*time.Minute, workflows.ActionRoute, workflows.RouteInput{Actor: "agent01", Department: "Property Dept"})
	route := h.do(30*time.Minute, workflows.ActionRoute, workflows.RouteInput{Actor: "agent01", Department: "property", Handler: "li.si"})
	h.cancelAt(time.Hour)
	h.runUntilCancelled(input(form(t, reg, unrouted)))

	early.rejected(t, workflows.ErrInvalidState)
	requireFieldError(t, noDept, "department")
	requireFieldError(t, badDept, "department")
	v := route.ok(t)
	if v.Status != workflows.StatusRouted || v.Department != "property" || v.Handler != "li.si" || v.Record.HandlingDepartment != "property" {
		t.Errorf("after routing: %q %q %q %+v", v.Status, v.Department, v.Handler, v.Record)
	}
	requireSent(t, h.notes.notices(workflows.NoticeAssignment), []sent{{reg.Add(30 * time.Minute), workflows.NoticeAssignment, "handler", ""}})
	if n := h.notes.notices(workflows.NoticeAssignment)[0]; n.To.Department != "property" || n.To.Name != "li.si" {
		t.Errorf("assignment to %+v", n.To)
	}
}

// Rule C12: a case caused by another department is reassigned to it with a
// reason; from and to are recorded and the clocks keep running.
func TestComplaint_ReassignToDepartmentAtFault(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	const reason = "the leak comes from the roof drain that engineering maintains"
	noReason := h.do(hours(2), workflows.ActionReassign, workflows.ReassignInput{Actor: "cs.head", Department: "engineering"})
	same := h.do(hours(2.5), workflows.ActionReassign, workflows.ReassignInput{Actor: "cs.head", Department: "property", Reason: reason})
	moved := h.do(hours(3), workflows.ActionReassign, workflows.ReassignInput{Actor: "cs.head", Department: "engineering", Handler: "zhao.liu", Reason: reason})
	h.cancelAt(hours(4))
	h.runUntilCancelled(input(form(t, reg)))

	requireFieldError(t, noReason, "reason")
	requireFieldError(t, same, "department")
	v := moved.ok(t)
	if v.Department != "engineering" || v.Handler != "zhao.liu" || v.Record.HandlingDepartment != "engineering" ||
		v.Record.Handler != "zhao.liu" || v.Status != workflows.StatusInProgress {
		t.Errorf("after reassigning: %q %q %q %+v", v.Status, v.Department, v.Handler, v.Record)
	}
	ev := events(v, "reassigned")
	if len(ev) != 1 || ev[0].Fields["from"] != "property" || ev[0].Fields["to"] != "engineering" ||
		ev[0].Fields["reason"] != reason || ev[0].Actor != "cs.head" || !ev[0].At.Equal(sh(2026, 11, 23, 13, 0)) {
		t.Errorf("reassigned events %+v", ev)
	}
	// The set time still applies (C12).
	requireDue(t, deadline(t, v, sla.Resolution, 0), sh(2026, 11, 26, 10, 0), workflows.DeadlinePending)
	requireSent(t, h.notes.notices(workflows.NoticeAssignment), []sent{
		{reg, workflows.NoticeAssignment, "handler", ""},
		{sh(2026, 11, 23, 13, 0), workflows.NoticeAssignment, "handler", ""},
	})
	if n := h.notes.notices(workflows.NoticeAssignment)[1]; n.To.Department != "engineering" || n.Reason != reason {
		t.Errorf("reassignment notice %+v", n)
	}
}

// Issue 18: the department head assigns the case to a person of the
// department; the handler is set within the department, the clocks keep
// running, the person is told, and an empty or unchanged handler is a
// field error.
func TestComplaint_AssignToPerson(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	empty := h.do(hours(1), workflows.ActionAssign, workflows.AssignInput{Actor: "wang.head"})
	first := h.do(hours(2), workflows.ActionAssign, workflows.AssignInput{Actor: "wang.head", Handler: "li.ming", Note: "you know the building"})
	same := h.do(hours(2.5), workflows.ActionAssign, workflows.AssignInput{Actor: "wang.head", Handler: "li.ming"})
	h.cancelAt(hours(4))
	h.runUntilCancelled(input(form(t, reg)))

	requireFieldError(t, empty, "handler")
	requireFieldError(t, same, "handler")
	v := first.ok(t)
	if v.Handler != "li.ming" || v.Record.Handler != "li.ming" || v.Department != "property" {
		t.Errorf("after assigning: %q %q %q", v.Handler, v.Record.Handler, v.Department)
	}
	ev := events(v, "assigned")
	if len(ev) != 1 || ev[0].Fields["to"] != "li.ming" || ev[0].Fields["note"] != "you know the building" || ev[0].Actor != "wang.head" {
		t.Errorf("assigned events %+v", ev)
	}
	requireDue(t, deadline(t, v, sla.Resolution, 0), sh(2026, 11, 26, 10, 0), workflows.DeadlinePending)
	notices := h.notes.notices(workflows.NoticeAssignment)
	if n := notices[len(notices)-1]; n.To.Name != "li.ming" || n.To.Department != "property" {
		t.Errorf("assignment notice %+v", n)
	}
}

// Actions that do not fit the case's status are rejected by the validator.
func TestComplaint_WrongStateActionsRejected(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	// Routed, no first feedback yet.
	early := []*outcome{
		h.do(hours(1), workflows.ActionResolve, resolveWith("fixed")),
		h.do(hours(1.1), workflows.ActionReturnVisit, visit(true, "fine")),
		h.do(hours(1.2), workflows.ActionDeliverResult, deliver()),
	}
	h.do(hours(2), workflows.ActionFirstFeedback, firstFeedback())
	again := h.do(hours(3), workflows.ActionFirstFeedback, firstFeedback())
	reroute := h.do(hours(3.5), workflows.ActionRoute, workflows.RouteInput{Actor: "agent01", Department: "engineering"})
	h.cancelAt(hours(4))
	h.runUntilCancelled(input(form(t, reg)))

	for _, o := range append(early, again, reroute) {
		o.rejected(t, workflows.ErrInvalidState)
	}
}

// Once closed, every action is rejected with ErrInvalidState. A notice that
// keeps failing keeps the run open (it finishes after the last notice), which
// is the window these actions land in; the failing channel never holds up
// the case itself.
func TestComplaint_ActionsAfterCloseRejected(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.notes.fail = func(n workflows.Notice) error {
		if n.Kind == workflows.NoticeCustomerResult {
			return errors.New("mail server down")
		}
		return nil
	}
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	h.do(hours(2), workflows.ActionResolve, resolveWith("fixed"))
	h.do(hours(2.25), workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(hours(2.5), workflows.ActionDeliverResult, deliver())

	inputs := map[string]any{
		workflows.ActionRoute:             workflows.RouteInput{Actor: "a", Department: "engineering"},
		workflows.ActionFirstFeedback:     firstFeedback(),
		workflows.ActionTemporarySolution: workflows.TemporarySolutionInput{Actor: "a", Description: "d"},
		workflows.ActionReassign:          workflows.ReassignInput{Actor: "a", Department: "engineering", Reason: "r"},
		workflows.ActionAssign:            workflows.AssignInput{Actor: "a", Handler: "h"},
		workflows.ActionResolve:           resolveWith("again"),
		workflows.ActionReturnVisit:       visit(true, "again"),
		workflows.ActionDeliverResult:     deliver(),
		workflows.ActionExtend:            workflows.ExtendInput{Actor: "a", Deadline: sla.ResultDelivery, NewDue: sh(2026, 12, 31, 18, 0), Reason: "r"},
		workflows.ActionEscalate:          workflows.EscalateInput{Actor: "a", Reason: "r", Proposal: "p"},
		workflows.ActionComment:           workflows.CommentInput{Actor: "a", Text: "t"},
	}
	var late []*outcome
	for i, action := range workflows.ComplaintActions {
		late = append(late, h.do(hours(3)+time.Duration(i)*time.Minute, action, inputs[action]))
	}
	res := h.runToClose(input(form(t, reg)))

	if res.Status != workflows.StatusClosed || !res.ClosedAt.Equal(sh(2026, 11, 23, 12, 30)) {
		t.Errorf("result %+v, want closed at 12:30", res)
	}
	for _, o := range late {
		o.rejected(t, workflows.ErrInvalidState)
	}
	v := h.query()
	if got := len(events(v, "notice_failed")); got != 1 {
		t.Errorf("%d notice_failed events, want 1 (customer_result after its last attempt)", got)
	}
	if len(events(v, "comment")) != 0 || v.Status != workflows.StatusClosed {
		t.Errorf("a rejected action changed the closed case: %+v", v.Timeline[len(v.Timeline)-1])
	}
}

// A notice channel that is down never delays the clocks: breaches and
// escalations happen on time and the failures land on the timeline.
func TestComplaint_FailingNoticesDoNotHoldUpDeadlines(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	h.notes.fail = func(workflows.Notice) error { return errors.New("smtp: connection refused") }
	final := h.stateAt(hours(30))
	h.cancelAt(hours(31))
	h.runUntilCancelled(input(form(t, reg, online)))

	v := *final
	d := deadline(t, v, sla.FirstFeedback, 0)
	if d.State != workflows.DeadlineBreached || d.BreachedAt == nil || !d.BreachedAt.Equal(sh(2026, 11, 24, 9, 0)) {
		t.Errorf("first_feedback %s breached at %v, want breached Tue 09:00", d.State, d.BreachedAt)
	}
	if len(v.Escalations) != 1 || !v.Escalations[0].At.Equal(sh(2026, 11, 24, 9, 0)) {
		t.Errorf("escalations %+v", v.Escalations)
	}
	if len(events(v, "notice_failed")) == 0 || len(h.notes.notices()) != 0 {
		t.Errorf("want notice_failed events and nothing delivered")
	}
}

// Rule C1: intake and registration times are both kept; registering more
// than 5 minutes after intake is flagged.
func TestComplaint_LateRegistrationFlagged(t *testing.T) {
	for _, tc := range []struct {
		gap  time.Duration
		late bool
	}{
		{0, false},
		{4 * time.Minute, false},
		{5 * time.Minute, false},
		{10 * time.Minute, true},
	} {
		t.Run(tc.gap.String(), func(t *testing.T) {
			reg := sh(2026, 11, 23, 10, 0)
			h := newHarness(t, reg)
			final := h.stateAt(time.Minute)
			h.cancelAt(2 * time.Minute)
			h.runUntilCancelled(input(form(t, reg, func(c *forms.Complaint) { c.IntakeAt = reg.Add(-tc.gap) })))

			v := *final
			if v.LateRegistration != tc.late || (len(events(v, "late_registration")) == 1) != tc.late {
				t.Errorf("late registration %v (events %d), want %v", v.LateRegistration, len(events(v, "late_registration")), tc.late)
			}
			if !v.Form.IntakeAt.Equal(reg.Add(-tc.gap)) || !v.Form.RegisteredAt.Equal(reg) {
				t.Errorf("intake %s / registered %s not kept", fmtSH(v.Form.IntakeAt), fmtSH(v.Form.RegisteredAt))
			}
			// Clocks run from the registration (C2), not from the intake.
			requireDue(t, deadline(t, v, sla.FirstFeedback, 0), sh(2026, 11, 24, 10, 0), workflows.DeadlinePending)
		})
	}
}

// Rule E1: a case written on the emergency form and entered 30 hours later
// keeps its original times; its first-feedback clock has passed, so it is
// breached and escalated at once, without stale reminders.
func TestComplaint_BackfilledCaseBreachedAtOnce(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	entered := reg.Add(30 * time.Hour) // Tue 15:00
	h := newHarness(t, entered)
	final := h.stateAt(hours(7))
	h.cancelAt(hours(8))
	h.runUntilCancelled(input(form(t, reg, online)))

	// The 50% reminder of the resolution clock falls at Tue 21:00, after
	// business hours: it is held until Wed 09:00, after this test ends.
	requireSent(t, h.notes.notices(workflows.NoticeReminder, workflows.NoticeEscalation), []sent{
		{entered, workflows.NoticeEscalation, "dept_head", ""},
	})
	v := *final
	if held := events(v, "notice_held"); len(held) != 1 || !held[0].At.Equal(sh(2026, 11, 24, 21, 0)) ||
		!strings.Contains(held[0].Message, "2026-11-25T01:00:00Z") {
		t.Errorf("held notices %+v, want the 21:00 reminder held until Wed 09:00", held)
	}
	d := deadline(t, v, sla.FirstFeedback, 0)
	requireDue(t, d, sh(2026, 11, 24, 9, 0), workflows.DeadlineBreached)
	if d.BreachedAt == nil || !d.BreachedAt.Equal(entered) {
		t.Errorf("breached at %v, want at entry %s", d.BreachedAt, fmtSH(entered))
	}
	requireDue(t, deadline(t, v, sla.Resolution, 0), sh(2026, 11, 26, 9, 0), workflows.DeadlinePending)
	if ev := events(v, "registered"); len(ev) != 1 || !ev[0].At.Equal(reg) {
		t.Errorf("registered event %+v, want at the original time %s", ev, fmtSH(reg))
	}
	if v.EscalationLevel != sla.LevelDeptHead || !v.Overdue {
		t.Errorf("level %v overdue %v", v.EscalationLevel, v.Overdue)
	}
}

// Two actions arriving together are applied one after the other: the return
// visit must see the clock the resolution armed (it used to run while the
// resolution was still computing it, leaving a stale clock that breached).
func TestComplaint_ConcurrentActionsAppliedInOrder(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	rs := &outcome{action: workflows.ActionResolve, at: hours(26)}
	rv := &outcome{action: workflows.ActionReturnVisit, at: hours(26)}
	h.env.RegisterDelayedCallback(func() {
		h.send(rs, resolveWith("fixed"))
		h.send(rv, visit(true, "fine"))
	}, hours(26))
	final := h.stateAt(hours(51)) // after the return-visit clock's due
	h.cancelAt(hours(52))
	h.runUntilCancelled(input(form(t, reg)))

	rs.ok(t)
	rv.ok(t)
	d := deadline(t, *final, sla.ReturnVisit, 1)
	requireDue(t, d, sh(2026, 11, 25, 12, 0), workflows.DeadlineMet)
	if d.MetAt == nil || !d.MetAt.Equal(sh(2026, 11, 24, 12, 0)) {
		t.Errorf("return visit met at %v", d.MetAt)
	}
	if final.Status != workflows.StatusSatisfied || final.Overdue || len(final.Escalations) != 0 {
		t.Errorf("status %q overdue %v escalations %+v", final.Status, final.Overdue, final.Escalations)
	}
}

// The search attributes are upserted as the case moves (the test
// environment accepts the typed attributes; a failure would be logged).
func TestComplaint_SearchAttributesUpserted(t *testing.T) {
	reg := sh(2026, 11, 23, 10, 0)
	h := newHarness(t, reg)
	var statuses []string
	var last map[string]any
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if s, ok := sa.GetKeyword(workflows.SACaseStatus); ok {
			statuses = append(statuses, s)
		}
		last = map[string]any{}
		if d, ok := sa.GetKeyword(workflows.SADepartment); ok {
			last["department"] = d
		}
		if n, ok := sa.GetTime(workflows.SANextDeadline); ok {
			last["next"] = n
		}
		if o, ok := sa.GetBool(workflows.SAOverdue); ok {
			last["overdue"] = o
		}
		if l, ok := sa.GetInt64(workflows.SAEscalationLevel); ok {
			last["level"] = l
		}
	})
	h.do(hours(1), workflows.ActionFirstFeedback, firstFeedback())
	h.do(hours(2), workflows.ActionResolve, resolveWith("fixed"))
	h.do(hours(3), workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(hours(4), workflows.ActionDeliverResult, deliver())
	h.runToClose(input(form(t, reg))) // fails on a logged upsert error

	want := []string{workflows.StatusRouted, workflows.StatusInProgress, workflows.StatusResolved, workflows.StatusSatisfied, workflows.StatusClosed}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("case statuses upserted %v, want %v", statuses, want)
	}
	if last["department"] != "property" || last["overdue"] != false || last["level"] != int64(0) || last["next"] != nil {
		t.Errorf("last upsert %v, want property, not overdue, level 0, no next deadline", last)
	}
}

// Rules P3, C8: a closed complaint reopened by the customer-service head
// continues in a new run from its record: back to rework with a fresh 72h
// clock and a new in-person delivery due, the heads told, and closed again
// only when the customer is satisfied and has the result.
func TestComplaint_ReopenedAfterClose(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	first := newHarness(t, reg)
	first.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	first.do(2*time.Hour, workflows.ActionResolve, resolveWith("pipe replaced"))
	first.do(3*time.Hour, workflows.ActionReturnVisit, visit(true, "fine"))
	first.do(4*time.Hour, workflows.ActionDeliverResult, deliver())
	first.runToClose(input(form(t, reg, online)))
	closed := first.query()

	reopenAt := sh(2026, 11, 30, 10, 0) // a week later the leak is back
	h := newHarness(t, reopenAt)
	in := input(form(t, reg, online))
	in.Reopen = &workflows.Reopen{View: closed, By: "cshead01", Reason: "leak is back", At: reopenAt}
	state := h.stateAt(time.Minute)
	h.do(time.Hour, workflows.ActionResolve, resolveWith("roof drain cleared"))
	h.do(2*time.Hour, workflows.ActionReturnVisit, visit(true, "dry for good"))
	early := h.do(2*time.Hour+time.Minute, workflows.ActionFirstFeedback, firstFeedback())
	done := h.do(3*time.Hour, workflows.ActionDeliverResult, deliver())
	res := h.runToClose(in)

	if state.Status != workflows.StatusRework || state.ClosedAt != nil || len(events(*state, "reopened")) != 1 ||
		len(state.Timeline) <= len(closed.Timeline) {
		t.Fatalf("reopened: status %s closed %v, timeline kept %d of %d", state.Status, state.ClosedAt, len(state.Timeline), len(closed.Timeline))
	}
	requireDue(t, deadline(t, *state, sla.Rework, 1), reopenAt.Add(72*time.Hour), workflows.DeadlinePending)
	requireDue(t, deadline(t, *state, sla.ResultDelivery, 1), sh(2026, 12, 7, 18, 0), workflows.DeadlinePending) // 5 working days
	early.rejected(t, workflows.ErrInvalidState)
	v := done.ok(t)
	if v.Status != workflows.StatusClosed || res.Rounds != 2 {
		t.Fatalf("after the second round: %s, %d rounds", v.Status, res.Rounds)
	}
	rework := h.notes.notices(workflows.NoticeRework)
	if len(rework) != 2 || rework[0].To.Role != "cs_head" || rework[1].To.Role != "dept_head" || !rework[0].CreatedAt.Equal(reopenAt) {
		t.Fatalf("rework notices %+v, want cs_head and dept_head at the reopening", rework)
	}
}

// Rule P2: what goes to the customer carries no internal information — no
// escalation proposal, ladder level or recording reference, whatever
// happened inside the case.
func TestComplaint_CustomerNoticesCarryNothingInternal(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	proposal := "internal: offer at most 200 yuan goodwill credit"
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	h.do(2*time.Hour, workflows.ActionEscalate, workflows.EscalateInput{Actor: "cs.head", Reason: "second leak", Proposal: proposal, RecordingRef: "rec-secret-42"})
	h.do(3*time.Hour, workflows.ActionExtend, workflows.ExtendInput{Actor: "cs.head", Deadline: sla.Resolution, NewDue: sh(2026, 11, 27, 9, 0), Reason: "roof contractor booked for Thursday"})
	h.do(4*time.Hour, workflows.ActionResolve, resolveWith("membrane patched"))
	h.do(5*time.Hour, workflows.ActionReturnVisit, visit(true, "dry"))
	h.do(6*time.Hour, workflows.ActionDeliverResult, deliver())
	h.runToClose(input(form(t, reg)))
	customer := 0
	for _, n := range h.notes.notices() {
		if n.To.Role != "customer" {
			continue
		}
		customer++
		for k, v := range n.Fields {
			if !slices.Contains([]string{"result", "extension", "visit_at", "note", "round"}, k) {
				t.Errorf("%s to the customer carries internal field %s=%q", n.Kind, k, v)
			}
		}
		for _, secret := range []string{proposal, "rec-secret-42", "management", "dept_head"} {
			if strings.Contains(n.Reason, secret) || strings.Contains(fmt.Sprint(n.Fields), secret) {
				t.Errorf("%s to the customer mentions %q", n.Kind, secret)
			}
		}
	}
	if customer < 3 {
		t.Fatalf("%d customer notices, want the acknowledgement, the delay and the result", customer)
	}
}

// Rules C8, R5: the customer's rating from the satisfaction link drives the
// loop — a low one sends the case back exactly as an unsatisfied return
// visit does; a link works once, for its own round; a good rating is
// recorded and the return visit still follows.
func TestComplaint_CustomerRatingFromTheLink(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	h.do(2*time.Hour, workflows.ActionResolve, resolveWith("pipe replaced"))
	low := h.do(3*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 1, Score: 2, Comment: "still leaking", Nonce: "a"})
	reused := h.do(4*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 1, Score: 5, Nonce: "a"})
	h.do(5*time.Hour, workflows.ActionResolve, resolveWith("roof resealed"))
	stale := h.do(6*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 1, Score: 5, Nonce: "a"})
	badScore := h.do(6*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 2, Score: 9, Nonce: "b"})
	good := h.do(7*time.Hour, workflows.ActionCustomerRating, workflows.CustomerRatingInput{Round: 2, Score: 5, Comment: "dry", Nonce: "b"})
	h.do(8*time.Hour, workflows.ActionReturnVisit, visit(true, "confirmed dry"))
	h.do(9*time.Hour, workflows.ActionDeliverResult, deliver())
	res := h.runToClose(input(form(t, reg)))

	v := low.ok(t)
	if v.Status != workflows.StatusRework || v.Rounds != 1 || len(v.Ratings) != 1 || v.Record.Satisfied {
		t.Fatalf("after a low rating: %s rounds %d ratings %+v", v.Status, v.Rounds, v.Ratings)
	}
	requireDue(t, deadline(t, v, sla.Rework, 1), reg.Add(3*time.Hour+72*time.Hour), workflows.DeadlinePending)
	if e := reused.rejected(t, workflows.ErrInvalidState); !strings.Contains(e.Error(), "already used") {
		t.Errorf("reused link: %v", e)
	}
	stale.rejected(t, workflows.ErrInvalidState)
	requireFieldError(t, badScore, "score")
	if v := good.ok(t); v.Status != workflows.StatusResolved || len(v.Ratings) != 2 {
		t.Fatalf("after a good rating: %s ratings %+v", v.Status, v.Ratings)
	}
	if res.Rounds != 2 {
		t.Errorf("rounds %d, want 2 (the low rating and the phone visit)", res.Rounds)
	}
	if n := h.notes.notices(workflows.NoticeSatisfactionReq); len(n) != 2 || n[0].Fields["round"] != "1" || n[1].Fields["round"] != "2" {
		t.Fatalf("satisfaction requests %+v, want one per resolution with its round", n)
	}
}

// Quiet hours: staff reminders due outside business hours wait for the next
// opening, customer notices never go out at night (21:00–08:00), anything
// urgent and other staff notices go at once.
func TestComplaint_QuietHours(t *testing.T) {
	reg := sh(2026, 11, 23, 22, 0) // Monday night
	h := newHarness(t, reg)
	h.cancelAt(sh(2026, 11, 26, 12, 0).Sub(reg))
	h.runUntilCancelled(input(form(t, reg, online, func(c *forms.Complaint) { c.Major = true })))
	sentAt := func(kind, role, deadline string, raised time.Time) time.Time {
		t.Helper()
		for _, n := range h.notes.notices(kind) {
			if n.To.Role == role && n.Deadline == deadline && n.CreatedAt.Equal(raised) {
				return h.notes.sentAt[n.ID]
			}
		}
		t.Fatalf("no %s to %s (%s) raised at %s", kind, role, deadline, fmtSH(raised))
		return time.Time{}
	}
	for _, tc := range []struct {
		what                 string
		kind, role, deadline string
		raised, want         time.Time
	}{
		{"customer acknowledgement at night waits for 08:00", workflows.NoticeCustomerAck, "customer", "", reg, sh(2026, 11, 24, 8, 0)},
		{"assignment goes at once", workflows.NoticeAssignment, "handler", "", reg, reg},
		{"urgent escalation to management goes at once", workflows.NoticeEscalation, "management", "", reg, reg},
		{"reminder in business hours goes at once", workflows.NoticeReminder, "handler", sla.FirstFeedback, sh(2026, 11, 24, 10, 0), sh(2026, 11, 24, 10, 0)},
		{"reminder before opening waits for it", workflows.NoticeReminder, "handler", sla.Resolution, sh(2026, 11, 26, 7, 36), sh(2026, 11, 26, 9, 0)},
	} {
		if got := sentAt(tc.kind, tc.role, tc.deadline, tc.raised); !got.Equal(tc.want) {
			t.Errorf("%s: sent %s, want %s", tc.what, fmtSH(got), fmtSH(tc.want))
		}
	}
}

// archiveTo gives the harness's activities an archive of their own.
func archiveTo(t *testing.T, h *harness) *archive.Store {
	t.Helper()
	store, err := archive.Open(context.Background(), "", filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h.acts.Archive = store
	return store
}

// Rule K1: the archive holds the case while it is open and its full record
// once it closes.
func TestComplaint_Archived(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	store := archiveTo(t, h)
	var whileOpen workflows.CaseView
	h.env.RegisterDelayedCallback(func() { whileOpen, _ = store.Get(context.Background(), "TS-20261123-0001") }, 90*time.Minute)
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	h.do(2*time.Hour, workflows.ActionResolve, resolveWith("pipe replaced"))
	h.do(3*time.Hour, workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(4*time.Hour, workflows.ActionDeliverResult, deliver())
	h.runToClose(input(form(t, reg)))
	if whileOpen.Status != workflows.StatusInProgress {
		t.Errorf("archived while open: %q, want in_progress", whileOpen.Status)
	}
	got, err := store.Get(context.Background(), "TS-20261123-0001")
	if err != nil {
		t.Fatal(err)
	}
	want := h.query()
	if got.Status != workflows.StatusClosed || len(got.Timeline) != len(want.Timeline) || got.Form.ComplainantName != want.Form.ComplainantName ||
		len(got.Deadlines) != len(want.Deadlines) || got.Record.ResultDeliveredAt == nil {
		t.Fatalf("archived record %s with %d events, want the closed case with %d", got.Status, len(got.Timeline), len(want.Timeline))
	}
}

// Rule K1, kept cheap: while the case is open, the archive is written when
// more than the timeline changed. A comment alone waits for the next
// change, and the closed record still holds every entry.
func TestComplaint_ArchivedOnChangeNotOnEveryComment(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	store := archiveTo(t, h)
	const no = "TS-20261123-0001"
	var afterComments, afterResolve workflows.CaseView
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	for i := range 3 {
		h.do(90*time.Minute+time.Duration(i)*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: fmt.Sprintf("note %d", i)})
	}
	h.env.RegisterDelayedCallback(func() { afterComments, _ = store.Get(context.Background(), no) }, 100*time.Minute)
	h.do(2*time.Hour, workflows.ActionResolve, resolveWith("pipe replaced"))
	h.env.RegisterDelayedCallback(func() { afterResolve, _ = store.Get(context.Background(), no) }, 130*time.Minute)
	h.do(3*time.Hour, workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(4*time.Hour, workflows.ActionDeliverResult, deliver())
	h.runToClose(input(form(t, reg)))
	kinds := func(v workflows.CaseView, kind string) int {
		n := 0
		for _, e := range v.Timeline {
			if e.Kind == kind {
				n++
			}
		}
		return n
	}
	if afterComments.Status != workflows.StatusInProgress || kinds(afterComments, "comment") != 0 {
		t.Errorf("after the comments the archive holds %q with %d comments, want in_progress as of the first feedback, with none",
			afterComments.Status, kinds(afterComments, "comment"))
	}
	if afterResolve.Status != workflows.StatusResolved || kinds(afterResolve, "comment") != 3 {
		t.Errorf("after resolving the archive holds %q with %d comments, want resolved with 3", afterResolve.Status, kinds(afterResolve, "comment"))
	}
	got, err := store.Get(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	if want := h.query(); got.Status != workflows.StatusClosed || len(got.Timeline) != len(want.Timeline) {
		t.Errorf("closed record %s with %d events, want closed with %d", got.Status, len(got.Timeline), len(want.Timeline))
	}
}

// A reminder held for business hours is dropped when its clock is met
// before it could go out, so a closed case does not wait for it.
func TestComplaint_HeldReminderDroppedWhenMet(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, reg)
	h.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	resolvedAt := sh(2026, 11, 24, 22, 0) // the resolution reminder of Tue 21:00 is held until Wed 09:00
	h.do(resolvedAt.Sub(reg), workflows.ActionResolve, resolveWith("fixed at night"))
	h.do(resolvedAt.Sub(reg)+time.Minute, workflows.ActionReturnVisit, visit(true, "fine"))
	h.do(resolvedAt.Sub(reg)+2*time.Minute, workflows.ActionDeliverResult, deliver())
	res := h.runToClose(input(form(t, reg, online, func(c *forms.Complaint) { c.Email = "" })))
	for _, n := range h.notes.notices(workflows.NoticeReminder) {
		if n.Deadline == sla.Resolution {
			t.Errorf("resolution reminder sent at %s after the clock was met", fmtSH(h.notes.sentAt[n.ID]))
		}
	}
	if ev := events(h.query(), "notice_dropped"); len(ev) != 1 || !ev[0].At.Equal(resolvedAt) {
		t.Errorf("dropped %+v, want the held reminder dropped at the resolution", ev)
	}
	if !res.ClosedAt.Equal(resolvedAt.Add(2 * time.Minute)) {
		t.Errorf("closed at %s", fmtSH(res.ClosedAt))
	}
}

// Issue 17: a complaint whose workflow ended other than by its close is
// restored from its record where it stood — its status, its met clocks,
// its pending clocks at their recorded due instants — not sent to rework;
// a clock whose instant passed meanwhile breaches at once and climbs the
// ladder, and the case takes actions again.
func TestComplaint_RestoredAfterFailure(t *testing.T) {
	reg := sh(2026, 11, 23, 9, 0)
	first := newHarness(t, reg)
	first.do(time.Hour, workflows.ActionFirstFeedback, firstFeedback())
	first.cancelAt(2 * time.Hour) // the run ends without the case closing
	first.runUntilCancelled(input(form(t, reg, online)))
	failed := first.query()
	was := failed.Status
	failed.Status = workflows.StatusFailed
	failed.Failure = &workflows.Failure{At: reg.Add(2 * time.Hour), How: "cancelled", Status: was, Run: "run-1"}
	resolution, delivery := deadline(t, failed, sla.Resolution, 0), deadline(t, failed, sla.ResultDelivery, 0)

	restoreAt := sh(2026, 11, 27, 10, 0) // after the resolution's instant, before the delivery's
	if !resolution.Due.Before(restoreAt) || !delivery.Due.After(restoreAt) {
		t.Fatalf("test premise: resolution due %s, delivery due %s around %s", resolution.Due, delivery.Due, restoreAt)
	}
	h := newHarness(t, restoreAt)
	in := input(form(t, reg, online))
	in.Reopen = &workflows.Reopen{View: failed, By: "cshead01", Reason: "terminated by mistake", At: restoreAt, Restore: true}
	state := h.stateAt(time.Minute)
	comment := h.do(2*time.Minute, workflows.ActionComment, workflows.CommentInput{Actor: "staff.property", Text: "back on it"})
	h.cancelAt(time.Hour)
	h.runUntilCancelled(in)

	if was != workflows.StatusInProgress || state.Status != was || state.Failure != nil {
		t.Fatalf("restored: status %s (was %s), failure %+v; want it where it stood", state.Status, was, state.Failure)
	}
	if len(events(*state, "restored")) != 1 || len(events(*state, "reopened")) != 0 || len(state.Timeline) <= len(failed.Timeline) {
		t.Errorf("restored timeline: %d restored, %d reopened, %d of %d kept", len(events(*state, "restored")), len(events(*state, "reopened")),
			len(state.Timeline), len(failed.Timeline))
	}
	// The entry people read names how the case stopped, not a UTC instant.
	if ev := events(*state, "restored"); len(ev) == 1 && (ev[0].Message != "case restored after its workflow ended unexpectedly (cancelled): terminated by mistake" ||
		ev[0].Fields["ended_at"] == "") {
		t.Errorf("restored entry %q, fields %v", ev[0].Message, ev[0].Fields)
	}
	requireDue(t, deadline(t, *state, sla.FirstFeedback, 0), deadline(t, failed, sla.FirstFeedback, 0).Due, workflows.DeadlineMet)
	requireDue(t, deadline(t, *state, sla.ResultDelivery, 0), delivery.Due, workflows.DeadlinePending)
	got := deadline(t, *state, sla.Resolution, 0)
	requireDue(t, got, resolution.Due, workflows.DeadlineBreached)
	if got.BreachedAt == nil || !got.BreachedAt.Equal(restoreAt) || state.EscalationLevel < 1 {
		t.Errorf("resolution breached at %v, level %d; want at the restore and escalated", got.BreachedAt, state.EscalationLevel)
	}
	if slices.ContainsFunc(state.Deadlines, func(d workflows.Deadline) bool { return d.Name == sla.Rework }) {
		t.Error("a restore armed a rework clock, as a reopen would")
	}
	comment.ok(t)
	if n := h.metric(workflows.MetricCasesOpened); n != 0 {
		t.Errorf("a restore counted %v opened cases, want 0", n)
	}
}
