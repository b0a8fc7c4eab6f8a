package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// Metrics the case workflows count, through workflow.GetMetricsHandler:
// nothing is counted while a history replays, and counting adds nothing
// to the history, so no GetVersion is needed. Prometheus shows each with
// _total; every one is tagged with case_type (and the SDK's namespace,
// task_queue and workflow_type).
const (
	MetricCasesOpened       = "closeloop_cases_opened"
	MetricCasesReopened     = "closeloop_cases_reopened"
	MetricCasesClosed       = "closeloop_cases_closed"
	MetricDeadlinesBreached = "closeloop_deadlines_breached" // tagged deadline
	MetricEscalations       = "closeloop_escalations"        // tagged level, the rung reached
)

// count adds one to a case metric; tags come in key, value pairs.
func (c *core) count(ctx workflow.Context, name string, tags ...string) {
	t := map[string]string{"case_type": c.view.Type}
	for i := 0; i+1 < len(tags); i += 2 {
		t[tags[i]] = tags[i+1]
	}
	workflow.GetMetricsHandler(ctx).WithTags(t).Counter(name).Inc(1)
}
