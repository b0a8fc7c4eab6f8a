package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/metrics"
)

// horizonWarning says, at now, that the business calendar lacks the
// coming (or current) year's statutory holidays and how to add them; ""
// while it is ahead (see calendar.HorizonWarning).
func horizonWarning(cal *calendar.Calendar, now time.Time) string {
	if !cal.HorizonWarning(now) {
		return ""
	}
	h := cal.Horizon()
	return fmt.Sprintf("calendar: statutory holidays known through %d; add %d's days off and make-up working days to the "+
		"override file (CLOSELOOP_CALENDAR_FILE) with \"years\": [%d] and restart, or upgrade to a release that knows them; "+
		"working-day deadlines in %d are provisional until then", h, h+1, h+1, h+1)
}

// watchHorizon publishes the calendar's horizon as a metric, warns in the
// log once (at start) when holidays are missing, and returns what /readyz
// lists as warnings, read at each request with now.
func watchHorizon(cal *calendar.Calendar, now func() time.Time, log *slog.Logger, m *metrics.Metrics) func() []string {
	h := cal.Horizon()
	m.CalendarHorizon(h)
	if w := horizonWarning(cal, now()); w != "" {
		log.Warn(w, "horizon", h, "missing_year", h+1)
	}
	return func() []string {
		if w := horizonWarning(cal, now()); w != "" {
			return []string{w}
		}
		return nil
	}
}
