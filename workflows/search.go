package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes every case keeps current, so lists and boards are
// visibility queries rather than scans of workflow state.
var (
	SACaseType        = temporal.NewSearchAttributeKeyKeyword("CaseType")
	SACaseStatus      = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SADepartment      = temporal.NewSearchAttributeKeyKeyword("Department")
	SANextDeadline    = temporal.NewSearchAttributeKeyTime("NextDeadline")
	SAEscalationLevel = temporal.NewSearchAttributeKeyInt64("EscalationLevel")
	SAOverdue         = temporal.NewSearchAttributeKeyBool("Overdue")
	// SAParentCase is the case that opened a cross-department request.
	SAParentCase = temporal.NewSearchAttributeKeyKeyword("ParentCase")
	// SARequestingDepartment is the department that made a cross-department
	// request; it may follow and rate it (X4, P3).
	SARequestingDepartment = temporal.NewSearchAttributeKeyKeyword("RequestingDepartment")
)

// SearchAttributes are the custom attributes the namespace must have.
var SearchAttributes = map[string]enumspb.IndexedValueType{
	SACaseType.GetName():             enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	SACaseStatus.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	SADepartment.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	SANextDeadline.GetName():         enumspb.INDEXED_VALUE_TYPE_DATETIME,
	SAEscalationLevel.GetName():      enumspb.INDEXED_VALUE_TYPE_INT,
	SAOverdue.GetName():              enumspb.INDEXED_VALUE_TYPE_BOOL,
	SAParentCase.GetName():           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	SARequestingDepartment.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}
