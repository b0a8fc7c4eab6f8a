package archive

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

var day = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

func at(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }

func dl(name, state string, ext ...string) workflows.Deadline {
	d := workflows.Deadline{Name: name, State: state}
	for _, r := range ext {
		d.Extensions = append(d.Extensions, workflows.Extension{Reason: r})
	}
	return d
}

// fixture: four property complaints, one maintenance repair, one
// engineering complaint opened a month later (outside the period).
func fixture() []workflows.CaseView {
	closedAt := at(50)
	complaint := func(no, status string, rounds int, ds []workflows.Deadline, ratings []int, esc []sla.Level, ext int) workflows.CaseView {
		v := workflows.CaseView{No: no, Type: workflows.TypeComplaint, Status: status, Department: "property", Rounds: rounds,
			Extensions: ext, Deadlines: ds, Form: &forms.Complaint{Channel: forms.ChannelPhone, Region: "Pudong"},
			Timeline: []workflows.Event{{At: at(0)}}}
		for _, s := range ratings {
			v.Ratings = append(v.Ratings, workflows.CustomerRating{Score: s})
		}
		for _, l := range esc {
			v.Escalations = append(v.Escalations, workflows.Escalation{To: l})
		}
		if status == workflows.StatusClosed {
			v.ClosedAt = &closedAt
		}
		return v
	}
	signed := at(1).Add(30 * time.Minute)
	repair := workflows.CaseView{No: "BX-1", Type: workflows.TypeRepair, Status: workflows.StatusClosed, Department: "maintenance", Rounds: 2,
		Deadlines: []workflows.Deadline{dl(sla.SignFor, workflows.DeadlineMet), dl(sla.RepairCompletion, workflows.DeadlineMetLate)},
		Repair: &workflows.RepairRecord{Form: forms.Repair{RegisteredAt: at(1), Channel: forms.ChannelOnline, Region: "Pudong"}, SignedAt: &signed,
			Visits: []workflows.RepairVisit{{Satisfaction: 2}, {Satisfaction: 5}}},
		Timeline: []workflows.Event{{At: at(1)}}, ClosedAt: &closedAt}
	late := complaint("TS-9", workflows.StatusClosed, 1, nil, nil, nil, 0)
	late.Department = "engineering"
	late.Timeline[0].At = day.AddDate(0, 1, 0)
	return []workflows.CaseView{
		complaint("TS-1", workflows.StatusClosed, 1, []workflows.Deadline{dl(sla.FirstFeedback, workflows.DeadlineMet), dl(sla.Resolution, workflows.DeadlineMet)}, []int{5}, nil, 0),
		complaint("TS-2", workflows.StatusClosed, 3, []workflows.Deadline{dl(sla.FirstFeedback, workflows.DeadlineBreached), dl(sla.Resolution, workflows.DeadlineMetLate, "contractor")},
			[]int{2, 4}, []sla.Level{sla.LevelDeptHead, sla.LevelManagement}, 1),
		complaint("TS-3", workflows.StatusInProgress, 0, []workflows.Deadline{dl(sla.FirstFeedback, workflows.DeadlineMet), dl(sla.Resolution, workflows.DeadlinePending)}, nil, nil, 0),
		complaint("TS-4", workflows.StatusClosed, 1, []workflows.Deadline{dl(sla.FirstFeedback, workflows.DeadlineMetLate), dl(sla.Resolution, workflows.DeadlineMet, "parts", "parts")},
			[]int{3}, []sla.Level{sla.LevelDeptHead}, 2),
		repair, late,
	}
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got < want-1e-9 || *got > want+1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// Rules K4, K5, C4, E3: the KPI report against a fixture worked out by hand.
func TestKPIs(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, v := range fixture() {
			if err := s.Put(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, err := s.KPIs(ctx, KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 7)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Group != "maintenance" || rows[1].Group != "property" {
			t.Fatalf("groups %+v", rows)
		}
		p := rows[1]
		if p.Cases != 4 || p.Closed != 3 {
			t.Fatalf("property cases %d closed %d", p.Cases, p.Closed)
		}
		near(t, "first feedback on time", p.FirstFeedbackOnTime, 2.0/4) // TS-1, TS-3 met; TS-2 breached; TS-4 late
		near(t, "resolution on time", p.ResolutionOnTime, 2.0/3)        // TS-1, TS-4 met; TS-2 late; TS-3 pending
		near(t, "resolution rate", p.ResolutionRate, 3.0/4)
		near(t, "satisfaction", p.Satisfaction, (5+2+4+3)/4.0)
		near(t, "return-visit rounds", p.ReturnVisitRounds, (1+3+1)/3.0)
		if p.Extensions != 3 || p.ExtensionReasons["parts"] != 2 || p.ExtensionReasons["contractor"] != 1 {
			t.Errorf("extensions %d %v", p.Extensions, p.ExtensionReasons)
		}
		if p.EscalationsByLevel["dept_head"] != 2 || p.EscalationsByLevel["management"] != 1 {
			t.Errorf("escalations %v", p.EscalationsByLevel)
		}
		if p.MeetsResolutionRate || p.MeetsSatisfaction {
			t.Errorf("75%% resolution and 3.5 satisfaction meet no target")
		}
		m := rows[0]
		near(t, "sign-for minutes", m.SignForMinutes, 30)
		near(t, "repair satisfaction", m.Satisfaction, 3.5)
		near(t, "repair on time", m.ResolutionOnTime, 0)
		if total.Cases != 5 || total.Closed != 4 {
			t.Errorf("total %d cases %d closed (the engineering case lies outside the period)", total.Cases, total.Closed)
		}
		byChannel, _, err := s.KPIs(ctx, KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 7), GroupBy: "channel"})
		if err != nil || len(byChannel) != 2 || byChannel[0].Group != "online" || byChannel[1].Group != "phone" {
			t.Fatalf("by channel %+v %v", byChannel, err)
		}
		only, _, err := s.KPIs(ctx, KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 7), Department: "maintenance"})
		if err != nil || len(only) != 1 || only[0].Cases != 1 {
			t.Fatalf("one department %+v %v", only, err)
		}
	})
}

