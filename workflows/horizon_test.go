package workflows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// runCollabWithin books a request at booked whose time node was given as
// span (the intake resolved it), and returns the time-node clock as the
// case shows it an hour later.
func runCollabWithin(t *testing.T, booked time.Time, span calendar.Span) workflows.Deadline {
	t.Helper()
	due, err := calendar.MustDefault().Due(booked, span)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, booked)
	in := collabInput(t, booked, due.At.Sub(booked))
	in.TimeNodeWithin = &span
	state := h.stateAt(time.Hour)
	h.cancelAt(2 * time.Hour)
	_, err = runCollab(h, in)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("workflow ended with %v, want cancelled", err)
	}
	d := deadline(t, *state, sla.TimeNode, 0)
	if !d.Due.Equal(due.At) || !d.Agreed {
		t.Fatalf("time node due %s agreed %v, want %s agreed", fmtSH(d.Due), d.Agreed, fmtSH(due.At))
	}
	return d
}

// A time node given as "20 working days" keeps the calendar's working-day
// explanation: booked Mon 2026-12-28, it skips the 2027 New Year holiday
// (01-01..03) and lands on Tue 2027-01-26 18:00, not provisional.
func TestCollaboration_TimeNodeWithinExplained(t *testing.T) {
	booked := sh(2026, 12, 28, 10, 0)
	d := runCollabWithin(t, booked, calendar.Span{N: 20, Unit: calendar.WorkingDays})
	if want := sh(2027, 1, 26, 18, 0); !d.Due.Equal(want) {
		t.Errorf("time node %s, want %s", fmtSH(d.Due), fmtSH(want))
	}
	e := d.Explanation
	if e.Span != (calendar.Span{N: 20, Unit: calendar.WorkingDays}) || !e.Start.Equal(booked) || !e.Due.Equal(d.Due) {
		t.Errorf("explanation %+v, want 20 working days from the booking", e)
	}
	if d.Provisional || d.IsProvisional() {
		t.Errorf("2027 is covered, but the time node is provisional: %+v", e)
	}
	en, zh := e.Text("en"), e.Text("zh-CN")
	if !strings.Contains(en, "skips the New Year's Day holiday 2027-01-01..2027-01-03") || strings.Contains(en, "provisional") {
		t.Errorf("English explanation %q", en)
	}
	if !strings.Contains(zh, "元旦节假期") || strings.Contains(zh, "暂定") {
		t.Errorf("Chinese explanation %q", zh)
	}
}

// A time node counted into 2028, past the calendar's horizon, is
// provisional and says so in both languages; 20 working days from
// Wed 2027-12-01 still end in 2027 (12-29) and are not.
func TestCollaboration_TimeNodeWithinProvisional(t *testing.T) {
	booked := sh(2027, 12, 1, 10, 0)
	inYear := runCollabWithin(t, booked, calendar.Span{N: 20, Unit: calendar.WorkingDays})
	if want := sh(2027, 12, 29, 18, 0); !inYear.Due.Equal(want) || inYear.IsProvisional() {
		t.Errorf("20 working days: %s provisional %v, want %s not provisional", fmtSH(inYear.Due), inYear.IsProvisional(), fmtSH(want))
	}
	d := runCollabWithin(t, booked, calendar.Span{N: 30, Unit: calendar.WorkingDays})
	if want := sh(2028, 1, 12, 18, 0); !d.Due.Equal(want) {
		t.Errorf("30 working days: %s, want %s", fmtSH(d.Due), fmtSH(want))
	}
	if !d.Provisional || !d.Explanation.Provisional {
		t.Errorf("past the horizon: deadline provisional %v, explanation %+v; want both provisional", d.Provisional, d.Explanation)
	}
	if en := d.Explanation.Text("en"); !strings.Contains(en, "provisional: the statutory holidays of 2028 are not known yet") {
		t.Errorf("English explanation %q", en)
	}
	if zh := d.Explanation.Text("zh-CN"); !strings.Contains(zh, "暂定：2028 年法定节假日安排尚未发布") {
		t.Errorf("Chinese explanation %q", zh)
	}
}

// A time node given as an instant keeps today's bare explanation, as do
// requests started before the span was recorded (no TimeNodeWithin).
func TestCollaboration_TimeNodeInstantUnexplained(t *testing.T) {
	booked := sh(2027, 12, 20, 10, 0)
	h := newHarness(t, booked)
	in := collabInput(t, booked, 20*24*time.Hour) // 2028-01-09
	state := h.stateAt(time.Hour)
	h.cancelAt(2 * time.Hour)
	_, _ = runCollab(h, in)
	d := deadline(t, *state, sla.TimeNode, 0)
	if d.Explanation.Span.Unit != "" || d.IsProvisional() {
		t.Errorf("instant time node explained as %+v, provisional %v; want the bare explanation", d.Explanation, d.IsProvisional())
	}
}
