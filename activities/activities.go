// Package activities holds the side effects of the case workflows: the
// business calendar look-up and the notice channel. Activities are methods
// on one struct that carries their dependencies.
package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/replan"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Notifier delivers a notice. Implementations must treat a repeated notice
// ID as already sent: activities are retried.
type Notifier interface {
	Send(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error)
}

// CaseLister lists the open cases (the starter's visibility queries).
type CaseLister interface {
	OpenCases(ctx context.Context) ([]workflows.CaseLine, error)
}

// Numberer hands out case numbers (the starter's number sequences).
type Numberer interface {
	NextNumber(ctx context.Context, prefix string, at time.Time) (string, error)
}

// OrphanFinder finds a sequence's numbers that never became a case (the
// starter's).
type OrphanFinder interface {
	Orphans(ctx context.Context, key string, last int) ([]string, error)
}

// CaseReader reads a case as it stands (the starter's query, the archive
// past the engine's retention).
type CaseReader interface {
	Case(ctx context.Context, no string) (workflows.CaseView, error)
}

// Activities are registered with the worker under their method names.
type Activities struct {
	Calendar *calendar.Calendar
	Notifier Notifier
	Numbers  Numberer
	Cases    CaseLister
	// Reader gives a notice's e-mail what the notice does not carry (the
	// case's subject, the customer's promised times); nil sends notices
	// as the workflow made them.
	Reader CaseReader
	// Orphans checks a finished day's case numbers; nil checks none.
	Orphans OrphanFinder
	// Archive keeps every case beyond the engine's retention (K1); nil
	// keeps nothing (tests).
	Archive *archive.Store
	// Quiet is the nightly window, in minutes after midnight, in which no
	// customer notice goes out (default 21:00–08:00).
	Quiet *QuietHours
}

// QuietHours is a nightly window [From, To) in minutes after midnight;
// Off sends every notice at once, staff reminders included.
type QuietHours struct {
	From, To int
	Off      bool
}

// DefaultQuiet is 21:00–08:00.
var DefaultQuiet = QuietHours{From: 21 * 60, To: 8 * 60}

// ComputeDue returns the earliest deadline among the requested spans from
// the business calendar, with the explanation of each (rules T1, T2, C11).
func (a *Activities) ComputeDue(_ context.Context, req workflows.DueRequest) (workflows.DueResult, error) {
	if !req.At.IsZero() {
		// A fixed clock: the instant is the case's; only the zone is ours.
		at := req.At.UTC()
		if req.Within != nil {
			// The instant was computed from a span at intake: explain it
			// through the calendar (holidays skipped, provisional past the
			// horizon) as long as the calendar still lands on it.
			if due, err := a.Calendar.Due(req.Start, *req.Within); err == nil && due.At.Equal(at) {
				return workflows.DueResult{At: at, Explanation: due.Explanation}, nil
			}
		}
		return workflows.DueResult{At: at, Explanation: calendar.Explanation{Start: req.Start.UTC(), Due: at,
			Location: a.Calendar.Location().String()}}, nil
	}
	due, also, err := a.Calendar.Earliest(req.Start, req.Spans)
	if err != nil {
		return workflows.DueResult{}, fmt.Errorf("compute due: %w", err)
	}
	return workflows.DueResult{At: due.At, Explanation: due.Explanation, Also: also}, nil
}

// ReplanDue lists the case's running clocks the business calendar now puts
// on another instant (after a new statutory year or override file).
func (a *Activities) ReplanDue(_ context.Context, req workflows.ReplanRequest) (workflows.ReplanResult, error) {
	changes, err := replan.Plan(a.Calendar, req.Deadlines)
	if err != nil {
		return workflows.ReplanResult{}, err
	}
	return workflows.ReplanResult{Changes: changes}, nil
}

