package policies

import (
	"context"
	"slices"
	"sync"

	"github.com/ory/ladon"
)

// Context keys the server fills in from trusted data — the stored case and
// the signed-in user — never from the client's request.
const (
	CtxUserDepartment       = "user_department"
	CtxCaseDepartment       = "case_department"
	CtxRequestingDepartment = "requesting_department" // collaboration requests
	CtxCaseStatus           = "case_status"
	CtxEscalationLevel      = "escalation_level"
	CtxTargetDepartment     = "target_department" // where an action moves the case
)

// SameDepartmentCondition passes when the value under its key is the
// signed-in user's own department (P3: a department acts on its cases).
type SameDepartmentCondition struct{}

// GetName is the condition's type in policy documents.
func (SameDepartmentCondition) GetName() string { return "SameDepartmentCondition" }

// Fulfills compares whole values: no pattern, nothing to anchor.
func (SameDepartmentCondition) Fulfills(_ context.Context, value any, r *ladon.Request) bool {
	v, ok := value.(string)
	mine, _ := r.Context[CtxUserDepartment].(string)
	return ok && v != "" && v == mine
}

// StringInCondition passes when the value is one of Values (exactly).
type StringInCondition struct {
	Values []string `json:"values"`
}

// GetName is the condition's type in policy documents.
func (StringInCondition) GetName() string { return "StringInCondition" }

// Fulfills checks membership.
func (c StringInCondition) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	v, ok := value.(string)
	return ok && slices.Contains(c.Values, v)
}

// StringNotInCondition passes when the value is a string outside Values.
type StringNotInCondition struct {
	Values []string `json:"values"`
}

// GetName is the condition's type in policy documents.
func (StringNotInCondition) GetName() string { return "StringNotInCondition" }

// Fulfills checks non-membership; a missing value does not pass.
func (c StringNotInCondition) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	v, ok := value.(string)
	return ok && !slices.Contains(c.Values, v)
}

// AtLeastCondition passes when the value is a number of at least Min, such
// as an escalation level (P3: managers see escalated cases).
type AtLeastCondition struct {
	Min int `json:"min"`
}

// GetName is the condition's type in policy documents.
func (AtLeastCondition) GetName() string { return "AtLeastCondition" }

// Fulfills compares numbers however they arrived.
func (c AtLeastCondition) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	switch v := value.(type) {
	case int:
		return v >= c.Min
	case int64:
		return v >= int64(c.Min)
	case float64:
		return v >= float64(c.Min)
	}
	return false
}

var registerOnce sync.Once

// RegisterConditions adds Closeloop's conditions to ladon's factories, once
// per process, before any policy document is read.
func RegisterConditions() {
	registerOnce.Do(func() {
		for name, newCondition := range map[string]func() ladon.Condition{
			SameDepartmentCondition{}.GetName(): func() ladon.Condition { return &SameDepartmentCondition{} },
			StringInCondition{}.GetName():       func() ladon.Condition { return &StringInCondition{} },
			StringNotInCondition{}.GetName():    func() ladon.Condition { return &StringNotInCondition{} },
			AtLeastCondition{}.GetName():        func() ladon.Condition { return &AtLeastCondition{} },
		} {
			ladon.ConditionFactories[name] = newCondition
		}
	})
}
