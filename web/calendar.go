package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/closeloop/closeloop/starter"
)

// --- Calendar (the administrator's)

// calendarPage says how far the business calendar knows the statutory
// holidays, whether the warning applies now and what re-planning does,
// with the buttons that check and re-plan.
func (s *Server) calendarPage(rq *request) {
	if !s.mayReplan(rq) {
		return
	}
	s.showCalendar(rq, http.StatusOK, nil, nil)
}

// calendarCheck runs the re-plan as a dry run: what would move, nothing
// changed.
func (s *Server) calendarCheck(rq *request) { s.runReplan(rq, true) }

// calendarReplan re-plans: the cases move their clocks.
func (s *Server) calendarReplan(rq *request) { s.runReplan(rq, false) }

// mayReplan refuses the page, as the API would, to a user whose role may
// not re-plan deadlines; the API checks every re-plan on its own as well.
func (s *Server) mayReplan(rq *request) bool {
	if rq.me.Can.Calendar {
		return true
	}
	s.fail(rq, &starter.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "re-planning deadlines is not allowed for your role"})
	return false
}

// runReplan asks the API to re-plan (or only check) and shows its answer;
// the form's CSRF token goes with the call.
func (s *Server) runReplan(rq *request, dryRun bool) {
	if !s.mayReplan(rq) {
		return
	}
	body, _ := json.Marshal(map[string]bool{"dry_run": dryRun})
	res := s.call(rq, http.MethodPost, "/api/v1/calendar/replan", body, "application/json")
	if p := res.problem(); p != nil {
		if p.Status == http.StatusUnauthorized {
			s.fail(rq, p)
			return
		}
		s.showCalendar(rq, p.Status, nil, p)
		return
	}
	var rep starter.ReplanReport
	if err := json.Unmarshal(res.body, &rep); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	s.showCalendar(rq, http.StatusOK, &rep, nil)
}

func (s *Server) showCalendar(rq *request, status int, rep *starter.ReplanReport, failure *starter.Error) {
	data := map[string]any{"Failure": failure}
	if c := s.Calendar; c != nil {
		h := c.Horizon()
		data["Horizon"], data["Next"], data["Warning"] = h, h+1, c.HorizonWarning(s.now())
	}
	if rep != nil {
		moved := 0
		for _, l := range rep.Changes {
			if l.Applied {
				moved++
			}
		}
		data["Report"], data["Moved"] = rep, moved
	}
	s.render(rq, status, "calendar", data)
}

// Shift says in words how far a clock moved: later or earlier, by how
// much.
func (v view) Shift(from, to time.Time) string {
	d := to.Sub(from)
	if d >= 0 {
		return v.T("calendar.later", "Time", span(d, v.Lang))
	}
	return v.T("calendar.earlier", "Time", span(-d, v.Lang))
}
