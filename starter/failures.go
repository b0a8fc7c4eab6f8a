package starter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/workflows"
)

// A case's workflow should end only by its own close. Any other end —
// terminated by an operator, failed by a bug, timed out — leaves a case
// that no clock or action can move: these show it as failed, tell the
// heads, and let the customer-service head restore it (issue 17).

// failedStatuses are the engine's ends that are not the case's own close.
// A run that continued as new is not among them: the case runs on.
var failedStatuses = map[enumspb.WorkflowExecutionStatus]string{
	enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED: "terminated",
	enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:     "failed",
	enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:  "timed_out",
	enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:   "cancelled",
}

// failedAs reports how a workflow ended when that end makes its case
// failed: status is the case's own, which a close sets before the end.
func failedAs(exec enumspb.WorkflowExecutionStatus, status string) (string, bool) {
	how, ok := failedStatuses[exec]
	if !ok || status == workflows.StatusClosed || status == workflows.StatusDeclined {
		return "", false
	}
	return how, true
}

// failedCase is case no whose latest run ended other than by its close:
// the archive's record when it has noted this end, otherwise the run's
// last state marked failed.
func (s *Service) failedCase(ctx context.Context, no string) (workflows.CaseView, error) {
	d, err := s.Client.DescribeWorkflowExecution(ctx, workflows.CaseWorkflowID(no), "")
	if err != nil {
		return workflows.CaseView{}, translate(no, err)
	}
	info := d.GetWorkflowExecutionInfo()
	view, _, err := s.failedView(ctx, info)
	if err != nil {
		return workflows.CaseView{}, err
	}
	return view, nil
}

// failedView is the failed run's case marked failed, and whether the
// archive already holds it so. The view comes from the archive when it
// has noted this run's end, else from the ended run (a query replays its
// history), else from the archive's last record of the case.
func (s *Service) failedView(ctx context.Context, info *workflowpb.WorkflowExecutionInfo) (workflows.CaseView, bool, error) {
	no, run := info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId()
	var archived *workflows.CaseView
	if s.Archive != nil {
		v, err := s.Archive.Get(ctx, no)
		switch {
		case err == nil && v.Failure != nil && v.Failure.Run == run:
			return v, true, nil
		case err == nil:
			archived = &v
		case !errors.Is(err, archive.ErrNotFound):
			return workflows.CaseView{}, false, err
		}
	}
	var view workflows.CaseView
	q, err := s.Client.QueryWorkflowWithOptions(ctx, &client.QueryWorkflowWithOptionsRequest{
		WorkflowID: no, RunID: run, QueryType: workflows.QueryState})
	if err == nil && q.QueryRejected == nil {
		err = q.QueryResult.Get(&view)
	}
	switch {
	case err == nil:
	case archived != nil:
		// The run cannot be replayed (the fault may be in its history):
		// its last record in the archive stands for it.
		view = *archived
	default:
		return workflows.CaseView{}, false, fmt.Errorf("case %s: read the ended run: %w", no, err)
	}
	f, by, err := s.failureOf(ctx, info, view.Status)
	if err != nil {
		return workflows.CaseView{}, false, err
	}
	view.Status, view.Failure = workflows.StatusFailed, &f
	// The timeline says it too, which also orders this record after the
	// run's own last write in the archive. Who terminated it (the engine
	// client's identity, such as 28183@vm@) is kept for the administrator,
	// out of the words people read.
	fields := map[string]string{"how": f.How, "run": f.Run}
	if by != "" {
		fields["by"] = by
	}
	view.Timeline = append(view.Timeline, workflows.Event{At: f.At, Actor: "system", Kind: "case_failed",
		Message: fmt.Sprintf("the case's workflow ended unexpectedly (%s): %s", f.How, f.Reason), Fields: fields})
	return view, false, nil
}

// failureOf reads how the run ended from its close event, and by whom
// when it was terminated.
func (s *Service) failureOf(ctx context.Context, info *workflowpb.WorkflowExecutionInfo, status string) (f workflows.Failure, by string, err error) {
	no, run := info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId()
	f = workflows.Failure{How: failedStatuses[info.GetStatus()], Status: status, Run: run, At: info.GetCloseTime().AsTime().UTC()}
	it := s.Client.GetWorkflowHistory(ctx, no, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return f, "", fmt.Errorf("case %s: close event: %w", no, err)
		}
		f.At = e.GetEventTime().AsTime().UTC()
		f.Reason, by = closeReason(e)
	}
	return f, by, nil
}

