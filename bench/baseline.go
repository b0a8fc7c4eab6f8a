package bench

import (
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The bare workflows the product is measured against. They run on their
// own task queue, with their own worker, on the same engine as the
// product, and do nothing beyond what the engine needs to run them.
const (
	baselineQueue = "closeloop-bench"
	noopName      = "BenchNoop"
	updateName    = "BenchUpdate"
	timerName     = "BenchTimer"
	openName      = "BenchOpen"
	emptyUpdate   = "noop"
	readyQuery    = "ready"
)

// NoopWorkflow returns at once: the cheapest workflow there is.
func NoopWorkflow(workflow.Context) error { return nil }

// UpdateWorkflow takes empty updates until it is terminated.
func UpdateWorkflow(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, emptyUpdate, func(workflow.Context) error { return nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false })
}

// TimerWorkflow sleeps until at and returns how late its timer fired, as
// the workflow saw it: the same clock a case reads when its reminder fires.
func TimerWorkflow(ctx workflow.Context, at time.Time) (time.Duration, error) {
	if err := workflow.Sleep(ctx, at.Sub(workflow.Now(ctx))); err != nil {
		return 0, err
	}
	return workflow.Now(ctx).Sub(at), nil
}

// OpenWorkflow stays open and answers a query once it has started, like
// an open case waiting for its next action.
func OpenWorkflow(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, readyQuery, func() (bool, error) { return true, nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false })
}

// newBaselineWorker runs the bare workflows with the SDK's default options,
// as the product's worker does.
func newBaselineWorker(c client.Client) sdkworker.Worker {
	w := sdkworker.New(c, baselineQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(NoopWorkflow, workflow.RegisterOptions{Name: noopName})
	w.RegisterWorkflowWithOptions(UpdateWorkflow, workflow.RegisterOptions{Name: updateName})
	w.RegisterWorkflowWithOptions(TimerWorkflow, workflow.RegisterOptions{Name: timerName})
	w.RegisterWorkflowWithOptions(OpenWorkflow, workflow.RegisterOptions{Name: openName})
	return w
}
