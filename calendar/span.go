package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Unit is the unit a Span is measured in.
type Unit string

const (
	Minutes       Unit = "minutes"        // natural minutes
	Hours         Unit = "hours"          // natural hours (T1)
	WorkingDays   Unit = "working_days"   // T2
	BusinessHours Unit = "business_hours" // time inside business hours on working days
)

// Span is a deadline length such as "24 hours" or "5 working days".
// Its JSON form ({"n":5,"unit":"working_days"}) is stored in workflow inputs.
type Span struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// unitNames maps every accepted spelling of a unit to the unit.
var unitNames = map[string]Unit{
	"m": Minutes, "min": Minutes, "mins": Minutes, "minute": Minutes, "minutes": Minutes,
	"h": Hours, "hr": Hours, "hrs": Hours, "hour": Hours, "hours": Hours,
	"wd": WorkingDays, "working day": WorkingDays, "working days": WorkingDays,
	"workday": WorkingDays, "workdays": WorkingDays, "working_days": WorkingDays,
	"business day": WorkingDays, "business days": WorkingDays,
	"bh": BusinessHours, "business hour": BusinessHours, "business hours": BusinessHours,
	"business_hours": BusinessHours,
	// Chinese, as the Chinese forms suggest ("3 个工作日").
	"分钟": Minutes, "小时": Hours, "个小时": Hours, "工作日": WorkingDays, "个工作日": WorkingDays,
	"工作小时": BusinessHours, "个工作小时": BusinessHours,
}

// MaxSpanN bounds Span.N so that durations cannot overflow and a typo such
// as "50000000wd" fails fast instead of walking centuries of dates.
const MaxSpanN = 100_000

// Validate reports whether s is usable: 1 <= N <= MaxSpanN and a known unit.
func (s Span) Validate() error {
	switch s.Unit {
	case Minutes, Hours, WorkingDays, BusinessHours:
	default:
		return fmt.Errorf("calendar: unknown span unit %q (want minutes, hours, working_days or business_hours)", s.Unit)
	}
	if s.N < 1 {
		return fmt.Errorf("calendar: span must be at least 1 %s, got %d", s.Unit.noun(1), s.N)
	}
	if s.N > MaxSpanN {
		return fmt.Errorf("calendar: span of %d %s is longer than the limit of %d", s.N, s.Unit.noun(s.N), MaxSpanN)
	}
	return nil
}

// String renders s as "24 hours", "1 working day", "2 business hours".
func (s Span) String() string {
	return strconv.Itoa(s.N) + " " + s.Unit.noun(s.N)
}

func (u Unit) noun(n int) string {
	var one string
	switch u {
	case Minutes:
		one = "minute"
	case Hours:
		one = "hour"
	case WorkingDays:
		one = "working day"
	case BusinessHours:
		one = "business hour"
	default:
		return string(u)
	}
	if n == 1 {
		return one
	}
	return one + "s"
}

// ParseSpan parses "24h", "30m", "5wd", "2bh", "24 hours", "5 working days",
// "1 business hour" and the like. Case and spacing do not matter.
func ParseSpan(text string) (Span, error) {
	s := strings.ToLower(strings.Join(strings.Fields(text), " "))
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	bad := func(why string) (Span, error) {
		return Span{}, fmt.Errorf("calendar: invalid span %q: %s (examples: \"24h\", \"30m\", \"5wd\", \"2bh\", \"5 working days\")", text, why)
	}
	if digits == 0 {
		return bad("must start with a whole number")
	}
	n, err := strconv.Atoi(s[:digits])
	if errors.Is(err, strconv.ErrRange) {
		return bad("number too large")
	}
	unitText := strings.TrimSpace(s[digits:])
	if unitText == "" {
		return bad("missing unit")
	}
	u, ok := unitNames[unitText]
	if !ok {
		return bad(fmt.Sprintf("unknown unit %q (want minutes, hours, working days or business hours)", unitText))
	}
	if n < 1 || n > MaxSpanN {
		return bad(fmt.Sprintf("must be between 1 and %d", MaxSpanN))
	}
	return Span{N: n, Unit: u}, nil
}
