package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Range kinds.
const (
	KindHoliday = "holiday" // statutory holiday from the library data
	KindWeekend = "weekend" // ordinary Saturday/Sunday
	KindCompany = "company" // day off from an override
)

// NoteNoHolidayData prefixes the note "no_holiday_data:2028": neither the
// library nor the override file has that year's statutory holidays, so only
// weekends and overrides applied and the deadline is provisional.
const NoteNoHolidayData = "no_holiday_data"

// maxIdleDays bounds the search for the next working day, so a calendar
// whose overrides remove every working day fails instead of looping.
const maxIdleDays = 366

// Due is a computed deadline.
type Due struct {
	At          time.Time   `json:"at"` // UTC (T3)
	Explanation Explanation `json:"explanation"`
}

// Explanation records how a deadline was computed, as data, so any UI
// language can render it (see Text).
type Explanation struct {
	Span     Span      `json:"span"`
	Start    time.Time `json:"start"`    // UTC
	Due      time.Time `json:"due"`      // UTC
	Location string    `json:"location"` // IANA zone the dates are shown in
	Skipped  []Range   `json:"skipped,omitempty"`
	Counted  []Day     `json:"counted,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
	// Provisional marks a deadline that reaches a year beyond the
	// calendar's horizon: it will move when that year's holidays are
	// known, and `closeloop calendar replan` moves it.
	Provisional bool `json:"provisional,omitempty"`
}

// IsProvisional reports whether the deadline reaches a year beyond the
// calendar's horizon: Provisional, or, for an explanation recorded before
// that field existed, a "no_holiday_data:" note.
func (e Explanation) IsProvisional() bool {
	if e.Provisional {
		return true
	}
	for _, n := range e.Notes {
		if strings.HasPrefix(n, NoteNoHolidayData+":") {
			return true
		}
	}
	return false
}

// Range is a run of consecutive skipped days with the same name and kind.
type Range struct {
	From string `json:"from"` // "2026-10-01"
	To   string `json:"to"`   // "2026-10-07"
	Name string `json:"name,omitempty"`
	Kind string `json:"kind"` // KindHoliday, KindWeekend or KindCompany
}

// Due computes the deadline s after start.
func (c *Calendar) Due(start time.Time, s Span) (Due, error) {
	if err := s.Validate(); err != nil {
		return Due{}, err
	}
	if start.IsZero() {
		return Due{}, errors.New("calendar: zero start time")
	}
	r := recorder{cal: c, ex: Explanation{Span: s, Start: start.UTC(), Location: c.loc.String()}}
	var at time.Time
	var err error
	switch s.Unit {
	case Minutes: // T1: natural time, calendar-independent
		at = start.Add(time.Duration(s.N) * time.Minute)
	case Hours:
		at = start.Add(time.Duration(s.N) * time.Hour)
	case WorkingDays:
		at, err = c.addWorkingDays(start, s.N, &r)
	case BusinessHours:
		at, err = c.addBusinessTime(start, time.Duration(s.N)*time.Hour, &r)
	}
	if err != nil {
		return Due{}, err
	}
	r.ex.Due = at.UTC()
	return Due{At: r.ex.Due, Explanation: r.ex}, nil
}

// Earliest computes every span from start and picks the earliest deadline
// (rule C11: a phone complaint's stricter channel span); also holds the
// explanations of the others, in the order given.
func (c *Calendar) Earliest(start time.Time, spans []Span) (Due, []Explanation, error) {
	if len(spans) == 0 {
		return Due{}, nil, errors.New("calendar: no span")
	}
	var best Due
	var also []Explanation
	for i, s := range spans {
		due, err := c.Due(start, s)
		if err != nil {
			return Due{}, nil, fmt.Errorf("%s: %w", s, err)
		}
		switch {
		case i == 0:
			best = due
		case due.At.Before(best.At):
			also = append(also, best.Explanation)
			best = due
		default:
			also = append(also, due.Explanation)
		}
	}
	return best, also, nil
}

// addWorkingDays implements T2: close of business of the n-th working day
// after start's day, never counting start's day itself.
func (c *Calendar) addWorkingDays(start time.Time, n int, r *recorder) (time.Time, error) {
	d := dateOf(start.In(c.loc))
	for idle := 0; ; {
		d = d.addDays(1)
		st := c.status(d)
		r.visit(d)
		if !st.working {
			if idle++; idle > maxIdleDays {
				return time.Time{}, errNoWorkingDay(d)
			}
			r.skip(d, st)
			continue
		}
		idle = 0
		r.count(d, st)
		if n--; n == 0 {
			return d.at(c.close, c.loc), nil
		}
	}
}

// addBusinessTime counts only time inside [Open, Close) on working days.
// A start outside business hours begins counting at the next opening.
func (c *Calendar) addBusinessTime(start time.Time, left time.Duration, r *recorder) (time.Time, error) {
	t := start.In(c.loc)
	d := dateOf(t)
	for idle := 0; ; d = d.addDays(1) {
		st := c.status(d)
		r.visit(d)
		if !st.working {
			if idle++; idle > maxIdleDays {
				return time.Time{}, errNoWorkingDay(d)
			}
			r.skip(d, st)
			continue
		}
		idle = 0
		from, to := d.at(c.open, c.loc), d.at(c.close, c.loc)
		if t.After(from) {
			from = t // start day only: t is before any later day's opening
		}
		if !from.Before(to) {
			continue
		}
		r.count(d, st)
		avail := to.Sub(from)
		if left <= avail {
			return from.Add(left), nil
		}
		left -= avail
	}
}

func errNoWorkingDay(d date) error {
	return fmt.Errorf("calendar: no working day in the %d days before %s; check the overrides", maxIdleDays, d)
}

// recorder collects the Explanation while a deadline is walked day by day.
type recorder struct {
	cal      *Calendar
	ex       Explanation
	lastSkip date // last skipped date, to merge consecutive days into one Range
	lastYear int
}

// visit notes years without statutory data.
func (r *recorder) visit(d date) {
	if d.y == r.lastYear {
		return
	}
	r.lastYear = d.y
	if !r.cal.covered(d.y) {
		r.ex.Notes = append(r.ex.Notes, NoteNoHolidayData+":"+strconv.Itoa(d.y))
		r.ex.Provisional = true
	}
}

func (r *recorder) skip(d date, st dayStatus) {
	kind := st.kind()
	if n := len(r.ex.Skipped); n > 0 && r.lastSkip.addDays(1) == d {
		if last := &r.ex.Skipped[n-1]; last.Kind == kind && last.Name == st.name {
			last.To = d.String()
			r.lastSkip = d
			return
		}
	}
	s := d.String()
	r.ex.Skipped = append(r.ex.Skipped, Range{From: s, To: s, Name: st.name, Kind: kind})
	r.lastSkip = d
}

// count records working days worth pointing out: make-up weekends and
// company working days.
func (r *recorder) count(d date, st dayStatus) {
	if st.weekend || st.from == fromOverride {
		r.ex.Counted = append(r.ex.Counted, st.day(d))
	}
}
