package calendar

import (
	"strings"
	"testing"
	"time"
)

// A paused clock keeps exactly the time it had left: natural time for
// "N hours" clocks (T1), business time for working-day and business-hour
// clocks (T2), skipping weekends and holidays on the way.
func TestCarry(t *testing.T) {
	c := MustDefault()
	for _, tc := range []struct {
		name                 string
		paused, resumed, due time.Time
		unit                 Unit
		want                 time.Time
		left                 time.Duration
		business             bool
	}{
		{"natural hours carried as they are", sh(2026, 11, 24, 10, 0), sh(2026, 11, 25, 15, 0), sh(2026, 11, 26, 10, 0), Hours,
			sh(2026, 11, 27, 15, 0), 48 * time.Hour, false},
		{"working days keep their business hours over a weekend", sh(2026, 11, 25, 16, 0), sh(2026, 11, 27, 10, 0), sh(2026, 11, 26, 18, 0), WorkingDays,
			sh(2026, 11, 30, 12, 0), 11 * time.Hour, true},
		{"business hours resumed after close start at the next opening", sh(2026, 11, 23, 10, 0), sh(2026, 11, 23, 20, 0), sh(2026, 11, 23, 12, 0), BusinessHours,
			sh(2026, 11, 24, 11, 0), 2 * time.Hour, true},
		{"across the National Day holiday", sh(2026, 9, 30, 17, 0), sh(2026, 9, 30, 17, 30), sh(2026, 9, 30, 18, 0), WorkingDays,
			sh(2026, 10, 8, 9, 30), time.Hour, true},
		{"a clock already due has nothing to carry", sh(2026, 11, 24, 10, 0), sh(2026, 11, 25, 10, 0), sh(2026, 11, 24, 9, 0), Hours,
			sh(2026, 11, 24, 9, 0), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Carry(tc.paused, tc.resumed, tc.due, tc.unit)
			if err != nil {
				t.Fatal(err)
			}
			if !got.At.Equal(tc.want) || got.Remaining != tc.left || got.Business != tc.business {
				t.Fatalf("carry = %s left %s business %t, want %s left %s business %t",
					got.At.In(shanghai), got.Remaining, got.Business, tc.want, tc.left, tc.business)
			}
			if got.At.Location() != time.UTC {
				t.Errorf("carried due in %v, want UTC (T3)", got.At.Location())
			}
		})
	}
}

func TestCarryErrors(t *testing.T) {
	c := MustDefault()
	at := sh(2026, 11, 24, 10, 0)
	for _, tc := range []struct {
		name                 string
		paused, resumed, due time.Time
		unit                 Unit
		want                 string
	}{
		{"resumed before paused", at, at.Add(-time.Hour), at.Add(time.Hour), Hours, "before it was paused"},
		{"zero instant", time.Time{}, at, at, Hours, "needs"},
		{"unknown unit", at, at, at.Add(time.Hour), Unit("fortnights"), "unknown span unit"},
		{"absurd deadline", at, at, at.AddDate(10, 0, 0), WorkingDays, "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Carry(tc.paused, tc.resumed, tc.due, tc.unit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Staff reminders wait for the next opening; customer notices wait out the
// night (21:00–08:00 by default).
func TestOpenAndQuiet(t *testing.T) {
	c := MustDefault()
	for _, tc := range []struct{ at, want time.Time }{
		{sh(2026, 11, 23, 10, 0), sh(2026, 11, 23, 10, 0)}, // open
		{sh(2026, 11, 23, 21, 0), sh(2026, 11, 24, 9, 0)},  // evening
		{sh(2026, 11, 28, 11, 0), sh(2026, 11, 30, 9, 0)},  // Saturday
		{sh(2026, 9, 30, 18, 0), sh(2026, 10, 8, 9, 0)},    // before National Day
	} {
		got, err := c.Open(tc.at)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Open(%s) = %s %v, want %s", tc.at, got.In(shanghai), err, tc.want)
		}
	}
	for _, tc := range []struct{ at, want time.Time }{
		{sh(2026, 11, 23, 20, 59), sh(2026, 11, 23, 20, 59)},
		{sh(2026, 11, 23, 21, 0), sh(2026, 11, 24, 8, 0)},
		{sh(2026, 11, 24, 3, 0), sh(2026, 11, 24, 8, 0)},
		{sh(2026, 11, 24, 8, 0), sh(2026, 11, 24, 8, 0)},
	} {
		if got := c.Quiet(tc.at, 21*60, 8*60); !got.Equal(tc.want) {
			t.Errorf("Quiet(%s) = %s, want %s", tc.at.In(shanghai), got.In(shanghai), tc.want)
		}
	}
	if got := c.Quiet(sh(2026, 11, 24, 13, 0), 12*60, 14*60); !got.Equal(sh(2026, 11, 24, 14, 0)) {
		t.Errorf("midday window: %s", got.In(shanghai))
	}
}

// A clock carried into a year past the horizon is provisional; one that
// stays inside it is not.
func TestCarryProvisional(t *testing.T) {
	c := MustDefault()
	got, err := c.Carry(sh(2027, 12, 20, 10, 0), sh(2027, 12, 30, 10, 0), sh(2027, 12, 24, 18, 0), WorkingDays)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Provisional || got.At.In(shanghai).Year() != 2028 {
		t.Errorf("carried into 2028: %s provisional %v, want provisional", got.At.In(shanghai), got.Provisional)
	}
	got, err = c.Carry(sh(2027, 11, 1, 10, 0), sh(2027, 11, 2, 10, 0), sh(2027, 11, 3, 18, 0), WorkingDays)
	if err != nil {
		t.Fatal(err)
	}
	if got.Provisional {
		t.Errorf("carried within 2027: %s provisional, want not", got.At.In(shanghai))
	}
}
