package archive

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

func rowNumbers(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.No)
	}
	return out
}

// Issue 18: a queue row says what the case is about, for whom (masked),
// what it waits for, who owes it and on which clock; a department's own
// work holds no case waiting on customer service; what breaches first is
// on top, and the ladder and the marks move a case ahead by at most the
// tiebreak.
func TestQueue(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
		mk := func(no, status string, dueIn time.Duration, clock string) workflows.CaseView {
			v := view(no, 1, status)
			v.Form.Content = "电梯停运 " + no
			v.Form.Phone = "13812345678"
			v.Deadlines = []workflows.Deadline{{Name: clock, Due: at.Add(dueIn), State: workflows.DeadlinePending}}
			return v
		}
		routed := mk("TS-20261123-0001", workflows.StatusRouted, 3*time.Hour, "first_feedback")
		routed.Handler = "staff.property"
		resolved := mk("TS-20261123-0002", workflows.StatusResolved, 2*time.Hour, "return_visit")
		vip := mk("TS-20261123-0003", workflows.StatusInProgress, 4*time.Hour, "resolution")
		vip.Form.VIP, vip.EscalationLevel = true, 2
		late := mk("TS-20261123-0004", workflows.StatusInProgress, 8*time.Hour, "resolution")
		late.Form.Major, late.EscalationLevel = true, 3
		closed := mk("TS-20261123-0005", workflows.StatusClosed, time.Hour, "resolution")
		paused := mk("TS-20261123-0006", workflows.StatusInProgress, 5*time.Hour, "resolution")
		paused.Deadlines[0].State = workflows.DeadlinePaused
		paused.Deadlines[0].Pauses = []workflows.Pause{{From: at, For: "XT-20261123-0001"}}
		if err := s.PutAll(ctx, []workflows.CaseView{routed, resolved, vip, late, closed, paused}); err != nil {
			t.Fatal(err)
		}
		queue := func(q QueueQuery) ([]Row, int) {
			t.Helper()
			rows, total, err := s.Queue(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return rows, total
		}
		dept := OwedBy(workflows.PartyDepartment, "property")
		rows, total := queue(QueueQuery{Departments: []string{"property"}, OwedBy: dept, Tiebreak: 0})
		if got, want := rowNumbers(rows), []string{"TS-20261123-0001", "TS-20261123-0003", "TS-20261123-0006", "TS-20261123-0004"}; !slices.Equal(got, want) || total != 4 {
			t.Errorf("department's own work: %v (%d), want %v by due time", got, total, want)
		}
		r := rows[0]
		if r.Subject != "电梯停运 TS-20261123-0001" || r.Customer != forms.MaskName("张伟") || r.Customer == "张伟" ||
			r.NextAction != workflows.ActionFirstFeedback || r.NextParty != workflows.PartyDepartment || r.StepDeadline != "first_feedback" ||
			r.StepDue == nil || !r.StepDue.Equal(at.Add(3*time.Hour)) || r.Handler != "staff.property" {
			t.Errorf("row: %+v", r)
		}
		if p := rows[2]; p.PausedFor != "XT-20261123-0001" {
			t.Errorf("paused row: %+v", p)
		}
		// A two-hour tiebreak: the VIP case escalated twice (urgency 3 of
		// 5) moves ahead by 72 minutes, past the case due an hour earlier;
		// the major case at the top of the ladder (urgency 4: 96 minutes)
		// does not pass one due three hours earlier.
		rows, _ = queue(QueueQuery{Departments: []string{"property"}, OwedBy: dept, Tiebreak: 2 * time.Hour})
		if got, want := rowNumbers(rows), []string{"TS-20261123-0003", "TS-20261123-0001", "TS-20261123-0006", "TS-20261123-0004"}; !slices.Equal(got, want) {
			t.Errorf("with a tiebreak: %v, want %v", got, want)
		}
		rows, _ = queue(QueueQuery{All: true, OwedBy: workflows.PartyCustomerService})
		if got := rowNumbers(rows); !slices.Equal(got, []string{"TS-20261123-0002"}) {
			t.Errorf("customer service owes: %v", got)
		}
		rows, _ = queue(QueueQuery{Departments: []string{"property"}, NotOwedBy: dept})
		if got := rowNumbers(rows); !slices.Equal(got, []string{"TS-20261123-0002"}) {
			t.Errorf("waiting on others: %v", got)
		}
		rows, _ = queue(QueueQuery{Departments: []string{"property"}, OwedBy: dept, Handlers: []string{"", "someone.else"}})
		if got := rowNumbers(rows); slices.Contains(got, "TS-20261123-0001") || len(got) != 3 {
			t.Errorf("handler filter: %v", got)
		}
		due := at.Add(3 * time.Hour)
		rows, _ = queue(QueueQuery{All: true, DueBy: &due, Tiebreak: time.Hour})
		if got := rowNumbers(rows); !slices.Equal(got, []string{"TS-20261123-0002", "TS-20261123-0001"}) {
			t.Errorf("due by: %v", got)
		}
		rows, total = queue(QueueQuery{All: true, Limit: 2, Offset: 4})
		if got := rowNumbers(rows); len(got) != 1 || total != 5 {
			t.Errorf("last page: %v of %d, want one of 5 open cases", got, total)
		}
		if rows, _ := queue(QueueQuery{}); rows != nil {
			t.Errorf("empty scope: %v", rows)
		}
		load, err := s.Load(ctx, []string{"property"})
		if err != nil || load["staff.property"] != 1 || len(load) != 1 {
			t.Errorf("load: %v %v", load, err)
		}
		// Rows written before the queue columns are filled in at start.
		if _, err := s.db.ExecContext(ctx, `UPDATE cases SET list_version = 0, owed_by = '', subject = ''`); err != nil {
			t.Fatal(err)
		}
		if err := s.backfill(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := s.QueueCount(ctx, QueueQuery{All: true, OwedBy: dept}); err != nil || n != 4 {
			t.Errorf("after backfill: %d %v", n, err)
		}
	})
}
