package starter

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Filter narrows a case list. Empty fields match everything.
type Filter struct {
	Type       string
	Status     string
	Department string
	Overdue    *bool
	Parent     string // requests opened by this case
	// Escalated keeps only cases that climbed the ladder (level ≥ 1).
	Escalated bool
	// Scope limits the list to what the caller may see (P3); it is set by
	// the server from the signed-in user, never from the query string.
	Scope     Scope
	PageSize  int
	PageToken []byte
}

// Scope is the part of all cases one user may see.
type Scope struct {
	All bool
	// Departments: cases routed to these departments or requests they
	// made; MinEscalation: cases escalated at least this far (0 = none).
	Departments   []string
	MinEscalation int
}

// clause is the scope as a visibility condition, "" for everything. An
// empty scope matches nothing: deny by default.
func (s Scope) clause() (string, error) {
	if s.All {
		return "", nil
	}
	var or []string
	for _, d := range s.Departments {
		if !forms.ValidDepartment(d) {
			return "", fmt.Errorf("scope department %q is not a department code", d)
		}
		or = append(or, fmt.Sprintf("%s = '%s'", workflows.SADepartment.GetName(), d),
			fmt.Sprintf("%s = '%s'", workflows.SARequestingDepartment.GetName(), d))
	}
	if s.MinEscalation > 0 {
		or = append(or, fmt.Sprintf("%s >= %d", workflows.SAEscalationLevel.GetName(), s.MinEscalation))
	}
	if len(or) == 0 {
		return fmt.Sprintf("%s = 'nobody'", workflows.SACaseType.GetName()), nil
	}
	return "(" + strings.Join(or, " OR ") + ")", nil
}