// CarryDue moves a paused deadline forward by the time it had left
// (cross-department pauses).
func (a *Activities) CarryDue(_ context.Context, req workflows.CarryRequest) (workflows.CarryResult, error) {
	c, err := a.Calendar.Carry(req.PausedAt, req.ResumedAt, req.Due, req.Unit)
	if err != nil {
		return workflows.CarryResult{}, fmt.Errorf("carry deadline: %w", err)
	}
	return workflows.CarryResult{At: c.At, Remaining: c.Remaining, Business: c.Business, Provisional: c.Provisional}, nil
}

// NextCaseNumber numbers a case a workflow opens itself (a child request).
// A retry after a lost answer skips a number; it never repeats one.
func (a *Activities) NextCaseNumber(ctx context.Context, req workflows.NumberRequest) (workflows.NumberResult, error) {
	if a.Numbers == nil {
		return workflows.NumberResult{}, fmt.Errorf("next case number: no number source configured")
	}
	if activity.IsActivity(ctx) {
		// A retried attempt gets the number the first one took, not
		// another (which would be left without a case).
		info := activity.GetInfo(ctx)
		ctx = starter.WithIdempotency(ctx, &starter.Idempotency{
			Key: "activity/" + info.WorkflowExecution.RunID + "/" + info.ActivityID})
	}
	no, err := a.Numbers.NextNumber(ctx, req.Prefix, req.At)
	if err != nil {
		return workflows.NumberResult{}, err
	}
	return workflows.NumberResult{No: no}, nil
}

// ReportOrphanNumbers names the numbers of a finished day that never became
// a case (a process killed between numbering and starting one): a warning
// in the log and closeloop_case_numbers_orphaned_total for the
// administrator, and the list as the sequence workflow's result.
func (a *Activities) ReportOrphanNumbers(ctx context.Context, req workflows.OrphanCheck) ([]string, error) {
	if a.Orphans == nil {
		return nil, nil
	}
	orphans, err := a.Orphans.Orphans(ctx, req.Key, req.Last)
	if err != nil || len(orphans) == 0 || !activity.IsActivity(ctx) {
		return orphans, err
	}
	activity.GetLogger(ctx).Warn("case numbers taken without a case (a registration interrupted before its case started)",
		"sequence", req.Key, "numbers", orphans)
	activity.GetMetricsHandler(ctx).Counter("closeloop_case_numbers_orphaned").Inc(int64(len(orphans)))
	return orphans, nil
}

// SendAt says when a notice may go out: a staff reminder at the next
// business opening, a customer notice after the quiet night, anything else
// (and anything urgent) at once.
func (a *Activities) SendAt(_ context.Context, req workflows.SendAtRequest) (workflows.SendAtResult, error) {
	switch {
	case req.Urgent, a.Quiet != nil && a.Quiet.Off:
	case req.Role == "customer":
		q := DefaultQuiet
		if a.Quiet != nil {
			q = *a.Quiet
		}
		return workflows.SendAtResult{At: a.Calendar.Quiet(req.At, q.From, q.To)}, nil
	case req.Kind == workflows.NoticeReminder:
		at, err := a.Calendar.Open(req.At)
		if err != nil {
			return workflows.SendAtResult{}, err
		}
		return workflows.SendAtResult{At: at}, nil
	}
	return workflows.SendAtResult{At: req.At.UTC()}, nil
}

// maxDigestCases bounds the case numbers listed in one digest.
const maxDigestCases = 20

