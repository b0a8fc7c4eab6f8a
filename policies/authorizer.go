package policies

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ory/ladon"
)

// Actions on cases, as policies name them.
const (
	ActionCreate    = "case:create"     // resource cases:<type>
	ActionRead      = "case:read"       // resource case:<type>:<no>
	ActionRevealPII = "case:reveal-pii" // the view-pii right, used by the reveal action (P1)
	ActionReopen    = "case:reopen"     // closed cases change only by a reopen (P3)
	ActionRestore   = "case:restore"    // a failed case is restored from its record (issue 17)
	ActionImport    = "case:import"     // resource cases:<type>: enter the emergency form with original times (E1)
	actPrefix       = "case:act:"       // + the staff action, e.g. case:act:route
	subjectPrefix   = "role:"           // + the user's role
	casePrefix      = "case:"           // + type:no
	newCasePrefix   = "cases:"          // + type
)

// ActAction is the policy action for a staff action.
func ActAction(action string) string { return actPrefix + action }

// Subject is the signed-in user as the policies see them.
type Subject struct {
	Username   string
	Role       string
	Department string
}

// Case is what the policies may look at of a case, read from the stored
// case, never from the request.
type Case struct {
	Type                 string
	No                   string // empty when creating
	Department           string
	RequestingDepartment string // collaboration requests
	Status               string
	EscalationLevel      int
	// TargetDepartment is where the action would move the case (reassign,
	// route), from the validated action input.
	TargetDepartment string
}

// Authorizer answers whether a subject may do an action on a case.
type Authorizer struct {
	warden *ladon.Ladon
	log    *slog.Logger
	// OnDeny, when set, is told the action of every refusal (metrics).
	OnDeny func(action string)
}

// NewAuthorizer applies the policies of idx; denials are logged to log.
func NewAuthorizer(idx *Index, log *slog.Logger) *Authorizer {
	return &Authorizer{warden: &ladon.Ladon{Manager: idx, Matcher: idx, AuditLogger: quietAudit{}, Metric: quietMetric{}}, log: log}
}

// ErrDenied is returned for every refused decision.
var ErrDenied = errors.New("not allowed by the access policies")

// Allowed reports whether s may do action on c; a refusal is logged with
// subject, action and resource.
func (a *Authorizer) Allowed(ctx context.Context, s Subject, action string, c Case) error {
	return a.decide(ctx, s, request(s, action, c))
}

// Can reports whether s may do action on c without logging or counting a
// refusal: for showing what a user may do, which is no attempt to do it.
func (a *Authorizer) Can(ctx context.Context, s Subject, action string, c Case) bool {
	return a.warden.IsAllowed(ctx, request(s, action, c)) == nil
}

// CanOn is AllowedOn without logging or counting a refusal: for showing
// which areas a user may open.
func (a *Authorizer) CanOn(ctx context.Context, s Subject, action, resource string) bool {
	return a.warden.IsAllowed(ctx, onRequest(s, action, resource)) == nil
}

// CanReport is AllowedReport without logging or counting a refusal.
func (a *Authorizer) CanReport(ctx context.Context, s Subject, department string) bool {
	return a.warden.IsAllowed(ctx, reportRequest(s, department)) == nil
}

// decide asks ladon and logs a refusal with subject, action and resource.
func (a *Authorizer) decide(ctx context.Context, s Subject, r *ladon.Request) error {
	if err := a.warden.IsAllowed(ctx, r); err != nil {
		a.log.Warn("access denied", "subject", s.Username, "role", s.Role, "department", s.Department,
			"action", r.Action, "resource", r.Resource, "reason", err.Error())
		if a.OnDeny != nil {
			a.OnDeny(r.Action)
		}
		return ErrDenied
	}
	return nil
}

// ActionReport reads the KPI report (resource reports:kpi).
const ActionReport = "report:read"

// CtxReportDepartment is the department a report is limited to.
const CtxReportDepartment = "report_department"

