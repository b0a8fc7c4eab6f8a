package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

// Issue 17: a registration retried under its Idempotency-Key gets the
// number its first attempt took — in the same run and in a run the
// sequence continued as — and a day's numbers without a case are reported
// when the day is over.
func TestSequenceIdempotentNumbersAndOrphanReport(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var checked OrphanCheck
	env.RegisterActivityWithOptions(func(_ context.Context, c OrphanCheck) ([]string, error) {
		checked = c
		return []string{"TS-20261123-0003"}, nil
	}, activity.RegisterOptions{Name: ActivityReportOrphanNumbers})
	got := map[string]int{}
	next := func(id string) {
		env.UpdateWorkflow(UpdateNextNumber, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("%s rejected: %v", id, err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
				got[id] = v.(NextNumber).N
			},
		})
	}
	env.RegisterDelayedCallback(func() {
		next("plain-1")
		next(IdempotentUpdatePrefix + "agent01:k1")
		next(IdempotentUpdatePrefix + "agent01:k1") // the retry
		next("plain-2")
		next(IdempotentUpdatePrefix + "agent01:k0") // numbered by an earlier run
	}, time.Minute)
	start := env.Now()
	env.ExecuteWorkflow(SequenceWorkflow, SequenceInput{Key: "TS-20261123", Last: 5, Expires: start.Add(time.Hour),
		Keyed: map[string]int{IdempotentUpdatePrefix + "agent01:k0": 4}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"plain-1": 6, IdempotentUpdatePrefix + "agent01:k1": 7, "plain-2": 8, IdempotentUpdatePrefix + "agent01:k0": 4}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s got %d, want %d (all %v)", id, got[id], n, got)
		}
	}
	var res NextNumber
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.N != 8 || checked != (OrphanCheck{Key: "TS-20261123", Last: 8}) || len(res.Orphans) != 1 || res.Orphans[0] != "TS-20261123-0003" {
		t.Errorf("result %+v after checking %+v, want 8 numbers and the orphan reported", res, checked)
	}
}
