package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// timers measures figure 5: Timers bare workflow timers and Timers case
// reminders, falling due in pairs at the same evenly spaced instants
// within one TimerWindow, and how late each fired. Both fire into the
// same engine load, and the run waits for one window, not two.
//
// The reminders are those of media inquiries: their 2-hour clock runs
// from when the outlet got through, in natural hours (no business hours
// to shift it), and reminds at 50 %. Each inquiry is started (as the
// starter would) as received an hour before the instant its reminder is
// to fall due.
func (b *bench) timers(ctx context.Context) error {
	n, window := b.cfg.Timers, b.cfg.TimerWindow
	dueAt := func(t0 time.Time, i int) time.Time { return t0.Add(window * time.Duration(i) / time.Duration(n)) }
	if err := b.settle(ctx); err != nil {
		return err
	}
	// The window opens once every timer is set, with room to spare.
	setup := float64(n)/max(b.startRate, 1) + float64(n)/max(b.seedRate, 1)
	t0 := time.Now().Add(time.Duration(setup*1.5*float64(time.Second)) + 3*time.Second)
	b.progress("figure 5: %d media inquiries and %d bare timers, due in pairs from %s within %s", n, n, t0.Format("15:04:05"), window)
	nos := make([]string, n)
	registered := load(ctx, b.seeders(), 0, n, func(ctx context.Context, _, i int) error {
		nos[i] = seedNo(workflows.PrefixMediaInquiry, i)
		return b.seedMediaInquiry(ctx, nos[i], dueAt(t0, i).Add(-time.Hour))
	})
	if err := registered.ok("media inquiries"); err != nil {
		return err
	}
	started := load(ctx, b.cfg.Clients, 0, n, func(ctx context.Context, _, i int) error {
		_, err := b.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-timer-%d", i), TaskQueue: baselineQueue},
			timerName, dueAt(t0, i))
		return err
	})
	if err := started.ok("bare timers"); err != nil {
		return err
	}
	if late := time.Since(t0); late > 0 {
		b.table.note("figure 5: setting the timers ran %s into the window", late.Round(time.Millisecond))
	}
	bare := make([]time.Duration, n)
	fetched := load(ctx, b.cfg.Clients, 0, n, func(ctx context.Context, _, i int) error {
		return b.c.GetWorkflow(ctx, fmt.Sprintf("bench-timer-%d", i), "").Get(ctx, &bare[i])
	})
	if err := fetched.ok("bare timer results"); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t0.Add(window + time.Second))):
	}
	lags, fired, err := b.reminderLags(ctx, nos, t0.Add(window+time.Minute))
	if err != nil {
		return err
	}
	b.lagRow(bare, lags, fired)
	return nil
}

// reminderLags reads each inquiry's first reminder from its timeline, and
// how long after its instant it fired, waiting until deadline for those
// still to come.
func (b *bench) reminderLags(ctx context.Context, nos []string, deadline time.Time) ([]time.Duration, int, error) {
	lags := make([]time.Duration, len(nos))
	done := make([]bool, len(nos))
	fired := 0
	for {
		res := load(ctx, b.cfg.Clients, 0, len(nos), func(ctx context.Context, _, i int) error {
			if done[i] {
				return nil
			}
			v, err := b.c.QueryWorkflow(ctx, workflows.CaseWorkflowID(nos[i]), "", workflows.QueryState)
			if err != nil {
				return err
			}
			var view workflows.CaseView
			if err := v.Get(&view); err != nil {
				return err
			}
			if lag, ok := reminderLag(view); ok {
				lags[i], done[i] = lag, true
			}
			return nil
		})
		if err := res.ok("reading the reminders"); err != nil {
			return nil, 0, err
		}
		fired = 0
		for _, d := range done {
			if d {
				fired++
			}
		}
		if fired == len(nos) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	out := make([]time.Duration, 0, fired)
	for i, d := range done {
		if d {
			out = append(out, lags[i])
		}
	}
	return out, fired, nil
}

// reminderLag is how late the media-contact clock's 50 % reminder fired.
func reminderLag(v workflows.CaseView) (time.Duration, bool) {
	var d *workflows.Deadline
	for i := range v.Deadlines {
		if v.Deadlines[i].Name == sla.MediaContact {
			d = &v.Deadlines[i]
		}
	}
	if d == nil {
		return 0, false
	}
	at := d.Start.Add(d.Due.Sub(d.Start) / 2)
	for _, e := range v.Timeline {
		if e.Kind == "reminder" && e.Fields["deadline"] == sla.MediaContact {
			return e.At.Sub(at), true
		}
	}
	return 0, false
}
