package archive

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// numbers returns the numbers of a list's lines.
func numbers(lines []Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.No)
	}
	return out
}

// Rules P3 and K7 in the inbox: a department's list holds the cases routed
// to it and the requests it made, a manager's the escalated ones, an empty
// scope nothing; open cases come first, newest first, then closed ones;
// lines carry the marks and the next deadline; pages follow on.
func TestList(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
		mk := func(no, dept string, minutes int, status string) workflows.CaseView {
			v := view(no, 1, status)
			v.Department = dept
			v.Timeline[0].At = at.Add(time.Duration(minutes) * time.Minute)
			return v
		}
		vip := mk("TS-20261123-0001", "property", 1, workflows.StatusRouted)
		vip.Form.VIP, vip.Form.Priority = true, forms.PriorityUrgent
		due := at.Add(24 * time.Hour)
		vip.Deadlines = []workflows.Deadline{{Name: "first_feedback", Due: due, State: workflows.DeadlinePending},
			{Name: "resolution", Due: at.Add(72 * time.Hour), State: workflows.DeadlinePending}}
		closedOld := mk("TS-20261123-0002", "property", 0, workflows.StatusClosed)
		escalated := mk("TS-20261123-0003", "engineering", 2, workflows.StatusInProgress)
		escalated.EscalationLevel = 2
		request := workflows.CaseView{No: "XT-20261123-0001", Type: workflows.TypeCollaboration, Status: workflows.StatusRegistered,
			Department: "engineering", Parent: "TS-20261123-0001",
			Collaboration: &workflows.CollaborationRecord{Form: forms.Collaboration{RequestingDepartment: "property", Urgency: forms.UrgencyUrgent}},
			Timeline:      []workflows.Event{{At: at.Add(3 * time.Minute), Kind: "registered"}}}
		newest := mk("TS-20261123-0004", "property", 4, workflows.StatusRegistered)
		if err := s.PutAll(ctx, []workflows.CaseView{vip, closedOld, escalated, request, newest}); err != nil {
			t.Fatal(err)
		}
		list := func(q ListQuery) []string {
			t.Helper()
			lines, _, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return numbers(lines)
		}
		for _, tc := range []struct {
			what string
			q    ListQuery
			want []string
		}{
			{"property: routed to it or requested by it; open newest first, then closed",
				ListQuery{Departments: []string{"property"}},
				[]string{"TS-20261123-0004", "XT-20261123-0001", "TS-20261123-0001", "TS-20261123-0002"}},
			{"engineering", ListQuery{Departments: []string{"engineering"}}, []string{"XT-20261123-0001", "TS-20261123-0003"}},
			{"manager: escalated only", ListQuery{MinEscalation: 1}, []string{"TS-20261123-0003"}},
			{"empty scope: nothing", ListQuery{}, nil},
			{"all, by type", ListQuery{All: true, Type: workflows.TypeCollaboration}, []string{"XT-20261123-0001"}},
			{"all, by status", ListQuery{All: true, Status: workflows.StatusClosed}, []string{"TS-20261123-0002"}},
			{"department filter within all", ListQuery{All: true, Department: "engineering"}, []string{"XT-20261123-0001", "TS-20261123-0003"}},
			{"requests of a case", ListQuery{All: true, Parent: "TS-20261123-0001"}, []string{"XT-20261123-0001"}},
			{"escalated filter", ListQuery{Departments: []string{"property", "engineering"}, Escalated: true}, []string{"TS-20261123-0003"}},
		} {
			if got := list(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.what, got, tc.want)
			}
		}

		lines, _, err := s.List(ctx, ListQuery{All: true, Type: workflows.TypeComplaint, Status: workflows.StatusRouted})
		if err != nil || len(lines) != 1 {
			t.Fatalf("the VIP case: %v, %v", lines, err)
		}
		l := lines[0]
		if !l.VIP || !l.Urgent || l.Major || l.NextDeadline == nil || !l.NextDeadline.Equal(due) || !l.OpenedAt.Equal(at.Add(time.Minute)) {
			t.Errorf("line %+v: want VIP and urgent, next deadline %s, opened %s", l, due, at.Add(time.Minute))
		}
		lines, _, err = s.List(ctx, ListQuery{All: true, Type: workflows.TypeCollaboration})
		if err != nil || len(lines) != 1 || lines[0].RequestingDepartment != "property" || !lines[0].Urgent || lines[0].Parent != "TS-20261123-0001" {
			t.Errorf("the request's line: %+v, %v", lines, err)
		}

		// Pages of two follow on without gaps or repeats, in both branches.
		var paged []string
		after := ""
		for range 5 {
			lines, next, err := s.List(ctx, ListQuery{Departments: []string{"property"}, Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, numbers(lines)...)
			if next == "" {
				break
			}
			after = next
		}
		if want := list(ListQuery{Departments: []string{"property"}}); !slices.Equal(paged, want) {
			t.Errorf("pages of 2: %v, want %v", paged, want)
		}

		// A case that closes moves behind the open ones.
		newest.Status = workflows.StatusClosed
		closedAt := at.Add(2 * time.Hour)
		newest.ClosedAt = &closedAt
		newest.Timeline = append(newest.Timeline, workflows.Event{At: closedAt, Kind: "closed"})
		if err := s.Put(ctx, newest); err != nil {
			t.Fatal(err)
		}
		if got, want := list(ListQuery{Departments: []string{"property"}}),
			[]string{"XT-20261123-0001", "TS-20261123-0001", "TS-20261123-0004", "TS-20261123-0002"}; !slices.Equal(got, want) {
			t.Errorf("after closing 0004: %v, want %v", got, want)
		}
	})
}

// Cases archived before the list columns existed get them when the store
// opens.
func TestListBackfill(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		v := view("TS-20261123-0007", 2, workflows.StatusRouted)
		v.Form.Major = true
		if err := s.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE cases SET list_key = '', major = FALSE, list_version = 0`); err != nil {
			t.Fatal(err)
		}
		if lines, _, err := s.List(ctx, ListQuery{All: true}); err != nil || len(lines) != 1 || lines[0].Major {
			t.Fatalf("before the backfill: %+v, %v", lines, err)
		}
		if err := s.backfill(ctx); err != nil {
			t.Fatal(err)
		}
		lines, _, err := s.List(ctx, ListQuery{All: true})
		if err != nil || len(lines) != 1 || !lines[0].Major || lines[0].Key == "" {
			t.Errorf("after the backfill: %+v, %v", lines, err)
		}
	})
}

// A thousand cases of one department among many of another: the page
// still comes from the index (the plan is checked on SQLite).
func TestListUsesIndex(t *testing.T) {
	// PostgreSQL plans by its statistics, so only SQLite's plan is fixed.
	s, err := Open(context.Background(), "", filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	var vs []workflows.CaseView
	for i := range 1000 {
		v := view(fmt.Sprintf("TS-20261123-%04d", i+1), 1, workflows.StatusRouted)
		v.Department = []string{"property", "engineering"}[i%2]
		vs = append(vs, v)
	}
	if err := s.PutAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	rows, err := s.read.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT * FROM (SELECT no FROM cases WHERE department = ? ORDER BY list_key DESC LIMIT 51) AS b0`, "property")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !slices.ContainsFunc(plan, func(d string) bool {
		return d == "SCAN cases USING INDEX cases_department_list" ||
			d == "SEARCH cases USING INDEX cases_department_list (department=?)"
	}) || slices.ContainsFunc(plan, func(d string) bool {
		return d == "USE TEMP B-TREE FOR ORDER BY"
	}) {
		t.Errorf("plan %q: want the department index, no sort", plan)
	}
}
