package workflows_test

import (
	"context"
	"testing"

	"github.com/closeloop/closeloop/workflows"
)

type fakeCases []workflows.CaseLine

func (f fakeCases) OpenCases(context.Context) ([]workflows.CaseLine, error) { return f, nil }

// The daily digest tells each department head how many of the
// department's cases are open, due today (in the business time zone) and
// overdue, overdue ones named first; one notice per department and day.
func TestDigest(t *testing.T) {
	at := sh(2026, 11, 24, 8, 30)
	h := newHarness(t, at)
	today, tomorrow := sh(2026, 11, 24, 18, 0), sh(2026, 11, 25, 9, 0)
	h.acts.Cases = fakeCases{
		{No: "TS-20261123-0001", Department: "property", NextDeadline: &today},
		{No: "TS-20261123-0002", Department: "property", NextDeadline: &tomorrow},
		{No: "TS-20261123-0003", Department: "property", Overdue: true, NextDeadline: &tomorrow},
		{No: "BX-20261123-0001", Department: "maintenance", NextDeadline: &today},
		{No: "MT-20261123-0001"}, // no department: nobody's digest
	}
	res, err := runCase[workflows.DigestResult](h, workflows.DigestWorkflowName, "digest", workflows.DigestInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Departments) != 2 {
		t.Fatalf("departments %+v", res.Departments)
	}
	p := res.Departments[1]
	if p.Department != "property" || p.Open != 3 || p.DueToday != 1 || p.Overdue != 1 ||
		len(p.Cases) != 2 || p.Cases[0] != "TS-20261123-0003" || p.Cases[1] != "TS-20261123-0001" {
		t.Fatalf("property digest %+v", p)
	}
	sent := h.notes.notices(workflows.NoticeDigest)
	if len(sent) != 2 {
		t.Fatalf("digest notices %+v, want one per department", sent)
	}
	for _, n := range sent {
		if n.To.Role != "dept_head" {
			t.Errorf("digest to %s", n.To.Role)
		}
		if n.To.Department == "property" && (n.ID != "digest:property:20261124" || n.Fields["overdue"] != "1" ||
			n.Fields["due_today"] != "1" || n.Fields["open"] != "3" || n.Fields["cases"] != "TS-20261123-0003 TS-20261123-0001") {
			t.Errorf("property notice %s fields %v", n.ID, n.Fields)
		}
	}
}
