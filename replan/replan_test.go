package replan

import (
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// old is a calendar that lacked 2027 (lunar-go v1.4.6 counted New Year's
// Day 2027 as a working day).
func old(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(calendar.Config{Overrides: []calendar.Override{{Date: "2027-01-01", Working: true}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// armed is a deadline as a case armed it on cal.
func armed(t *testing.T, cal *calendar.Calendar, name string, start time.Time, spans ...calendar.Span) workflows.Deadline {
	t.Helper()
	due, also, err := cal.Earliest(start, spans)
	if err != nil {
		t.Fatal(err)
	}
	d := workflows.Deadline{Name: name, Start: start.UTC(), State: workflows.DeadlinePending,
		Due: due.At, Explanation: due.Explanation, Also: also}
	return d
}

// Issue 16, rule T2: running working-day clocks armed on the old calendar
// move; everything else keeps its history; a plan on its own result is
// empty.
func TestPlan(t *testing.T) {
	cal := calendar.MustDefault()
	reg := sh(2026, 12, 28, 10, 0)
	days := func(n int) calendar.Span { return calendar.Span{N: n, Unit: calendar.WorkingDays} }
	hours := func(n int) calendar.Span { return calendar.Span{N: n, Unit: calendar.Hours} }
	moved := armed(t, old(t), "result_delivery", reg, days(5))
	// Rule C11: a phone complaint's first feedback is the earlier of 24
	// hours and 1 working day. Registered Thu 12-31 20:00, the old
	// calendar's working day ended Fri 01-01 18:00 and won; now it ends Mon
	// 01-04 18:00 and the 24 hours (Fri 20:00) win.
	phone := armed(t, old(t), "first_feedback", sh(2026, 12, 31, 20, 0), hours(24), days(1))
	met := armed(t, old(t), "callback", reg, days(5))
	met.State = workflows.DeadlineMet
	breached := armed(t, old(t), "callback", reg, days(5))
	breached.State = workflows.DeadlineBreached
	paused := armed(t, old(t), "repair_completion", reg, days(5))
	paused.Pauses = []workflows.Pause{{From: reg, For: "XZ-20261228-0001"}}
	extended := armed(t, old(t), "result_delivery", reg, days(5))
	extended.Extensions = []workflows.Extension{{From: extended.Due, To: extended.Due.Add(time.Hour)}}
	extended.Due = extended.Due.Add(time.Hour)
	promised := armed(t, old(t), "callback", reg, days(5))
	promised.Due, promised.Promised = sh(2026, 12, 30, 15, 0), true
	natural := armed(t, old(t), "first_feedback", sh(2026, 12, 31, 10, 0), hours(24))
	fixed := workflows.Deadline{Name: "time_node", State: workflows.DeadlinePending, Due: sh(2027, 1, 1, 18, 0).UTC(), Agreed: true,
		Explanation: calendar.Explanation{Start: reg.UTC(), Due: sh(2027, 1, 1, 18, 0).UTC()}}
	current := armed(t, cal, "result_delivery", reg, days(5))

	got, err := Plan(cal, []workflows.Deadline{moved, phone, met, breached, paused, extended, promised, natural, fixed, current})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("plan %+v, want result_delivery and first_feedback", got)
	}
	if c := got[0]; c.Deadline != "result_delivery" || !c.OldDue.Equal(sh(2027, 1, 4, 18, 0)) || !c.NewDue.Equal(sh(2027, 1, 5, 18, 0)) ||
		!c.Explanation.Due.Equal(c.NewDue) {
		t.Errorf("result delivery: %+v, want 01-04 18:00 → 01-05 18:00", c)
	}
	if c := got[1]; c.Deadline != "first_feedback" || !c.OldDue.Equal(sh(2027, 1, 1, 18, 0)) || !c.NewDue.Equal(sh(2027, 1, 1, 20, 0)) ||
		c.Explanation.Span != hours(24) || len(c.Also) != 1 || c.Also[0].Span != days(1) || !c.Also[0].Due.Equal(sh(2027, 1, 4, 18, 0)) {
		t.Errorf("phone first feedback: %+v, want 01-01 18:00 → 20:00 with the working day as the alternative", c)
	}

	// Applying the plan and planning again finds nothing.
	moved.Due, moved.Explanation = got[0].NewDue, got[0].Explanation
	phone.Due, phone.Explanation, phone.Also = got[1].NewDue, got[1].Explanation, got[1].Also
	if again, err := Plan(cal, []workflows.Deadline{moved, phone}); err != nil || len(again) != 0 {
		t.Errorf("second plan %+v (%v), want none", again, err)
	}
}

// Issue 16: a time node agreed as an instant (booked before this release,
// when "20 working days" from 2026-12-06 ended on New Year's Day 2027) is
// not moved, but is named for someone to agree a new time.
func TestOffDays(t *testing.T) {
	cal := calendar.MustDefault()
	node := workflows.Deadline{Name: "time_node", State: workflows.DeadlinePending, Due: sh(2027, 1, 1, 18, 0).UTC(), Agreed: true,
		Explanation: calendar.Explanation{Start: sh(2026, 12, 6, 10, 0).UTC(), Due: sh(2027, 1, 1, 18, 0).UTC()}}
	met := node
	met.State = workflows.DeadlineMet
	workday := node
	workday.Due = sh(2027, 1, 4, 18, 0).UTC()
	got := OffDays(cal, []workflows.Deadline{node, met, workday})
	if len(got) != 1 || got[0].Deadline != "time_node" || got[0].Day.Holiday != "元旦节" || !got[0].Due.Equal(node.Due) {
		t.Errorf("OffDays = %+v, want the time node on New Year's Day", got)
	}
	if plan, err := Plan(cal, []workflows.Deadline{node}); err != nil || len(plan) != 0 {
		t.Errorf("Plan moved an agreed instant: %+v %v", plan, err)
	}
}
