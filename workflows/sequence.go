package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// IdempotentUpdatePrefix starts the UpdateID of a number asked for under an
// Idempotency-Key: the sequence answers a repeated one with the number it
// gave the first time, in this run (the engine deduplicates Update IDs) and
// in the runs it continues as (Keyed).
const IdempotentUpdatePrefix = "idem-"

// SequenceWorkflow hands out consecutive numbers for one key (a case-number
// prefix and day). Updates run one at a time in the workflow, so numbers are
// unique however many API servers ask at once, and durable across restarts.
// When its day is over it reports the numbers that never became a case.
func SequenceWorkflow(ctx workflow.Context, in SequenceInput) (NextNumber, error) {
	last := in.Last
	keyed := in.Keyed
	if keyed == nil {
		keyed = map[string]int{}
	}
	err := workflow.SetUpdateHandler(ctx, UpdateNextNumber, func(ctx workflow.Context) (NextNumber, error) {
		id := ""
		if u := workflow.GetCurrentUpdateInfo(ctx); u != nil {
			id = u.ID
		}
		if n, ok := keyed[id]; ok {
			return NextNumber{N: n}, nil
		}
		last++
		if strings.HasPrefix(id, IdempotentUpdatePrefix) {
			keyed[id] = last
		}
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
		in.Last, in.Keyed = last, keyed
		return NextNumber{}, workflow.NewContinueAsNewError(ctx, SequenceWorkflow, in)
	}
	out := NextNumber{N: last}
	// Issue 17: a process killed between taking a number and starting its
	// case leaves the number without a case. Say which, once the day's
	// numbers can no longer be asked for.
	if workflow.GetVersion(ctx, "sequence-orphans", workflow.DefaultVersion, 1) == 1 && last > 0 {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 5 * time.Minute,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		})
		// A report that cannot be made does not hold the sequence open.
		_ = workflow.ExecuteActivity(actx, ActivityReportOrphanNumbers, OrphanCheck{Key: in.Key, Last: last}).Get(ctx, &out.Orphans)
	}
	return out, nil
}
