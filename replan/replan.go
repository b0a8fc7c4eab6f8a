// Package replan finds the running clocks of a case that the business
// calendar, as it is now, puts on another instant than the one they were
// armed with: after an upgrade brings a new statutory year, or a new
// override file. The worker's re-plan activity and the dry run of
// `closeloop calendar replan` both ask it, so they agree.
package replan

import (
	"fmt"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
)

// Plan lists the pending clocks among deadlines whose due instant the
// calendar now computes differently. A clock counts only while its due
// instant is still the one the calendar gave: one that was met, breached,
// paused, extended or promised earlier keeps its history.
func Plan(cal *calendar.Calendar, deadlines []workflows.Deadline) ([]workflows.DeadlineChange, error) {
	var changes []workflows.DeadlineChange
	for _, d := range deadlines {
		if !replannable(d) {
			continue
		}
		// Rule C11: the earliest of the clock's spans wins, as when armed.
		spans := []calendar.Span{d.Explanation.Span}
		for _, e := range d.Also {
			spans = append(spans, e.Span)
		}
		best, also, err := cal.Earliest(d.Explanation.Start, spans)
		if err != nil {
			return nil, fmt.Errorf("re-plan %s: %w", d.Name, err)
		}
		if best.At.Equal(d.Due) {
			continue
		}
		changes = append(changes, workflows.DeadlineChange{Deadline: d.Name, Round: d.Round,
			OldDue: d.Due, NewDue: best.At, Explanation: best.Explanation, Also: also})
	}
	return changes, nil
}

// replannable reports whether d is a running clock whose due instant is
// still the calendar's answer for one of its working-day or business-hour
// spans.
func replannable(d workflows.Deadline) bool {
	if d.State != workflows.DeadlinePending || d.Promised || len(d.Extensions) > 0 || len(d.Pauses) > 0 ||
		!d.Due.Equal(d.Explanation.Due) {
		return false
	}
	calendarDays := false
	for _, e := range append([]calendar.Explanation{d.Explanation}, d.Also...) {
		if e.Span.Validate() != nil || e.Start.IsZero() || !e.Start.Equal(d.Explanation.Start) {
			return false // a fixed instant, or a record this version cannot recompute
		}
		if e.Span.Unit == calendar.WorkingDays || e.Span.Unit == calendar.BusinessHours {
			calendarDays = true
		}
	}
	return calendarDays
}

// OffDay is a running clock the re-plan does not move — an agreed time
// node, an extended or promised time — whose due instant the calendar now
// puts on a day off: someone must agree a new time by hand.
type OffDay struct {
	Deadline string       `json:"deadline"`
	Round    int          `json:"round,omitempty"`
	Due      time.Time    `json:"due"`
	Day      calendar.Day `json:"day"`
}

// OffDays lists the pending clocks Plan leaves alone that now fall on a
// day off.
func OffDays(cal *calendar.Calendar, deadlines []workflows.Deadline) []OffDay {
	var out []OffDay
	for _, d := range deadlines {
		if d.State != workflows.DeadlinePending || replannable(d) {
			continue
		}
		if day := cal.Day(d.Due); !day.Working {
			out = append(out, OffDay{Deadline: d.Name, Round: d.Round, Due: d.Due, Day: day})
		}
	}
	return out
}
