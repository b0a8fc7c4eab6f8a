package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	_ "time/tzdata" // deadlines must not depend on the host having a zoneinfo database

	"github.com/6tail/lunar-go/HolidayUtil"
)

// DefaultZone is the time zone used when Config.Location is nil (T3).
const DefaultZone = "Asia/Shanghai"

// Config configures a Calendar. The zero value means Asia/Shanghai,
// 09:00–18:00, no overrides.
type Config struct {
	Location  *time.Location // nil => Asia/Shanghai
	Open      string         // "09:00" default
	Close     string         // "18:00" default (close of business)
	Overrides []Override
	// Years are the years whose full statutory arrangement the overrides
	// carry (a year published after the library's release): they count
	// as covered, so deadlines in them are not provisional.
	Years []int
}

// File is an override file: company days, and statutory days for years
// the library lacks, with the years it covers in full.
type File struct {
	Days  []Override
	Years []int
}

// Override marks one date as a working day or a day off, taking precedence
// over the statutory data and weekends.
type Override struct {
	Date    string `json:"date"`    // "2027-01-01"
	Working bool   `json:"working"` // true = a working day (e.g. company make-up day), false = a day off
	Name    string `json:"name"`    // "New Year's Day", "公司年会"
}

// Day describes one calendar date.
type Day struct {
	Date    string `json:"date"`              // "2026-10-10"
	Working bool   `json:"working"`           // counts as a working day
	Weekend bool   `json:"weekend,omitempty"` // Saturday or Sunday
	Holiday string `json:"holiday,omitempty"` // name of the statutory or company holiday if a day off
	Makeup  bool   `json:"makeup,omitempty"`  // a weekend day that is a working day (调休)
	Name    string `json:"name,omitempty"`    // name of the related holiday or override, also on make-up days
	Company bool   `json:"company,omitempty"` // status set by a company override
}

// Calendar answers working-day questions and computes deadlines.
// It is immutable and safe for concurrent use.
type Calendar struct {
	loc         *time.Location
	open, close int // minutes after midnight
	overrides   map[dateKey]Override
	statutory   *statutoryData
	years       map[int]bool // years the overrides cover in full
}

// New validates cfg and builds a Calendar.
func New(cfg Config) (*Calendar, error) {
	loc := cfg.Location
	if loc == nil {
		var err error
		if loc, err = defaultLocation(); err != nil {
			return nil, fmt.Errorf("calendar: load %s: %w", DefaultZone, err)
		}
	}
	open, err := parseClock("Open", cfg.Open, "09:00")
	if err != nil {
		return nil, err
	}
	closing, err := parseClock("Close", cfg.Close, "18:00")
	if err != nil {
		return nil, err
	}
	if open >= closing {
		return nil, fmt.Errorf("calendar: Open %s must be before Close %s", clock(open), clock(closing))
	}
	if err := validateOverrides(cfg.Overrides); err != nil {
		return nil, fmt.Errorf("calendar: overrides: %w", err)
	}
	if err := validateYears(cfg.Years); err != nil {
		return nil, fmt.Errorf("calendar: years: %w", err)
	}
	c := &Calendar{
		loc:       loc,
		open:      open,
		close:     closing,
		overrides: make(map[dateKey]Override, len(cfg.Overrides)),
		statutory: statutory(),
		years:     make(map[int]bool, len(cfg.Years)),
	}
	for _, y := range cfg.Years {
		c.years[y] = true
	}
	for _, o := range cfg.Overrides {
		d, _ := parseDate(o.Date) // validated above
		c.overrides[d.key()] = o
	}
	return c, nil
}

// MustDefault returns an Asia/Shanghai calendar with business hours
// 09:00–18:00 and no overrides. It panics only if the embedded zone data is
// broken.
func MustDefault() *Calendar {
	c, err := New(Config{})
	if err != nil {
		panic(err)
	}
	return c
}

// defaultLocation loads Asia/Shanghai once; *time.Location is immutable.
var defaultLocation = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation(DefaultZone)
})

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Day describes the date t falls on in the calendar's location.
func (c *Calendar) Day(t time.Time) Day {
	d := dateOf(t.In(c.loc))
	return c.status(d).day(d)
}

// Where a day's status comes from.
const (
	fromWeek      = iota // plain Monday–Friday / weekend rule
	fromStatutory        // lunar-go statutory data
	fromOverride         // company override
)

// dayStatus is the allocation-free form of Day used while walking dates.
type dayStatus struct {
	working bool
	weekend bool
	from    int
	name    string
}

func (c *Calendar) status(d date) dayStatus {
	wd := d.weekday()
	s := dayStatus{weekend: wd == time.Saturday || wd == time.Sunday}
	if o, ok := c.overrides[d.key()]; ok {
		s.working, s.from, s.name = o.Working, fromOverride, o.Name
		return s
	}
	if h, ok := c.statutory.days[d.key()]; ok {
		s.working, s.from, s.name = h.work, fromStatutory, h.name
		return s
	}
	s.working = !s.weekend
	return s
}

func (s dayStatus) day(d date) Day {
	day := Day{
		Date:    d.String(),
		Working: s.working,
		Weekend: s.weekend,
		Makeup:  s.working && s.weekend,
		Name:    s.name,
		Company: s.from == fromOverride,
	}
	if !s.working {
		day.Holiday = s.name
	}
	return day
}

// kind classifies a day off for Range.Kind.
func (s dayStatus) kind() string {
	switch s.from {
	case fromOverride:
		return KindCompany
	case fromStatutory:
		return KindHoliday
	}
	return KindWeekend
}

