package policies

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// matrix is testdata/matrix.json: the access rules of P3 as a table.
type matrix struct {
	Departments map[string]string              `json:"departments"`
	Actions     []string                       `json:"actions"`
	Allow       map[string]map[string][]string `json:"allow"`
}

func loadMatrix(t *testing.T) matrix {
	t.Helper()
	b, err := os.ReadFile("testdata/matrix.json")
	if err != nil {
		t.Fatal(err)
	}
	var m matrix
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// matrixCase is the case a matrix ownership stands for, for a user of dept.
func matrixCase(ownership, dept string) Case {
	const other = "engineering"
	switch ownership {
	case "own":
		return Case{Type: "complaint", No: "TS-20261123-0001", Department: dept, Status: "in_progress"}
	case "other":
		return Case{Type: "complaint", No: "TS-20261123-0002", Department: other, Status: "in_progress"}
	case "escalated":
		return Case{Type: "complaint", No: "TS-20261123-0003", Department: other, Status: "in_progress", EscalationLevel: 1}
	case "closed":
		return Case{Type: "complaint", No: "TS-20261123-0004", Department: dept, Status: "closed"}
	case "requested":
		return Case{Type: "collaboration", No: "XZ-20261123-0001", Department: other, RequestingDepartment: dept, Status: "in_progress"}
	}
	panic("unknown ownership " + ownership)
}

// policyAction maps a matrix action to the policy action.
func policyAction(a string) string {
	switch a {
	case "create":
		return ActionCreate
	case "read":
		return ActionRead
	case "reveal-pii":
		return ActionRevealPII
	case "reopen":
		return ActionReopen
	}
	return ActAction(a)
}

// Rule P3: every role × action × kind of case decides as the matrix says;
// nothing is allowed that the table does not list (deny by default).
func TestAccessMatrix(t *testing.T) {
	m := loadMatrix(t)
	idx, err := Load(Builtin)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthorizer(idx, quietLog())
	denials := map[string]int{}
	a.OnDeny = func(action string) { denials[action]++ }
	refused := 0
	for role, byOwnership := range m.Allow {
		for _, ownership := range []string{"own", "other", "escalated", "closed", "requested"} {
			allowed, ok := byOwnership[ownership]
			if !ok {
				t.Fatalf("matrix lacks %s/%s", role, ownership)
			}
			s := Subject{Username: role + "01", Role: role, Department: m.Departments[role]}
			c := matrixCase(ownership, s.Department)
			for _, action := range m.Actions {
				if action == "reassign" {
					c.TargetDepartment = s.Department
				}
				c := c
				if action == "create" {
					c.No = ""
				}
				// Can decides the same, and counts no refusal.
				before := denials[policyAction(action)]
				can := a.Can(context.Background(), s, policyAction(action), c)
				if denials[policyAction(action)] != before {
					t.Errorf("%s on %s case: Can(%s) counted a refusal", role, ownership, action)
				}
				err := a.Allowed(context.Background(), s, policyAction(action), c)
				if want := slices.Contains(allowed, action); (err == nil) != want || can != want {
					t.Errorf("%s on %s case: %s allowed=%t can=%t, want %t", role, ownership, action, err == nil, can, want)
				}
				if err != nil {
					refused++
				}
			}
		}
	}
	// Every refusal is counted, by action (the denials metric).
	counted := 0
	for _, n := range denials {
		counted += n
	}
	if counted != refused || refused == 0 {
		t.Errorf("OnDeny told of %d refusals, want %d", counted, refused)
	}
	// A role the policies do not know is denied everything.
	if err := a.Allowed(context.Background(), Subject{Role: "intern"}, ActionRead, matrixCase("other", "")); err == nil {
		t.Error("an unknown role was allowed to read")
	}
}

// Issue 17 (P3): only the customer-service head restores a case, and only
// a failed one.
func TestRestoreFailedCaseCSHeadOnly(t *testing.T) {
	idx, err := Load(Builtin)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthorizer(idx, quietLog())
	failed := Case{Type: "complaint", No: "TS-20261123-0005", Department: "property", Status: "failed"}
	routed := failed
	routed.Status = "routed"
	for _, tc := range []struct {
		role string
		c    Case
		want bool
	}{
		{"cs_head", failed, true}, {"cs_head", routed, false},
		{"agent", failed, false}, {"dept_head", failed, false}, {"manager", failed, false}, {"admin", failed, false},
	} {
		got := a.Allowed(context.Background(), Subject{Username: "u", Role: tc.role, Department: "property"}, ActionRestore, tc.c) == nil
		if got != tc.want {
			t.Errorf("%s restores a %s case: %v, want %v", tc.role, tc.c.Status, got, tc.want)
		}
	}
}
