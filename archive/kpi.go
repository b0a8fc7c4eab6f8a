package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Targets of the service standard (K4, K5).
const (
	TargetResolutionRate = 0.90
	TargetSatisfaction   = 4.5
)

// KPIQuery selects the cases a report counts: opened in [From, To), of
// one type and department when set, grouped by GroupBy.
type KPIQuery struct {
	From, To   time.Time
	Type       string
	Department string
	GroupBy    string // department (default), type, channel, region
}

// GroupBys are the accepted groupings.
var GroupBys = []string{"department", "type", "channel", "region"}

// KPI is one group's figures. Rates are fractions (0.95 = 95 %) of the
// cases where the figure is decided; nil when none is.
type KPI struct {
	Group               string         `json:"group"`
	Cases               int            `json:"cases"`
	Closed              int            `json:"closed"`
	FirstFeedbackOnTime *float64       `json:"first_feedback_on_time"`
	ResolutionOnTime    *float64       `json:"resolution_on_time"`
	ResolutionRate      *float64       `json:"resolution_rate"` // closed / cases, target 90 % (K5)
	Satisfaction        *float64       `json:"satisfaction"`    // mean 1–5, target 4.5 (K4)
	Ratings             int            `json:"ratings"`
	ReturnVisitRounds   *float64       `json:"return_visit_rounds"` // mean over closed cases that had visits
	Extensions          int            `json:"extensions"`
	ExtensionReasons    map[string]int `json:"extension_reasons,omitempty"`
	EscalationsByLevel  map[string]int `json:"escalations_by_level,omitempty"`
	SignForMinutes      *float64       `json:"sign_for_minutes"` // mean, repairs
	MeetsResolutionRate bool           `json:"meets_resolution_rate_target"`
	MeetsSatisfaction   bool           `json:"meets_satisfaction_target"`
	firstFeedback, onFF int
	resolution, onRes   int
	scoreSum            int
	roundsSum, roundsN  int
	signSum             time.Duration
	signN               int
}

// resolutionClock is the clock each case type is resolved by.
var resolutionClock = map[string][]string{
	workflows.TypeComplaint:     {sla.Resolution},
	workflows.TypeRepair:        {sla.RepairCompletion},
	workflows.TypeConsultation:  {sla.Callback},
	workflows.TypeMediaInquiry:  {sla.MediaContact},
	workflows.TypeCollaboration: {sla.TimeNode},
}

// KPIs computes the report: one row per group, sorted, and the total. A
// case is one row of the archive whatever runs it took (a reopened case
// carries its record into its new run and is rewritten in place), so a
// reopen neither counts it twice nor moves it out of its period.
func (s *Store) KPIs(ctx context.Context, q KPIQuery) ([]KPI, KPI, error) {
	where := []string{"opened_at >= ?", "opened_at < ?"}
	args := []any{q.From.UTC(), q.To.UTC()}
	// Cross-department requests are internal work, not customer cases:
	// left out of the figures unless asked for by type, and when grouped
	// by type they get a row of their own but stay out of the total.
	requestsApart := q.Type == "" && q.GroupBy == "type"
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, q.Type)
	} else if !requestsApart {
		where, args = append(where, "type <> ?"), append(args, workflows.TypeCollaboration)
	}
	if q.Department != "" {
		where, args = append(where, "department = ?"), append(args, q.Department)
	}
	rows, err := s.db.QueryContext(ctx, s.bind("SELECT record FROM cases WHERE "+strings.Join(where, " AND ")), args...)
	if err != nil {
		return nil, KPI{}, fmt.Errorf("kpi: %w", err)
	}
	defer func() { _ = rows.Close() }()
	groups := map[string]*KPI{}
	total := &KPI{Group: "total"}
	for rows.Next() {
		var record string
		if err := rows.Scan(&record); err != nil {
			return nil, KPI{}, fmt.Errorf("kpi: %w", err)
		}
		var v workflows.CaseView
		if err := json.Unmarshal([]byte(record), &v); err != nil {
			return nil, KPI{}, fmt.Errorf("kpi: %w", err)
		}
		key := groupOf(v, q.GroupBy)
		g := groups[key]
		if g == nil {
			g = &KPI{Group: key}
			groups[key] = g
		}
		g.add(v)
		if !requestsApart || v.Type != workflows.TypeCollaboration {
			total.add(v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, KPI{}, fmt.Errorf("kpi: %w", err)
	}
	var out []KPI
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		out = append(out, groups[k].finish())
	}
	return out, total.finish(), nil
}

