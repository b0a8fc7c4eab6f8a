package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The daily digest: a Temporal Schedule starts DigestWorkflow every
// morning, which tells each department head how many of the department's
// cases are open, due today and overdue.
const (
	DigestWorkflowName = "DigestWorkflow"
	DigestScheduleID   = "closeloop-daily-digest"
	ActivityDigest     = "Digest"
	NoticeDigest       = "daily_digest"
)

// CaseLine is an open case as the digest counts it.
type CaseLine struct {
	No           string     `json:"no"`
	Department   string     `json:"department"`
	NextDeadline *time.Time `json:"next_deadline,omitempty"`
	Overdue      bool       `json:"overdue"`
}

// DigestInput starts a digest run (the schedule passes none).
type DigestInput struct{}

// DigestRequest asks for the open cases by department as of At.
type DigestRequest struct {
	At time.Time `json:"at"`
}

// DepartmentDigest is one department's morning figures.
type DepartmentDigest struct {
	Department string   `json:"department"`
	Open       int      `json:"open"`
	DueToday   int      `json:"due_today"`
	Overdue    int      `json:"overdue"`
	Cases      []string `json:"cases,omitempty"` // overdue first, then due today
}

// DigestResult is every department's digest, for Day (the business
// time zone's date).
type DigestResult struct {
	Day         string             `json:"day"`
	Departments []DepartmentDigest `json:"departments"`
}

// DigestWorkflow gathers the figures and sends each department head its
// digest; the notice ID names the department and day, so a rerun sends
// nothing twice.
func DigestWorkflow(ctx workflow.Context, _ DigestInput) (DigestResult, error) {
	now := workflow.Now(ctx)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10, MaximumInterval: 5 * time.Minute},
	})
	var res DigestResult
	if err := workflow.ExecuteActivity(actx, ActivityDigest, DigestRequest{At: now}).Get(ctx, &res); err != nil {
		return DigestResult{}, fmt.Errorf("gather digest: %w", err)
	}
	var sends []workflow.Future
	for _, d := range res.Departments {
		n := Notice{ID: fmt.Sprintf("digest:%s:%s", d.Department, res.Day), Kind: NoticeDigest,
			To: Recipient{Role: "dept_head", Department: d.Department}, Language: "zh-CN", CreatedAt: now,
			Fields: kv("open", fmt.Sprint(d.Open), "due_today", fmt.Sprint(d.DueToday), "overdue", fmt.Sprint(d.Overdue),
				"cases", strings.Join(d.Cases, " "))}
		sends = append(sends, workflow.ExecuteActivity(actx, ActivitySendNotice, n))
	}
	var failed []string
	for i, f := range sends {
		if err := f.Get(ctx, nil); err != nil {
			failed = append(failed, res.Departments[i].Department+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		workflow.GetLogger(ctx).Warn("digest not delivered", "departments", failed)
	}
	return res, nil
}