// closeReason is the engine's word on why a run ended, and the identity
// of the client that terminated it, if one did.
func closeReason(e *historypb.HistoryEvent) (reason, by string) {
	switch {
	case e.GetWorkflowExecutionTerminatedEventAttributes() != nil:
		a := e.GetWorkflowExecutionTerminatedEventAttributes()
		return a.GetReason(), a.GetIdentity()
	case e.GetWorkflowExecutionFailedEventAttributes() != nil:
		return e.GetWorkflowExecutionFailedEventAttributes().GetFailure().GetMessage(), ""
	case e.GetWorkflowExecutionTimedOutEventAttributes() != nil:
		return "the workflow's time limit passed", ""
	case e.GetWorkflowExecutionCanceledEventAttributes() != nil:
		return "the workflow was cancelled", ""
	}
	return "", ""
}

// Notifier sends a notice; a repeated notice ID is sent once.
type Notifier interface {
	Send(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error)
}

// failedClause matches the runs that ended other than by their close.
var failedClause = fmt.Sprintf("ExecutionStatus IN ('Terminated', 'Failed', 'TimedOut', 'Canceled') AND %s NOT IN ('%s', '%s')",
	workflows.SACaseStatus.GetName(), workflows.StatusClosed, workflows.StatusDeclined)

// failedQuery lists the runs of cases that ended other than by their
// close, since since when set.
func failedQuery(since time.Time) string {
	q := fmt.Sprintf("%s IN ('%s') AND %s", workflows.SACaseType.GetName(), strings.Join(caseTypes, "', '"), failedClause)
	if !since.IsZero() {
		q += fmt.Sprintf(" AND CloseTime >= '%s'", since.UTC().Format(time.RFC3339))
	}
	return q
}

// WatchFailures notices, every period until ctx ends, the cases whose
// workflow ended other than by their own close: each is recorded failed
// in the archive and the customer-service head and the administrator are
// told, once. The first pass looks at every such end, so ends while no
// worker ran are found too; later passes look at the ends since the last
// clean pass (with a margin for the visibility store's lag).
func (s *Service) WatchFailures(ctx context.Context, period time.Duration, notify Notifier, log *slog.Logger) {
	var since time.Time
	for {
		start := time.Now()
		if err := s.ScanFailures(ctx, since, notify); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("failed-case watch", "error", err)
		} else {
			since = start.Add(-time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(period):
		}
	}
}

// ScanFailures records and tells the failed cases whose runs ended since
// since (all, when zero); an error leaves the rest for the next pass.
func (s *Service) ScanFailures(ctx context.Context, since time.Time, notify Notifier) error {
	var token []byte
	var errs []error
	for {
		resp, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: failedQuery(since), PageSize: 200, NextPageToken: token})
		if err != nil {
			return fmt.Errorf("list failed cases: %w", err)
		}
		for _, e := range resp.Executions {
			if err := s.recordFailure(ctx, e, notify); err != nil {
				errs = append(errs, err)
			}
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return errors.Join(errs...)
		}
	}
}

// recordFailure tells the heads of one ended run and records it failed in
// the archive, unless a newer run (a restore, a reopen) has taken over.
func (s *Service) recordFailure(ctx context.Context, e *workflowpb.WorkflowExecutionInfo, notify Notifier) error {
	no := e.GetExecution().GetWorkflowId()
	d, err := s.Client.DescribeWorkflowExecution(ctx, no, "")
	if err != nil {
		return fmt.Errorf("case %s: %w", no, err)
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetExecution().GetRunId() != e.GetExecution().GetRunId() {
		return nil
	}
	view, recorded, err := s.failedView(ctx, info)
	if err != nil || recorded {
		return err
	}
	f := view.Failure
	// Told first, recorded after: a pass that fails in between tells
	// again, and the notice IDs make that one message.
	for _, role := range []string{"cs_head", "admin"} {
		n := workflows.Notice{ID: strings.Join([]string{no, workflows.NoticeCaseFailed, f.Run, role}, ":"), CaseNo: no, CaseType: view.Type,
			Kind: workflows.NoticeCaseFailed, To: workflows.Recipient{Role: role}, Reason: f.Reason, Urgent: true, CreatedAt: f.At,
			Fields: map[string]string{"how": f.How, "status": f.Status, "ended_at": f.At.Format(time.RFC3339)}}
		if view.Form != nil {
			n.Customer = view.Form.ComplainantName // shown masked (P1)
		}
		if notify != nil {
			if _, err := notify.Send(ctx, n); err != nil {
				return fmt.Errorf("case %s: tell the %s: %w", no, role, err)
			}
		}
	}
	if s.Archive == nil {
		return nil
	}
	return s.Archive.Put(ctx, view)
}
