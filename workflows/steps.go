package workflows

import (
	"slices"
	"time"

	"github.com/closeloop/closeloop/workflows/sla"
)

// actionStatuses says, per case type, in which statuses each staff action
// is possible; an action missing here is possible in every open status.
// The Update validators read it, and so do the lists and pages that offer
// actions: a page never offers what the case would refuse.
var actionStatuses = map[string]map[string][]string{
	TypeComplaint: {
		ActionRoute:                {StatusRegistered, StatusRouted},
		ActionFirstFeedback:        {StatusRouted},
		ActionTemporarySolution:    {StatusRouted, StatusInProgress, StatusRework},
		ActionReassign:             {StatusRouted, StatusInProgress, StatusRework},
		ActionAssign:               {StatusRouted, StatusInProgress, StatusRework},
		ActionResolve:              {StatusInProgress, StatusRework},
		ActionReturnVisit:          {StatusResolved},
		ActionDeliverResult:        {StatusResolved, StatusSatisfied},
		ActionRequestCollaboration: {StatusRouted, StatusInProgress, StatusRework},
	},
	TypeRepair: {
		ActionSign:                 {StatusRegistered},
		ActionAssign:               {StatusRegistered, StatusInProgress, StatusRework},
		ActionSchedule:             {StatusInProgress, StatusRework},
		ActionProgress:             {StatusInProgress, StatusRework},
		ActionComplete:             {StatusInProgress, StatusRework},
		ActionReturnVisit:          {StatusResolved},
		ActionRequestCollaboration: {StatusInProgress, StatusRework},
	},
	TypeConsultation: {
		ActionCallBack: {StatusRegistered, StatusTransferred},
		ActionTransfer: {StatusRegistered},
	},
	TypeMediaInquiry: {
		ActionContactOutlet: {StatusRegistered},
	},
	TypeCollaboration: {
		ActionAccept:  {StatusRegistered},
		ActionAssign:  {StatusRegistered, StatusInProgress},
		ActionDecline: {StatusRegistered},
		ActionDeliver: {StatusInProgress},
		ActionRate:    {StatusResolved},
	},
}

// statusesFor are the statuses in which action is possible on a case of
// type caseType; nil means any open status.
func statusesFor(caseType, action string) []string { return actionStatuses[caseType][action] }

// Actions lists a case type's staff actions in workflow order.
func Actions(caseType string) []string {
	switch caseType {
	case TypeComplaint:
		return ComplaintActions
	case TypeRepair:
		return RepairActions
	case TypeConsultation:
		return ConsultationActions
	case TypeMediaInquiry:
		return MediaInquiryActions
	case TypeCollaboration:
		return CollaborationActions
	}
	return nil
}

// IsOpen says whether the case still takes staff actions: not closed,
// declined or failed.
func (v CaseView) IsOpen() bool {
	return v.Status != StatusClosed && v.Status != StatusDeclined && v.Status != StatusFailed
}

