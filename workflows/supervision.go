package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Daily quality supervision (K2): a Temporal Schedule starts
// SupervisionWorkflow every morning; it opens the day's task with a sample
// of yesterday's cases and tells quality control, who fill in the
// evaluation table (K3) through the API.
const (
	SupervisionWorkflowName = "SupervisionWorkflow"
	SupervisionScheduleID   = "closeloop-daily-supervision"
	ActivityOpenSupervision = "OpenSupervision"
	NoticeSupervision       = "supervision_task"
)

// SupervisionInput starts a run (the schedule passes none).
type SupervisionInput struct{}

// SupervisionRequest opens the task for the day before At.
type SupervisionRequest struct {
	At time.Time `json:"at"`
}

// SupervisionResult is the task opened.
type SupervisionResult struct {
	Day    string   `json:"day"`
	Sample []string `json:"sample"`
}

// SupervisionWorkflow opens the day's supervision and tells quality
// control; a rerun opens nothing twice and sends nothing twice.
func SupervisionWorkflow(ctx workflow.Context, _ SupervisionInput) (SupervisionResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10, MaximumInterval: 5 * time.Minute},
	})
	now := workflow.Now(ctx)
	var res SupervisionResult
	if err := workflow.ExecuteActivity(actx, ActivityOpenSupervision, SupervisionRequest{At: now}).Get(ctx, &res); err != nil {
		return SupervisionResult{}, fmt.Errorf("open supervision: %w", err)
	}
	n := Notice{ID: "supervision:" + res.Day, Kind: NoticeSupervision, To: Recipient{Role: "qc"}, Language: "zh-CN", CreatedAt: now,
		Fields: kv("day", res.Day, "sample", strings.Join(res.Sample, " "), "size", fmt.Sprint(len(res.Sample)))}
	if err := workflow.ExecuteActivity(actx, ActivitySendNotice, n).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("supervision notice", "day", res.Day, "error", err)
	}
	return res, nil
}
