package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

func errForbidden(what string) error {
	return &starter.Error{Status: http.StatusForbidden, Code: "forbidden", Message: what + " is not allowed for your role"}
}

// caseOf is what the policies see of a stored case.
func caseOf(v workflows.CaseView) policies.Case {
	c := policies.Case{Type: v.Type, No: v.No, Department: v.Department, Status: v.Status, EscalationLevel: int(v.EscalationLevel)}
	if v.Collaboration != nil {
		c.RequestingDepartment = v.Collaboration.Form.RequestingDepartment
	}
	return c
}

func summaryCase(sum starter.Summary) policies.Case {
	return policies.Case{Type: sum.Type, No: sum.No, Department: sum.Department, RequestingDepartment: sum.RequestingDepartment,
		Status: sum.Status, EscalationLevel: int(sum.EscalationLevel)}
}

// visible reads a case the caller may see; any other case is "not found",
// so nobody learns that a case they may not see exists (P3). Access is
// decided first, on the case's summary (visibleSummary), so a hidden case
// and a missing one take the same lookups and get the same answer; only a
// case the caller may see is read in full, through the worker.
func (s *Server) visible(ctx context.Context, no string) (workflows.CaseView, error) {
	if _, err := s.visibleSummary(ctx, no); err != nil {
		return workflows.CaseView{}, err
	}
	v, err := s.Cases.Case(ctx, no)
	if err != nil {
		return workflows.CaseView{}, err
	}
	// The full case may have moved on since its summary: decide again.
	if s.Authz.Allowed(ctx, callerOf(ctx).subject(), policies.ActionRead, caseOf(v)) != nil {
		return workflows.CaseView{}, hidden(no)
	}
	return v, nil
}

// hidden is what a caller who may not see case no is told: that it does
// not exist, in the very words of a missing case.
func hidden(no string) error {
	return &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: "case " + no + " not found"}
}

// visibleSummary is visible for the access decision alone: the case's
// search attributes (or archive row) instead of its full view, read with
// the same lookups whether the case exists or not (starter.Locate).
func (s *Server) visibleSummary(ctx context.Context, no string) (policies.Case, error) {
	sum, err := s.Cases.Locate(ctx, no)
	if err != nil {
		return policies.Case{}, err
	}
	c := summaryCase(sum)
	if s.Authz.Allowed(ctx, callerOf(ctx).subject(), policies.ActionRead, c) != nil {
		return policies.Case{}, hidden(no)
	}
	return c, nil
}

// scopeFor narrows a case list in the visibility query itself, so pages
// hold only what the role may read; it mirrors the read policies, and each
// listed case is checked against them too.
func scopeFor(c caller) starter.Scope {
	switch c.Role {
	case identity.RoleAgent, identity.RoleCSHead, identity.RoleQC, identity.RoleAdmin:
		return starter.Scope{All: true}
	case identity.RoleDeptStaff, identity.RoleDeptHead, identity.RoleMaintenance:
		return starter.Scope{Departments: []string{c.Department}}
	case identity.RoleManager:
		return starter.Scope{MinEscalation: 1}
	}
	return starter.Scope{}
}

// --- Customer data (rule P1).

// customerOf is the customer's identifying data on a case: who it is and
// how to reach them.
type customer struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

func customerOf(v workflows.CaseView) customer {
	c := v.Contact()
	return customer{c.Name, c.Phone, c.Email}
}

// masked is the customer as staff see it.
func (c customer) masked() customer {
	return customer{Name: forms.MaskName(c.Name), Phone: forms.MaskPhone(c.Phone), Email: forms.MaskEmail(c.Email)}
}

// replacements pair each of the customer's values, as enc writes it, with
// its masked form, for a strings.Replacer.
func (c customer) replacements(enc func(string) string) []string {
	m := c.masked()
	var pairs []string
	for _, p := range [][2]string{{c.Name, m.Name}, {c.Phone, m.Phone}, {c.Email, m.Email}} {
		if p[0] != "" {
			pairs = append(pairs, enc(p[0]), enc(p[1]))
		}
	}
	return pairs
}

// mask hides the customer's name, phone and e-mail everywhere in the case,
// the timeline included; only the reveal action shows them (P1).
func mask(v workflows.CaseView) workflows.CaseView {
	c := customerOf(v)
	m := c.masked()
	switch {
	case v.Form != nil:
		f := *v.Form
		f.ComplainantName, f.Phone, f.Email = m.Name, m.Phone, m.Email
		v.Form = &f
	case v.Repair != nil:
		r := *v.Repair
		r.Form.ReporterName, r.Form.Phone, r.Form.Email = m.Name, m.Phone, m.Email
		v.Repair = &r
	case v.Consultation != nil:
		r := *v.Consultation
		r.Form.CallerName, r.Form.Phone, r.Form.Email = m.Name, m.Phone, m.Email
		v.Consultation = &r
	case v.Media != nil:
		r := *v.Media
		r.Form.ReporterName, r.Form.ReporterPhone, r.Form.ReporterEmail = m.Name, m.Phone, m.Email
		v.Media = &r
	}
	// The same data may stand in any free text — a handling result, an
	// extension reason, a visit comment, the timeline: replace it in the
	// whole record.
	return maskText(v, c)
}

// maskText replaces the customer's data wherever it stands in v's text.
func maskText[T any](v T, c customer) T {
	pairs := c.replacements(jsonText)
	if len(pairs) == 0 {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out T
	if err := json.Unmarshal([]byte(strings.NewReplacer(pairs...).Replace(string(b))), &out); err != nil {
		return v
	}
	return out
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