func groupOf(v workflows.CaseView, by string) string {
	channel, region := origin(v)
	switch by {
	case "type":
		return v.Type
	case "channel":
		return channel
	case "region":
		return region
	}
	return v.Department
}

// add counts one case.
func (k *KPI) add(v workflows.CaseView) {
	k.Cases++
	if v.Status == workflows.StatusClosed || v.Status == workflows.StatusDeclined {
		k.Closed++
		if v.Rounds > 0 {
			k.roundsSum += v.Rounds
			k.roundsN++
		}
	}
	for _, d := range v.Deadlines {
		for _, e := range d.Extensions {
			if k.ExtensionReasons == nil {
				k.ExtensionReasons = map[string]int{}
			}
			k.ExtensionReasons[e.Reason]++
		}
		decided := d.State == workflows.DeadlineMet || d.State == workflows.DeadlineMetLate || d.State == workflows.DeadlineBreached
		if !decided || d.Round != 0 {
			continue
		}
		onTime := d.State == workflows.DeadlineMet
		switch {
		case d.Name == sla.FirstFeedback:
			k.firstFeedback++
			if onTime {
				k.onFF++
			}
		case slices.Contains(resolutionClock[v.Type], d.Name):
			k.resolution++
			if onTime {
				k.onRes++
			}
		}
	}
	k.Extensions += v.Extensions
	for _, e := range v.Escalations {
		if k.EscalationsByLevel == nil {
			k.EscalationsByLevel = map[string]int{}
		}
		k.EscalationsByLevel[e.To.String()]++
	}
	for _, r := range v.Ratings {
		k.scoreSum += r.Score
		k.Ratings++
	}
	if v.Repair != nil {
		// One satisfaction per round: a round the customer rated online is
		// counted above, whatever visit followed.
		for i, visit := range v.Repair.Visits {
			round := i + 1
			if !slices.ContainsFunc(v.Ratings, func(r workflows.CustomerRating) bool { return r.Round == round }) {
				k.scoreSum += visit.Satisfaction
				k.Ratings++
			}
		}
		if v.Repair.SignedAt != nil {
			k.signSum += v.Repair.SignedAt.Sub(v.Repair.Form.RegisteredAt)
			k.signN++
		}
	}
	// A department's rating of a request it made (X4) is satisfaction too,
	// but only in a report of requests: they are left out of the customer
	// figures unless asked for.
	if c := v.Collaboration; c != nil && c.Rating > 0 {
		k.scoreSum += c.Rating
		k.Ratings++
	}
}

func (k *KPI) finish() KPI {
	ratio := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		r := float64(n) / float64(d)
		return &r
	}
	k.FirstFeedbackOnTime = ratio(k.onFF, k.firstFeedback)
	k.ResolutionOnTime = ratio(k.onRes, k.resolution)
	k.ResolutionRate = ratio(k.Closed, k.Cases)
	k.Satisfaction = ratio(k.scoreSum, k.Ratings)
	k.ReturnVisitRounds = ratio(k.roundsSum, k.roundsN)
	if k.signN > 0 {
		m := k.signSum.Minutes() / float64(k.signN)
		k.SignForMinutes = &m
	}
	k.MeetsResolutionRate = k.ResolutionRate != nil && *k.ResolutionRate >= TargetResolutionRate
	k.MeetsSatisfaction = k.Satisfaction != nil && *k.Satisfaction >= TargetSatisfaction
	return *k
}
