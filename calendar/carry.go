package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Carry is a paused deadline moved forward by the time it had left.
type Carry struct {
	At        time.Time     `json:"at"`        // the new due instant, UTC
	Remaining time.Duration `json:"remaining"` // time left when paused, in the clock's own terms
	Business  bool          `json:"business"`  // Remaining counts business hours only
	// Provisional: the walk from the resumption reached a year past the
	// horizon, so At moves when that year's holidays are known.
	Provisional bool `json:"provisional,omitempty"`
}

// maxCarryDays bounds the walk over a pause; a deadline years away is a
// mistake, not a clock.
const maxCarryDays = 3 * 366

// Carry moves a deadline that stopped at pausedAt and starts again at
// resumedAt, so the clock keeps exactly the time it had left. A clock in
// natural time (T1) keeps its natural remainder; a clock in working days or
// business hours (T2) keeps the business time it had left, counted again
// from resumedAt inside business hours on working days.
func (c *Calendar) Carry(pausedAt, resumedAt, due time.Time, unit Unit) (Carry, error) {
	if pausedAt.IsZero() || resumedAt.IsZero() || due.IsZero() {
		return Carry{}, errors.New("calendar: carry needs the pause, resume and due instants")
	}
	if resumedAt.Before(pausedAt) {
		return Carry{}, fmt.Errorf("calendar: resumed %s before it was paused %s", resumedAt.UTC().Format(time.RFC3339), pausedAt.UTC().Format(time.RFC3339))
	}
	if !due.After(pausedAt) {
		return Carry{At: due.UTC()}, nil // nothing was left to carry
	}
	switch unit {
	case Minutes, Hours:
		left := due.Sub(pausedAt)
		return Carry{At: resumedAt.Add(left).UTC(), Remaining: left}, nil
	case WorkingDays, BusinessHours:
		left, err := c.businessBetween(pausedAt, due)
		if err != nil {
			return Carry{}, err
		}
		r := recorder{cal: c}
		at, err := c.addBusinessTime(resumedAt, left, &r)
		if err != nil {
			return Carry{}, err
		}
		return Carry{At: at.UTC(), Remaining: left, Business: true, Provisional: r.ex.Provisional}, nil
	}
	return Carry{}, fmt.Errorf("calendar: unknown span unit %q", unit)
}

// businessBetween is the time inside business hours on working days
// between from and to.
func (c *Calendar) businessBetween(from, to time.Time) (time.Duration, error) {
	var total time.Duration
	last := dateOf(to.In(c.loc))
	d := dateOf(from.In(c.loc))
	for n := 0; ; n++ {
		if n > maxCarryDays {
			return 0, fmt.Errorf("calendar: deadline %s is more than %d days after %s", to.UTC().Format(time.RFC3339), maxCarryDays, from.UTC().Format(time.RFC3339))
		}
		if c.status(d).working {
			open, closing := d.at(c.open, c.loc), d.at(c.close, c.loc)
			if open.Before(from) {
				open = from
			}
			if closing.After(to) {
				closing = to
			}
			if closing.After(open) {
				total += closing.Sub(open)
			}
		}
		if d == last {
			return total, nil
		}
		d = d.addDays(1)
	}
}

// Open is t if business is open then, else the next opening: the start of
// business hours on the next working day (or later today).
func (c *Calendar) Open(t time.Time) (time.Time, error) {
	r := recorder{cal: c}
	at, err := c.addBusinessTime(t, 0, &r)
	if err != nil {
		return time.Time{}, err
	}
	return at.UTC(), nil
}

// Quiet is t moved out of a nightly quiet window [from, to) given as
// minutes after midnight in the calendar's zone (from > to spans
// midnight): a time inside the window becomes its end.
func (c *Calendar) Quiet(t time.Time, from, to int) time.Time {
	local := t.In(c.loc)
	d := dateOf(local)
	mins := local.Hour()*60 + local.Minute()
	switch {
	case from > to && mins >= from: // evening: until tomorrow morning
		return d.addDays(1).at(to, c.loc).UTC()
	case from > to && mins < to, from < to && mins >= from && mins < to:
		return d.at(to, c.loc).UTC()
	}
	return t.UTC()
}
