package calendar

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	def := MustDefault()
	company := overrideCalendar(t)
	early, err := New(Config{Open: "08:00", Close: "17:00"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		span  Span
		want  time.Time
	}{
		// Rule T1: natural hours, holidays and weekends do not matter.
		{"T1 24h", def, sh(2026, 11, 23, 10, 0), Span{24, Hours}, sh(2026, 11, 24, 10, 0)},
		{"T1 72h over National Day", def, sh(2026, 9, 30, 10, 0), Span{72, Hours}, sh(2026, 10, 3, 10, 0)},
		{"T1 2h past midnight", def, sh(2026, 10, 3, 23, 30), Span{2, Hours}, sh(2026, 10, 4, 1, 30)},
		{"T1 30m", def, sh(2026, 11, 23, 10, 45), Span{30, Minutes}, sh(2026, 11, 23, 11, 15)},

		// Rule T2: the spec example; any start hour gives the same due instant.
		{"T2 National Day 00:00", def, sh(2026, 9, 30, 0, 0), Span{5, WorkingDays}, sh(2026, 10, 13, 18, 0)},
		{"T2 National Day 10:00", def, sh(2026, 9, 30, 10, 0), Span{5, WorkingDays}, sh(2026, 10, 13, 18, 0)},
		{"T2 National Day 23:59", def, sh(2026, 9, 30, 23, 59), Span{5, WorkingDays}, sh(2026, 10, 13, 18, 0)},
		// Rule T2: plain weekend.
		{"T2 Fri+1", def, sh(2026, 11, 20, 15, 0), Span{1, WorkingDays}, sh(2026, 11, 23, 18, 0)},
		{"T2 Fri+2", def, sh(2026, 11, 20, 15, 0), Span{2, WorkingDays}, sh(2026, 11, 24, 18, 0)},
		// Rule T2: the start day is not counted even before opening.
		{"T2 before opening", def, sh(2026, 11, 23, 7, 0), Span{1, WorkingDays}, sh(2026, 11, 24, 18, 0)},
		// Rule T2: start on the make-up working Saturday 10-10; Sunday 10-11 is off.
		{"T2 start on make-up Sat", def, sh(2026, 10, 10, 10, 0), Span{1, WorkingDays}, sh(2026, 10, 12, 18, 0)},
		// Rule T2: a make-up working Sunday (09-20) is counted.
		{"T2 make-up Sun counted", def, sh(2026, 9, 19, 10, 0), Span{1, WorkingDays}, sh(2026, 9, 20, 18, 0)},
		// Rule T2: Spring Festival 2026: make-up Sat 02-14, holiday 02-15..02-23.
		{"T2 Spring Festival +1", def, sh(2026, 2, 13, 10, 0), Span{1, WorkingDays}, sh(2026, 2, 14, 18, 0)},
		{"T2 Spring Festival +2", def, sh(2026, 2, 13, 10, 0), Span{2, WorkingDays}, sh(2026, 2, 24, 18, 0)},
		// Rule T2: start on a holiday.
		{"T2 start on holiday", def, sh(2026, 10, 1, 10, 0), Span{1, WorkingDays}, sh(2026, 10, 8, 18, 0)},
		// Rule T2: 2025 merged National Day/Mid-Autumn holiday 10-01..10-08.
		{"T2 2025 National Day", def, sh(2025, 9, 30, 10, 0), Span{1, WorkingDays}, sh(2025, 10, 9, 18, 0)},
		// Rule T2: configurable close of business.
		{"T2 close 17:00", early, sh(2026, 11, 20, 15, 0), Span{1, WorkingDays}, sh(2026, 11, 23, 17, 0)},
		// Rule T2: 2027 from lunar-go v1.4.7: New Year's Day 01-01..01-03 off.
		{"T2 2027 New Year +1", def, sh(2026, 12, 31, 10, 0), Span{1, WorkingDays}, sh(2027, 1, 4, 18, 0)},
		// The 5-working-day result delivery (C10) registered on New Year's Eve.
		{"T2 2027 New Year +5", def, sh(2026, 12, 31, 10, 0), Span{5, WorkingDays}, sh(2027, 1, 8, 18, 0)},
		// Spring Festival 2027: 02-05..02-13 off, the make-up Sunday 02-14 counts.
		{"T2 2027 Spring Festival +5", def, sh(2027, 2, 4, 10, 0), Span{5, WorkingDays}, sh(2027, 2, 18, 18, 0)},
		{"T2 2027 make-up Sun 01-31", def, sh(2027, 1, 30, 10, 0), Span{1, WorkingDays}, sh(2027, 1, 31, 18, 0)},
		{"T2 2027 National Day", def, sh(2027, 9, 30, 10, 0), Span{1, WorkingDays}, sh(2027, 10, 8, 18, 0)},
		{"T2 2027 make-up Sat 10-09", def, sh(2027, 10, 8, 10, 0), Span{1, WorkingDays}, sh(2027, 10, 9, 18, 0)},
		// 2028 has no data yet: weekends only (provisional)...
		{"T2 2028 no data", def, sh(2027, 12, 31, 10, 0), Span{1, WorkingDays}, sh(2028, 1, 3, 18, 0)},
		// ...and an override still wins.
		{"T2 2027 override", company, sh(2026, 12, 31, 10, 0), Span{1, WorkingDays}, sh(2027, 1, 4, 18, 0)},
		// Rule T2: company working Saturday 12-26 from the override file.
		{"T2 company working Sat", company, sh(2026, 12, 25, 10, 0), Span{1, WorkingDays}, sh(2026, 12, 26, 18, 0)},
		{"T2 company days", company, sh(2026, 12, 23, 10, 0), Span{7, WorkingDays}, sh(2027, 1, 4, 18, 0)},
		// Rule T3: a UTC start is placed on its Shanghai day (09-29 17:00 UTC = 09-30 01:00 CST).
		{"T3 UTC start", def, time.Date(2026, 9, 29, 17, 0, 0, 0, time.UTC), Span{5, WorkingDays}, time.Date(2026, 10, 13, 10, 0, 0, 0, time.UTC)},

		// Business hours.
		{"BH Fri 17:30 +2", def, sh(2026, 11, 20, 17, 30), Span{2, BusinessHours}, sh(2026, 11, 23, 10, 30)},
		{"BH before opening", def, sh(2026, 11, 23, 7, 0), Span{2, BusinessHours}, sh(2026, 11, 23, 11, 0)},
		{"BH after close", def, sh(2026, 11, 23, 19, 0), Span{1, BusinessHours}, sh(2026, 11, 24, 10, 0)},
		{"BH at close", def, sh(2026, 11, 23, 18, 0), Span{1, BusinessHours}, sh(2026, 11, 24, 10, 0)},
		{"BH ends at close", def, sh(2026, 11, 23, 16, 0), Span{2, BusinessHours}, sh(2026, 11, 23, 18, 0)},
		{"BH full day", def, sh(2026, 11, 23, 9, 0), Span{9, BusinessHours}, sh(2026, 11, 23, 18, 0)},
		{"BH over a day", def, sh(2026, 11, 23, 9, 0), Span{10, BusinessHours}, sh(2026, 11, 24, 10, 0)},
		{"BH start on Saturday", def, sh(2026, 11, 21, 11, 0), Span{2, BusinessHours}, sh(2026, 11, 23, 11, 0)},
		// Rule T2 calendar: skips National Day; the make-up Saturday has business hours.
		{"BH over holiday", def, sh(2026, 9, 30, 17, 0), Span{2, BusinessHours}, sh(2026, 10, 8, 10, 0)},
		{"BH on make-up Sat", def, sh(2026, 10, 10, 10, 0), Span{2, BusinessHours}, sh(2026, 10, 10, 12, 0)},
	}
	for _, tt := range tests {
		got, err := tt.cal.Due(tt.start, tt.span)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !got.At.Equal(tt.want) || got.At.Location() != time.UTC {
			t.Errorf("%s: %v + %v = %v, want %v (in UTC)", tt.name, tt.start, tt.span, got.At.In(shanghai), tt.want)
		}
		if !got.Explanation.Due.Equal(got.At) || !got.Explanation.Start.Equal(tt.start) || got.Explanation.Span != tt.span {
			t.Errorf("%s: explanation header %+v", tt.name, got.Explanation)
		}
	}
}

