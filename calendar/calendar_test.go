package calendar

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sh is a wall-clock time in Asia/Shanghai.
func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// overrideCalendar is the default calendar plus testdata/overrides.json.
func overrideCalendar(t testing.TB) *Calendar {
	t.Helper()
	days, err := LoadOverrides("testdata/overrides.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Overrides: days})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDay(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		at   time.Time
		want Day
	}{
		// Rule T2: statutory make-up working Saturday (调休).
		{sh(2026, 10, 10, 12, 0), Day{Date: "2026-10-10", Working: true, Weekend: true, Makeup: true, Name: "国庆节"}},
		// Rule T2: make-up working Sunday before New Year 2026's holiday ended.
		{sh(2026, 1, 4, 12, 0), Day{Date: "2026-01-04", Working: true, Weekend: true, Makeup: true, Name: "元旦节"}},
		// Rule T2: statutory holiday on a weekday and on a weekend.
		{sh(2026, 10, 1, 12, 0), Day{Date: "2026-10-01", Holiday: "国庆节", Name: "国庆节"}},
		{sh(2026, 10, 3, 12, 0), Day{Date: "2026-10-03", Weekend: true, Holiday: "国庆节", Name: "国庆节"}},
		{sh(2026, 9, 25, 12, 0), Day{Date: "2026-09-25", Holiday: "中秋节", Name: "中秋节"}},
		// Plain days.
		{sh(2026, 10, 8, 12, 0), Day{Date: "2026-10-08", Working: true}},
		{sh(2026, 11, 21, 12, 0), Day{Date: "2026-11-21", Weekend: true}},
		// Rule T3: 2026-10-09 16:30 UTC is already Saturday 10-10 in Shanghai.
		{time.Date(2026, 10, 9, 16, 30, 0, 0, time.UTC), Day{Date: "2026-10-10", Working: true, Weekend: true, Makeup: true, Name: "国庆节"}},
		{time.Date(2026, 10, 9, 15, 59, 0, 0, time.UTC), Day{Date: "2026-10-09", Working: true}},
	}
	for _, tt := range tests {
		if got := c.Day(tt.at); got != tt.want {
			t.Errorf("Day(%v) = %+v, want %+v", tt.at, got, tt.want)
		}
	}
}

