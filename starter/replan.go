package starter

import (
	"context"
	"fmt"
	"time"

	"github.com/closeloop/closeloop/replan"
	"github.com/closeloop/closeloop/workflows"
)

// ReplanReport is what a calendar re-plan found and did.
type ReplanReport struct {
	DryRun bool `json:"dry_run"`
	// Horizon is the last year whose statutory holidays the calendar knows.
	Horizon int `json:"horizon"`
	// Checked counts the open cases looked at.
	Checked int          `json:"checked"`
	Changes []ReplanLine `json:"changes"`
	// Check lists running clocks the re-plan leaves alone — agreed time
	// nodes, extended or promised times — that now fall on a day off.
	Check []ReplanCheck `json:"check,omitempty"`
	// Failed lists the cases that could not be read or re-planned; a later
	// run tries them again.
	Failed []ReplanFailure `json:"failed,omitempty"`
}

// ReplanLine is one running clock the calendar now puts on another instant.
type ReplanLine struct {
	Case     string    `json:"case"`
	Deadline string    `json:"deadline"`
	Round    int       `json:"round,omitempty"`
	OldDue   time.Time `json:"old_due"`
	NewDue   time.Time `json:"new_due"`
	// Later: the clock moved later; a customer's time tells the customer.
	Later bool `json:"later"`
	// Applied: the case moved the clock (never on a dry run).
	Applied bool `json:"applied"`
}

// ReplanCheck is a running clock to agree anew by hand.
type ReplanCheck struct {
	Case     string    `json:"case"`
	Deadline string    `json:"deadline"`
	Round    int       `json:"round,omitempty"`
	Due      time.Time `json:"due"`
	// Holiday names the day off, when it has a name.
	Holiday string `json:"holiday,omitempty"`
}

// ReplanFailure is a case the re-plan could not finish.
type ReplanFailure struct {
	Case  string `json:"case"`
	Error string `json:"error"`
}

// Replan finds the open cases whose running working-day clocks the
// calendar, as it is now, puts on another instant, and — unless dryRun —
// has each case re-arm them through its replan Update, recorded as actor.
// A second run finds nothing to do.
func (s *Service) Replan(ctx context.Context, actor string, dryRun bool) (ReplanReport, error) {
	if s.Calendar == nil {
		return ReplanReport{}, fmt.Errorf("re-plan needs the business calendar")
	}
	open, err := s.OpenCases(ctx)
	if err != nil {
		return ReplanReport{}, err
	}
	rep := ReplanReport{DryRun: dryRun, Horizon: s.Calendar.Horizon(), Changes: []ReplanLine{}}
	for _, c := range open {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Checked++
		lines, check, err := s.replanCase(ctx, c.No, actor, dryRun)
		if err != nil {
			rep.Failed = append(rep.Failed, ReplanFailure{Case: c.No, Error: err.Error()})
		}
		rep.Changes = append(rep.Changes, lines...)
		rep.Check = append(rep.Check, check...)
	}
	return rep, nil
}

// replanCase plans one case and, unless dryRun, applies the plan; a line
// is Applied when the case's clock stands at the new instant afterwards.
// It also names the clocks left alone that now fall on a day off.
func (s *Service) replanCase(ctx context.Context, no, actor string, dryRun bool) ([]ReplanLine, []ReplanCheck, error) {
	view, err := s.Case(ctx, no)
	if err != nil {
		return nil, nil, err
	}
	var check []ReplanCheck
	for _, o := range replan.OffDays(s.Calendar, view.Deadlines) {
		check = append(check, ReplanCheck{Case: no, Deadline: o.Deadline, Round: o.Round, Due: o.Due, Holiday: o.Day.Holiday})
	}
	plan, err := replan.Plan(s.Calendar, view.Deadlines)
	if err != nil || len(plan) == 0 {
		return nil, check, err
	}
	lines := make([]ReplanLine, len(plan))
	for i, ch := range plan {
		lines[i] = ReplanLine{Case: no, Deadline: ch.Deadline, Round: ch.Round, OldDue: ch.OldDue, NewDue: ch.NewDue, Later: ch.NewDue.After(ch.OldDue)}
	}
	if dryRun {
		return lines, check, nil
	}
	after, err := s.ActWith(ctx, no, workflows.ActionReplan, &workflows.ReplanInput{Actor: actor})
	if err != nil {
		return lines, check, err
	}
	for i, l := range lines {
		for _, d := range after.Deadlines {
			if d.Name == l.Deadline && d.Round == l.Round && d.State == workflows.DeadlinePending && d.Due.Equal(l.NewDue) {
				lines[i].Applied = true
			}
		}
	}
	return lines, check, nil
}