// statutoryData is a snapshot of lunar-go's holiday table, indexed for
// constant-time lookups (HolidayUtil scans a long string on every call).
type statutoryData struct {
	days  map[dateKey]libDay
	years map[int]bool // years whose holidays the library lists
	first int          // the first of them
}

type libDay struct {
	name string
	work bool
}

// statutory builds the snapshot once; it is read-only afterwards.
var statutory = sync.OnceValue(func() *statutoryData {
	s := &statutoryData{days: map[dateKey]libDay{}, years: map[int]bool{}}
	for y := 1900; y <= 2200; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			d, err1 := parseDate(h.GetDay())
			t, err2 := parseDate(h.GetTarget())
			if err1 != nil || err2 != nil {
				continue // malformed library entry; none in the pinned version
			}
			s.days[d.key()] = libDay{name: h.GetName(), work: h.IsWork()}
			// A year counts as covered by its holidays' target dates: the
			// 2001-12-29 make-up day belongs to New Year 2002, not to 2001.
			s.years[t.y] = true
			if s.first == 0 || t.y < s.first {
				s.first = t.y
			}
		}
	}
	return s
})

// covered reports whether the statutory arrangement of year is known:
// from the library, or from the override file's "years".
func (c *Calendar) covered(year int) bool { return c.statutory.years[year] || c.years[year] }

// Horizon is the last year whose statutory holidays the calendar knows
// without a gap from the library's first year: a working-day deadline
// after it is provisional (see [Explanation.Provisional]).
func (c *Calendar) Horizon() int {
	y := c.statutory.first
	for c.covered(y + 1) {
		y++
	}
	return y
}

// HorizonWarning reports whether, at now, someone must add holidays: from
// 1 November when the coming year is not covered (its arrangement is
// published each November), and at any time in a year that is not.
func (c *Calendar) HorizonWarning(now time.Time) bool {
	t := now.In(c.loc)
	h := c.Horizon()
	return h < t.Year() || (t.Month() >= time.November && h == t.Year())
}

// LoadOverrides reads an override file's days (see LoadFile).
func LoadOverrides(path string) ([]Override, error) {
	f, err := LoadFile(path)
	return f.Days, err
}

// LoadFile reads an override file (see the package documentation for the
// format). Errors name the file and the offending entry.
func LoadFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("calendar: %w", err)
	}
	var file struct {
		Comment string            `json:"comment"`
		Years   []int             `json:"years"`
		Days    []json.RawMessage `json:"days"`
	}
	if err := strictUnmarshal(data, &file); err != nil {
		return File{}, fmt.Errorf("calendar: %s: %w", path, err)
	}
	if file.Days == nil {
		return File{}, fmt.Errorf("calendar: %s: missing \"days\" list", path)
	}
	if err := validateYears(file.Years); err != nil {
		return File{}, fmt.Errorf("calendar: %s: years: %w", path, err)
	}
	days := make([]Override, len(file.Days))
	for i, raw := range file.Days {
		var e struct {
			Date    string `json:"date"`
			Working *bool  `json:"working"` // pointer: an omitted value must not mean "day off"
			Name    string `json:"name"`
		}
		if err := strictUnmarshal(raw, &e); err != nil {
			return File{}, fmt.Errorf("calendar: %s: days[%d]: %w", path, i, err)
		}
		if e.Working == nil {
			return File{}, fmt.Errorf("calendar: %s: days[%d] (%s): missing \"working\"", path, i, e.Date)
		}
		days[i] = Override{Date: e.Date, Working: *e.Working, Name: e.Name}
	}
	if err := validateOverrides(days); err != nil {
		return File{}, fmt.Errorf("calendar: %s: %w", path, err)
	}
	return File{Days: days, Years: file.Years}, nil
}

// validateYears bounds the covered years to what dates can hold.
func validateYears(years []int) error {
	for i, y := range years {
		if y < 1900 || y > 9999 {
			return fmt.Errorf("years[%d]: %d is not a year from 1900 to 9999", i, y)
		}
	}
	return nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func validateOverrides(days []Override) error {
	seen := make(map[string]int, len(days))
	for i, o := range days {
		if _, err := parseDate(o.Date); err != nil {
			return fmt.Errorf("days[%d]: invalid date %q (want YYYY-MM-DD)", i, o.Date)
		}
		if j, dup := seen[o.Date]; dup {
			return fmt.Errorf("days[%d] (%s): duplicate date, already at days[%d]", i, o.Date, j)
		}
		seen[o.Date] = i
	}
	return nil
}

// parseClock parses "HH:MM" into minutes after midnight.
func parseClock(field, s, def string) (int, error) {
	if s == "" {
		s = def
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("calendar: %s %q: want HH:MM", field, s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// date is a civil date, independent of any time zone.
type date struct {
	y int
	m time.Month
	d int
}

// dateKey packs a date as YYYYMMDD for cheap map lookups.
type dateKey int32

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

var errDate = errors.New("invalid date")

func parseDate(s string) (date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return date{}, errDate
	}
	return dateOf(t), nil
}

func (d date) key() dateKey          { return dateKey(d.y*10000 + int(d.m)*100 + d.d) }
func (d date) addDays(n int) date    { return dateOf(time.Date(d.y, d.m, d.d+n, 0, 0, 0, 0, time.UTC)) }
func (d date) weekday() time.Weekday { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday() }

// at returns the instant minutes after midnight of d in loc.
func (d date) at(minutes int, loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, 0, minutes, 0, 0, loc)
}

// String formats d as YYYY-MM-DD without fmt: it runs for every skipped day.
func (d date) String() string {
	if d.y < 0 || d.y > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d)
	}
	y, m := d.y, int(d.m)
	return string([]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-',
		byte('0' + d.d/10), byte('0' + d.d%10),
	})
}
