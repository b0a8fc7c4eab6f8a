// Package calendar computes Closeloop deadlines.
//
// A deadline is a [Span] measured from a starting instant:
//
//   - Rule T1: "N hours" (and N minutes) are natural time from the starting
//     event, independent of any calendar.
//   - Rule T2: "N working days" end at close of business (default 18:00) of
//     the N-th working day after the starting day; the starting day itself is
//     never counted. Working days follow the PRC statutory calendar, including
//     make-up working weekends (调休), plus company overrides.
//   - "N business hours" count only time inside business hours [Open, Close)
//     on working days.
//   - Rule T3: instants are stored in UTC ([Due.At] is UTC) and shown in the
//     case's time zone (default Asia/Shanghai).
//
// A day is a working day if a company override says so; otherwise, if the
// statutory data (github.com/6tail/lunar-go, package HolidayUtil) lists it as
// a holiday day off it is not, and if it lists it as a make-up working day it
// is; otherwise Monday to Friday are working days and weekends are not.
// The statutory data covers 2002–2027 (lunar-go v1.4.7). A year beyond the
// calendar's [Calendar.Horizon] is treated as weekends plus overrides only,
// and every [Explanation] that relies on such a year is marked
// [Explanation.Provisional] and carries a [NoteNoHolidayData] note.
//
// # Override file
//
// [LoadFile] reads company days and statutory days for years the
// library lacks from a JSON file such as testdata/overrides.json:
//
//	{
//	  "comment": "optional free text, ignored",
//	  "years": [2028],
//	  "days": [
//	    {"date": "2026-12-31", "working": false, "name": "公司年会"},
//	    {"date": "2026-12-26", "working": true,  "name": "年会补班"}
//	  ]
//	}
//
// Each entry needs "date" (YYYY-MM-DD, local to the calendar's time zone) and
// "working" (true: a working day even on a weekend or statutory holiday;
// false: a day off). "name" is shown to users and is optional. Unknown fields
// and duplicate dates are errors, so a typo cannot silently turn a working day
// into a day off. "years" (optional) names the years whose whole statutory
// arrangement the file lists — a year published after the library's
// release — and moves the horizon to them.
//
// A [Calendar] is immutable and safe for concurrent use.
package calendar
