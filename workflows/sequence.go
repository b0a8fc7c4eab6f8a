package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// SequenceWorkflow hands out consecutive numbers for one key (a case-number
// prefix and day). Updates run one at a time in the workflow, so numbers are
// unique however many API servers ask at once, and durable across restarts.
func SequenceWorkflow(ctx workflow.Context, in SequenceInput) (NextNumber, error) {
	last := in.Last
	err := workflow.SetUpdateHandler(ctx, UpdateNextNumber, func(ctx workflow.Context) (NextNumber, error) {
		last++
		return NextNumber{N: last}, nil
	})
	if err != nil {
		return NextNumber{}, err
	}
	// Stay until the key can no longer be asked for, or until the history is
	// long enough that a fresh run is cheaper.
	wait := in.Expires.Sub(workflow.Now(ctx))
	_, err = workflow.AwaitWithTimeout(ctx, max(wait, time.Second), func() bool {
		return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	})
	if err != nil {
		return NextNumber{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return NextNumber{}, err
	}
	if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		in.Last = last
		return NextNumber{}, workflow.NewContinueAsNewError(ctx, SequenceWorkflow, in)
	}
	return NextNumber{N: last}, nil
}
