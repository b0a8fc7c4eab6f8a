package calendar

import (
	"strconv"
	"strings"
	"time"
)

// Text renders e for people, in lang "en" (default) or "zh-CN" (any "zh"
// tag). Times are shown in e.Location (T3). Ordinary weekends are left out:
// only holidays, company days and make-up working days are worth reading.
//
//	5 working days from Wed 2026-09-30: skips the National Day holiday 10-01..10-07, counts the make-up working Saturday 10-10, due Tue 2026-10-13 18:00
//	自 2026-09-30（周三）起 5 个工作日：跳过国庆节假期 10-01..10-07，计入调休上班日 10-10（周六），截止 2026-10-13（周二）18:00
func (e Explanation) Text(lang string) string {
	l := &english
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		l = &chinese
	}
	loc, err := time.LoadLocation(e.Location)
	if err != nil {
		loc = time.UTC
	}
	start, due := e.Start.In(loc), e.Due.In(loc)

	// Working days are whole days, so their start time is noise.
	from := l.date(start)
	if e.Span.Unit != WorkingDays {
		from += l.timeSep + start.Format("15:04")
	}
	var parts []string
	var items []string
	for _, r := range e.Skipped {
		dates := short(r.From, start.Year())
		if r.To != r.From {
			dates += ".." + short(r.To, start.Year())
		}
		switch r.Kind {
		case KindHoliday:
			items = append(items, l.holiday(r.Name, dates))
		case KindCompany:
			items = append(items, l.companyOff(dates, r.Name))
		}
	}
	if len(items) > 0 {
		parts = append(parts, l.skips+l.list(items))
	}
	items = items[:0]
	for _, d := range e.Counted {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			continue
		}
		md := short(d.Date, start.Year())
		if d.Company {
			items = append(items, l.companyWork(t.Weekday(), md, d.Name))
		} else {
			items = append(items, l.makeup(t.Weekday(), md))
		}
	}
	if len(items) > 0 {
		parts = append(parts, l.counts+l.list(items))
	}
	parts = append(parts, l.due+l.date(due)+l.timeSep+due.Format("15:04"))

	out := l.head(l.span(e.Span), from) + l.colon + strings.Join(parts, l.sep)
	for _, n := range e.Notes {
		if year, ok := strings.CutPrefix(n, NoteNoHolidayData+":"); ok {
			n = l.noData(year)
		}
		out += l.note(n)
	}
	return out
}

// Duration says d the way a person does, in lang "en" or "zh-CN": days and
// hours, or hours and minutes, to the minute ("2 d 3 h", "2天 3小时").
func Duration(d time.Duration, lang string) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	zh := strings.HasPrefix(strings.ToLower(lang), "zh")
	unit := func(n int, en, cn string) string {
		if zh {
			return strconv.Itoa(n) + cn
		}
		return strconv.Itoa(n) + " " + en
	}
	switch {
	case days > 0:
		return unit(days, "d", "天") + " " + unit(hours, "h", "小时")
	case hours > 0:
		return unit(hours, "h", "小时") + " " + unit(mins, "min", "分钟")
	}
	return unit(mins, "min", "分钟")
}

// short drops the year from a YYYY-MM-DD date in the reference year.
func short(ymd string, year int) string {
	if strings.HasPrefix(ymd, strconv.Itoa(year)+"-") {
		return ymd[5:]
	}
	return ymd
}

// language holds the phrasing of one UI language.
type language struct {
	span        func(Span) string
	head        func(span, from string) string
	date        func(time.Time) string
	timeSep     string
	holiday     func(name, dates string) string
	companyOff  func(dates, name string) string
	makeup      func(wd time.Weekday, date string) string
	companyWork func(wd time.Weekday, date, name string) string
	skips       string
	counts      string
	due         string
	colon, sep  string
	list        func([]string) string
	noData      func(year string) string
	note        func(string) string
}

// englishHolidays translates lunar-go's holiday names.
var englishHolidays = map[string]string{
	"元旦节":   "New Year's Day",
	"春节":    "Spring Festival",
	"清明节":   "Qingming Festival",
	"劳动节":   "Labour Day",
	"端午节":   "Dragon Boat Festival",
	"中秋节":   "Mid-Autumn Festival",
	"国庆节":   "National Day",
	"国庆中秋":  "National Day and Mid-Autumn Festival",
	"抗战胜利日": "Victory Day",
}

var english = language{
	span: Span.String,
	head: func(span, from string) string { return span + " from " + from },
	date: func(t time.Time) string { return t.Format("Mon 2006-01-02") },
	holiday: func(name, dates string) string {
		if en, ok := englishHolidays[name]; ok {
			name = en
		}
		return "the " + name + " holiday " + dates
	},
	companyOff: func(dates, name string) string {
		return "the company day off " + dates + paren(" (", name, ")")
	},
	makeup: func(wd time.Weekday, date string) string {
		return "the make-up working " + wd.String() + " " + date
	},
	companyWork: func(wd time.Weekday, date, name string) string {
		return "the company working day " + wd.String()[:3] + " " + date + paren(" (", name, ")")
	},
	timeSep: " ",
	skips:   "skips ",
	counts:  "counts ",
	due:     "due ",
	colon:   ": ",
	sep:     ", ",
	list: func(items []string) string {
		if len(items) < 2 {
			return strings.Join(items, "")
		}
		return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
	},
	noData: func(year string) string {
		return "provisional: the statutory holidays of " + year + " are not known yet, so only weekends and company days count; it is re-planned when they are"
	},
	note: func(s string) string { return " (" + s + ")" },
}

var chineseWeekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

var chinese = language{
	span: func(s Span) string {
		unit := map[Unit]string{Minutes: " 分钟", Hours: " 小时", WorkingDays: " 个工作日", BusinessHours: " 个工作小时"}[s.Unit]
		if unit == "" {
			unit = " " + string(s.Unit)
		}
		return strconv.Itoa(s.N) + unit
	},
	head: func(span, from string) string {
		if strings.HasSuffix(from, "）") { // no space after full-width punctuation
			return "自 " + from + "起 " + span
		}
		return "自 " + from + " 起 " + span
	},
	date: func(t time.Time) string {
		return t.Format(time.DateOnly) + "（" + chineseWeekdays[t.Weekday()] + "）"
	},
	holiday: func(name, dates string) string { return name + "假期 " + dates },
	companyOff: func(dates, name string) string {
		return "公司休息日 " + dates + paren("（", name, "）")
	},
	makeup: func(wd time.Weekday, date string) string {
		return "调休上班日 " + date + "（" + chineseWeekdays[wd] + "）"
	},
	companyWork: func(wd time.Weekday, date, name string) string {
		return "公司上班日 " + date + "（" + chineseWeekdays[wd] + paren("，", name, "") + "）"
	},
	timeSep: "",
	skips:   "跳过",
	counts:  "计入",
	due:     "截止 ",
	colon:   "：",
	sep:     "，",
	list:    func(items []string) string { return strings.Join(items, "、") },
	noData: func(year string) string {
		return "暂定：" + year + " 年法定节假日安排尚未发布，暂按周末和公司调整计算，发布后重新计算"
	},
	note: func(s string) string { return "（" + s + "）" },
}

// paren wraps s in open/close, or returns "" when s is empty.
func paren(open, s, close string) string {
	if s == "" {
		return ""
	}
	return open + s + close
}