// ValidActions are the staff actions the case would accept now, in
// workflow order, judged by its status and state as the validators judge
// them (the form's own fields aside).
func (v CaseView) ValidActions(now time.Time) []string {
	if !v.IsOpen() {
		return nil
	}
	var out []string
	for _, a := range Actions(v.Type) {
		if allowed := statusesFor(v.Type, a); allowed != nil && !slices.Contains(allowed, v.Status) {
			continue
		}
		switch a {
		case ActionEscalate:
			if v.EscalationLevel >= sla.LevelManagement {
				continue
			}
		case ActionDeliverResult:
			if v.Record != nil && v.Record.ResultDeliveredAt != nil {
				continue
			}
		case ActionRequestCollaboration:
			if v.Department == "" {
				continue
			}
		case ActionExtend:
			if !slices.ContainsFunc(v.Deadlines, func(d Deadline) bool { return d.State == DeadlinePending && now.Before(d.Due) }) {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// Parties a next step is owed by.
const (
	PartyCustomerService = "customer_service" // the hotline desk
	PartyDepartment      = "department"       // the department the case is with
	PartyRequester       = "requester"        // the department that made a request
)

// Step is what a case waits for next: the action, who owes it, and the
// clock it is on.
type Step struct {
	Action string `json:"action"`
	Party  string `json:"party"`
	// Department is the owing department's code (PartyDepartment,
	// PartyRequester).
	Department string `json:"department,omitempty"`
	// Deadline is the clock the step is on; Due is nil when none runs.
	Deadline string     `json:"deadline,omitempty"`
	Due      *time.Time `json:"due,omitempty"`
	// PausedFor is the request the clock waits for, while it is paused.
	PausedFor string `json:"paused_for,omitempty"`
}

// nextSteps say, per type and status, which action is expected next, who
// owes it, and which clocks it is on, in order of preference.
var nextSteps = map[string]map[string]struct {
	action, party string
	clocks        []string
}{
	TypeComplaint: {
		StatusRegistered: {ActionRoute, PartyCustomerService, []string{sla.FirstFeedback}},
		StatusRouted:     {ActionFirstFeedback, PartyDepartment, []string{sla.FirstFeedback}},
		StatusInProgress: {ActionResolve, PartyDepartment, []string{sla.Resolution}},
		StatusRework:     {ActionResolve, PartyDepartment, []string{sla.Rework}},
		StatusResolved:   {ActionReturnVisit, PartyCustomerService, []string{sla.ReturnVisit}},
		StatusSatisfied:  {ActionDeliverResult, PartyCustomerService, []string{sla.ResultDelivery}},
	},
	TypeRepair: {
		StatusRegistered: {ActionSign, PartyDepartment, []string{sla.SignFor}},
		StatusInProgress: {ActionComplete, PartyDepartment, []string{sla.RepairCompletion}},
		StatusRework:     {ActionComplete, PartyDepartment, []string{sla.Rework, sla.RepairCompletion}},
		StatusResolved:   {ActionReturnVisit, PartyCustomerService, []string{sla.ReturnVisit}},
	},
	TypeConsultation: {
		StatusRegistered:  {ActionCallBack, PartyCustomerService, []string{sla.Callback}},
		StatusTransferred: {ActionCallBack, PartyDepartment, []string{sla.SpecialistAnswer, sla.Callback}},
	},
	TypeMediaInquiry: {
		StatusRegistered: {ActionContactOutlet, PartyCustomerService, []string{sla.MediaContact}},
	},
	TypeCollaboration: {
		StatusRegistered: {ActionAccept, PartyDepartment, []string{sla.Acceptance}},
		StatusInProgress: {ActionDeliver, PartyDepartment, []string{sla.TimeNode}},
		StatusResolved:   {ActionRate, PartyRequester, []string{sla.Rating}},
	},
}

// NextStep is what the open case waits for; ok is false for a case that
// waits for nothing (closed, declined, failed). The clock is the step's
// own when it runs (or stands paused), else the case's earliest pending.
func (v CaseView) NextStep() (Step, bool) {
	n, ok := nextSteps[v.Type][v.Status]
	if !ok || !v.IsOpen() {
		return Step{}, false
	}
	s := Step{Action: n.action, Party: n.party}
	switch n.party {
	case PartyDepartment:
		s.Department = v.Department
	case PartyRequester:
		if v.Collaboration != nil {
			s.Department = v.Collaboration.Form.RequestingDepartment
		}
	}
	d := v.clock(n.clocks)
	if d == nil {
		return s, true
	}
	due := d.Due
	s.Deadline, s.Due = d.Name, &due
	if d.State == DeadlinePaused {
		for _, p := range d.Pauses {
			if p.To == nil {
				s.PausedFor = p.For
			}
		}
	}
	return s, true
}

// clock is the first of names that is running, paused or passed while
// the step is still owed (the latest round), else the earliest pending
// deadline, else nil. A passed clock keeps the step overdue: the case
// never reads "3 days left" on a later clock while its step is late.
func (v CaseView) clock(names []string) *Deadline {
	live := func(d Deadline) bool {
		return d.State == DeadlinePending || d.State == DeadlinePaused || d.State == DeadlineBreached
	}
	for _, name := range names {
		var found *Deadline
		for i, d := range v.Deadlines {
			if d.Name == name && live(d) && (found == nil || d.Round >= found.Round) {
				found = &v.Deadlines[i]
			}
		}
		if found != nil {
			return found
		}
	}
	var first *Deadline
	for i, d := range v.Deadlines {
		if d.State == DeadlinePending && (first == nil || d.Due.Before(first.Due)) {
			first = &v.Deadlines[i]
		}
	}
	return first
}
