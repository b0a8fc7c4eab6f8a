package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

func staffServer(t *testing.T) *Server {
	t.Helper()
	hash, err := identity.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	d, err := identity.New(identity.File{
		Departments: []identity.Department{{Code: "customer_service"}, {Code: "property"}, {Code: "engineering"}},
		Users: []identity.User{
			{Username: "head01", Name: "王主任", Role: identity.RoleDeptHead, Department: "property", PasswordHash: hash, TokenHashes: []string{identity.HashToken("t_head")}},
			{Username: "li.ming", Name: "李明", Role: identity.RoleDeptStaff, Department: "property", PasswordHash: hash},
			{Username: "qc01", Role: identity.RoleQC, Department: "property", PasswordHash: hash},
			{Username: "zhao.liu", Name: "赵六", Role: identity.RoleDeptStaff, Department: "engineering", PasswordHash: hash},
			{Username: "agent01", Name: "王芳", Role: identity.RoleAgent, Department: "customer_service", PasswordHash: hash, TokenHashes: []string{identity.HashToken("t_agent")}},
			{Username: "cshead01", Role: identity.RoleCSHead, Department: "customer_service", PasswordHash: hash, TokenHashes: []string{identity.HashToken("t_cshead")}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	s := testServer(&starter.Service{})
	s.Directory = d
	return s
}

// Issue 18: a case is assigned only to a member of staff of its own
// department, named in the directory; anything else is a field error on
// handler.
func TestAssigneeMustBeStaffOfTheDepartment(t *testing.T) {
	s := staffServer(t)
	if err := s.checkAssignee("li.ming", "property"); err != nil {
		t.Errorf("property staff: %v", err)
	}
	for _, c := range []struct{ who, dept string }{
		{"nobody", "property"},   // not in the directory
		{"zhao.liu", "property"}, // another department
		{"qc01", "property"},     // quality control handles no case
		{"agent01", "property"},  // customer service, not property
		{"li.ming", "customer_service"},
	} {
		err := s.checkAssignee(c.who, c.dept)
		e, ok := err.(*starter.Error)
		if !ok || e.Status != http.StatusUnprocessableEntity || len(e.Fields) != 1 || e.Fields[0].Field != "handler" {
			t.Errorf("%s to %s: %v, want a 422 field error on handler", c.who, c.dept, err)
		}
	}
}

// Issue 18 (P3): the department's head assigns its cases, the
// customer-service head those with customer service; nobody else — not
// an agent, not a head of another department.
func TestAssignRightAndStaffList(t *testing.T) {
	s := staffServer(t)
	can := func(user, dept string) bool {
		u, _ := s.Directory.User(user)
		sub := policies.Subject{Username: u.Username, Role: string(u.Role), Department: u.Department}
		c := policies.Case{Type: workflows.TypeComplaint, No: "TS-20261201-0001", Department: dept, Status: workflows.StatusInProgress}
		return s.Authz.Allowed(context.Background(), sub, policies.ActAction(workflows.ActionAssign), c) == nil
	}
	for _, c := range []struct {
		user, dept string
		want       bool
	}{
		{"head01", "property", true}, {"head01", "engineering", false},
		{"cshead01", "customer_service", true}, {"cshead01", "property", false},
		{"agent01", "customer_service", false}, {"li.ming", "property", false}, {"qc01", "property", false},
	} {
		if got := can(c.user, c.dept); got != c.want {
			t.Errorf("%s assigns in %s: %t, want %t", c.user, c.dept, got, c.want)
		}
	}

	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	get := func(token, dept string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/staff?department="+dept, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, out := get("t_head", "property")
	staff, _ := out["staff"].([]any)
	if code != http.StatusOK || len(staff) != 2 {
		t.Fatalf("head's staff list: %d %v, want head01 and li.ming", code, out)
	}
	if m := staff[1].(map[string]any); m["username"] != "li.ming" || m["name"] != "李明" {
		t.Errorf("staff row %v", m)
	}
	for _, c := range []struct{ token, dept string }{{"t_head", "engineering"}, {"t_agent", "customer_service"}, {"t_cshead", "property"}} {
		if code, _ := get(c.token, c.dept); code != http.StatusForbidden {
			t.Errorf("%s lists %s: %d, want 403", c.token, c.dept, code)
		}
	}
	if code, _ := get("t_cshead", "customer_service"); code != http.StatusOK {
		t.Errorf("customer-service head lists customer service: %d", code)
	}
	if code, _ := get("t_head", "Bad%20Dept"); code != http.StatusBadRequest {
		t.Errorf("malformed department: %d, want 400", code)
	}
}

// Issue 18: the case offers assign to the department's head only, while
// its state allows it (not on a resolved complaint).
func TestPermissionsOfferAssignToHeads(t *testing.T) {
	s := testServer(&starter.Service{})
	v := workflows.CaseView{No: "TS-20261201-0001", Type: workflows.TypeComplaint, Department: "property", Status: workflows.StatusInProgress,
		Form: &forms.Complaint{}, Record: &workflows.ComplaintRecord{}}
	offers := func(user string, v workflows.CaseView) bool {
		u, _ := testDirectory().User(user)
		return slices.Contains(s.permissionsOn(context.WithValue(context.Background(), userKey{}, caller{User: u}), v).Actions, workflows.ActionAssign)
	}
	if !offers("head01", v) || offers("agent01", v) || offers("cshead01", v) {
		t.Error("assign is offered to someone other than the department's head")
	}
	v.Status = workflows.StatusResolved
	if offers("head01", v) {
		t.Error("assign is offered on a resolved complaint")
	}
}
