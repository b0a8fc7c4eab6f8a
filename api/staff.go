package api

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Assignment to a person (issue 18): a case is assigned to a member of
// staff of its department, whom the workflow cannot look up; the API
// checks the directory.

// staffRoles are the roles that handle cases in their department.
var staffRoles = []identity.Role{identity.RoleAgent, identity.RoleCSHead, identity.RoleDeptStaff, identity.RoleDeptHead, identity.RoleMaintenance}

// checkAssignee answers a field error unless username is a member of
// staff of department in the directory.
func (s *Server) checkAssignee(username, department string) error {
	bad := func(msg string) error {
		return &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: msg,
			Fields: forms.Errors{{Field: "handler", Code: "invalid", Message: msg}}}
	}
	if username == "" {
		return nil // the workflow's validator says it is required
	}
	u, ok := s.Directory.User(username)
	switch {
	case !ok:
		return bad(fmt.Sprintf("handler %q is not in the directory", username))
	case u.Department != department:
		return bad(fmt.Sprintf("handler %q does not work in department %s, where the case is", username, department))
	case !slices.Contains(staffRoles, u.Role):
		return bad(fmt.Sprintf("handler %q (%s) is not staff who handle cases", username, u.Role))
	}
	return nil
}

// staffMember is one person a head may assign cases to.
type staffMember struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
}

// staff lists a department's staff (GET /api/v1/staff?department=), for
// the assignment form: heads only — a department head their own
// department, the customer-service head customer service — as decided by
// the policies' assign right on a case of that department.
func (s *Server) staff(w http.ResponseWriter, r *http.Request) {
	dept := r.URL.Query().Get("department")
	if !forms.ValidDepartment(dept) {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_input", Message: "department must be a department code",
			Fields: forms.Errors{{Field: "department", Code: "invalid", Message: "department must be a department code"}}})
		return
	}
	c := callerOf(r.Context())
	probe := policies.Case{Type: workflows.TypeComplaint, No: "TS-00000000-0000", Department: dept, Status: workflows.StatusInProgress}
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActAction(workflows.ActionAssign), probe) != nil {
		s.fail(w, r, errForbidden("listing the staff of "+dept))
		return
	}
	out := []staffMember{}
	for _, u := range s.Directory.Users() {
		if u.Department == dept && slices.Contains(staffRoles, u.Role) {
			out = append(out, staffMember{Username: u.Username, Name: u.Name, Role: string(u.Role)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"department": dept, "staff": out})
}
