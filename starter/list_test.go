package starter

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

func TestFilterQuery(t *testing.T) {
	yes := true
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{Scope: Scope{Departments: []string{"property"}, MinEscalation: 1}, Type: "repair"},
			"CaseType = 'repair' AND (Department = 'property' OR RequestingDepartment = 'property' OR EscalationLevel >= 1)"},
		{Filter{Scope: Scope{}}, "CaseType IN ('complaint', 'repair', 'consultation', 'media_inquiry', 'collaboration') AND CaseType = 'nobody'"},
		{Filter{}, "CaseType IN ('complaint', 'repair', 'consultation', 'media_inquiry', 'collaboration')"},
		{Filter{Type: "complaint", Status: "routed"}, "CaseType = 'complaint' AND CaseStatus = 'routed'"},
		{Filter{Type: "collaboration", Parent: "TS-20261123-0001"}, "CaseType = 'collaboration' AND ParentCase = 'TS-20261123-0001'"},
		{Filter{Type: "complaint", Escalated: true}, "CaseType = 'complaint' AND EscalationLevel >= 1"},
		{Filter{Department: "property", Overdue: &yes}, "CaseType IN ('complaint', 'repair', 'consultation', 'media_inquiry', 'collaboration') AND Department = 'property' AND Overdue = true"},
	}
	for i := range tests[2:] {
		tests[i+2].f.Scope.All = true
	}
	for _, tt := range tests {
		got, err := tt.f.Query()
		if err != nil || got != tt.want {
			t.Errorf("%+v: got %q %v, want %q", tt.f, got, err, tt.want)
		}
	}
}

// User text never reaches the visibility query unchecked.
func TestFilterRejectsInjection(t *testing.T) {
	if _, err := (Filter{Scope: Scope{Departments: []string{"x' OR 'a'='a"}}}).Query(); err == nil {
		t.Error("a malformed scope department reached the query")
	}
	for _, f := range []Filter{
		{Department: "x' OR CaseType != '"},
		{Status: "routed' OR '1'='1"},
		{Type: "complaint' OR 'a'='a"},
		{Parent: "TS-20261123-0001' OR 'a'='a"},
	} {
		_, err := f.Query()
		var e *Error
		if !errors.As(err, &e) || e.Status != 400 || len(e.Fields) != 1 {
			t.Errorf("%+v: got %v, want one field error with 400", f, err)
		}
	}
}

func TestValidNo(t *testing.T) {
	for no, want := range map[string]bool{
		"TS-20261123-0001": true, "TS-20261123-123456": true,
		"ts-20261123-0001": false, "TS-2026112-0001": false, "TS-20261123-01": false, "../etc": false, "": false,
	} {
		if got := validNo(no); got != want {
			t.Errorf("validNo(%q) = %v, want %v", no, got, want)
		}
	}
}

// The starter accepts exactly the actions each workflow registers.
func TestActionsMatchWorkflows(t *testing.T) {
	for prefix, want := range map[string][]string{
		workflows.PrefixComplaint:     workflows.ComplaintActions,
		workflows.PrefixRepair:        workflows.RepairActions,
		workflows.PrefixConsultation:  workflows.ConsultationActions,
		workflows.PrefixMediaInquiry:  workflows.MediaInquiryActions,
		workflows.PrefixCollaboration: workflows.CollaborationActions,
	} {
		got := slices.Sorted(maps.Keys(actionsByPrefix[prefix]))
		if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: starter has %v, workflow has %v", prefix, got, want)
		}
	}
}

// K7: the work queue marks VIP, major and urgent cases from the memo set
// at registration.
func TestMarksOf(t *testing.T) {
	c := workflows.ComplaintInput{}
	c.Form.VIP, c.Form.Major, c.Form.Priority = true, true, forms.PriorityUrgent
	if got := marksOf(c); got != (Marks{VIP: true, Major: true, Urgent: true}) {
		t.Errorf("complaint marks = %+v", got)
	}
	r := workflows.RepairInput{}
	r.Form.Urgency = forms.UrgencyUrgent
	if got := marksOf(r); got != (Marks{Urgent: true}) {
		t.Errorf("repair marks = %+v", got)
	}
	if got := marksOf(workflows.ConsultationInput{}); got != (Marks{}) {
		t.Errorf("consultation marks = %+v", got)
	}
}

// Issue 17: a run that ended other than by its case's close lists as
// failed; one that continued as new, completed, or ended a closed case
// does not; and the failed filter asks the engine for exactly those runs.
func TestFailedRunsListAsFailed(t *testing.T) {
	for _, tc := range []struct {
		exec   enumspb.WorkflowExecutionStatus
		status string
		want   string
	}{
		{enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflows.StatusRouted, workflows.StatusFailed},
		{enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, workflows.StatusInProgress, workflows.StatusFailed},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, workflows.StatusRegistered, workflows.StatusFailed},
		{enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, workflows.StatusRework, workflows.StatusFailed},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflows.StatusClosed, workflows.StatusClosed},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflows.StatusDeclined, workflows.StatusDeclined},
		{enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, workflows.StatusRouted, workflows.StatusRouted},
		{enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, workflows.StatusRouted, workflows.StatusRouted},
		{enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, workflows.StatusClosed, workflows.StatusClosed},
	} {
		p, _ := converter.GetDefaultDataConverter().ToPayload(tc.status)
		e := &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: "TS-20261123-0001"}, Status: tc.exec,
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{workflows.SACaseStatus.GetName(): p}}}
		if got := (&Service{}).summaryOf(e).Status; got != tc.want {
			t.Errorf("%s run of a %s case lists as %s, want %s", tc.exec, tc.status, got, tc.want)
		}
	}
	q, err := Filter{Status: workflows.StatusFailed, Scope: Scope{All: true}}.Query()
	want := "CaseType IN ('complaint', 'repair', 'consultation', 'media_inquiry', 'collaboration') AND ExecutionStatus IN ('Terminated', 'Failed', 'TimedOut', 'Canceled') AND CaseStatus NOT IN ('closed', 'declined')"
	if err != nil || q != want {
		t.Errorf("failed filter: %q %v, want %q", q, err, want)
	}
	if got := failedQuery(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)); got != want+" AND CloseTime >= '2026-11-23T01:00:00Z'" {
		t.Errorf("watcher query %q", got)
	}
}
