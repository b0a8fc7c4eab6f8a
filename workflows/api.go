// Package workflows holds the durable case workflows. This file is the
// contract shared with the worker and the starter: names, IDs, and one struct
// per input, result, update and query.
package workflows

import (
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// TaskQueue is where every case workflow and activity runs.
const TaskQueue = "closeloop-cases"

// Workflow type names.
const (
	ComplaintWorkflowName     = "ComplaintWorkflow"
	MediaInquiryWorkflowName  = "MediaInquiryWorkflow"
	ConsultationWorkflowName  = "ConsultationWorkflow"
	RepairWorkflowName        = "RepairWorkflow"
	CollaborationWorkflowName = "CollaborationWorkflow"
	SequenceWorkflowName      = "SequenceWorkflow"
)

// QueryState returns a CaseView.
const QueryState = "state"

// Staff actions, each an Update named as in the HTTP API.
const (
	ActionRoute             = "route"
	ActionFirstFeedback     = "first-feedback"
	ActionTemporarySolution = "temporary-solution"
	ActionReassign          = "reassign"
	ActionResolve           = "resolve"
	ActionReturnVisit       = "return-visit"
	ActionDeliverResult     = "deliver-result"
	ActionExtend            = "extend"
	ActionEscalate          = "escalate"
	ActionComment           = "comment"
	ActionContactOutlet     = "contact-outlet"
	ActionCallBack          = "call-back"
	ActionTransfer          = "transfer"
	ActionSign              = "sign"
	ActionSchedule          = "schedule"
	ActionProgress          = "progress"
	ActionComplete          = "complete"
	// A complaint or repair opens a cross-department request as a child.
	ActionRequestCollaboration = "request-collaboration"
	ActionAccept               = "accept"
	ActionDecline              = "decline"
	ActionDeliver              = "deliver"
	ActionRate                 = "rate"
	// ActionRevealPII records that a user was shown the customer's name and
	// contact details (P1); the API's reveal endpoint sends it.
	ActionRevealPII = "reveal-pii"
	// ActionCustomerRating is the customer's rating from the satisfaction
	// link in their e-mail (C8, R5); the public rating page sends it.
	ActionCustomerRating = "customer-rating"
	// ActionReplan re-plans the case's running working-day clocks after the
	// business calendar changed (a new statutory year, an override file);
	// the administrator's `closeloop calendar replan` sends it.
	ActionReplan = "replan-deadlines"
)

// SignalCollaborationStatus carries a CollaborationStatus from a child
// request to the case that opened it.
const SignalCollaborationStatus = "collaboration-status"

// ComplaintActions lists the complaint's staff actions in workflow order.
var ComplaintActions = []string{
	ActionRoute, ActionFirstFeedback, ActionTemporarySolution, ActionReassign, ActionAssign, ActionResolve,
	ActionReturnVisit, ActionDeliverResult, ActionExtend, ActionRequestCollaboration, ActionEscalate, ActionComment,
}

// MediaInquiryActions lists the media inquiry's staff actions.
var MediaInquiryActions = []string{ActionContactOutlet, ActionEscalate, ActionComment}

// ConsultationActions lists the consultation's staff actions.
var ConsultationActions = []string{ActionCallBack, ActionTransfer, ActionEscalate, ActionComment}

// RepairActions lists the repair order's staff actions.
var RepairActions = []string{ActionSign, ActionAssign, ActionSchedule, ActionProgress, ActionComplete, ActionReturnVisit, ActionRequestCollaboration, ActionEscalate, ActionComment}

// CollaborationActions lists the cross-department request's staff actions.
var CollaborationActions = []string{ActionAccept, ActionDecline, ActionAssign, ActionDeliver, ActionRate, ActionEscalate, ActionComment}

// Case types and their number prefixes.
const (
	TypeComplaint       = "complaint"
	PrefixComplaint     = "TS" // 投诉
	TypeMediaInquiry    = "media_inquiry"
	PrefixMediaInquiry  = "MT" // 媒体
	TypeConsultation    = "consultation"
	PrefixConsultation  = "ZX" // 咨询
	TypeRepair          = "repair"
	PrefixRepair        = "BX" // 报修
	TypeCollaboration   = "collaboration"
	PrefixCollaboration = "XZ" // 协作
)

// CaseWorkflowID is the workflow ID of a case: its human-readable number.
func CaseWorkflowID(no string) string { return no }

// Case statuses.
const (
	StatusRegistered  = "registered"
	StatusRouted      = "routed"
	StatusInProgress  = "in_progress"
	StatusResolved    = "resolved"
	StatusRework      = "rework"
	StatusSatisfied   = "satisfied"   // satisfied at the return visit, result not yet delivered in person
	StatusTransferred = "transferred" // consultation passed to a specialist department (Q4)
	StatusClosed      = "closed"
	StatusDeclined    = "declined" // collaboration refused by the target department (X1)
	// StatusFailed is never a workflow's own: the product shows it for a
	// case whose workflow ended some other way than its own close
	// (terminated, failed, timed out, cancelled), until it is restored.
	StatusFailed = "failed"
)

// Failure says how a case's workflow ended other than by its own close.
type Failure struct {
	At time.Time `json:"at"`
	// How is terminated, failed, timed_out or cancelled.
	How string `json:"how"`
	// Reason is the engine's: the termination reason or the failure's
	// message.
	Reason string `json:"reason,omitempty"`
	// Status is the case's status when its workflow ended: a restore
	// continues it there.
	Status string `json:"status"`
	// Run is the run that ended, so each end is recorded and told once.
	Run string `json:"run"`
}

// Error types carried by rejected updates (temporal.ApplicationError.Type()).
const (
	ErrInvalidState   = "InvalidState"   // the action does not fit the case's status
	ErrInvalidInput   = "InvalidInput"   // missing or bad fields; details hold []forms.FieldError
	ErrDeadlinePassed = "DeadlinePassed" // e.g. an extension after the breach (C4)
)

// ComplaintInput starts a complaint.
type ComplaintInput struct {
	No        string          `json:"no"`
	Form      forms.Complaint `json:"form"`
	Policy    sla.Policy      `json:"policy"`
	CreatedBy string          `json:"created_by"`
	// CollaborationPolicy is the policy of the cross-department requests
	// the case opens; cases started before it existed use the default.
	CollaborationPolicy *sla.Policy `json:"collaboration_policy,omitempty"`
	// Reopen continues a closed case in a new run (P3: cs_head only).
	Reopen *Reopen `json:"reopen,omitempty"`
	// History bounds each run's history; Continued carries the case into
	// the next run once a run reaches them.
	History   HistoryLimits `json:"history,omitzero"`
	Continued *Carry        `json:"continued,omitempty"`
}

// Reopen carries a closed case into its new run: the case as it was, and
// who reopened it and why.
type Reopen struct {
	View   CaseView  `json:"view"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Restore continues a failed case (View.Failure set) where it stood,
	// in its recorded status with its clocks at their recorded due
	// instants, instead of sending it back to rework.
	Restore bool `json:"restore,omitempty"`
}

// HistoryLimits are the history length (events) and size (bytes) at which
// a case continues in a new run, well below the engine's hard limits
// (51,200 events, 50 MB). Zero takes the defaults.
type HistoryLimits struct {
	Events int `json:"events,omitempty"`
	Bytes  int `json:"bytes,omitempty"`
}

// Default history limits.
const (
	DefaultHistoryEvents = 10_000
	DefaultHistoryBytes  = 10 << 20
)

// OrDefault fills in the defaults for unset limits.
func (l HistoryLimits) OrDefault() HistoryLimits {
	if l.Events <= 0 {
		l.Events = DefaultHistoryEvents
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultHistoryBytes
	}
	return l
}

// Carry is what a case hands to its next run when its history grows long
// (continue-as-new): the case as it stands, the notices raised but not yet
// sent (held for quiet hours or still on their way; their IDs keep a
// resend from sending twice), and the facts the run kept beside the view.
type Carry struct {
	View         CaseView      `json:"view"`
	Notices      []Notice      `json:"notices,omitempty"`
	Run          int           `json:"run"` // runs before this one
	RecordingRef string        `json:"recording_ref,omitempty"`
	Search       SearchCarried `json:"search"`
	Print        uint64        `json:"print,omitempty"` // the case's fingerprint as last archived
}

// SearchCarried is what the previous run last wrote to the search
// attributes, which the new run inherits.
type SearchCarried struct {
	Status     string    `json:"status"`
	Department string    `json:"department,omitempty"`
	Next       time.Time `json:"next,omitzero"`
	Level      sla.Level `json:"level"`
	Overdue    bool      `json:"overdue,omitempty"`
}

// ComplaintResult is what a finished complaint returns.
type ComplaintResult struct {
	No       string    `json:"no"`
	Status   string    `json:"status"`
	ClosedAt time.Time `json:"closed_at"`
	Rounds   int       `json:"rounds"`
}

// Deadline states.
const (
	DeadlinePending   = "pending"
	DeadlineMet       = "met"
	DeadlineMetLate   = "met_late"
	DeadlineBreached  = "breached"
	DeadlineCancelled = "cancelled"
	DeadlinePaused    = "paused" // waiting for a cross-department request the case opened
)

// Deadline is one clock of a case.
type Deadline struct {
	Name  string    `json:"name"`
	Round int       `json:"round,omitempty"` // return-visit round for per-round clocks
	Start time.Time `json:"start"`
	Due   time.Time `json:"due"`
	State string    `json:"state"`
	// Explanation says how Due was computed; Also are the alternatives that
	// were considered and lost to an earlier one (rule C11).
	Explanation calendar.Explanation   `json:"explanation"`
	Also        []calendar.Explanation `json:"also,omitempty"`
	MetAt       *time.Time             `json:"met_at,omitempty"`
	BreachedAt  *time.Time             `json:"breached_at,omitempty"`
	Extensions  []Extension            `json:"extensions,omitempty"`
	// Promised marks a due instant promised to the customer, earlier than
	// the limit the explanation describes (Q1, Q3).
	Promised bool `json:"promised,omitempty"`
	// Reminded holds the reminder points (percent) already handled for the
	// current due instant.
	Reminded []int `json:"reminded,omitempty"`
	// Agreed marks a due instant agreed in the case's own form (the
	// collaboration's time node) rather than computed from a span.
	Agreed bool `json:"agreed,omitempty"`
	// Pauses are the stretches the clock stood still while the case waited
	// for a cross-department request, each with the time carried forward.
	Pauses []Pause `json:"pauses,omitempty"`
	// Provisional marks a due instant computed in working days or business
	// hours into a year whose statutory holidays are not known yet (past
	// the calendar's horizon): it moves when they are. Set when the clock
	// is armed or carried forward; read it through IsProvisional, which
	// also recognises clocks armed before this field existed.
	Provisional bool `json:"provisional,omitempty"`
}

// IsProvisional reports whether the due instant is provisional: marked so,
// or explained with a "no_holiday_data:" note (clocks armed by older code).
// An instant promised to the customer or set by an extension was chosen by
// a person, so it does not move with the calendar.
func (d Deadline) IsProvisional() bool {
	if d.Promised || len(d.Extensions) > 0 {
		return false
	}
	return d.Provisional || d.Explanation.IsProvisional()
}

// Pause is one stop of a pausable clock.
type Pause struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"` // nil while paused
	For  string     `json:"for"`          // the child request's number
	// DueBefore is the due instant when the clock stopped; Remaining the
	// time it had left (business time when Business is set), carried
	// forward from To.
	DueBefore time.Time     `json:"due_before"`
	Remaining time.Duration `json:"remaining"`
	Business  bool          `json:"business,omitempty"`
}

// paused is the time the clock has stood still in finished pauses.
func (d Deadline) paused() time.Duration {
	var total time.Duration
	for _, p := range d.Pauses {
		if p.To != nil {
			total += p.To.Sub(p.From)
		}
	}
	return total
}

// Extension records a deadline moved before it passed (rule C4).
type Extension struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// Event is one line of the case timeline: who did what, when.
type Event struct {
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`
	Kind    string            `json:"kind"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Escalation is one climb of the ladder (rules C5, C9, E3).
type Escalation struct {
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	From         sla.Level `json:"from"`
	To           sla.Level `json:"to"`
	Reason       string    `json:"reason"`
	Proposal     string    `json:"proposal"`
	RecordingRef string    `json:"recording_ref"`
}

// ComplaintRecord is the processing half of the 客户投诉意见表 (rule C6); the
// intake half is forms.Complaint.
type ComplaintRecord struct {
	Handler            string     `json:"handler,omitempty"`
	HandlingDepartment string     `json:"handling_department,omitempty"`
	TemporarySolution  string     `json:"temporary_solution,omitempty"`
	HandlingResult     string     `json:"handling_result,omitempty"`
	CompletedAt        *time.Time `json:"completed_at,omitempty"`
	ReturnVisitOutcome string     `json:"return_visit_outcome,omitempty"`
	ReturnVisitor      string     `json:"return_visitor,omitempty"`
	ReturnVisitAt      *time.Time `json:"return_visit_at,omitempty"`
	Satisfied          bool       `json:"satisfied"`
	ResultDeliveredAt  *time.Time `json:"result_delivered_at,omitempty"`
}

// CaseView is the case as the query returns it.
type CaseView struct {
	No               string    `json:"no"`
	Type             string    `json:"type"`
	Status           string    `json:"status"`
	Department       string    `json:"department,omitempty"`
	Handler          string    `json:"handler,omitempty"`
	EscalationLevel  sla.Level `json:"escalation_level"`
	Escalation       string    `json:"escalation"`
	Overdue          bool      `json:"overdue"`
	LateRegistration bool      `json:"late_registration"`
	Rounds           int       `json:"rounds"`
	Extensions       int       `json:"extensions"`
	// The type's own parts: the complaint form and record, or the media
	// inquiry.
	Form          *forms.Complaint     `json:"form,omitempty"`
	Record        *ComplaintRecord     `json:"record,omitempty"`
	Media         *MediaRecord         `json:"media,omitempty"`
	Consultation  *ConsultationRecord  `json:"consultation,omitempty"`
	Repair        *RepairRecord        `json:"repair,omitempty"`
	Collaboration *CollaborationRecord `json:"collaboration,omitempty"`
	// Parent is the case that opened this request; Children the requests
	// this case opened, with their latest status.
	Parent   string      `json:"parent,omitempty"`
	Children []ChildCase `json:"children,omitempty"`
	// Ratings are the customer's own, from the satisfaction link.
	Ratings     []CustomerRating `json:"ratings,omitempty"`
	Deadlines   []Deadline       `json:"deadlines"`
	Escalations []Escalation     `json:"escalations,omitempty"`
	Timeline    []Event          `json:"timeline"`
	CreatedBy   string           `json:"created_by"`
	ClosedAt    *time.Time       `json:"closed_at,omitempty"`
	// Failure is set, with Status "failed", when the case's workflow
	// ended other than by its own close; the workflow never sets it.
	Failure *Failure `json:"failure,omitempty"`
	// TimelineOffset is how many of the oldest timeline entries the case
	// keeps only in the archive (version "timeline-window"): Timeline[0]
	// is entry number TimelineOffset of the whole timeline. Earlier
	// summarises those entries.
	TimelineOffset int              `json:"timeline_offset,omitempty"`
	Earlier        *TimelineSummary `json:"earlier,omitempty"`
}

// TimelineTotal is the number of entries in the whole timeline, the
// archived ones included: the sequence number the next entry gets.
func (v CaseView) TimelineTotal() int { return v.TimelineOffset + len(v.Timeline) }

// MediaInquiryInput starts a media inquiry (rule E2).
type MediaInquiryInput struct {
	No        string             `json:"no"`
	Form      forms.MediaInquiry `json:"form"`
	Policy    sla.Policy         `json:"policy"`
	CreatedBy string             `json:"created_by"`
	// Reopen only restores a failed case (Reopen.Restore).
	Reopen    *Reopen       `json:"reopen,omitempty"`
	History   HistoryLimits `json:"history,omitzero"` // as for ComplaintInput
	Continued *Carry        `json:"continued,omitempty"`
}

// MediaInquiryResult is what a finished media inquiry returns.
type MediaInquiryResult struct {
	No          string    `json:"no"`
	ContactedAt time.Time `json:"contacted_at"`
	OnTime      bool      `json:"on_time"`
}

// MediaRecord is a media inquiry as the query shows it.
type MediaRecord struct {
	Form         forms.MediaInquiry `json:"form"`
	HoldingReply string             `json:"holding_reply"`
	ContactedBy  string             `json:"contacted_by,omitempty"`
	ContactedAt  *time.Time         `json:"contacted_at,omitempty"`
	Outcome      string             `json:"outcome,omitempty"`
}

// ConsultationInput starts a consultation (rules Q1–Q5).
type ConsultationInput struct {
	No        string             `json:"no"`
	Form      forms.Consultation `json:"form"`
	Policy    sla.Policy         `json:"policy"`
	CreatedBy string             `json:"created_by"`
	// Reopen only restores a failed case (Reopen.Restore).
	Reopen    *Reopen       `json:"reopen,omitempty"`
	History   HistoryLimits `json:"history,omitzero"` // as for ComplaintInput
	Continued *Carry        `json:"continued,omitempty"`
}

// ConsultationResult is what a finished consultation returns.
type ConsultationResult struct {
	No         string    `json:"no"`
	AnsweredAt time.Time `json:"answered_at"`
	OnTime     bool      `json:"on_time"`
}

// ConsultationRecord is a consultation as the query shows it.
type ConsultationRecord struct {
	Form           forms.Consultation `json:"form"`
	Answer         string             `json:"answer,omitempty"`
	AnsweredBy     string             `json:"answered_by,omitempty"`
	AnsweredAt     *time.Time         `json:"answered_at,omitempty"`
	InternalInfo   bool               `json:"internal_info,omitempty"`
	TransferredTo  string             `json:"transferred_to,omitempty"`
	TransferReason string             `json:"transfer_reason,omitempty"`
}

// RepairInput starts a repair order (rules R1–R5).
type RepairInput struct {
	No                  string        `json:"no"`
	Form                forms.Repair  `json:"form"`
	Policy              sla.Policy    `json:"policy"`
	CreatedBy           string        `json:"created_by"`
	CollaborationPolicy *sla.Policy   `json:"collaboration_policy,omitempty"` // as for ComplaintInput
	Reopen              *Reopen       `json:"reopen,omitempty"`
	History             HistoryLimits `json:"history,omitzero"` // as for ComplaintInput
	Continued           *Carry        `json:"continued,omitempty"`
}

// RepairResult is what a finished repair order returns.
type RepairResult struct {
	No       string    `json:"no"`
	ClosedAt time.Time `json:"closed_at"`
	Rounds   int       `json:"rounds"`
}

// RepairRecord is a repair order as the query shows it.
type RepairRecord struct {
	Form        forms.Repair  `json:"form"`
	SignedBy    string        `json:"signed_by,omitempty"`
	SignedAt    *time.Time    `json:"signed_at,omitempty"`
	Technician  string        `json:"technician,omitempty"`
	ScheduledAt *time.Time    `json:"scheduled_at,omitempty"`
	CompletedAt *time.Time    `json:"completed_at,omitempty"`
	Result      string        `json:"result,omitempty"`
	Visits      []RepairVisit `json:"visits,omitempty"`
}

// RepairVisit is one return visit's four items (rule R5).
type RepairVisit struct {
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	Attitude     bool      `json:"attitude_ok"`
	Work         bool      `json:"work_ok"`
	Result       bool      `json:"result_ok"`
	Satisfaction int       `json:"satisfaction"`
	Comment      string    `json:"comment,omitempty"`
	Passed       bool      `json:"passed"`
}

// CollaborationInput starts a cross-department request (rules X1–X4).
type CollaborationInput struct {
	No        string              `json:"no"`
	Form      forms.Collaboration `json:"form"`
	Policy    sla.Policy          `json:"policy"`
	CreatedBy string              `json:"created_by"`
	// TimeNodeWithin is the span the time node was computed from at intake
	// ("20 working days" after the booking), so the time-node clock
	// explains it through the business calendar; nil for a time node given
	// as an instant (and in inputs recorded before the field existed).
	TimeNodeWithin *calendar.Span `json:"time_node_within,omitempty"`
	// Reopen only restores a failed request (Reopen.Restore).
	Reopen    *Reopen       `json:"reopen,omitempty"`
	History   HistoryLimits `json:"history,omitzero"` // as for ComplaintInput
	Continued *Carry        `json:"continued,omitempty"`
}

// CollaborationResult is what a finished request returns.
type CollaborationResult struct {
	No       string    `json:"no"`
	Status   string    `json:"status"`  // closed or declined
	Outcome  string    `json:"outcome"` // rated, unrated or declined
	Rating   int       `json:"rating,omitempty"`
	Overdue  bool      `json:"overdue,omitempty"` // its time node was missed
	ClosedAt time.Time `json:"closed_at"`
}

// Collaboration outcomes.
const (
	OutcomeRated    = "rated"
	OutcomeUnrated  = "unrated" // the requester did not rate in time
	OutcomeDeclined = "declined"
)

// CollaborationRecord is a cross-department request as the query shows it.
type CollaborationRecord struct {
	Form forms.Collaboration `json:"form"`
	// Bypassed: urgent, booked inside the lead time with a reason (X1).
	Bypassed      bool       `json:"bypassed,omitempty"`
	AcceptedBy    string     `json:"accepted_by,omitempty"`
	AcceptedAt    *time.Time `json:"accepted_at,omitempty"`
	Signed        string     `json:"signed_responsibilities,omitempty"` // the target's responsibilities as signed
	DeclinedBy    string     `json:"declined_by,omitempty"`
	DeclineReason string     `json:"decline_reason,omitempty"`
	DeliveredBy   string     `json:"delivered_by,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	Result        string     `json:"result,omitempty"`
	Rating        int        `json:"rating,omitempty"` // 1–5 by the requester (X4)
	RatingComment string     `json:"rating_comment,omitempty"`
	RatedAt       *time.Time `json:"rated_at,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	// Reports are what went to quality control (X3, X4).
	Reports []QCReport `json:"reports,omitempty"`
}

// QCReport is one report to quality control or its supervising leader.
type QCReport struct {
	At     time.Time `json:"at"`
	To     string    `json:"to"` // qc or qc_leader
	Reason string    `json:"reason"`
}

// ChildCase is a request this case opened, as the parent shows it.
type ChildCase struct {
	No               string    `json:"no"`
	Type             string    `json:"type"`
	TargetDepartment string    `json:"target_department"`
	Need             string    `json:"need"`
	TimeNode         time.Time `json:"time_node"`
	Status           string    `json:"status"`
	Outcome          string    `json:"outcome,omitempty"`
	Overdue          bool      `json:"overdue,omitempty"`
	Rating           int       `json:"rating,omitempty"`
	OpenedAt         time.Time `json:"opened_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	// Holds says the parent's pausable clocks stand still for this child.
	Holds bool `json:"holds,omitempty"`
}

// CollaborationStatus is what a child request tells its parent when its
// status changes.
type CollaborationStatus struct {
	No      string    `json:"no"`
	Status  string    `json:"status"`
	Outcome string    `json:"outcome,omitempty"`
	Overdue bool      `json:"overdue,omitempty"`
	Rating  int       `json:"rating,omitempty"`
	At      time.Time `json:"at"`
}

// --- Update inputs. Every action names its actor. Their texts are bounded
// (forms.CheckBounds): short unless tagged `bound:"text"`.

// RouteInput sends the case to a functional department (rule C7).
type RouteInput struct {
	Actor      string `json:"actor"`
	Department string `json:"department"`
	Handler    string `json:"handler,omitempty"`
	Note       string `json:"note,omitempty" bound:"text"`
}

// FirstFeedbackInput records the first feedback to the customer (rule C2).
type FirstFeedbackInput struct {
	Actor   string `json:"actor"`
	Message string `json:"message" bound:"text"`
	Method  string `json:"method,omitempty"` // phone, email, onsite
}

// TemporarySolutionInput records a stop-gap that calms the customer (rule C13).
type TemporarySolutionInput struct {
	Actor       string `json:"actor"`
	Description string `json:"description" bound:"text"`
}

// ReassignInput moves the case to the department at fault (rule C12).
type ReassignInput struct {
	Actor      string `json:"actor"`
	Department string `json:"department"`
	Handler    string `json:"handler,omitempty"`
	Reason     string `json:"reason" bound:"text"`
}

// ResolveInput reports the handling result back to customer service (rule C7).
type ResolveInput struct {
	Actor   string `json:"actor"`
	Result  string `json:"result" bound:"text"`
	Handler string `json:"handler,omitempty"`
}

// ReturnVisitInput records a return visit (rules C8, C10).
type ReturnVisitInput struct {
	Actor     string `json:"actor"`
	Satisfied bool   `json:"satisfied"`
	Outcome   string `json:"outcome" bound:"text"`
	Method    string `json:"method"` // phone or onsite; e-mail is only an aid (C10)
}

// DeliverResultInput records the in-person delivery of the result (rule C10).
type DeliverResultInput struct {
	Actor string `json:"actor"`
	Note  string `json:"note,omitempty" bound:"text"`
}

// ExtendInput moves a pending deadline before it passes (rule C4).
type ExtendInput struct {
	Actor    string    `json:"actor"`
	Deadline string    `json:"deadline"`
	NewDue   time.Time `json:"new_due"`
	Reason   string    `json:"reason" bound:"text"`
}

// EscalateInput climbs the ladder by hand (rules C5, E3).
type EscalateInput struct {
	Actor        string `json:"actor"`
	Reason       string `json:"reason" bound:"text"`
	Proposal     string `json:"proposal" bound:"text"`
	RecordingRef string `json:"recording_ref,omitempty"` // defaults to the form's
}

// ContactOutletInput records that the named person contacted the outlet
// (rule E2).
type ContactOutletInput struct {
	Actor   string `json:"actor"`
	Outcome string `json:"outcome" bound:"text"`
}

// CallBackInput gives the caller the answer, which closes the
// consultation (Q1). InternalInfo says the answer contains internal
// information, allowed only for internal callers (Q5).
type CallBackInput struct {
	Actor        string `json:"actor"`
	Answer       string `json:"answer" bound:"text"`
	InternalInfo bool   `json:"internal_info,omitempty"`
}

// TransferInput passes an unsolvable question to a specialist department,
// which gets its own deadline (Q4).
type TransferInput struct {
	Actor      string `json:"actor"`
	Department string `json:"department"`
	Reason     string `json:"reason" bound:"text"`
}

// SignInput is the maintenance department signing for the order (R2).
type SignInput struct {
	Actor      string `json:"actor"`
	Technician string `json:"technician,omitempty"`
}

// ScheduleInput books the visit (R3).
type ScheduleInput struct {
	Actor   string    `json:"actor"`
	VisitAt time.Time `json:"visit_at"`
}

// ProgressInput is a progress report fed back to the customer (R3).
type ProgressInput struct {
	Actor string `json:"actor"`
	Note  string `json:"note" bound:"text"`
}

// CompleteInput returns the finished order to customer service (R4).
type CompleteInput struct {
	Actor  string `json:"actor"`
	Result string `json:"result" bound:"text"`
}

// RepairVisitInput records the return visit's four items (R5).
type RepairVisitInput struct {
	Actor        string `json:"actor"`
	AttitudeOK   bool   `json:"attitude_ok"`
	WorkOK       bool   `json:"work_ok"`
	ResultOK     bool   `json:"result_ok"`
	Satisfaction int    `json:"satisfaction"` // 1–5
	Comment      string `json:"comment,omitempty" bound:"text"`
}

// RequestCollaborationInput opens a cross-department request from a
// complaint or repair (X1, X2); the case's department is the requester.
type RequestCollaborationInput struct {
	Actor                     string        `json:"actor"`
	TargetDepartment          string        `json:"target_department"`
	Urgency                   forms.Urgency `json:"urgency,omitempty"`
	Need                      string        `json:"need" bound:"text"`
	TimeNode                  time.Time     `json:"time_node"`
	RequesterResponsibilities string        `json:"requester_responsibilities" bound:"text"`
	TargetResponsibilities    string        `json:"target_responsibilities" bound:"text"`
	BypassReason              string        `json:"bypass_reason,omitempty" bound:"text"`
}

// AcceptInput is the target department taking the request on and signing
// its responsibilities (X1).
type AcceptInput struct {
	Actor                string `json:"actor"`
	Handler              string `json:"handler,omitempty"`
	SignResponsibilities bool   `json:"sign_responsibilities"`
	Note                 string `json:"note,omitempty" bound:"text"`
}

// DeclineInput refuses the request with a reason.
type DeclineInput struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason" bound:"text"`
}

// DeliverInput reports the requested work done (X4).
type DeliverInput struct {
	Actor  string `json:"actor"`
	Result string `json:"result" bound:"text"`
}

// RateInput is the requester's rating of the service (X4).
type RateInput struct {
	Actor   string `json:"actor"`
	Score   int    `json:"score"` // 1–5
	Comment string `json:"comment,omitempty" bound:"text"`
}

// RevealInput records who was shown the customer's data, and why.
type RevealInput struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason,omitempty" bound:"text"`
}

// CustomerRatingInput is a rating from the satisfaction link: for the
// return-visit round it was sent for.
type CustomerRatingInput struct {
	Round   int    `json:"round"`
	Score   int    `json:"score"` // 1–5
	Comment string `json:"comment,omitempty" bound:"text"`
	Nonce   string `json:"nonce"` // the link's; one rating per round
}

// CustomerRating is a rating the customer gave online.
type CustomerRating struct {
	At      time.Time `json:"at"`
	Round   int       `json:"round"`
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
}

// CommentInput adds a note to the timeline.
type CommentInput struct {
	Actor string `json:"actor"`
	Text  string `json:"text" bound:"text"`
}

// ReplanInput asks the case to re-plan its running clocks on the
// calendar the worker has now.
type ReplanInput struct {
	Actor string `json:"actor"`
}

// --- Activities' contract.

// ReplanRequest gives the business calendar a case's clocks to re-plan.
type ReplanRequest struct {
	Deadlines []Deadline `json:"deadlines"`
}

// ReplanResult lists the clocks the calendar now puts on another instant.
type ReplanResult struct {
	Changes []DeadlineChange `json:"changes,omitempty"`
}

// DeadlineChange is one running clock moved by a calendar update, with the
// explanations of its new instant.
type DeadlineChange struct {
	Deadline    string                 `json:"deadline"`
	Round       int                    `json:"round,omitempty"`
	OldDue      time.Time              `json:"old_due"`
	NewDue      time.Time              `json:"new_due"`
	Explanation calendar.Explanation   `json:"explanation"`
	Also        []calendar.Explanation `json:"also,omitempty"`
}

// DueRequest asks the business calendar for a deadline; with several spans
// the earliest wins. A fixed clock gives its due instant as At instead.
type DueRequest struct {
	Start time.Time       `json:"start"`
	Spans []calendar.Span `json:"spans"`
	At    time.Time       `json:"at,omitzero"`
	// Within is the span a fixed At was computed from; the calendar's
	// explanation of it replaces the bare one when it lands on At.
	Within *calendar.Span `json:"within,omitempty"`
}

// SendAtRequest asks when a notice raised at At may go out (quiet hours).
type SendAtRequest struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Role   string    `json:"role"`
	Urgent bool      `json:"urgent,omitempty"`
}