// Digest counts each department's open, due-today and overdue cases as of
// req.At, in the calendar's time zone.
func (a *Activities) Digest(ctx context.Context, req workflows.DigestRequest) (workflows.DigestResult, error) {
	if a.Cases == nil {
		return workflows.DigestResult{}, fmt.Errorf("digest: no case list configured")
	}
	lines, err := a.Cases.OpenCases(ctx)
	if err != nil {
		return workflows.DigestResult{}, fmt.Errorf("digest: %w", err)
	}
	loc := a.Calendar.Location()
	day := req.At.In(loc)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	byDept := map[string]*workflows.DepartmentDigest{}
	var order []string
	var dueToday = map[string][]string{}
	for _, l := range lines {
		if l.Department == "" {
			continue
		}
		d := byDept[l.Department]
		if d == nil {
			d = &workflows.DepartmentDigest{Department: l.Department}
			byDept[l.Department] = d
			order = append(order, l.Department)
		}
		d.Open++
		switch {
		case l.Overdue:
			d.Overdue++
			if len(d.Cases) < maxDigestCases {
				d.Cases = append(d.Cases, l.No)
			}
		case l.NextDeadline != nil && !l.NextDeadline.Before(start) && l.NextDeadline.Before(end):
			d.DueToday++
			dueToday[l.Department] = append(dueToday[l.Department], l.No)
		}
	}
	slices.Sort(order)
	res := workflows.DigestResult{Day: day.Format("20060102")}
	for _, dept := range order {
		d := byDept[dept]
		for _, no := range dueToday[dept] {
			if len(d.Cases) < maxDigestCases {
				d.Cases = append(d.Cases, no)
			}
		}
		res.Departments = append(res.Departments, *d)
	}
	return res, nil
}

// ArchiveCase writes the case to the archive; a repeated or older write
// changes nothing.
func (a *Activities) ArchiveCase(ctx context.Context, req workflows.ArchiveRequest) error {
	if a.Archive == nil {
		return nil
	}
	return a.Archive.Put(ctx, req.View)
}

// supervisionSample is how many of the day's cases quality control looks at.
const supervisionSample = 10

// OpenSupervision opens the supervision task for the day before req.At
// (business time zone) with a sample of that day's cases (K2).
func (a *Activities) OpenSupervision(ctx context.Context, req workflows.SupervisionRequest) (workflows.SupervisionResult, error) {
	if a.Archive == nil {
		return workflows.SupervisionResult{}, fmt.Errorf("supervision needs the archive")
	}
	loc := a.Calendar.Location()
	t := req.At.In(loc)
	to := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	from := to.AddDate(0, 0, -1)
	day := from.Format(time.DateOnly)
	sv, err := a.Archive.OpenSupervision(ctx, day, from, to, supervisionSample)
	if err != nil {
		return workflows.SupervisionResult{}, err
	}
	return workflows.SupervisionResult{Day: day, Sample: sv.Sample}, nil
}

// SendNotice hands a notice to the configured channel, with what the
// e-mail needs from the case read here rather than in the workflow.
func (a *Activities) SendNotice(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	return a.Notifier.Send(ctx, a.withCase(ctx, n))
}

// caseReadTimeout bounds the look-up; the notice goes out without the
// case's facts rather than wait on a busy engine.
const caseReadTimeout = 5 * time.Second

func (a *Activities) withCase(ctx context.Context, n workflows.Notice) workflows.Notice {
	if a.Reader == nil || n.CaseNo == "" {
		return n
	}
	rctx, cancel := context.WithTimeout(ctx, caseReadTimeout)
	defer cancel()
	v, err := a.Reader.Case(rctx, n.CaseNo)
	if err != nil {
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn("notice sent without the case's subject: the case could not be read",
				"case", n.CaseNo, "notice", n.ID, "error", err)
		}
		return n
	}
	return mail.WithCase(n, v)
}

// ArchiveEvents appends the timeline entries a case is about to drop from
// its state; the case drops them only once this succeeded. Without an
// archive it fails for good, and the case keeps its whole timeline.
func (a *Activities) ArchiveEvents(ctx context.Context, req workflows.ArchiveEventsRequest) error {
	if a.Archive == nil {
		return temporal.NewNonRetryableApplicationError("no archive to keep the timeline in", "NoArchive", nil)
	}
	return a.Archive.AppendEvents(ctx, req.No, req.From, req.Events)
}