// One satisfaction per repair round; requests stay out of the customer
// figures unless asked for, and a declined one counts as finished;
// extension reasons come from every deadline.
func TestKPIEdgeCases(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		closed := at(30)
		views := []workflows.CaseView{
			{No: "BX-2", Type: workflows.TypeRepair, Status: workflows.StatusClosed, Department: "maintenance", ClosedAt: &closed,
				Ratings:   []workflows.CustomerRating{{Round: 1, Score: 4}},
				Repair:    &workflows.RepairRecord{Visits: []workflows.RepairVisit{{Satisfaction: 5, By: "agent01"}}},
				Deadlines: []workflows.Deadline{dl(sla.RepairCompletion, workflows.DeadlinePending, "parts")}, Extensions: 1,
				Timeline: []workflows.Event{{At: at(0)}}},
			{No: "XZ-1", Type: workflows.TypeCollaboration, Status: workflows.StatusDeclined, Department: "engineering", ClosedAt: &closed,
				Collaboration: &workflows.CollaborationRecord{}, Timeline: []workflows.Event{{At: at(0)}}},
		}
		for _, v := range views {
			if err := s.Put(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		_, total, err := s.KPIs(ctx, KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if total.Cases != 1 || total.Ratings != 1 || total.ExtensionReasons["parts"] != 1 {
			t.Fatalf("customer figures %+v", total)
		}
		near(t, "satisfaction", total.Satisfaction, 4)
		_, req, err := s.KPIs(ctx, KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 1), Type: workflows.TypeCollaboration})
		if err != nil || req.Cases != 1 || req.Closed != 1 {
			t.Fatalf("requests %+v %v", req, err)
		}
	})
}

// Grouped by type, cross-department requests get their own row but stay
// out of the customer total.
func TestKPIRequestsByType(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		closed := at(30)
		for _, v := range []workflows.CaseView{
			{No: "TS-1", Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "property", ClosedAt: &closed, Timeline: []workflows.Event{{At: at(0)}}},
			{No: "XZ-1", Type: workflows.TypeCollaboration, Status: workflows.StatusInProgress, Department: "engineering",
				Collaboration: &workflows.CollaborationRecord{Rating: 2}, Timeline: []workflows.Event{{At: at(0)}}},
		} {
			if err := s.Put(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		q := KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 1), GroupBy: "type"}
		rows, total, err := s.KPIs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Group != workflows.TypeCollaboration || rows[0].Cases != 1 || rows[1].Group != workflows.TypeComplaint {
			t.Fatalf("by type: %+v", rows)
		}
		if total.Cases != 1 || total.Closed != 1 || total.Satisfaction != nil {
			t.Errorf("the total holds a request: %+v", total)
		}
		if rows, _, _ := s.KPIs(ctx, KPIQuery{From: q.From, To: q.To, GroupBy: "department"}); len(rows) != 1 || rows[0].Group != "property" {
			t.Errorf("by department, requests are left out: %+v", rows)
		}
	})
}