// SendAtResult is when the notice goes out.
type SendAtResult struct {
	At time.Time `json:"at"`
}

// CarryRequest asks the business calendar how far a paused clock moves.
type CarryRequest struct {
	PausedAt  time.Time     `json:"paused_at"`
	ResumedAt time.Time     `json:"resumed_at"`
	Due       time.Time     `json:"due"`
	Unit      calendar.Unit `json:"unit"`
}

// ArchiveRequest writes a case to the archive (K1).
type ArchiveRequest struct {
	View CaseView `json:"view"`
}

// CarryResult is the paused clock's new due instant and the time it had
// left (business time when Business is set).
type CarryResult struct {
	At        time.Time     `json:"at"`
	Remaining time.Duration `json:"remaining"`
	Business  bool          `json:"business,omitempty"`
	// Provisional: the calendar carried a working-day or business-hour
	// clock into a year past its horizon.
	Provisional bool `json:"provisional,omitempty"`
}

// NumberRequest asks for a new case number for prefix on the day of At.
type NumberRequest struct {
	Prefix string    `json:"prefix"`
	At     time.Time `json:"at"`
}

// NumberResult is the case number handed out.
type NumberResult struct {
	No string `json:"no"`
}

// DueResult is the chosen deadline and the ones it beat.
type DueResult struct {
	At          time.Time              `json:"at"`
	Explanation calendar.Explanation   `json:"explanation"`
	Also        []calendar.Explanation `json:"also,omitempty"`
}