// Rule T2: overrides beat both the statutory data and the weekend rule.
func TestDayOverrides(t *testing.T) {
	c, err := New(Config{Overrides: []Override{
		{Date: "2026-10-02", Working: true, Name: "值班"},
		{Date: "2026-10-10", Working: false, Name: "团建"},
		{Date: "2026-11-18", Working: false, Name: "公司年会"},
		{Date: "2026-11-21", Working: true, Name: "补班"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Time
		want Day
	}{
		{sh(2026, 10, 2, 9, 0), Day{Date: "2026-10-02", Working: true, Name: "值班", Company: true}},
		{sh(2026, 10, 10, 9, 0), Day{Date: "2026-10-10", Weekend: true, Holiday: "团建", Name: "团建", Company: true}},
		{sh(2026, 11, 18, 9, 0), Day{Date: "2026-11-18", Holiday: "公司年会", Name: "公司年会", Company: true}},
		{sh(2026, 11, 21, 9, 0), Day{Date: "2026-11-21", Working: true, Weekend: true, Makeup: true, Name: "补班", Company: true}},
	}
	for _, tt := range tests {
		if got := c.Day(tt.at); got != tt.want {
			t.Errorf("Day(%v) = %+v, want %+v", tt.at, got, tt.want)
		}
	}
}

// Rule T2: the indexed snapshot must agree with HolidayUtil day by day.
func TestStatutoryMatchesLibrary(t *testing.T) {
	c := MustDefault()
	for d := sh(2001, 12, 1, 12, 0); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		want := Day{Date: d.Format(time.DateOnly), Working: !weekend, Weekend: weekend}
		if h := HolidayUtil.GetHoliday(want.Date); h != nil {
			want.Working, want.Name = h.IsWork(), h.GetName()
			want.Makeup = weekend && h.IsWork()
			if !h.IsWork() {
				want.Holiday = h.GetName()
			}
		}
		if got := c.Day(d); got != want {
			t.Fatalf("Day(%s) = %+v, library says %+v", want.Date, got, want)
		}
	}
}

func TestCoveredYears(t *testing.T) {
	c := MustDefault()
	for y := 2000; y <= 2028; y++ {
		if want := y >= 2002 && y <= 2027; c.covered(y) != want {
			t.Errorf("covered(%d) = %v, want %v", y, c.covered(y), want)
		}
	}
}

// The horizon is the last year known without a gap; the override file's
// years extend it only when they follow on.
func TestHorizon(t *testing.T) {
	tests := []struct {
		years []int
		want  int
	}{
		{nil, 2027},
		{[]int{2028}, 2028},
		{[]int{2028, 2029}, 2029},
		{[]int{2029}, 2027}, // 2028 is still unknown
		{[]int{2020}, 2027},
	}
	for _, tt := range tests {
		c, err := New(Config{Years: tt.years})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Horizon(); got != tt.want {
			t.Errorf("Horizon() with years %v = %d, want %d", tt.years, got, tt.want)
		}
	}
	if _, err := New(Config{Years: []int{20280}}); err == nil {
		t.Error("year 20280 accepted")
	}
}

// From 1 November of the horizon year the coming year's holidays are due.
func TestHorizonWarning(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		now  time.Time
		want bool
	}{
		{sh(2026, 12, 6, 10, 0), false}, // 2027 is covered
		{sh(2027, 10, 31, 23, 59), false},
		{sh(2027, 11, 1, 0, 0), true},
		{time.Date(2027, 10, 31, 16, 0, 0, 0, time.UTC), true}, // 11-01 00:00 in Shanghai
		{sh(2027, 12, 31, 10, 0), true},
		{sh(2028, 3, 1, 10, 0), true}, // past the horizon: this year's deadlines are provisional
	}
	for _, tt := range tests {
		if got := c.HorizonWarning(tt.now); got != tt.want {
			t.Errorf("HorizonWarning(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"open after close", Config{Open: "18:00", Close: "09:00"}, "must be before Close"},
		{"open equals close", Config{Open: "09:00", Close: "09:00"}, "must be before Close"},
		{"bad open", Config{Open: "9am"}, `Open "9am"`},
		{"bad close", Config{Close: "25:00"}, `Close "25:00"`},
		{"bad override date", Config{Overrides: []Override{{Date: "2027/01/01"}}}, `days[0]: invalid date "2027/01/01"`},
		{"duplicate override", Config{Overrides: []Override{{Date: "2027-01-01"}, {Date: "2027-01-01", Working: true}}}, "days[1] (2027-01-01): duplicate date, already at days[0]"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	c, err := New(Config{Location: time.UTC, Open: "08:30", Close: "17:00"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Location() != time.UTC || c.open != 8*60+30 || c.close != 17*60 {
		t.Errorf("New kept loc=%v open=%d close=%d", c.Location(), c.open, c.close)
	}
	if got := MustDefault().Location().String(); got != "Asia/Shanghai" {
		t.Errorf("default location %q", got)
	}
}

func TestLoadOverrides(t *testing.T) {
	got, err := LoadOverrides("testdata/overrides.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []Override{
		{Date: "2026-12-26", Working: true, Name: "年会补班"},
		{Date: "2026-12-31", Working: false, Name: "公司年会"},
		{Date: "2027-01-01", Working: false, Name: "元旦"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadOverrides = %+v, want %+v", got, want)
	}
}

// The file's years move the horizon (issue 16: a year the library lacks).
func TestLoadFileYears(t *testing.T) {
	path := filepath.Join(t.TempDir(), "2028.json")
	body := `{"years":[2028],"days":[{"date":"2028-01-03","working":false,"name":"元旦"}]}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Overrides: f.Days, Years: f.Years})
	if err != nil {
		t.Fatal(err)
	}
	if c.Horizon() != 2028 || c.Day(sh(2028, 1, 3, 12, 0)).Working {
		t.Errorf("horizon %d, 2028-01-03 %+v; want 2028 and a day off", c.Horizon(), c.Day(sh(2028, 1, 3, 12, 0)))
	}
}

func TestLoadOverridesErrors(t *testing.T) {
	tests := []struct {
		name, json string
		want       []string // all must appear in the error
	}{
		{"bad date", `{"days":[{"date":"2027-01-01","working":false},{"date":"2027-02-30","working":false}]}`, []string{"days[1]", `"2027-02-30"`}},
		{"duplicate", `{"days":[{"date":"2027-01-01","working":false},{"date":"2027-01-01","working":true}]}`, []string{"days[1] (2027-01-01)", "duplicate", "days[0]"}},
		{"missing working", `{"days":[{"date":"2027-01-01","name":"元旦"}]}`, []string{"days[0] (2027-01-01)", `missing "working"`}},
		{"typo field", `{"days":[{"date":"2027-01-01","workng":true}]}`, []string{"days[0]", `"workng"`}},
		{"wrong type", `{"days":[{"date":"2027-01-01","working":"yes"}]}`, []string{"days[0]"}},
		{"missing days", `{"day":[]}`, []string{`"day"`}},
		{"no days list", `{}`, []string{`missing "days"`}},
		{"not json", `days: []`, []string{"invalid character"}},
		{"bad year", `{"years":[2028, 228],"days":[]}`, []string{"years[1]", "228"}},
		{"years not a list", `{"years":2028,"days":[]}`, []string{"years"}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(tt.json), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOverrides(path)
		if err == nil {
			t.Errorf("%s: LoadOverrides succeeded, want error", tt.name)
			continue
		}
		for _, w := range append(tt.want, path) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
	if _, err := LoadOverrides(filepath.Join(dir, "absent.json")); err == nil || !strings.Contains(err.Error(), "absent.json") {
		t.Errorf("missing file: error %v", err)
	}
}

// The Calendar is shared by every workflow; run with -race to check.
func TestConcurrentUse(t *testing.T) {
	c := overrideCalendar(t)
	want, err := c.Due(sh(2026, 9, 30, 10, 0), Span{5, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				got, err := c.Due(sh(2026, 9, 30, 10, 0), Span{5, WorkingDays})
				if err != nil || !got.At.Equal(want.At) {
					t.Errorf("concurrent Due = %v, %v", got.At, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
