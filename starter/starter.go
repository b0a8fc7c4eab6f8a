// Package starter is the client side of the case workflows: it numbers and
// starts cases, sends staff actions as updates, queries state and lists
// cases. The HTTP API is built on it.
package starter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Service starts and drives cases.
type Service struct {
	Client client.Client
	SLA    sla.Settings
	// Calendar checks promised times against working-day limits at intake.
	Calendar *calendar.Calendar
	Location *time.Location // case numbers use the local day
	Now      func() time.Time
	// Archive answers for cases the engine no longer holds (K1).
	Archive *archive.Store
	// Lines reads archive rows for Locate; nil reads Archive.
	Lines LineReader
	// History bounds each run of a case's workflow (continue-as-new).
	History workflows.HistoryLimits
	// Converter is the client's data converter (the payload codec's), for
	// what is read from the engine raw: a run's input, a memo. Nil means
	// the SDK's default, for payloads in clear.
	Converter converter.DataConverter
}

func (s *Service) converter() converter.DataConverter {
	if s.Converter != nil {
		return s.Converter
	}
	return converter.GetDefaultDataConverter()
}

// Error is a failure the caller can act on, with the HTTP status that fits.
type Error struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  forms.Errors `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateComplaint validates the form, gives the case its number and starts
// its workflow. The returned view already carries the deadlines.
func (s *Service) CreateComplaint(ctx context.Context, f forms.Complaint) (workflows.CaseView, error) {
	now := s.now()
	// Registration time is the system's to record (rule C1 compares it with
	// intake); only the emergency backfill path may supply an original one.
	if !f.RegisteredAt.IsZero() {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the complaint form has errors",
			Fields: forms.Errors{{Field: "registered_at", Code: "invalid", Message: "registered_at is set by the system; give intake_at for when the customer raised the complaint"}}}
	}
	f.Normalize(now)
	if errs := f.Validate(now); len(errs) > 0 {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form",
			Message: "the complaint form has errors", Fields: errs}
	}
	in := workflows.ComplaintInput{Form: f, Policy: s.SLA.Complaint, CreatedBy: f.Recorder, CollaborationPolicy: &s.SLA.Collaboration, History: s.History}
	return s.start(ctx, workflows.PrefixComplaint, workflows.TypeComplaint, workflows.ComplaintWorkflowName, f.Department, now,
		func(no string) any { in.No = no; return in })
}

// ImportResult says what an emergency import did, row by row (E1).
type ImportResult struct {
	Created []ImportedRow `json:"created"`
	Skipped []ImportedRow `json:"skipped"` // entered before
	Errors  []RowErrors   `json:"errors"`
}

// ImportedRow is a row that is (or already was) a case.
type ImportedRow struct {
	Line int    `json:"line"`
	No   string `json:"no"`
}

// RowErrors is what is wrong with one row.
type RowErrors struct {
	Line   int          `json:"line"`
	Fields forms.Errors `json:"fields"`
}

// ImportEmergency enters the rows of an emergency form as complaints with
// their original times, so their deadlines run from then and one already
// past is escalated at once (E1). A row entered before is skipped; a bad
// row is reported and the good ones are entered all the same. The case
// numbers are of the day of entry.
func (s *Service) ImportEmergency(ctx context.Context, rows []forms.EmergencyRow) (ImportResult, error) {
	res := ImportResult{Created: []ImportedRow{}, Skipped: []ImportedRow{}, Errors: []RowErrors{}}
	if s.Archive == nil {
		return res, errors.New("emergency import needs the archive")
	}
	now := s.now()
	for _, row := range rows {
		if len(row.Errors) > 0 {
			res.Errors = append(res.Errors, RowErrors{Line: row.Line, Fields: row.Errors})
			continue
		}
		mine, err := s.Archive.ReserveImport(ctx, row.Key)
		if err != nil {
			return res, err
		}
		if !mine {
			no, _, err := s.Archive.Imported(ctx, row.Key)
			if err != nil {
				return res, err
			}
			res.Skipped = append(res.Skipped, ImportedRow{Line: row.Line, No: no}) // no is empty while another import enters it
			continue
		}
		f := row.Complaint
		in := workflows.ComplaintInput{Form: f, Policy: s.SLA.Complaint, CreatedBy: f.Recorder, CollaborationPolicy: &s.SLA.Collaboration, History: s.History}
		no, err := s.NextNumber(ctx, workflows.PrefixComplaint, now)
		if err == nil {
			in.No = no
			err = s.StartNumbered(ctx, no, workflows.TypeComplaint, workflows.ComplaintWorkflowName, f.Department, in)
		}
		if err != nil {
			_ = s.Archive.ReleaseImport(ctx, row.Key)
			return res, fmt.Errorf("line %d: %w", row.Line, err)
		}
		// The case runs: record it even if the caller has gone.
		if err := s.Archive.RecordImport(context.WithoutCancel(ctx), row.Key, no); err != nil {
			return res, err
		}
		res.Created = append(res.Created, ImportedRow{Line: row.Line, No: no})
	}
	return res, nil
}

// CreateMediaInquiry registers a journalist's inquiry (rule E2).
func (s *Service) CreateMediaInquiry(ctx context.Context, f forms.MediaInquiry) (workflows.CaseView, error) {
	now := s.now()
	if !f.RegisteredAt.IsZero() {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the media inquiry has errors",
			Fields: forms.Errors{{Field: "registered_at", Code: "invalid", Message: "registered_at is set by the system; give received_at for when the outlet got through"}}}
	}
	f.Normalize(now)
	if errs := f.Validate(now); len(errs) > 0 {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form",
			Message: "the media inquiry has errors", Fields: errs}
	}
	in := workflows.MediaInquiryInput{Form: f, Policy: s.SLA.MediaInquiry, CreatedBy: f.Recorder, History: s.History}
	return s.start(ctx, workflows.PrefixMediaInquiry, workflows.TypeMediaInquiry, workflows.MediaInquiryWorkflowName, "", now,
		func(no string) any { in.No = no; return in })
}

// CreateRepair records a repair order and dispatches it (rules R1, R2).
func (s *Service) CreateRepair(ctx context.Context, f forms.Repair) (workflows.CaseView, error) {
	now := s.now()
	if !f.RegisteredAt.IsZero() {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the repair order has errors",
			Fields: forms.Errors{{Field: "registered_at", Code: "invalid", Message: "registered_at is set by the system; give received_at for when the fault was reported"}}}
	}
	f.Normalize(now)
	if errs := f.Validate(now); len(errs) > 0 {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form",
			Message: "the repair order has errors", Fields: errs}
	}
	in := workflows.RepairInput{Form: f, Policy: s.SLA.Repair, CreatedBy: f.Recorder, CollaborationPolicy: &s.SLA.Collaboration, History: s.History}
	return s.start(ctx, workflows.PrefixRepair, workflows.TypeRepair, workflows.RepairWorkflowName, f.Department, now,
		func(no string) any { in.No = no; return in })
}

// CreateConsultation registers a question (rules Q1–Q5). A promised
// call-back time beyond the limit (2 working days) is refused here, while
// the caller is still on the line, not discovered later.
func (s *Service) CreateConsultation(ctx context.Context, f forms.Consultation) (workflows.CaseView, error) {
	now := s.now()
	if !f.RegisteredAt.IsZero() {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the consultation has errors",
			Fields: forms.Errors{{Field: "registered_at", Code: "invalid", Message: "registered_at is set by the system; give received_at for when the question came in"}}}
	}
	f.Normalize(now)
	errs := f.Validate(now)
	if !f.CallbackAt.IsZero() && !f.AnsweredAtOnce && s.Calendar != nil {
		if clock, ok := s.SLA.Consultation.Clock(sla.Callback); ok {
			limit, err := s.Calendar.Due(f.RegisteredAt, clock.Span)
			if err != nil {
				return workflows.CaseView{}, fmt.Errorf("call-back limit: %w", err)
			}
			if f.CallbackAt.After(limit.At) {
				errs = append(errs, forms.FieldError{Field: "callback_at", Code: "invalid", Message: fmt.Sprintf(
					"the promised call-back must be no later than %s (%s)", limit.At.In(s.Calendar.Location()).Format("2006-01-02 15:04"), clock.Span)})
			}
		}
	}
	if len(errs) > 0 {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form",
			Message: "the consultation has errors", Fields: errs}
	}
	in := workflows.ConsultationInput{Form: f, Policy: s.SLA.Consultation, CreatedBy: f.Recorder, History: s.History}
	return s.start(ctx, workflows.PrefixConsultation, workflows.TypeConsultation, workflows.ConsultationWorkflowName, "", now,
		func(no string) any { in.No = no; return in })
}

// CreateCollaboration books a cross-department request (rules X1, X2). A
// time node given as time_node_within ("3 working days") is resolved here
// through the business calendar; one less than 24 hours ahead is refused
// unless the request is urgent and says why.
func (s *Service) CreateCollaboration(ctx context.Context, f forms.Collaboration) (workflows.CaseView, error) {
	now := s.now()
	in, err := s.collaborationInput(f, now)
	if err != nil {
		return workflows.CaseView{}, err
	}
	return s.start(ctx, workflows.PrefixCollaboration, workflows.TypeCollaboration, workflows.CollaborationWorkflowName, in.Form.TargetDepartment, now,
		func(no string) any { in.No = no; return in }, workflows.SARequestingDepartment.ValueSet(in.Form.RequestingDepartment))
}

// collaborationInput checks a booking made at now and resolves its
// time_node_within, keeping the span for the workflow's explanation.
func (s *Service) collaborationInput(f forms.Collaboration, now time.Time) (workflows.CollaborationInput, error) {
	invalid := func(errs forms.Errors) error {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: "the collaboration request has errors", Fields: errs}
	}
	if !f.BookedAt.IsZero() || f.ParentCase != "" {
		return workflows.CollaborationInput{}, invalid(forms.Errors{{Field: "booked_at", Code: "invalid",
			Message: "booked_at and parent_case are set by the system; a complaint or repair opens its own requests with request-collaboration"}})
	}
	f.Normalize(now)
	var within *calendar.Span
	if f.TimeNodeWithin != "" {
		span, err := calendar.ParseSpan(f.TimeNodeWithin)
		switch {
		case err != nil:
			return workflows.CollaborationInput{}, invalid(forms.Errors{{Field: "time_node_within", Code: "invalid", Message: err.Error()}})
		case !f.TimeNode.IsZero():
			return workflows.CollaborationInput{}, invalid(forms.Errors{{Field: "time_node_within", Code: "invalid", Message: "give time_node or time_node_within, not both"}})
		case s.Calendar == nil:
			return workflows.CollaborationInput{}, fmt.Errorf("time_node_within needs the business calendar")
		}
		due, err := s.Calendar.Due(f.BookedAt, span)
		if err != nil {
			return workflows.CollaborationInput{}, invalid(forms.Errors{{Field: "time_node_within", Code: "invalid", Message: err.Error()}})
		}
		// The form keeps the instant; the workflow keeps the span, so the
		// time-node clock explains it in working days (and says when it is
		// provisional).
		f.TimeNode, f.TimeNodeWithin, within = due.At, "", &span
	}
	if errs := f.Validate(now.In(s.Zone()), s.SLA.Collaboration.MinBookingLead); len(errs) > 0 {
		return workflows.CollaborationInput{}, invalid(errs)
	}
	return workflows.CollaborationInput{Form: f, Policy: s.SLA.Collaboration, CreatedBy: f.Requester, TimeNodeWithin: within, History: s.History}, nil
}

// Zone is the business time zone (UTC when unset).
func (s *Service) Zone() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// start numbers a case and starts its workflow with the search attributes
// lists need from the first moment; input builds the workflow input for
// the number.
func (s *Service) start(ctx context.Context, prefix, caseType, workflowName, department string, now time.Time,
	input func(no string) any, extra ...temporal.SearchAttributeUpdate) (workflows.CaseView, error) {
	no, err := s.NextNumber(ctx, prefix, now)
	if err != nil {
		return workflows.CaseView{}, err
	}
	err = s.StartNumbered(ctx, no, caseType, workflowName, department, input(no), extra...)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if idem := idempotencyOf(ctx); idem != nil && errors.As(err, &started) {
		// A retry under the same key got the same number, and the case
		// began the first time: answer that case.
		idem.Replayed = true
		return s.Case(ctx, no)
	}
	if err != nil {
		return workflows.CaseView{}, err
	}
	return s.Case(ctx, no)
}

// Idempotency names a registration or action a client may send again (the
// Idempotency-Key header, scoped to the caller): every attempt with the same
// Key gets the same case number, and the same action outcome.
type Idempotency struct {
	Key string
	// Replayed is set when the case was registered by an earlier attempt.
	Replayed bool
}

type idempotencyKey struct{}

// WithIdempotency marks the registration or action made with ctx as
// retriable under idem.Key; nil or an empty key is a plain request.
func WithIdempotency(ctx context.Context, idem *Idempotency) context.Context {
	if idem == nil || idem.Key == "" {
		return ctx
	}
	return context.WithValue(ctx, idempotencyKey{}, idem)
}

func idempotencyOf(ctx context.Context) *Idempotency {
	idem, _ := ctx.Value(idempotencyKey{}).(*Idempotency)
	return idem
}

// updateID is the UpdateID of ctx's request: derived from its key, so the
// engine applies a retried Update once and answers it with the first
// outcome; "" lets the engine pick one.
func updateID(ctx context.Context) string {
	if idem := idempotencyOf(ctx); idem != nil {
		return workflows.IdempotentUpdatePrefix + idem.Key
	}
	return ""
}

// StartNumbered starts the workflow of case no, already numbered, with its
// search attributes and list marks.
func (s *Service) StartNumbered(ctx context.Context, no, caseType, workflowName, department string, input any,
	extra ...temporal.SearchAttributeUpdate) error {
	sa := []temporal.SearchAttributeUpdate{
		workflows.SACaseType.ValueSet(caseType),
		workflows.SACaseStatus.ValueSet(workflows.StatusRegistered),
		workflows.SAEscalationLevel.ValueSet(0),
		workflows.SAOverdue.ValueSet(false),
	}
	if department != "" {
		sa = append(sa, workflows.SADepartment.ValueSet(department))
	}
	sa = append(sa, extra...)
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.CaseWorkflowID(no),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// A retry under an Idempotency-Key must learn that its case began
		// the first time (start answers it as replayed).
		WorkflowExecutionErrorWhenAlreadyStarted: idempotencyOf(ctx) != nil,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(sa...),
		Memo:                                     map[string]any{marksMemo: marksOf(input)},
		StaticSummary:                            caseType + " " + no,
	}, workflowName, input)
	if err != nil {
		return fmt.Errorf("start %s %s: %w", caseType, no, err)
	}
	return nil
}

// NextNumber hands out the next case number for prefix and the day of now,
// e.g. TS-20261123-0001, from a sequence workflow per prefix and day.
func (s *Service) NextNumber(ctx context.Context, prefix string, now time.Time) (string, error) {
	loc := s.Zone()
	local := now.In(loc)
	key := prefix + "-" + local.Format("20060102")
	endOfDay := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "seq-" + key,
		TaskQueue: workflows.TaskQueue,
		// The sequence outlives its day by two days so that clock skew
		// between API servers can't restart a day at 1; after that a late
		// caller gets an error rather than a duplicate number.
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.SequenceWorkflowName, workflows.SequenceInput{Key: key, Expires: endOfDay.Add(48 * time.Hour)})
	if err != nil {
		return "", fmt.Errorf("case number sequence %s: %w", key, err)
	}
	h, err := s.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "seq-" + key,
		// Under an Idempotency-Key, a retry gets the number the first
		// attempt took (a kill between number and start leaves no gap
		// once the client retries).
		UpdateID:     updateID(ctx),
		UpdateName:   workflows.UpdateNextNumber,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return "", fmt.Errorf("case number %s: %w", key, err)
	}
	var n workflows.NextNumber
	if err := h.Get(ctx, &n); err != nil {
		return "", fmt.Errorf("case number %s: %w", key, err)
	}
	return fmt.Sprintf("%s-%04d", key, n.N), nil
}

// Case returns the current state of a case.
func (s *Service) Case(ctx context.Context, no string) (workflows.CaseView, error) {
	if !validNo(no) {
		return workflows.CaseView{}, notFound(no)
	}
	// A workflow that ended other than by its own close (terminated,
	// failed, timed out) is refused here, so it is never shown as open.
	resp, err := s.Client.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{
		WorkflowID: workflows.CaseWorkflowID(no), QueryType: workflows.QueryState,
		QueryRejectCondition: enumspb.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY,
	})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) && s.Archive != nil {
		// Past the engine's retention the archive has the record.
		view, aerr := s.Archive.Get(ctx, no)
		if errors.Is(aerr, archive.ErrNotFound) {
			return workflows.CaseView{}, notFound(no)
		}
		return view, aerr
	}
	if err != nil {
		return workflows.CaseView{}, translate(no, err)
	}
	if resp.QueryRejected != nil {
		return s.failedCase(ctx, no)
	}
	var view workflows.CaseView
	if err := resp.QueryResult.Get(&view); err != nil {
		return workflows.CaseView{}, fmt.Errorf("decode case %s: %w", no, err)
	}
	return view, nil
}

// Summary reads what access to a case is decided on — its type, status,
// department, escalation level — from the engine's record of its workflow
// (the search attributes the case keeps current). Unlike Case it needs no
// worker: a staff action decides access this way before its Update.
func (s *Service) Summary(ctx context.Context, no string) (Summary, error) {
	if !validNo(no) {
		return Summary{}, notFound(no)
	}
	d, err := s.Client.DescribeWorkflowExecution(ctx, workflows.CaseWorkflowID(no), "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) && s.Archive != nil {
		// Past the engine's retention the archive has the record.
		view, aerr := s.Archive.Get(ctx, no)
		if errors.Is(aerr, archive.ErrNotFound) {
			return Summary{}, notFound(no)
		}
		if aerr != nil {
			return Summary{}, aerr
		}
		return summaryOfView(view), nil
	}
	if err != nil {
		return Summary{}, translate(no, err)
	}
	sum := s.summaryOf(d.GetWorkflowExecutionInfo())
	if sum.Type == "" {
		// Not a case's workflow (a number sequence, say).
		return Summary{}, notFound(no)
	}
	return sum, nil
}

// summaryOfView is the part of a list line access is decided on, from a
// case's full view.
func summaryOfView(v workflows.CaseView) Summary {
	sum := Summary{No: v.No, Type: v.Type, Status: v.Status, Department: v.Department, Parent: v.Parent,
		EscalationLevel: int64(v.EscalationLevel), Overdue: v.Overdue}
	if v.Collaboration != nil {
		sum.RequestingDepartment = v.Collaboration.Form.RequestingDepartment
	}
	return sum
}

// inputs makes an empty input per staff action.
type inputs map[string]func() any

var (
	shared = inputs{
		workflows.ActionEscalate: func() any { return &workflows.EscalateInput{} },
		workflows.ActionComment:  func() any { return &workflows.CommentInput{} },
	}
	// actionsByPrefix is what each case type accepts, by number prefix; the
	// same action name may take a different input in another type.
	actionsByPrefix = map[string]inputs{
		workflows.PrefixComplaint: with(shared, inputs{
			workflows.ActionRoute:                func() any { return &workflows.RouteInput{} },
			workflows.ActionFirstFeedback:        func() any { return &workflows.FirstFeedbackInput{} },
			workflows.ActionTemporarySolution:    func() any { return &workflows.TemporarySolutionInput{} },
			workflows.ActionReassign:             func() any { return &workflows.ReassignInput{} },
			workflows.ActionAssign:               func() any { return &workflows.AssignInput{} },
			workflows.ActionResolve:              func() any { return &workflows.ResolveInput{} },
			workflows.ActionReturnVisit:          func() any { return &workflows.ReturnVisitInput{} },
			workflows.ActionDeliverResult:        func() any { return &workflows.DeliverResultInput{} },
			workflows.ActionExtend:               func() any { return &workflows.ExtendInput{} },
			workflows.ActionRequestCollaboration: func() any { return &workflows.RequestCollaborationInput{} },
		}),
		workflows.PrefixRepair: with(shared, inputs{
			workflows.ActionSign:                 func() any { return &workflows.SignInput{} },
			workflows.ActionAssign:               func() any { return &workflows.AssignInput{} },
			workflows.ActionSchedule:             func() any { return &workflows.ScheduleInput{} },
			workflows.ActionProgress:             func() any { return &workflows.ProgressInput{} },
			workflows.ActionComplete:             func() any { return &workflows.CompleteInput{} },
			workflows.ActionReturnVisit:          func() any { return &workflows.RepairVisitInput{} },
			workflows.ActionRequestCollaboration: func() any { return &workflows.RequestCollaborationInput{} },
		}),
		workflows.PrefixCollaboration: with(shared, inputs{
			workflows.ActionAccept:  func() any { return &workflows.AcceptInput{} },
			workflows.ActionAssign:  func() any { return &workflows.AssignInput{} },
			workflows.ActionDecline: func() any { return &workflows.DeclineInput{} },
			workflows.ActionDeliver: func() any { return &workflows.DeliverInput{} },
			workflows.ActionRate:    func() any { return &workflows.RateInput{} },
		}),
		workflows.PrefixConsultation: with(shared, inputs{
			workflows.ActionCallBack: func() any { return &workflows.CallBackInput{} },
			workflows.ActionTransfer: func() any { return &workflows.TransferInput{} },
		}),
		workflows.PrefixMediaInquiry: with(shared, inputs{
			workflows.ActionContactOutlet: func() any { return &workflows.ContactOutletInput{} },
		}),
	}
)

func with(a, b inputs) inputs {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

// ParseAction checks that the case number and action exist, decodes the
// action's JSON input and checks its texts' lengths (a 422 naming each
// field too long); nothing is asked of the engine.
func ParseAction(no, action string, body []byte) (any, error) {
	if !validNo(no) {
		return nil, notFound(no)
	}
	actions := actionsByPrefix[no[:2]]
	mk, ok := actions[action]
	if !ok {
		return nil, &Error{Status: http.StatusNotFound, Code: "unknown_action",
			Message: fmt.Sprintf("unknown action %q for case %s; its actions are %s", action, no, strings.Join(slices.Sorted(maps.Keys(actions)), ", "))}
	}
	in := mk()
	if err := DecodeStrict(body, in); err != nil {
		return nil, err
	}
	if err := CheckBounds(in); err != nil {
		return nil, err
	}
	return in, nil
}

// CheckBounds answers 422 for every text of in longer than its limit and
// every list too long (forms.CheckBounds), or nil.
func CheckBounds(in any) error {
	if errs := forms.CheckBounds(in); len(errs) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: errs.Error(), Fields: errs}
	}
	return nil
}

// SetActor makes the signed-in user the actor of an action input: who
// acted is the server's to say, whatever the body claimed.
func SetActor(in any, actor string) {
	if f := reflect.ValueOf(in).Elem().FieldByName("Actor"); f.IsValid() && f.Kind() == reflect.String {
		f.SetString(actor)
	}
}

// TargetDepartment is where an action input would move the case (route,
// reassign), or "".
func TargetDepartment(in any) string {
	switch in := in.(type) {
	case *workflows.RouteInput:
		return in.Department
	case *workflows.ReassignInput:
		return in.Department
	}
	return ""
}

// Act performs a staff action on a case; body is the action's JSON input.
// What the action changed is returned (read the case for the rest), or
// the workflow's reason for refusing it.
func (s *Service) Act(ctx context.Context, no, action string, body []byte) (workflows.ActionResult, error) {
	in, err := ParseAction(no, action, body)
	if err != nil {
		return workflows.ActionResult{}, err
	}
	return s.ActWith(ctx, no, action, in)
}

// ActWith performs a parsed action (see ParseAction).
func (s *Service) ActWith(ctx context.Context, no, action string, in any) (workflows.ActionResult, error) {
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   workflows.CaseWorkflowID(no),
		UpdateID:     updateID(ctx),
		UpdateName:   action,
		Args:         []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var err error
	for attempt := 1; ; attempt++ {
		var h client.WorkflowUpdateHandle
		if h, err = s.Client.UpdateWorkflow(ctx, opts); err == nil {
			var answer json.RawMessage
			if err = h.Get(ctx, &answer); err == nil {
				return DecodeAnswer(answer)
			}
		}
		// The engine refuses an Update delivered in the workflow task in
		// which the case continued as new; it was never accepted, so the
		// next run takes it.
		var notReady *serviceerror.WorkflowNotReady
		if !errors.As(err, &notReady) || attempt == 3 {
			break
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	// A finished case's workflow no longer takes updates; the engine says
	// "not found", but the case exists and is closed.
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		if d, derr := s.Client.DescribeWorkflowExecution(ctx, workflows.CaseWorkflowID(no), ""); derr == nil &&
			d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return workflows.ActionResult{}, &Error{Status: http.StatusConflict, Code: "invalid_state",
				Message: fmt.Sprintf("%s is not possible: case %s is closed", action, no)}
		}
	}
	return workflows.ActionResult{}, translate(no, err)
}

// DecodeAnswer reads an action's answer: an ActionResult, or the whole
// case that actions answered before small answers (cases started earlier
// still do), which always carries its timeline.
func DecodeAnswer(answer []byte) (workflows.ActionResult, error) {
	var probe struct {
		Timeline json.RawMessage `json:"timeline"`
	}
	if err := json.Unmarshal(answer, &probe); err != nil {
		return workflows.ActionResult{}, fmt.Errorf("decode action answer: %w", err)
	}
	if probe.Timeline != nil {
		var view workflows.CaseView
		if err := json.Unmarshal(answer, &view); err != nil {
			return workflows.ActionResult{}, fmt.Errorf("decode action answer: %w", err)
		}
		return workflows.ResultOf(view), nil
	}
	var r workflows.ActionResult
	if err := json.Unmarshal(answer, &r); err != nil {
		return workflows.ActionResult{}, fmt.Errorf("decode action answer: %w", err)
	}
	return r, nil
}

// Reveal records on the case's timeline that actor was shown the
// customer's data (P1).
// A closed case's record takes no more entries, so it is not revealed.
func (s *Service) Reveal(ctx context.Context, no, actor, reason string) (workflows.ActionResult, error) {
	return s.ActWith(ctx, no, workflows.ActionRevealPII, &workflows.RevealInput{Actor: actor, Reason: reason})
}

// Reopen starts a closed complaint or repair order again, in a new run of
// its workflow that carries the case as it was and sends it back to rework
// (P3: only the customer-service head may, which the API checks). The new
// run keeps the SLA settings the case started with.
func (s *Service) Reopen(ctx context.Context, no, by, reason string) (workflows.CaseView, error) {
	if strings.TrimSpace(reason) == "" {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: "reason is required",
			Fields: forms.Errors{{Field: "reason", Code: forms.CodeRequired, Message: "say why the case is reopened"}}}
	}
	view, err := s.Case(ctx, no)
	if err != nil {
		return workflows.CaseView{}, err
	}
	if view.Status != workflows.StatusClosed {
		return workflows.CaseView{}, &Error{Status: http.StatusConflict, Code: "invalid_state", Message: fmt.Sprintf("case %s is %s: only a closed case is reopened", no, view.Status)}
	}
	if view.Type != workflows.TypeComplaint && view.Type != workflows.TypeRepair {
		return workflows.CaseView{}, &Error{Status: http.StatusConflict, Code: "invalid_state",
			Message: fmt.Sprintf("a closed %s is not reopened; register a new case", view.Type)}
	}
	return s.restart(ctx, no, &workflows.Reopen{View: view, By: by, Reason: reason, At: s.now()}, workflows.StatusRework, false, " (reopened)")
}

// Restore starts a failed case again — one whose workflow ended other
// than by its own close — from its record, in a new run that continues
// it in the status it had, with its clocks at their recorded due instants
// (issue 17; P3: only the customer-service head may, which the API
// checks). Every case type can be restored.
func (s *Service) Restore(ctx context.Context, no, by, reason string) (workflows.CaseView, error) {
	if strings.TrimSpace(reason) == "" {
		return workflows.CaseView{}, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: "reason is required",
			Fields: forms.Errors{{Field: "reason", Code: forms.CodeRequired, Message: "say why the case is restored"}}}
	}
	view, err := s.Case(ctx, no)
	if err != nil {
		return workflows.CaseView{}, err
	}
	if view.Status != workflows.StatusFailed || view.Failure == nil {
		return workflows.CaseView{}, &Error{Status: http.StatusConflict, Code: "invalid_state",
			Message: fmt.Sprintf("case %s is %s: only a failed case is restored", no, view.Status)}
	}
	return s.restart(ctx, no, &workflows.Reopen{View: view, By: by, Reason: reason, At: s.now(), Restore: true},
		view.Failure.Status, view.Overdue, " (restored)")
}

// restart starts case no's new run from r with the input its latest run
// started with; status and overdue are the new run's first search
// attributes.
func (s *Service) restart(ctx context.Context, no string, r *workflows.Reopen, status string, overdue bool, note string) (workflows.CaseView, error) {
	view := r.View
	var name string
	var input any
	var extra []temporal.SearchAttributeUpdate
	switch view.Type {
	case workflows.TypeComplaint:
		var in workflows.ComplaintInput
		if err := s.startInput(ctx, no, &in); err != nil {
			return workflows.CaseView{}, err
		}
		in.Reopen, in.Continued = r, nil
		name, input = workflows.ComplaintWorkflowName, in
	case workflows.TypeRepair:
		var in workflows.RepairInput
		if err := s.startInput(ctx, no, &in); err != nil {
			return workflows.CaseView{}, err
		}
		in.Reopen, in.Continued = r, nil
		name, input = workflows.RepairWorkflowName, in
	case workflows.TypeConsultation:
		var in workflows.ConsultationInput
		if err := s.startInput(ctx, no, &in); err != nil {
			return workflows.CaseView{}, err
		}
		in.Reopen, in.Continued = r, nil
		name, input = workflows.ConsultationWorkflowName, in
	case workflows.TypeMediaInquiry:
		var in workflows.MediaInquiryInput
		if err := s.startInput(ctx, no, &in); err != nil {
			return workflows.CaseView{}, err
		}
		in.Reopen, in.Continued = r, nil
		name, input = workflows.MediaInquiryWorkflowName, in
	case workflows.TypeCollaboration:
		var in workflows.CollaborationInput
		if err := s.startInput(ctx, no, &in); err != nil {
			return workflows.CaseView{}, err
		}
		in.Reopen, in.Continued = r, nil
		name, input = workflows.CollaborationWorkflowName, in
		extra = append(extra, workflows.SARequestingDepartment.ValueSet(in.Form.RequestingDepartment))
		if view.Parent != "" {
			extra = append(extra, workflows.SAParentCase.ValueSet(view.Parent))
		}
	default:
		return workflows.CaseView{}, fmt.Errorf("case %s has unknown type %q", no, view.Type)
	}
	sa := []temporal.SearchAttributeUpdate{
		workflows.SACaseType.ValueSet(view.Type),
		workflows.SACaseStatus.ValueSet(status),
		workflows.SAEscalationLevel.ValueSet(int64(view.EscalationLevel)),
		workflows.SAOverdue.ValueSet(overdue),
	}
	sa = append(sa, extra...)
	if view.Department != "" {
		sa = append(sa, workflows.SADepartment.ValueSet(view.Department))
	}
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.CaseWorkflowID(no),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    temporal.NewSearchAttributes(sa...),
		Memo:                     map[string]any{marksMemo: marksOf(input)},
		StaticSummary:            view.Type + " " + no + note,
	}, name, input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return workflows.CaseView{}, &Error{Status: http.StatusConflict, Code: "invalid_state",
			Message: fmt.Sprintf("case %s is still running (a closed case may still be sending its last notices); try again once it has ended", no)}
	}
	if err != nil {
		return workflows.CaseView{}, fmt.Errorf("restart %s: %w", no, err)
	}
	return s.Case(ctx, no)
}

// startInput decodes the input the case's latest run started with.
func (s *Service) startInput(ctx context.Context, no string, v any) error {
	it := s.Client.GetWorkflowHistory(ctx, workflows.CaseWorkflowID(no), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var e *historypb.HistoryEvent
	var err error
	if it.HasNext() {
		e, err = it.Next()
	}
	var nf *serviceerror.NotFound
	if e == nil || errors.As(err, &nf) {
		return &Error{Status: http.StatusConflict, Code: "invalid_state",
			Message: fmt.Sprintf("case %s is only in the archive now and cannot be reopened; register a new case that refers to it", no)}
	}
	if err != nil {
		return fmt.Errorf("history of %s: %w", no, err)
	}
	attrs := e.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return fmt.Errorf("history of %s does not start with the case's input", no)
	}
	return s.converter().FromPayloads(attrs.GetInput(), v)
}

// DecodeStrict decodes JSON, rejecting unknown fields and trailing data, so
// a misspelt field is an error rather than silently ignored.
func DecodeStrict(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "bad_json", Message: "request body is not valid: " + err.Error()}
	}
	if dec.More() {
		return &Error{Status: http.StatusBadRequest, Code: "bad_json", Message: "request body has data after the JSON object"}
	}
	return nil
}

// translate maps workflow and service errors to caller-facing ones.
func translate(no string, err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return notFound(no)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch app.Type() {
		case workflows.ErrInvalidState:
			return &Error{Status: http.StatusConflict, Code: "invalid_state", Message: app.Message()}
		case workflows.ErrDeadlinePassed:
			return &Error{Status: http.StatusConflict, Code: "deadline_passed", Message: app.Message()}
		case workflows.ErrInvalidInput:
			var fields forms.Errors
			if app.HasDetails() {
				_ = app.Details(&fields)
			}
			return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: app.Message(), Fields: fields}
		}
	}
	return err
}

func notFound(no string) error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("case %s not found", no)}
}

// validNo accepts case numbers like TS-20261123-0001; anything else cannot
// name a case and never reaches the engine.
func validNo(no string) bool {
	parts := strings.Split(no, "-")
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 8 || len(parts[2]) < 4 || len(parts[2]) > 6 {
		return false
	}
	for _, r := range parts[0] {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	for _, r := range parts[1] + parts[2] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