// Notice kinds.
const (
	NoticeReminder         = "staff_reminder"
	NoticeEscalation       = "escalation"
	NoticeAssignment       = "assignment"
	NoticeRework           = "rework_request"
	NoticeCustomerAck      = "customer_ack"
	NoticeCustomerDelay    = "customer_delay"
	NoticeCustomerReplan   = "customer_replanned" // a promised time moved later with the calendar (C4)
	NoticeCustomerResult   = "customer_result"
	NoticeSatisfactionReq  = "satisfaction_request"
	NoticeCustomerProgress = "customer_progress"
	NoticeQCReport         = "qc_report"            // to quality control or its leader (X3, X4)
	NoticeCollaboration    = "collaboration_update" // to the requester: accepted, declined, delivered
	NoticeCaseFailed       = "case_failed"          // to the heads: a case's workflow ended other than by its close
)

// Notice is one message to staff or to the customer. ID is stable for the
// same case, kind, deadline and round, so a retried send is recognisable.
type Notice struct {
	ID        string            `json:"id"`
	CaseNo    string            `json:"case_no"`
	CaseType  string            `json:"case_type"`
	Kind      string            `json:"kind"`
	To        Recipient         `json:"to"`
	Language  string            `json:"language"`
	Reason    string            `json:"reason,omitempty"`
	Deadline  string            `json:"deadline,omitempty"`
	Due       *time.Time        `json:"due,omitempty"`
	Urgent    bool              `json:"urgent,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	// Customer names the case's customer; staff mail shows it masked (P1).
	Customer string `json:"customer,omitempty"`
}

// Recipient is a role in a department, or the customer.
type Recipient struct {
	Role       string `json:"role"` // handler, dept_head, cs_head, management, customer, requester, qc, qc_leader
	Department string `json:"department,omitempty"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
}

// NoticeResult is what the notice channel did.
type NoticeResult struct {
	ID      string `json:"id"`
	Channel string `json:"channel"` // outbox, sendgrid
	Ref     string `json:"ref,omitempty"`
}

// SequenceInput starts (or continues) a number sequence for one key.
type SequenceInput struct {
	Key     string    `json:"key"`
	Last    int       `json:"last"`
	Expires time.Time `json:"expires"`
	// Keyed are the numbers given to Idempotency-Key updates, by UpdateID,
	// carried into the next run so a retry still gets its number.
	Keyed map[string]int `json:"keyed,omitempty"`
}

// ActivityReportOrphanNumbers reports a day's numbers that have no case.
const ActivityReportOrphanNumbers = "ReportOrphanNumbers"

// OrphanCheck asks which of the numbers 1..Last of a sequence key have no
// case.
type OrphanCheck struct {
	Key  string `json:"key"`
	Last int    `json:"last"`
}

// UpdateNextNumber asks a sequence for its next number.
const UpdateNextNumber = "next"

// NextNumber is the number handed out.
type NextNumber struct {
	N int `json:"n"`
	// Orphans, in a sequence's result, are its numbers that never became a
	// case.
	Orphans []string `json:"orphans,omitempty"`
}
