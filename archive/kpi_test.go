package archive

import (
	"context"
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
