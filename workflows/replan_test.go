package workflows_test

import (
	"strings"
	"testing"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// oldCalendar stands in for lunar-go v1.4.6, which had no 2027 data: New
// Year's Day 2027 counted as a working day.
func oldCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(calendar.Config{Overrides: []calendar.Override{{Date: "2027-01-01", Working: true, Name: "no 2027 data"}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 16, rules T2 and C4: a complaint registered on Mon 2026-12-28
// under the old calendar has its 5-working-day result delivery on
// 2027-01-04; after the calendar update the re-plan moves it to
// 2027-01-05 18:00, records both times, tells the customer (the time moved
// later), leaves the natural-hour clocks alone, and a second re-plan
// changes nothing.
func TestComplaint_ReplanAfterCalendarUpdate(t *testing.T) {
	reg := sh(2026, 12, 28, 10, 0)
	h := newHarness(t, reg)
	h.acts.Calendar = oldCalendar(t)
	before := h.stateAt(hours(1))
	h.env.RegisterDelayedCallback(func() { h.acts.Calendar = calendar.MustDefault() }, hours(1.5))
	first := h.do(hours(2), workflows.ActionReplan, workflows.ReplanInput{Actor: "admin"})
	second := h.do(hours(3), workflows.ActionReplan, workflows.ReplanInput{Actor: "admin"})
	refused := h.do(hours(3.5), workflows.ActionReplan, workflows.ReplanInput{})
	h.cancelAt(hours(4))
	h.runUntilCancelled(input(form(t, reg, online)))

	old := deadline(t, *before, sla.ResultDelivery, 0)
	requireDue(t, old, sh(2027, 1, 4, 18, 0), workflows.DeadlinePending)
	v := first.ok(t)
	d := deadline(t, v, sla.ResultDelivery, 0)
	requireDue(t, d, sh(2027, 1, 5, 18, 0), workflows.DeadlinePending)
	if !strings.Contains(d.Explanation.Text("en"), "New Year's Day holiday") {
		t.Errorf("new explanation does not name the holiday: %s", d.Explanation.Text("en"))
	}
	for _, name := range []string{sla.FirstFeedback, sla.Resolution} {
		if a, b := deadline(t, *before, name, 0), deadline(t, v, name, 0); !a.Due.Equal(b.Due) {
			t.Errorf("%s moved from %s to %s; natural hours do not depend on the calendar", name, fmtSH(a.Due), fmtSH(b.Due))
		}
	}
	ev := events(v, "deadline_replanned")
	if len(ev) != 1 || ev[0].Actor != "admin" || !strings.HasPrefix(ev[0].Message, "deadline re-planned: calendar updated") ||
		ev[0].Fields["from"] != "2027-01-04T10:00:00Z" || ev[0].Fields["due"] != "2027-01-05T10:00:00Z" {
		t.Fatalf("re-plan events %+v, want one with both times", ev)
	}
	told := h.notes.notices(workflows.NoticeCustomerReplan)
	if len(told) != 1 || told[0].Deadline != sla.ResultDelivery || told[0].To.Role != "customer" ||
		!told[0].Due.Equal(sh(2027, 1, 5, 18, 0)) || told[0].Fields["from"] != "2027-01-04T10:00:00Z" {
		t.Errorf("customer notices %+v, want one for result delivery with both times", told)
	}
	if again := second.ok(t); len(events(again, "deadline_replanned")) != 1 {
		t.Errorf("second re-plan added events: %+v", events(again, "deadline_replanned"))
	}
	requireFieldError(t, refused, "actor")
}

// A clock moved earlier (a company working day added) is re-planned too,
// but the customer is told only when a time moves later (C4).
func TestComplaint_ReplanEarlierTellsNoCustomer(t *testing.T) {
	reg := sh(2026, 12, 28, 10, 0)
	h := newHarness(t, reg)
	h.env.RegisterDelayedCallback(func() { h.acts.Calendar = oldCalendar(t) }, hours(1))
	first := h.do(hours(2), workflows.ActionReplan, workflows.ReplanInput{Actor: "admin"})
	h.cancelAt(hours(3))
	h.runUntilCancelled(input(form(t, reg, online)))

	requireDue(t, deadline(t, first.ok(t), sla.ResultDelivery, 0), sh(2027, 1, 4, 18, 0), workflows.DeadlinePending)
	if told := h.notes.notices(workflows.NoticeCustomerReplan); len(told) != 0 {
		t.Errorf("customer told of an earlier time: %+v", told)
	}
}

// Issue 16: a deadline computed past the calendar's horizon is provisional;
// once the coming year's holidays arrive (here through the override file's
// "years"), the re-plan moves it and it is provisional no more.
func TestComplaint_ReplanSettlesProvisional(t *testing.T) {
	reg := sh(2027, 12, 28, 10, 0)
	h := newHarness(t, reg)
	before := h.stateAt(hours(1))
	h.env.RegisterDelayedCallback(func() {
		c, err := calendar.New(calendar.Config{Years: []int{2028}, Overrides: []calendar.Override{{Date: "2028-01-03", Working: false, Name: "元旦"}}})
		if err != nil {
			t.Error(err)
			return
		}
		h.acts.Calendar = c
	}, hours(1.5))
	first := h.do(hours(2), workflows.ActionReplan, workflows.ReplanInput{Actor: "admin"})
	h.cancelAt(hours(3))
	h.runUntilCancelled(input(form(t, reg, online)))

	old := deadline(t, *before, sla.ResultDelivery, 0)
	if !old.IsProvisional() || !old.Due.Equal(sh(2028, 1, 4, 18, 0)) {
		t.Fatalf("before: %s provisional %v, want 2028-01-04 18:00 provisional", fmtSH(old.Due), old.IsProvisional())
	}
	d := deadline(t, first.ok(t), sla.ResultDelivery, 0)
	requireDue(t, d, sh(2028, 1, 5, 18, 0), workflows.DeadlinePending)
	if d.IsProvisional() || strings.Contains(d.Explanation.Text("en"), "provisional") {
		t.Errorf("after the re-plan still provisional: %s", d.Explanation.Text("en"))
	}
}