// Rule T2: the spec example, with its full explanation and texts.
func TestDueNationalDay2026(t *testing.T) {
	got, err := MustDefault().Due(sh(2026, 9, 30, 10, 0), Span{5, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	want := Explanation{
		Span:     Span{5, WorkingDays},
		Start:    time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC), // Rule T3: stored in UTC
		Due:      time.Date(2026, 10, 13, 10, 0, 0, 0, time.UTC),
		Location: "Asia/Shanghai",
		Skipped: []Range{
			{From: "2026-10-01", To: "2026-10-07", Name: "国庆节", Kind: KindHoliday},
			{From: "2026-10-11", To: "2026-10-11", Kind: KindWeekend},
		},
		Counted: []Day{{Date: "2026-10-10", Working: true, Weekend: true, Makeup: true, Name: "国庆节"}},
	}
	if !reflect.DeepEqual(got.Explanation, want) {
		t.Errorf("explanation\n got %+v\nwant %+v", got.Explanation, want)
	}
	texts := map[string]string{
		"en":    "5 working days from Wed 2026-09-30: skips the National Day holiday 10-01..10-07, counts the make-up working Saturday 10-10, due Tue 2026-10-13 18:00",
		"zh-CN": "自 2026-09-30（周三）起 5 个工作日：跳过国庆节假期 10-01..10-07，计入调休上班日 10-10（周六），截止 2026-10-13（周二）18:00",
	}
	for lang, w := range texts {
		if s := got.Explanation.Text(lang); s != w {
			t.Errorf("Text(%q)\n got %s\nwant %s", lang, s, w)
		}
	}
	if s := got.Explanation.Text(""); s != texts["en"] {
		t.Errorf("Text(\"\") defaults to %q", s)
	}
}

// Rule T2 and T3: the explanation survives JSON (it is stored in workflow
// history) and still renders the same text.
func TestExplanationJSON(t *testing.T) {
	due, err := overrideCalendar(t).Due(sh(2026, 12, 23, 10, 0), Span{7, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(due)
	if err != nil {
		t.Fatal(err)
	}
	var back Due
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.At.Equal(due.At) || !reflect.DeepEqual(back.Explanation.Skipped, due.Explanation.Skipped) ||
		!reflect.DeepEqual(back.Explanation.Counted, due.Explanation.Counted) {
		t.Errorf("round trip changed the due date:\n%s", data)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		if a, b := due.Explanation.Text(lang), back.Explanation.Text(lang); a != b {
			t.Errorf("Text(%q) after JSON = %q, want %q", lang, b, a)
		}
	}
	if !strings.Contains(string(data), `"at":"2027-01-04T10:00:00Z"`) {
		t.Errorf("Due.At not stored in UTC: %s", data)
	}
}

// Rule T2: company days from the override file beside the 2027 statutory
// New Year holiday, which the explanation names.
func TestDueCompanyDays(t *testing.T) {
	got, err := overrideCalendar(t).Due(sh(2026, 12, 23, 10, 0), Span{7, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	e := got.Explanation
	wantSkipped := []Range{
		{From: "2026-12-27", To: "2026-12-27", Kind: KindWeekend},
		{From: "2026-12-31", To: "2026-12-31", Name: "公司年会", Kind: KindCompany},
		{From: "2027-01-01", To: "2027-01-01", Name: "元旦", Kind: KindCompany},
		{From: "2027-01-02", To: "2027-01-03", Name: "元旦节", Kind: KindHoliday},
	}
	wantCounted := []Day{{Date: "2026-12-26", Working: true, Weekend: true, Makeup: true, Name: "年会补班", Company: true}}
	if !reflect.DeepEqual(e.Skipped, wantSkipped) {
		t.Errorf("Skipped = %+v, want %+v", e.Skipped, wantSkipped)
	}
	if !reflect.DeepEqual(e.Counted, wantCounted) {
		t.Errorf("Counted = %+v, want %+v", e.Counted, wantCounted)
	}
	if len(e.Notes) != 0 || e.Provisional {
		t.Errorf("Notes = %q, provisional %v: 2027 is covered", e.Notes, e.Provisional)
	}
	texts := map[string]string{
		"en": "7 working days from Wed 2026-12-23: skips the company day off 12-31 (公司年会), the company day off 2027-01-01 (元旦) " +
			"and the New Year's Day holiday 2027-01-02..2027-01-03, counts the company working day Sat 12-26 (年会补班), due Mon 2027-01-04 18:00",
		"zh-CN": "自 2026-12-23（周三）起 7 个工作日：跳过公司休息日 12-31（公司年会）、公司休息日 2027-01-01（元旦）、元旦节假期 2027-01-02..2027-01-03，" +
			"计入公司上班日 12-26（周六，年会补班），截止 2027-01-04（周一）18:00",
	}
	for lang, w := range texts {
		if s := e.Text(lang); s != w {
			t.Errorf("Text(%q)\n got %s\nwant %s", lang, s, w)
		}
	}
}

// Rule T2: the 2027 Spring Festival and its make-up Sunday are named.
func TestDueSpringFestival2027(t *testing.T) {
	got, err := MustDefault().Due(sh(2027, 2, 4, 10, 0), Span{5, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"en":    "5 working days from Thu 2027-02-04: skips the Spring Festival holiday 02-05..02-13, counts the make-up working Sunday 02-14, due Thu 2027-02-18 18:00",
		"zh-CN": "自 2027-02-04（周四）起 5 个工作日：跳过春节假期 02-05..02-13，计入调休上班日 02-14（周日），截止 2027-02-18（周四）18:00",
	}
	for lang, w := range texts {
		if s := got.Explanation.Text(lang); s != w {
			t.Errorf("Text(%q)\n got %s\nwant %s", lang, s, w)
		}
	}
}

// A deadline past the horizon is provisional, and says so in both
// languages; the override file's "years" moves the horizon.
func TestDueProvisional(t *testing.T) {
	got, err := MustDefault().Due(sh(2027, 12, 30, 10, 0), Span{3, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	e := got.Explanation
	if !e.Provisional || !reflect.DeepEqual(e.Notes, []string{"no_holiday_data:2028"}) {
		t.Fatalf("provisional %v, notes %q; want provisional with no_holiday_data:2028", e.Provisional, e.Notes)
	}
	texts := map[string]string{
		"en": "3 working days from Thu 2027-12-30: due Tue 2028-01-04 18:00 (provisional: the statutory holidays of 2028 " +
			"are not known yet, so only weekends and company days count; it is re-planned when they are)",
		"zh-CN": "自 2027-12-30（周四）起 3 个工作日：截止 2028-01-04（周二）18:00（暂定：2028 年法定节假日安排尚未发布，暂按周末和公司调整计算，发布后重新计算）",
	}
	for lang, w := range texts {
		if s := e.Text(lang); s != w {
			t.Errorf("Text(%q)\n got %s\nwant %s", lang, s, w)
		}
	}
	c, err := New(Config{Years: []int{2028}, Overrides: []Override{{Date: "2028-01-03", Working: false, Name: "元旦"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.Due(sh(2027, 12, 30, 10, 0), Span{3, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	if got.Explanation.Provisional || len(got.Explanation.Notes) != 0 || !got.At.Equal(sh(2028, 1, 5, 18, 0)) {
		t.Errorf("with 2028 in the file: %v provisional %v notes %q, want 2028-01-05 18:00, not provisional",
			got.At.In(shanghai), got.Explanation.Provisional, got.Explanation.Notes)
	}
}

// Years lunar-go lacks are noted; covered years are not.
func TestDueNotes(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		start time.Time
		span  Span
		want  []string
	}{
		{sh(2026, 12, 31, 10, 0), Span{1, WorkingDays}, nil},
		{sh(2026, 12, 30, 10, 0), Span{1, WorkingDays}, nil},
		{sh(2027, 12, 31, 10, 0), Span{48, Hours}, nil}, // Rule T1: calendar-independent
		{sh(2028, 3, 1, 10, 0), Span{2, BusinessHours}, []string{"no_holiday_data:2028"}},
		{sh(2027, 12, 31, 10, 0), Span{1, WorkingDays}, []string{"no_holiday_data:2028"}},
	}
	for _, tt := range tests {
		got, err := c.Due(tt.start, tt.span)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Explanation.Notes, tt.want) {
			t.Errorf("%v + %v: Notes = %q, want %q", tt.start, tt.span, got.Explanation.Notes, tt.want)
		}
	}
}

func TestDueTexts(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		start  time.Time
		span   Span
		en, zh string
	}{
		{ // Rule T1
			sh(2026, 11, 23, 10, 0), Span{24, Hours},
			"24 hours from Mon 2026-11-23 10:00: due Tue 2026-11-24 10:00",
			"自 2026-11-23（周一）10:00 起 24 小时：截止 2026-11-24（周二）10:00",
		},
		{ // Plain weekends are not spelled out.
			sh(2026, 11, 20, 17, 30), Span{2, BusinessHours},
			"2 business hours from Fri 2026-11-20 17:30: due Mon 2026-11-23 10:30",
			"自 2026-11-20（周五）17:30 起 2 个工作小时：截止 2026-11-23（周一）10:30",
		},
		{ // Rule T2: two make-up Saturdays around the Spring Festival.
			sh(2026, 2, 13, 10, 0), Span{3, WorkingDays},
			"3 working days from Fri 2026-02-13: skips the Spring Festival holiday 02-15..02-23, counts the make-up working Saturday 02-14, due Wed 2026-02-25 18:00",
			"自 2026-02-13（周五）起 3 个工作日：跳过春节假期 02-15..02-23，计入调休上班日 02-14（周六），截止 2026-02-25（周三）18:00",
		},
		{ // Rule T2: two holidays in one span.
			sh(2026, 9, 24, 10, 0), Span{5, WorkingDays},
			"5 working days from Thu 2026-09-24: skips the Mid-Autumn Festival holiday 09-25..09-27 and the National Day holiday 10-01..10-07, due Fri 2026-10-09 18:00",
			"自 2026-09-24（周四）起 5 个工作日：跳过中秋节假期 09-25..09-27、国庆节假期 10-01..10-07，截止 2026-10-09（周五）18:00",
		},
	}
	for _, tt := range tests {
		got, err := c.Due(tt.start, tt.span)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.Explanation.Text("en"); s != tt.en {
			t.Errorf("en\n got %s\nwant %s", s, tt.en)
		}
		if s := got.Explanation.Text("zh-CN"); s != tt.zh {
			t.Errorf("zh\n got %s\nwant %s", s, tt.zh)
		}
	}
}

func TestDueErrors(t *testing.T) {
	c := MustDefault()
	if _, err := c.Due(sh(2026, 1, 1, 0, 0), Span{0, WorkingDays}); err == nil {
		t.Error("Due accepted a zero span")
	}
	if _, err := c.Due(sh(2026, 1, 1, 0, 0), Span{1, "weeks"}); err == nil {
		t.Error("Due accepted an unknown unit")
	}
	if _, err := c.Due(time.Time{}, Span{1, Hours}); err == nil {
		t.Error("Due accepted a zero start")
	}
	// Overrides that remove every working day must fail, not loop forever.
	var off []Override
	for d := sh(2030, 1, 1, 12, 0); d.Year() < 2032; d = d.AddDate(0, 0, 1) {
		off = append(off, Override{Date: d.Format(time.DateOnly)})
	}
	closed, err := New(Config{Overrides: off})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []Unit{WorkingDays, BusinessHours} {
		if _, err := closed.Due(sh(2030, 1, 1, 10, 0), Span{1, u}); err == nil || !strings.Contains(err.Error(), "no working day") {
			t.Errorf("%s on a closed calendar: %v", u, err)
		}
	}
}

func BenchmarkDueWorkingDays(b *testing.B) {
	c := MustDefault()
	start := sh(2026, 9, 30, 10, 0)
	span := Span{5, WorkingDays}
	for b.Loop() {
		if _, err := c.Due(start, span); err != nil {
			b.Fatal(err)
		}
	}
}

// An explanation recorded before Provisional existed still counts as
// provisional by its "no_holiday_data:" note.
func TestExplanationIsProvisional(t *testing.T) {
	for _, tc := range []struct {
		e    Explanation
		want bool
	}{
		{Explanation{}, false},
		{Explanation{Notes: []string{"something else"}}, false},
		{Explanation{Provisional: true}, true},
		{Explanation{Notes: []string{"no_holiday_data:2028"}}, true},
	} {
		if got := tc.e.IsProvisional(); got != tc.want {
			t.Errorf("%+v.IsProvisional() = %v, want %v", tc.e, got, tc.want)
		}
	}
}

// Rule C11: the earliest of several spans wins and the others are kept.
func TestEarliest(t *testing.T) {
	c := MustDefault()
	// Thu 2026-12-31 20:00: 24 hours end Fri 20:00; 1 working day ends
	// Mon 2027-01-04 18:00 (New Year's Day 01-01..01-03 off).
	due, also, err := c.Earliest(sh(2026, 12, 31, 20, 0), []Span{{1, WorkingDays}, {24, Hours}})
	if err != nil {
		t.Fatal(err)
	}
	if !due.At.Equal(sh(2027, 1, 1, 20, 0)) || due.Explanation.Span != (Span{24, Hours}) ||
		len(also) != 1 || also[0].Span != (Span{1, WorkingDays}) || !also[0].Due.Equal(sh(2027, 1, 4, 18, 0)) {
		t.Errorf("Earliest = %v %+v, also %+v", due.At.In(shanghai), due.Explanation.Span, also)
	}
	if _, _, err := c.Earliest(sh(2026, 12, 31, 20, 0), nil); err == nil {
		t.Error("no span accepted")
	}
}