// Summary is one line of a case list, read from search attributes.
type Summary struct {
	No           string     `json:"no"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	Department   string     `json:"department,omitempty"`
	NextDeadline *time.Time `json:"next_deadline,omitempty"`
	Parent       string     `json:"parent,omitempty"`
	// RequestingDepartment made the request (collaborations only).
	RequestingDepartment string    `json:"requesting_department,omitempty"`
	EscalationLevel      int64     `json:"escalation_level"`
	Overdue              bool      `json:"overdue"`
	StartedAt            time.Time `json:"started_at"`
	// Marks from the case's memo, for the work queue (K7).
	Marks
}

// Marks are what makes a case stand out in a list: a VIP customer, a major
// complaint, an urgent priority. They are fixed at registration and kept in
// the workflow's memo, so lists show them without reading each case.
type Marks struct {
	VIP    bool `json:"vip,omitempty"`
	Major  bool `json:"major,omitempty"`
	Urgent bool `json:"urgent,omitempty"`
}

// marksMemo is the memo field holding Marks.
const marksMemo = "marks"

// marksOf reads the marks from a workflow input.
func marksOf(input any) Marks {
	switch in := input.(type) {
	case workflows.ComplaintInput:
		return Marks{VIP: in.Form.VIP, Major: in.Form.Major, Urgent: in.Form.Priority == forms.PriorityUrgent}
	case workflows.RepairInput:
		return Marks{Urgent: in.Form.Urgency == forms.UrgencyUrgent}
	case workflows.CollaborationInput:
		return Marks{Urgent: in.Form.Urgency == forms.UrgencyUrgent}
	}
	return Marks{}
}

// Page is a page of cases.
type Page struct {
	Cases         []Summary `json:"cases"`
	NextPageToken []byte    `json:"next_page_token,omitempty"`
}

var (
	caseTypes = []string{workflows.TypeComplaint, workflows.TypeRepair, workflows.TypeConsultation, workflows.TypeMediaInquiry, workflows.TypeCollaboration}
	statuses  = []string{workflows.StatusRegistered, workflows.StatusRouted, workflows.StatusInProgress,
		workflows.StatusResolved, workflows.StatusRework, workflows.StatusSatisfied, workflows.StatusTransferred, workflows.StatusClosed,
		workflows.StatusDeclined, workflows.StatusFailed}
)

// Query builds the visibility query for f. Every value is checked against
// its allowed set or pattern first, so no user text is ever spliced in.
func (f Filter) Query() (string, error) {
	var bad forms.Errors
	// Without a type filter, every case type (this leaves out the helper
	// workflows such as number sequences).
	clauses := []string{fmt.Sprintf("%s IN ('%s')", workflows.SACaseType.GetName(), strings.Join(caseTypes, "', '"))}
	if f.Type != "" {
		if !slices.Contains(caseTypes, f.Type) {
			bad = append(bad, forms.FieldError{Field: "type", Code: "unknown_value", Message: "type must be one of " + strings.Join(caseTypes, ", ")})
		}
		clauses[0] = fmt.Sprintf("%s = '%s'", workflows.SACaseType.GetName(), f.Type)
	}
	if f.Status != "" {
		if !slices.Contains(statuses, f.Status) {
			bad = append(bad, forms.FieldError{Field: "status", Code: "unknown_value", Message: "status must be one of " + strings.Join(statuses, ", ")})
		}
		if f.Status == workflows.StatusFailed {
			// No run writes "failed": it is how the run ended.
			clauses = append(clauses, failedClause)
		} else {
			clauses = append(clauses, fmt.Sprintf("%s = '%s'", workflows.SACaseStatus.GetName(), f.Status))
		}
	}
	if f.Department != "" {
		if !forms.ValidDepartment(f.Department) {
			bad = append(bad, forms.FieldError{Field: "department", Code: "invalid", Message: "department must be a department code"})
		}
		clauses = append(clauses, fmt.Sprintf("%s = '%s'", workflows.SADepartment.GetName(), f.Department))
	}
	if f.Overdue != nil {
		clauses = append(clauses, fmt.Sprintf("%s = %t", workflows.SAOverdue.GetName(), *f.Overdue))
	}
	if f.Escalated {
		clauses = append(clauses, fmt.Sprintf("%s >= 1", workflows.SAEscalationLevel.GetName()))
	}
	if f.Parent != "" {
		if !validNo(f.Parent) {
			bad = append(bad, forms.FieldError{Field: "parent", Code: "invalid", Message: "parent must be a case number such as TS-20261123-0001"})
		}
		clauses = append(clauses, fmt.Sprintf("%s = '%s'", workflows.SAParentCase.GetName(), f.Parent))
	}
	if len(bad) > 0 {
		return "", &Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the list filter has errors", Fields: bad}
	}
	scope, err := f.Scope.clause()
	if err != nil {
		return "", err
	}
	if scope != "" {
		clauses = append(clauses, scope)
	}
	return strings.Join(clauses, " AND "), nil
}

// OpenCases lists every case whose workflow is still running, for the
// daily digest.
func (s *Service) OpenCases(ctx context.Context) ([]workflows.CaseLine, error) {
	// A closed case whose last notices are still going out is not open.
	q := fmt.Sprintf("%s IN ('%s') AND ExecutionStatus = 'Running' AND %s != '%s' AND %s != '%s'", workflows.SACaseType.GetName(),
		strings.Join(caseTypes, "', '"), workflows.SACaseStatus.GetName(), workflows.StatusClosed, workflows.SACaseStatus.GetName(), workflows.StatusDeclined)
	var out []workflows.CaseLine
	var token []byte
	for {
		resp, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 500, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list open cases: %w", err)
		}
		for _, e := range resp.Executions {
			sum := s.summaryOf(e)
			out = append(out, workflows.CaseLine{No: sum.No, Department: sum.Department, NextDeadline: sum.NextDeadline, Overdue: sum.Overdue})
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out, nil
		}
	}
}

// List returns the cases matching f: from the archive, which holds every
// case's list line in indexed columns (open cases first, newest first,
// then closed ones, last closed first); without an archive, from the
// engine's visibility store, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	q, err := f.Query()
	if err != nil {
		return Page{}, err
	}
	size := f.PageSize
	if size <= 0 || size > 200 {
		size = 50
	}
	if s.Archive != nil {
		return s.listArchived(ctx, f, size)
	}
	resp, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: q, PageSize: int32(size), NextPageToken: f.PageToken,
	})
	if err != nil {
		return Page{}, fmt.Errorf("list cases: %w", err)
	}
	page := Page{Cases: make([]Summary, 0, len(resp.Executions)), NextPageToken: resp.NextPageToken}
	for _, e := range resp.Executions {
		page.Cases = append(page.Cases, s.summaryOf(e))
	}
	return page, nil
}

// listArchived is List from the archive, size lines a page; f has been
// checked.
func (s *Service) listArchived(ctx context.Context, f Filter, size int) (Page, error) {
	q := archive.ListQuery{Type: f.Type, Status: f.Status, Department: f.Department, Parent: f.Parent, Overdue: f.Overdue,
		Escalated: f.Escalated, All: f.Scope.All, Departments: f.Scope.Departments, MinEscalation: f.Scope.MinEscalation,
		Limit: size, After: string(f.PageToken)}
	lines, next, err := s.Archive.List(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("list cases: %w", err)
	}
	page := Page{Cases: make([]Summary, 0, len(lines))}
	if next != "" {
		page.NextPageToken = []byte(next)
	}
	for _, l := range lines {
		page.Cases = append(page.Cases, Summary{No: l.No, Type: l.Type, Status: l.Status, Department: l.Department,
			NextDeadline: l.NextDeadline, Parent: l.Parent, RequestingDepartment: l.RequestingDepartment,
			EscalationLevel: int64(l.EscalationLevel), Overdue: l.Overdue, StartedAt: l.OpenedAt,
			Marks: Marks{VIP: l.VIP, Major: l.Major, Urgent: l.Urgent}})
	}
	return page, nil
}

// summaryOf reads a list line from a workflow's search attributes and
// memo. Search attributes are never encrypted (the engine indexes them);
// the memo is, through the client's converter.
func (s *Service) summaryOf(e *workflowpb.WorkflowExecutionInfo) Summary {
	sum := Summary{No: e.Execution.GetWorkflowId(), StartedAt: e.GetStartTime().AsTime()}
	fields := e.GetSearchAttributes().GetIndexedFields()
	decode := func(name string, v any) {
		if p, ok := fields[name]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(p, v)
		}
	}
	decode(workflows.SACaseType.GetName(), &sum.Type)
	decode(workflows.SACaseStatus.GetName(), &sum.Status)
	decode(workflows.SADepartment.GetName(), &sum.Department)
	decode(workflows.SAEscalationLevel.GetName(), &sum.EscalationLevel)
	decode(workflows.SAOverdue.GetName(), &sum.Overdue)
	decode(workflows.SAParentCase.GetName(), &sum.Parent)
	// The search attributes keep the status the run had when it ended; a
	// run that ended other than by its close left a failed case.
	if _, failed := failedAs(e.GetStatus(), sum.Status); failed {
		sum.Status = workflows.StatusFailed
	}
	decode(workflows.SARequestingDepartment.GetName(), &sum.RequestingDepartment)
	if p, ok := e.GetMemo().GetFields()[marksMemo]; ok {
		_ = s.converter().FromPayload(p, &sum.Marks)
	}
	var next time.Time
	decode(workflows.SANextDeadline.GetName(), &next)
	if !next.IsZero() {
		sum.NextDeadline = &next
	}
	return sum
}