// AllowedReport reports whether s may read the KPI report limited to
// department ("" for every department).
func (a *Authorizer) AllowedReport(ctx context.Context, s Subject, department string) error {
	return a.decide(ctx, s, reportRequest(s, department))
}

func reportRequest(s Subject, department string) *ladon.Request {
	return &ladon.Request{Subject: subjectPrefix + s.Role, Action: ActionReport, Resource: "reports:kpi",
		Context: ladon.Context{CtxUserDepartment: s.Department, CtxReportDepartment: department}}
}

// Actions on what is not a case.
const (
	ActionSupervisionRead     = "supervision:read"     // resource supervision:<day>
	ActionSupervisionEvaluate = "supervision:evaluate" // resource supervision:<day>
	ActionMarkTypical         = "case:mark-typical"    // on a case
	ActionKnowledgeRead       = "knowledge:read"       // resource knowledge
	// ActionOutboxRead is reading the local outbox (resource outbox): every
	// message to every customer, names and addresses included.
	ActionOutboxRead = "outbox:read"
	// ActionOutboxFollowLinks is seeing the customers' satisfaction and
	// status links in full in the outbox (resource outbox); the API grants
	// it only where the outbox is the mail channel of a test installation.
	ActionOutboxFollowLinks = "outbox:follow-links"
	// ActionCalendarReplan moves the running clocks of every open case to
	// the calendar as it is now (resource calendar).
	ActionCalendarReplan = "calendar:replan"
	// ActionPayloadDecode decrypts the engine's payloads for the Temporal
	// web UI (resource PayloadsResource): every case's data in clear,
	// outside any case's reveal.
	ActionPayloadDecode = "temporal:decode"
)

// PayloadsResource is what ActionPayloadDecode acts on.
const PayloadsResource = "temporal:payloads"

// AllowedOn reports whether s may do action on a resource that is not a
// case, such as a day's supervision.
func (a *Authorizer) AllowedOn(ctx context.Context, s Subject, action, resource string) error {
	return a.decide(ctx, s, onRequest(s, action, resource))
}

func onRequest(s Subject, action, resource string) *ladon.Request {
	return &ladon.Request{Subject: subjectPrefix + s.Role, Action: action, Resource: resource,
		Context: ladon.Context{CtxUserDepartment: s.Department}}
}

// request builds the ladon request; the context holds only server-side
// facts about the user and the case.
func request(s Subject, action string, c Case) *ladon.Request {
	resource := newCasePrefix + c.Type
	if c.No != "" {
		resource = casePrefix + c.Type + ":" + c.No
	}
	ctx := ladon.Context{
		CtxUserDepartment:  s.Department,
		CtxCaseDepartment:  c.Department,
		CtxCaseStatus:      c.Status,
		CtxEscalationLevel: c.EscalationLevel,
	}
	if c.RequestingDepartment != "" {
		ctx[CtxRequestingDepartment] = c.RequestingDepartment
	}
	if c.TargetDepartment != "" {
		ctx[CtxTargetDepartment] = c.TargetDepartment
	}
	return &ladon.Request{Subject: subjectPrefix + s.Role, Action: action, Resource: resource, Context: ctx}
}

// ladon's default audit logger and metric write or spawn a goroutine on
// every decision; denials are logged by Allowed instead.
type quietAudit struct{}

func (quietAudit) LogRejectedAccessRequest(context.Context, *ladon.Request, ladon.Policies, ladon.Policies) {
}
func (quietAudit) LogGrantedAccessRequest(context.Context, *ladon.Request, ladon.Policies, ladon.Policies) {
}

type quietMetric struct{}

func (quietMetric) RequestDeniedBy(ladon.Request, ladon.Policy)               {}
func (quietMetric) RequestAllowedBy(ladon.Request, ladon.Policies)            {}
func (quietMetric) RequestNoMatch(ladon.Request)                              {}
func (quietMetric) RequestProcessingError(ladon.Request, ladon.Policy, error) {}