// A reopened case is one case throughout: counted once, in the period it
// was opened, closed or not as it now stands; its first-run clocks are
// counted once, a late write of its old record changes nothing, and
// moving its oldest timeline entries to the archive keeps its period.
func TestKPIStableAfterReopen(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		q := KPIQuery{From: day.Add(-time.Hour), To: day.AddDate(0, 0, 7)}
		closedAt := at(40)
		first := workflows.CaseView{No: "TS-7", Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "property",
			Rounds: 1, ClosedAt: &closedAt, Ratings: []workflows.CustomerRating{{Round: 1, Score: 5}},
			Deadlines: []workflows.Deadline{dl(sla.FirstFeedback, workflows.DeadlineMet), dl(sla.Resolution, workflows.DeadlineMet)},
			Timeline:  []workflows.Event{{At: at(0)}, {At: at(10)}, {At: at(40)}}}
		check := func(what string, cases, closed int, satisfaction float64) {
			t.Helper()
			rows, total, err := s.KPIs(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || total.Cases != cases || total.Closed != closed || total.firstFeedback != 1 || total.resolution != 1 {
				t.Fatalf("%s: %d rows, total %d cases %d closed (%d first-feedback and %d resolution clocks), want %d and %d, each clock once",
					what, len(rows), total.Cases, total.Closed, total.firstFeedback, total.resolution, cases, closed)
			}
			near(t, what+": first feedback on time", total.FirstFeedbackOnTime, 1)
			near(t, what+": resolution on time", total.ResolutionOnTime, 1)
			near(t, what+": satisfaction", total.Satisfaction, satisfaction)
		}
		if err := s.Put(ctx, first); err != nil {
			t.Fatal(err)
		}
		check("closed", 1, 1, 5)

		// Reopened (C8): the new run carries the record, back in rework,
		// with a rework clock for the next round.
		reopened := first
		reopened.Status, reopened.ClosedAt = workflows.StatusRework, nil
		reopened.Deadlines = append(slices.Clone(first.Deadlines), workflows.Deadline{Name: sla.Rework, State: workflows.DeadlinePending, Round: 1})
		reopened.Timeline = append(slices.Clone(first.Timeline), workflows.Event{At: at(24 * 3), Kind: "reopened"})
		if err := s.Put(ctx, reopened); err != nil {
			t.Fatal(err)
		}
		check("reopened", 1, 0, 5)
		if err := s.Put(ctx, first); err != nil { // a late write of the old record
			t.Fatal(err)
		}
		check("old record written late", 1, 0, 5)

		// Its oldest entries move to the archive; it closes again after a
		// second round, rated 3, with a late second resolution.
		again := reopened
		again.Status, again.Rounds, again.ClosedAt = workflows.StatusClosed, 2, &closedAt
		again.Ratings = append(slices.Clone(reopened.Ratings), workflows.CustomerRating{Round: 2, Score: 3})
		again.Deadlines = append(slices.Clone(reopened.Deadlines), workflows.Deadline{Name: sla.Resolution, State: workflows.DeadlineMetLate, Round: 1})
		again.Deadlines[2].State = workflows.DeadlineMet
		again.Earlier = &workflows.TimelineSummary{From: at(0), To: at(40)}
		again.TimelineOffset, again.Timeline = 3, []workflows.Event{reopened.Timeline[3], {At: at(24 * 4)}, {At: at(24 * 5)}}
		if err := s.Put(ctx, again); err != nil {
			t.Fatal(err)
		}
		check("closed again", 1, 1, 4)
		if rows, _, _ := s.KPIs(ctx, KPIQuery{From: at(24 * 2), To: day.AddDate(0, 0, 7)}); len(rows) != 0 {
			t.Errorf("the reopened case moved to the period of its reopening: %+v", rows)
		}
	})
}
