// Package activities holds the side effects of the case workflows: the
// business calendar look-up and the notice channel. Activities are methods
// on one struct that carries their dependencies.
package activities

import (
	"context"
	"fmt"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
)

// Notifier delivers a notice. Implementations must treat a repeated notice
// ID as already sent: activities are retried.
type Notifier interface {
	Send(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error)
}

// Activities are registered with the worker under their method names.
type Activities struct {
	Calendar *calendar.Calendar
	Notifier Notifier
}

// ComputeDue returns the earliest deadline among the requested spans from
// the business calendar, with the explanation of each (rules T1, T2, C11).
func (a *Activities) ComputeDue(_ context.Context, req workflows.DueRequest) (workflows.DueResult, error) {
	if len(req.Spans) == 0 {
		return workflows.DueResult{}, fmt.Errorf("compute due: no span")
	}
	var res workflows.DueResult
	for i, s := range req.Spans {
		due, err := a.Calendar.Due(req.Start, s)
		if err != nil {
			return workflows.DueResult{}, fmt.Errorf("compute due %s: %w", s, err)
		}
		switch {
		case i == 0:
			res.At, res.Explanation = due.At, due.Explanation
		case due.At.Before(res.At):
			res.Also = append(res.Also, res.Explanation)
			res.At, res.Explanation = due.At, due.Explanation
		default:
			res.Also = append(res.Also, due.Explanation)
		}
	}
	return res, nil
}

// SendNotice hands a notice to the configured channel.
func (a *Activities) SendNotice(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	return a.Notifier.Send(ctx, n)
}
