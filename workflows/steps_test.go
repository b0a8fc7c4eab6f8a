package workflows

import (
	"slices"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 18: a case offers only the actions its state allows — a routed
// complaint offers no return visit — and says what it waits for next,
// from whom, on which clock.
func TestValidActionsAndNextStep(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	pending := func(name string, due time.Duration) Deadline {
		return Deadline{Name: name, Due: now.Add(due), State: DeadlinePending}
	}
	complaint := func(status string, d ...Deadline) CaseView {
		return CaseView{Type: TypeComplaint, Status: status, Department: "property", Form: &forms.Complaint{}, Record: &ComplaintRecord{}, Deadlines: d}
	}
	routed := complaint(StatusRouted, pending(sla.FirstFeedback, time.Hour), pending(sla.Resolution, 70*time.Hour))
	if got := routed.ValidActions(now); slices.Contains(got, ActionReturnVisit) || slices.Contains(got, ActionResolve) ||
		!slices.Contains(got, ActionFirstFeedback) || !slices.Contains(got, ActionExtend) {
		t.Errorf("routed complaint offers %v", got)
	}
	resolved := complaint(StatusResolved, pending(sla.ReturnVisit, 20*time.Hour))
	if got := resolved.ValidActions(now); !slices.Contains(got, ActionReturnVisit) || slices.Contains(got, ActionFirstFeedback) {
		t.Errorf("resolved complaint offers %v", got)
	}
	delivered := complaint(StatusSatisfied)
	at := now
	delivered.Record.ResultDeliveredAt = &at
	delivered.EscalationLevel = sla.LevelManagement
	if got := delivered.ValidActions(now); slices.Contains(got, ActionDeliverResult) || slices.Contains(got, ActionEscalate) ||
		slices.Contains(got, ActionExtend) || !slices.Contains(got, ActionComment) {
		t.Errorf("delivered, at the top of the ladder, no clock running: %v", got)
	}
	if got := complaint(StatusClosed).ValidActions(now); got != nil {
		t.Errorf("closed complaint offers %v", got)
	}
	breached := complaint(StatusInProgress, pending(sla.Resolution, -time.Hour))
	if got := breached.ValidActions(now); slices.Contains(got, ActionExtend) {
		t.Errorf("an extension after the deadline passed (C4) is offered: %v", got)
	}

	for _, c := range []struct {
		name string
		v    CaseView
		want Step
	}{
		{"registered complaint: customer service routes it",
			complaint(StatusRegistered, pending(sla.FirstFeedback, time.Hour), pending(sla.Resolution, 70*time.Hour)),
			Step{Action: ActionRoute, Party: PartyCustomerService, Deadline: sla.FirstFeedback}},
		{"routed complaint: the department gives first feedback", routed,
			Step{Action: ActionFirstFeedback, Party: PartyDepartment, Department: "property", Deadline: sla.FirstFeedback}},
		{"resolved complaint: customer service visits", resolved,
			Step{Action: ActionReturnVisit, Party: PartyCustomerService, Deadline: sla.ReturnVisit}},
		{"rework on the latest round's clock",
			complaint(StatusRework, pending(sla.Resolution, 5*time.Hour), Deadline{Name: sla.Rework, Round: 1, Due: now, State: DeadlineMet},
				Deadline{Name: sla.Rework, Round: 2, Due: now.Add(9 * time.Hour), State: DeadlinePending}),
			Step{Action: ActionResolve, Party: PartyDepartment, Department: "property", Deadline: sla.Rework}},
		{"accepted request: the target delivers by the time node",
			CaseView{Type: TypeCollaboration, Status: StatusInProgress, Department: "engineering",
				Collaboration: &CollaborationRecord{Form: forms.Collaboration{RequestingDepartment: "property"}},
				Deadlines:     []Deadline{pending(sla.TimeNode, 48*time.Hour)}},
			Step{Action: ActionDeliver, Party: PartyDepartment, Department: "engineering", Deadline: sla.TimeNode}},
		{"delivered request: the requester rates it",
			CaseView{Type: TypeCollaboration, Status: StatusResolved, Department: "engineering",
				Collaboration: &CollaborationRecord{Form: forms.Collaboration{RequestingDepartment: "property"}},
				Deadlines:     []Deadline{pending(sla.Rating, 48*time.Hour)}},
			Step{Action: ActionRate, Party: PartyRequester, Department: "property", Deadline: sla.Rating}},
		{"transferred question: the specialist answers",
			CaseView{Type: TypeConsultation, Status: StatusTransferred, Department: "legal",
				Deadlines: []Deadline{pending(sla.Callback, 30*time.Hour), pending(sla.SpecialistAnswer, 40*time.Hour)}},
			Step{Action: ActionCallBack, Party: PartyDepartment, Department: "legal", Deadline: sla.SpecialistAnswer}},
	} {
		got, ok := c.v.NextStep()
		got.Due = nil
		if !ok || got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	rework := complaint(StatusRework, Deadline{Name: sla.Rework, Round: 2, Due: now.Add(9 * time.Hour), State: DeadlinePending})
	if s, _ := rework.NextStep(); s.Due == nil || !s.Due.Equal(now.Add(9*time.Hour)) {
		t.Errorf("rework due: %v", s.Due)
	}
	paused := complaint(StatusInProgress, Deadline{Name: sla.Resolution, Due: now.Add(time.Hour), State: DeadlinePaused,
		Pauses: []Pause{{From: now.Add(-2 * time.Hour), To: &now, For: "XT-1"}, {From: now, For: "XT-2"}}})
	if s, _ := paused.NextStep(); s.PausedFor != "XT-2" || s.Deadline != sla.Resolution {
		t.Errorf("paused: %+v", s)
	}
	late := complaint(StatusRouted, Deadline{Name: sla.FirstFeedback, Due: now.Add(-2 * time.Hour), State: DeadlineBreached},
		pending(sla.Resolution, 70*time.Hour))
	if s, _ := late.NextStep(); s.Deadline != sla.FirstFeedback || !s.Due.Before(now) {
		t.Errorf("a late first feedback reads as on the later clock: %+v", s)
	}
	if _, ok := complaint(StatusClosed).NextStep(); ok {
		t.Error("a closed case waits for something")
	}
}

// Issue 18: a case marked overdue never shows another clock's time left —
// a routed complaint whose first feedback passed is owed on that clock,
// not on the resolution's three days.
func TestNextStepOnBreachedClock(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	passed := now.Add(-2 * time.Hour)
	v := CaseView{Type: TypeComplaint, Status: StatusRouted, Department: "property", Overdue: true, Form: &forms.Complaint{},
		Record: &ComplaintRecord{}, Deadlines: []Deadline{
			{Name: sla.FirstFeedback, Due: passed, State: DeadlineBreached, BreachedAt: &passed},
			{Name: sla.Resolution, Due: now.Add(91 * time.Hour), State: DeadlinePending}}}
	s, ok := v.NextStep()
	if !ok || s.Deadline != sla.FirstFeedback || s.Due == nil || !s.Due.Equal(passed) {
		t.Fatalf("overdue step: %+v", s)
	}
	// A later round's running clock is the one owed, not an old breach.
	v.Status = StatusRework
	v.Deadlines = []Deadline{{Name: sla.Rework, Round: 1, Due: passed, State: DeadlineBreached},
		{Name: sla.Rework, Round: 2, Due: now.Add(time.Hour), State: DeadlinePending}}
	if s, _ := v.NextStep(); s.Due == nil || !s.Due.Equal(now.Add(time.Hour)) {
		t.Errorf("rework round 2: %+v", s)
	}
}
