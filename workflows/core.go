package workflows

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// core is the machinery every case workflow shares: the clocks with their
// reminders and breach escalation, the timeline, notices and search
// attributes, and the main loop that keeps one timer armed for the next
// alarm. A case type embeds it and adds its own states and actions.
type core struct {
	policy sla.Policy
	view   CaseView
	// Case facts the clocks and notices need.
	channel      string // intake channel: selects stricter channel spans (C11)
	lang         string // customer's language for notices (U1)
	recordingRef string // record reference every escalation carries (C5)
	// proposal is the written handling proposal an automatic escalation
	// carries for a breached clock (C5).
	proposal func(clock string) string
	// onBreach, when set, handles a breached clock the case type treats
	// its own way and reports true; otherwise the breach climbs the ladder.
	onBreach func(ctx workflow.Context, d Deadline) bool
	// reminderTo, when set, names who is reminded of a clock; otherwise the
	// case's handler and department are.
	reminderTo func(clock string) (Recipient, bool)
	// customer is who customer notices go to; nil for cases without one.
	customer func() Recipient
	// childPolicy is the policy of the cross-department requests the case
	// opens (nil: the default).
	childPolicy *sla.Policy
	// dirty wakes the main loop after a staff action changed the clocks.
	dirty bool
	// reopenedRun is set in the new run of a reopened case.
	reopenedRun bool
	// restoring is the restore a failed case's new run starts from; its
	// registration is then the restore's, not the type's own.
	restoring *Reopen
	// sending counts notices still on their way; the case finishes only
	// after the last one.
	sending int
	lastSA  searchState
	// busy is set while an action (or the registration) changes the case.
	// Actions run one at a time, so none sees another's half-done change,
	// such as a resolved case whose return-visit clock is still being
	// computed by the local activity.
	busy bool
	// registered is set once the registration is done; an action that
	// arrives with the start waits for it.
	registered bool
	// archived is how long the timeline was when last archived: every
	// change adds an event, so a longer timeline is a change to write.
	archived int
	// archivedPrint fingerprints the case as last archived, leaving out the
	// timeline (version "lean-loop": comments, reminders and sent notices
	// alone are not written until the next change or the close).
	archivedPrint uint64
	// alarm is the timer the main loop keeps armed (version "lean-loop").
	alarm alarm
	// history bounds this run's history; next builds the input of the run
	// that continues the case (continue.go).
	history HistoryLimits
	next    func(Carry) (string, any)
	// continued is what the previous run carried, in a continued run;
	// runs counts the runs before this one.
	continued *Carry
	runs      int
	// unsent are the notices raised and not yet sent, held or in flight.
	unsent []Notice
	// reporting counts child reports being applied.
	reporting int
	// trimming is set while the oldest timeline entries are on their way
	// to the archive (version "timeline-window"), and for the rest of the
	// run once the archive refused them.
	trimming bool
}

// searchState is what was last written to the search attributes.
type searchState struct {
	status, department string
	next               time.Time
	level              sla.Level
	overdue            bool
}

// onUpdate registers a staff action. The check runs as the validator (so a
// rejected action leaves no trace in history) and again when the handler
// starts, because another action may have changed the case in between.
// While the case is busy the validator lets the action through: its view
// of the case would be half-done, and the handler checks after waiting.
func onUpdate[T any](ctx workflow.Context, c *core, name string,
	check func(workflow.Context, T) error, apply func(workflow.Context, T) error) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in T) (any, error) {
			if err := workflow.Await(ctx, func() bool { return c.registered && !c.busy }); err != nil {
				return nil, err
			}
			c.busy = true
			defer func() { c.busy = false }()
			if err := check(ctx, in); err != nil {
				return nil, err
			}
			seq, before := c.view.TimelineTotal(), deadlinePrints(c.view.Deadlines)
			if err := apply(ctx, in); err != nil {
				return nil, err
			}
			c.dirty = true
			// Version 1 of "small-answers" answers what changed, not the
			// whole case, whose size grows with its life; cases whose
			// actions answered the whole case go on doing so on replay.
			if workflow.GetVersion(ctx, "small-answers", workflow.DefaultVersion, 1) < 1 {
				return c.view, nil
			}
			return c.result(seq, before), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in T) error {
			// Bounds first, whatever the case is doing: they depend on
			// the input alone, and an oversized text must never enter the
			// history (issue 17). Only here, never in the handler: the
			// limits are settings, and validators do not run on replay.
			if errs := forms.CheckBounds(in); len(errs) > 0 {
				return invalidInput(errs...)
			}
			// Mid-registration or mid-action the state is half-changed:
			// accept, and let the handler check once it has the case.
			if !c.registered || c.busy {
				return nil
			}
			return check(ctx, in)
		}})
}

// loop registers the case, then keeps the next alarm armed until closed
// reports true, and waits for in-flight actions and notices to finish.
func (c *core) loop(ctx workflow.Context, register func(workflow.Context) error, closed func() bool) error {
	if c.continued != nil {
		// The case was registered by its first run.
		register = func(workflow.Context) error { return nil }
	}
	c.busy = true
	var err error
	if c.restoring != nil {
		err = c.restored(ctx, *c.restoring)
	} else {
		err = register(ctx)
	}
	c.busy = false
	if err != nil {
		return err
	}
	c.registered = true
	switch {
	case c.continued != nil:
		c.resendCarried(ctx)
	case c.restoring != nil: // counted when it opened
	case c.reopenedRun:
		c.count(ctx, MetricCasesReopened)
	default:
		c.count(ctx, MetricCasesOpened)
	}
	workflow.GetLogger(ctx).Info("case registered", "case", c.view.No, "type", c.view.Type, "department", c.view.Department)
	// Version 1 of "lean-loop" makes an action that changes neither the
	// clocks nor the case's summary cost one workflow task, as a bare
	// Update does: the timer stays armed while the next alarm stays put,
	// and the archive is written (a local activity, in the same task) only
	// when more than the timeline changed.
	lean := workflow.GetVersion(ctx, "lean-loop", workflow.DefaultVersion, 1) >= 1
	// Version 1 of "continue-as-new" continues the case in a new run
	// before its history nears the engine's limits (continue.go).
	continues := c.next != nil && workflow.GetVersion(ctx, continueVersion, workflow.DefaultVersion, 1) >= 1
	for !closed() {
		c.trimTimeline(ctx)
		c.upsertSearch(ctx)
		c.keepArchive(ctx, lean)
		if continues && !c.busy && c.historyFull(ctx) {
			return c.continueAsNew(ctx)
		}
		c.dirty = false
		next, ok := c.nextAlarm()
		if !ok {
			c.alarm.stop()
			if err := workflow.Await(ctx, func() bool { return c.dirty }); err != nil {
				return err
			}
			continue
		}
		if wait := next.Sub(workflow.Now(ctx)); wait <= 0 {
			c.alarm.stop()
		} else if lean {
			fired, err := c.alarm.wait(ctx, next, func() bool { return c.dirty })
			if err != nil {
				return err
			}
			if !fired {
				continue
			}
		} else {
			woken, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return c.dirty })
			if err != nil {
				return err
			}
			if woken {
				continue
			}
		}
		// Alarms change the clocks too: never in the middle of an action,
		// and no action in the middle of an alarm that arms a clock.
		if err := workflow.Await(ctx, func() bool { return !c.busy }); err != nil {
			return err
		}
		c.busy = true
		c.fireAlarms(ctx)
		c.busy = false
	}
	c.alarm.stop()
	err = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && c.sending == 0 })
	if err != nil {
		return err
	}
	c.upsertSearch(ctx)
	// The closed record must reach the archive before the case ends (K1).
	if err := c.archive(ctx).Get(ctx, nil); err != nil {
		return err
	}
	c.count(ctx, MetricCasesClosed)
	workflow.GetLogger(ctx).Info("case closed", "case", c.view.No, "type", c.view.Type, "status", c.view.Status)
	return nil
}

// archiveOptions retry for as long as it takes: the archive outlives the
// engine's retention, so no closed case may miss it.
var archiveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
}

// archive writes the case as it stands; cases started before the archive
// existed run on without it.
func (c *core) archive(ctx workflow.Context) workflow.Future {
	c.archived = c.view.TimelineTotal()
	if workflow.GetVersion(ctx, "archive", workflow.DefaultVersion, 1) < 1 {
		f, set := workflow.NewFuture(ctx)
		set.Set(nil, nil)
		return f
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, archiveOptions), ActivityArchive, ArchiveRequest{View: c.view})
}

// archiveLocalOptions bound the open case's archive write, which runs in
// the workflow task: an archive that is down must not hold up the case. A
// write given up on is made good by the next change and, at the latest,
// by the close, which retries for as long as it takes.
var archiveLocalOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 5 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 3},
}

// keepArchive writes the open case's record when it changed: with lean,
// when anything but the timeline changed, as a local activity; before,
// on every new timeline entry, as an activity.
func (c *core) keepArchive(ctx workflow.Context, lean bool) {
	if !lean {
		if c.view.TimelineTotal() != c.archived {
			c.archiveAsync(ctx, c.archive(ctx))
		}
		return
	}
	p := c.print()
	if p == c.archivedPrint {
		return
	}
	c.archivedPrint = p
	lctx := workflow.WithLocalActivityOptions(ctx, archiveLocalOptions)
	c.archiveAsync(ctx, workflow.ExecuteLocalActivity(lctx, ActivityArchive, ArchiveRequest{View: c.view}))
}

// print fingerprints the case apart from its timeline: its status, clocks,
// handler, escalations, ratings and records — what lists, reports and
// the archive's columns are made of.
func (c *core) print() uint64 {
	v := c.view
	v.Timeline = nil
	// The encoding is deterministic (struct order, sorted map keys); what
	// the checker flags are encoding/json's type caches.
	b, err := json.Marshal(v) //workflowcheck:ignore
	if err != nil {
		// Cannot happen for a CaseView; archive rather than skip.
		return c.archivedPrint + 1
	}
	h := fnv.New64a()
	_, _ = h.Write(b)
	return h.Sum64()
}

// archiveAsync keeps the open case's record current without holding it up.
func (c *core) archiveAsync(ctx workflow.Context, f workflow.Future) {
	c.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.sending-- }()
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("archive", "case", c.view.No, "error", err)
		}
	})
}

// alarm is a timer kept across the main loop's wake-ups: it is replaced
// only when the instant it waits for moves.
type alarm struct {
	at     time.Time
	fired  workflow.Future
	cancel workflow.CancelFunc
}

// wait blocks until the alarm at at fires (true) or woken reports true
// (false), arming a new timer only when at differs from the armed one.
func (a *alarm) wait(ctx workflow.Context, at time.Time, woken func() bool) (bool, error) {
	if a.fired == nil || !a.at.Equal(at) {
		a.stop()
		tctx, cancel := workflow.WithCancel(ctx)
		a.at, a.fired, a.cancel = at, workflow.NewTimer(tctx, at.Sub(workflow.Now(ctx))), cancel
	}
	if err := workflow.Await(ctx, func() bool { return a.fired.IsReady() || woken() }); err != nil {
		return false, err
	}
	if !a.fired.IsReady() {
		return false, nil
	}
	err := a.fired.Get(ctx, nil)
	a.fired, a.cancel = nil, nil
	return err == nil, err
}

// stop cancels the armed timer, if any.
func (a *alarm) stop() {
	if a.cancel != nil {
		a.cancel()
	}
	a.fired, a.cancel = nil, nil
}

// --- Deadlines.

// arm computes a clock's due instant from start through the business
// calendar (an activity: the calendar file may change, history must not).
func (c *core) arm(ctx workflow.Context, name string, start time.Time, round int) error {
	return c.armBy(ctx, name, start, round, time.Time{})
}

// armBy arms a clock whose due instant is promised, when promised is set
// and earlier than the clock's limit; the limit stays in the explanation.
func (c *core) armBy(ctx workflow.Context, name string, start time.Time, round int, promised time.Time) error {
	return c.armWithin(ctx, name, start, round, promised, nil)
}

// armWithin is armBy for a fixed clock whose instant was computed from
// within (a collaboration's "time_node_within"): the deadline keeps the
// calendar's explanation of that span, provisional or not.
func (c *core) armWithin(ctx workflow.Context, name string, start time.Time, round int, promised time.Time, within *calendar.Span) error {
	clock, ok := c.policy.Clock(name)
	if !ok {
		return fmt.Errorf("sla policy has no clock %q", name)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var due DueResult
	req := DueRequest{Start: start, Spans: clock.Spans(c.channel)}
	if clock.Fixed {
		// The case names the instant (a time node); the calendar only
		// supplies the time zone it is shown in.
		if promised.IsZero() {
			return fmt.Errorf("fixed clock %s needs its due instant", name)
		}
		req = DueRequest{Start: start, At: promised, Within: within}
	}
	if err := workflow.ExecuteLocalActivity(lctx, ActivityComputeDue, req).Get(ctx, &due); err != nil {
		return fmt.Errorf("compute %s deadline: %w", name, err)
	}
	// A new round supersedes the clock of the previous one.
	if i := c.current(name); i >= 0 && c.view.Deadlines[i].State == DeadlinePending {
		c.view.Deadlines[i].State = DeadlineCancelled
	}
	d := Deadline{Name: name, Round: round, Start: start.UTC(), Due: due.At.UTC(), State: DeadlinePending,
		Explanation: due.Explanation, Also: due.Also, Provisional: due.Explanation.IsProvisional()}
	switch {
	case clock.Fixed:
		d.Agreed = true
	case !promised.IsZero() && promised.Before(d.Due):
		d.Due, d.Promised, d.Provisional = promised.UTC(), true, false
	}
	now := workflow.Now(ctx)
	d.Reminded = c.pastReminders(d, now)
	c.view.Deadlines = append(c.view.Deadlines, d)
	c.event(now, "system", "deadline_set", fmt.Sprintf("%s due %s", name, d.Due.Format(time.RFC3339)),
		kv("deadline", name, "due", d.Due.Format(time.RFC3339)))
	c.dirty = true
	return nil
}

// pastReminders marks reminder points already behind us (after an extension
// or for a backfilled case) as handled, so nobody gets a stale reminder.
func (c *core) pastReminders(d Deadline, now time.Time) []int {
	clock, _ := c.policy.Clock(d.Name)
	var past []int
	for _, p := range clock.Reminders {
		if !reminderAt(d, p).After(now) {
			past = append(past, p)
		}
	}
	return past
}

// reminderAt is the instant percent of the clock's running time has passed;
// time spent paused does not count as running.
func reminderAt(d Deadline, percent int) time.Time {
	start := d.Start.Add(d.paused())
	return start.Add(d.Due.Sub(start) * time.Duration(percent) / 100)
}

// current is the index of the latest deadline with this name, or -1.
func (c *core) current(name string) int {
	for i := len(c.view.Deadlines) - 1; i >= 0; i-- {
		if c.view.Deadlines[i].Name == name {
			return i
		}
	}
	return -1
}

// meet records that the work a clock measures is done.
func (c *core) meet(now time.Time, name string) {
	i := c.current(name)
	if i < 0 {
		return
	}
	d := &c.view.Deadlines[i]
	switch d.State {
	case DeadlinePaused:
		// Done while waiting for another department: within its time.
		d.State = DeadlineMet
		d.Pauses[len(d.Pauses)-1].To = &now
	case DeadlinePending:
		d.State = DeadlineMet
		if now.After(d.Due) {
			d.State = DeadlineMetLate
		}
	case DeadlineBreached:
		d.State = DeadlineMetLate
	default:
		return
	}
	d.MetAt = &now
	c.view.Overdue = c.anyBreached()
	c.event(now, "system", "deadline_"+d.State, fmt.Sprintf("%s %s", name, strings.ReplaceAll(d.State, "_", " ")),
		kv("deadline", name))
}

func (c *core) anyBreached() bool {
	return slices.ContainsFunc(c.view.Deadlines, func(d Deadline) bool { return d.State == DeadlineBreached })
}

// nextAlarm is the earliest pending reminder point or due instant.
func (c *core) nextAlarm() (time.Time, bool) {
	var next time.Time
	for _, d := range c.view.Deadlines {
		if d.State != DeadlinePending {
			continue
		}
		clock, _ := c.policy.Clock(d.Name)
		candidates := []time.Time{d.Due}
		for _, p := range clock.Reminders {
			if !slices.Contains(d.Reminded, p) {
				candidates = append(candidates, reminderAt(d, p))
			}
		}
		for _, t := range candidates {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// fireAlarms sends the reminders that are due and breaches the clocks that
// have passed; each breach climbs the escalation ladder (rule E3).
func (c *core) fireAlarms(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for i := range c.view.Deadlines {
		d := &c.view.Deadlines[i]
		if d.State != DeadlinePending {
			continue
		}
		clock, _ := c.policy.Clock(d.Name)
		if !now.Before(d.Due) {
			d.State = DeadlineBreached
			d.BreachedAt = &now
			d.Reminded = slices.Clone(clock.Reminders)
			c.view.Overdue = true
			c.event(now, "system", "deadline_breached", fmt.Sprintf("%s passed at %s", d.Name, d.Due.Format(time.RFC3339)),
				kv("deadline", d.Name))
			c.count(ctx, MetricDeadlinesBreached, "deadline", d.Name)
			workflow.GetLogger(ctx).Info("deadline breached", "case", c.view.No, "deadline", d.Name, "due", d.Due)
			// The hook may arm clocks, which moves the slice: d is not
			// used after it.
			if c.onBreach != nil && c.onBreach(ctx, *d) {
				continue
			}
			to := max(c.view.EscalationLevel.Next(), clock.EscalateTo)
			c.escalate(ctx, "system", to,
				fmt.Sprintf("deadline %s (due %s) passed without the work being done", d.Name, d.Due.Format(time.RFC3339)),
				c.proposal(d.Name))
			continue
		}
		for _, p := range clock.Reminders {
			if slices.Contains(d.Reminded, p) || reminderAt(*d, p).After(now) {
				continue
			}
			d.Reminded = append(d.Reminded, p)
			due := d.Due
			c.notify(ctx, Notice{Kind: NoticeReminder, Deadline: d.Name, Due: &due,
				To:     c.remindWho(d.Name),
				Fields: kv("point", fmt.Sprint(p), "round", fmt.Sprint(d.Round), "extensions", fmt.Sprint(len(d.Extensions)))})
			c.event(now, "system", "reminder", fmt.Sprintf("%s reminder at %d%%", d.Name, p), kv("deadline", d.Name))
		}
	}
}

func (c *core) remindWho(clock string) Recipient {
	if c.reminderTo != nil {
		if r, ok := c.reminderTo(clock); ok {
			return r
		}
	}
	return Recipient{Role: "handler", Department: c.view.Department, Name: c.view.Handler}
}

// escalate climbs to level and tells that level why (rules C5, C9, E3).
func (c *core) escalate(ctx workflow.Context, actor string, to sla.Level, reason, proposal string) {
	c.escalateTo(ctx, actor, to, reason, proposal, Recipient{Role: to.String(), Department: c.view.Department})
}

// escalateTo climbs to level and tells the recipient, who stands at that
// level for this case type (e.g. quality control's supervising leader, X3).
func (c *core) escalateTo(ctx workflow.Context, actor string, to sla.Level, reason, proposal string, r Recipient) {
	now := workflow.Now(ctx)
	from := c.view.EscalationLevel
	e := Escalation{At: now, By: actor, From: from, To: to, Reason: reason, Proposal: proposal, RecordingRef: c.recordingRef}
	c.view.Escalations = append(c.view.Escalations, e)
	c.view.EscalationLevel = to
	c.view.Escalation = to.String()
	c.count(ctx, MetricEscalations, "level", to.String())
	workflow.GetLogger(ctx).Info("case escalated", "case", c.view.No, "from", from.String(), "to", to.String(), "by", actor)
	c.event(now, actor, "escalated", fmt.Sprintf("escalated %s → %s: %s", from, to, reason),
		kv("from", from.String(), "to", to.String(), "proposal", proposal, "recording_ref", e.RecordingRef))
	c.notify(ctx, Notice{Kind: NoticeEscalation, Reason: reason, Urgent: to == sla.LevelManagement,
		To:     r,
		Fields: kv("proposal", proposal, "recording_ref", e.RecordingRef, "level", to.String(), "from", from.String())})
}

// takeOver starts a reopened case's new run from its record, back in
// rework: the customer came back unsatisfied (C8).
func (c *core) takeOver(r Reopen) {
	c.reopenedRun = true
	c.view = r.View
	c.view.Status = StatusRework
	c.view.ClosedAt = nil
	c.releaseChildren()
	c.lastSA = searchState{status: StatusRework, department: r.View.Department, level: r.View.EscalationLevel}
}

// takeOverFailed starts a failed case's new run from its record, where it
// stood: its recorded status, clocks, children and rounds (issue 17). It
// reports whether r is such a restore.
func (c *core) takeOverFailed(r *Reopen) bool {
	if r == nil || !r.Restore {
		return false
	}
	c.restoring = r
	c.view = r.View
	if f := r.View.Failure; f != nil {
		c.view.Status = f.Status
	}
	c.view.Failure = nil
	// Nothing written yet: the first turn of the loop writes every search
	// attribute and the archive.
	c.lastSA = searchState{}
	return true
}

// restored records the restore. The clocks need no arming: the main loop
// waits for their recorded due instants, and one already past fires as a
// breach at once.
func (c *core) restored(ctx workflow.Context, r Reopen) error {
	msg := "case restored after its workflow ended unexpectedly"
	fields := kv("reason", r.Reason)
	if f := r.View.Failure; f != nil {
		// The end's instant stays in the fields: people read the message,
		// and the timeline already shows when the case stopped.
		msg += " (" + f.How + ")"
		fields = kv("reason", r.Reason, "how", f.How, "ended_at", f.At.UTC().Format(time.RFC3339), "status", f.Status)
	}
	c.event(workflow.Now(ctx), r.By, "restored", msg+": "+r.Reason, fields)
	c.dirty = true
	return nil
}

// releaseChildren lets go of the requests a closing (or reopened) case was
// waiting for: its paused clocks are over, and a new run gets no word of
// requests opened by the old one.
func (c *core) releaseChildren() {
	for i := range c.view.Children {
		c.view.Children[i].Holds = false
	}
}

// reopened records the reopening, tells the heads, and runs the rework
// clock from now.
func (c *core) reopened(ctx workflow.Context, r Reopen) error {
	now := workflow.Now(ctx)
	c.event(now, r.By, "reopened", "case reopened: "+r.Reason, kv("reason", r.Reason))
	for _, role := range []string{"cs_head", "dept_head"} {
		c.notify(ctx, Notice{Kind: NoticeRework, Reason: "case reopened: " + r.Reason, To: Recipient{Role: role, Department: c.view.Department}})
	}
	return c.arm(ctx, sla.Rework, now, c.view.Rounds)
}

// askRating sends the customer the satisfaction request with its link for
// the coming return-visit round. Cases that started before the link
// existed run on without it.
func (c *core) askRating(ctx workflow.Context, round int) {
	if workflow.GetVersion(ctx, "satisfaction-link", workflow.DefaultVersion, 1) < 1 || c.customer == nil || c.customer().Email == "" {
		return
	}
	c.notify(ctx, Notice{Kind: NoticeSatisfactionReq, To: c.customer(), Fields: kv("round", fmt.Sprint(round))})
}

// checkRating accepts one rating per round, for the round awaiting its
// return visit.
func (c *core) checkRating(in CustomerRatingInput) error {
	if slices.ContainsFunc(c.view.Ratings, func(r CustomerRating) bool { return r.Round == in.Round }) {
		return invalidState("this rating link was already used")
	}
	if c.view.Status != StatusResolved || in.Round != c.view.Rounds+1 {
		return invalidState("this rating link is no longer open: the case has moved on")
	}
	var score *forms.FieldError
	if in.Score < 1 || in.Score > 5 {
		score = &forms.FieldError{Field: "score", Code: forms.CodeInvalid, Message: "choose a rating from 1 to 5"}
	}
	return fieldErrors(score, required("nonce", in.Nonce))
}

// rated records a rating and reports whether it is low enough to count as
// an unsatisfied return visit (C8, R5).
func (c *core) rated(ctx workflow.Context, in CustomerRatingInput) bool {
	now := workflow.Now(ctx)
	c.view.Ratings = append(c.view.Ratings, CustomerRating{At: now, Round: in.Round, Score: in.Score, Comment: in.Comment})
	c.event(now, "customer", "customer_rating", fmt.Sprintf("customer rated %d/5 online: %s", in.Score, in.Comment),
		kv("score", fmt.Sprint(in.Score), "round", fmt.Sprint(in.Round)))
	return in.Score < passingSatisfaction
}

// --- Actions every case type has.

func (c *core) checkComment(_ workflow.Context, in CommentInput) error {
	if err := c.open(ActionComment); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor), required("text", in.Text))
}

// checkReveal: a reveal is recorded on the open case's timeline.
func (c *core) checkReveal(_ workflow.Context, in RevealInput) error {
	if err := c.open(ActionRevealPII); err != nil {
		return err
	}
	return fieldErrors(actorError(in.Actor))
}

func (c *core) reveal(ctx workflow.Context, in RevealInput) error {
	c.event(workflow.Now(ctx), in.Actor, "pii_revealed", "customer name and contact details shown", kv("reason", in.Reason))
	return nil
}

func (c *core) comment(ctx workflow.Context, in CommentInput) error {
	c.event(workflow.Now(ctx), in.Actor, "comment", in.Text, nil)
	return nil
}

// checkEscalate and escalateByHand are the plain manual escalation; the
// complaint adds its recording rule (C5) on top.
func (c *core) checkEscalate(_ workflow.Context, in EscalateInput) error {
	if err := c.open(ActionEscalate); err != nil {
		return err
	}
	if c.view.EscalationLevel >= sla.LevelManagement {
		return invalidState("the case is already with management, the top of the escalation ladder")
	}
	return fieldErrors(actorError(in.Actor), required("reason", in.Reason), required("proposal", in.Proposal))
}

func (c *core) escalateByHand(ctx workflow.Context, in EscalateInput) error {
	if in.RecordingRef != "" {
		c.recordingRef = in.RecordingRef
	}
	c.escalate(ctx, in.Actor, c.view.EscalationLevel.Next(), in.Reason, in.Proposal)
	return nil
}

// --- Notices, timeline and search attributes.

// notify sends a notice without blocking the case: a slow or failing mail
// service must never hold up deadlines. The ID makes a resend recognisable.
func (c *core) notify(ctx workflow.Context, n Notice) {
	now := workflow.Now(ctx)
	n.CaseNo, n.CaseType, n.CreatedAt = c.view.No, c.view.Type, now
	n.Language = c.lang
	if c.customer != nil && n.Customer == "" {
		n.Customer = c.customer().Name
	}
	n.ID = noticeID(n, c.view.Rounds, c.view.TimelineTotal())
	c.deliver(ctx, n)
}

// deliver sends a numbered notice in the background, keeping it on the
// unsent list until it is sent, failed or dropped.
func (c *core) deliver(ctx workflow.Context, n Notice) {
	c.unsent = append(c.unsent, n)
	c.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.sending--; c.sent(n.ID) }()
		if !c.holdForQuietHours(ctx, n) {
			return
		}
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    time.Second,
				BackoffCoefficient: 2,
				MaximumInterval:    10 * time.Minute,
				MaximumAttempts:    20,
			},
		})
		var res NoticeResult
		err := workflow.ExecuteActivity(actx, ActivitySendNotice, n).Get(ctx, &res)
		at := workflow.Now(ctx)
		if err != nil {
			c.event(at, "system", "notice_failed", fmt.Sprintf("%s to %s failed: %v", n.Kind, n.To.Role, err),
				kv("notice", n.ID))
			return
		}
		c.event(at, "system", "notice_sent", fmt.Sprintf("%s to %s via %s", n.Kind, n.To.Role, res.Channel),
			kv("notice", n.ID, "ref", res.Ref))
	})
}

// holdForQuietHours waits until the notice may go out: staff reminders at
// the next business opening, customer notices after the night; urgent
// escalations at once. A held reminder whose clock was met, extended or
// breached meanwhile, or whose case closed, is dropped: it reports false.
// Cases that started before quiet hours send at once.
func (c *core) holdForQuietHours(ctx workflow.Context, n Notice) bool {
	if workflow.GetVersion(ctx, "quiet-hours", workflow.DefaultVersion, 1) < 1 || n.Urgent {
		return true
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var at SendAtResult
	req := SendAtRequest{At: n.CreatedAt, Kind: n.Kind, Role: n.To.Role, Urgent: n.Urgent}
	if err := workflow.ExecuteLocalActivity(lctx, ActivitySendAt, req).Get(ctx, &at); err != nil {
		workflow.GetLogger(ctx).Warn("quiet hours", "notice", n.ID, "error", err)
		return true
	}
	wait := at.At.Sub(workflow.Now(ctx))
	if wait <= 0 {
		return true
	}
	if n.Kind != NoticeReminder || n.Due == nil || at.At.Before(*n.Due) {
		c.event(workflow.Now(ctx), "system", "notice_held", fmt.Sprintf("%s to %s held until %s (quiet hours)", n.Kind, n.To.Role, at.At.Format(time.RFC3339)),
			kv("notice", n.ID))
	}
	if n.Kind != NoticeReminder {
		_ = workflow.Sleep(ctx, wait)
		return true
	}
	if n.Due != nil && !at.At.Before(*n.Due) {
		// It could only arrive with the deadline itself: the breach's
		// escalation says it better.
		c.event(workflow.Now(ctx), "system", "notice_dropped", fmt.Sprintf("%s for %s dropped: business opens only when it is due", n.Kind, n.Deadline),
			kv("notice", n.ID))
		return false
	}
	stale := func() bool {
		i := c.current(n.Deadline)
		return c.view.Status == StatusClosed || i < 0 || c.view.Deadlines[i].State != DeadlinePending ||
			n.Due == nil || !c.view.Deadlines[i].Due.Equal(*n.Due)
	}
	if _, err := workflow.AwaitWithTimeout(ctx, wait, stale); err != nil || stale() {
		c.event(workflow.Now(ctx), "system", "notice_dropped", fmt.Sprintf("%s for %s dropped: the clock moved on while it was held", n.Kind, n.Deadline),
			kv("notice", n.ID))
		return false
	}
	return true
}

// noticeID is stable for the same case, kind, recipient, deadline and round;
// the timeline position tells apart two notices that share all of those.
func noticeID(n Notice, round, seq int) string {
	parts := []string{n.CaseNo, n.Kind, n.To.Role}
	if n.Deadline != "" {
		parts = append(parts, n.Deadline)
	}
	if n.Due != nil {
		parts = append(parts, n.Due.UTC().Format("20060102T150405"))
	}
	if p := n.Fields["point"]; p != "" {
		parts = append(parts, p)
	}
	parts = append(parts, fmt.Sprintf("r%d", round), fmt.Sprintf("e%d", seq))
	return strings.Join(parts, ":")
}

func (c *core) event(at time.Time, actor, kind, msg string, fields map[string]string) {
	c.view.Timeline = append(c.view.Timeline, Event{At: at.UTC(), Actor: actor, Kind: kind, Message: msg, Fields: fields})
}

// upsertSearch writes the search attributes that changed since last time.
func (c *core) upsertSearch(ctx workflow.Context) {
	next, _ := c.nextDue()
	cur := searchState{status: c.view.Status, department: c.view.Department, next: next,
		level: c.view.EscalationLevel, overdue: c.view.Overdue}
	if cur == c.lastSA {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		SACaseStatus.ValueSet(cur.status),
		SAEscalationLevel.ValueSet(int64(cur.level)),
		SAOverdue.ValueSet(cur.overdue),
	}
	if cur.department != "" {
		updates = append(updates, SADepartment.ValueSet(cur.department))
	}
	if next.IsZero() {
		updates = append(updates, SANextDeadline.ValueUnset())
	} else {
		updates = append(updates, SANextDeadline.ValueSet(next))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
		return
	}
	c.lastSA = cur
}

// nextDue is the earliest pending due instant.
func (c *core) nextDue() (time.Time, bool) {
	var next time.Time
	for _, d := range c.view.Deadlines {
		if d.State == DeadlinePending && (next.IsZero() || d.Due.Before(next)) {
			next = d.Due
		}
	}
	return next, !next.IsZero()
}

// kv builds timeline or notice fields from key/value pairs, leaving out
// empty values.
func kv(pairs ...string) map[string]string {
	var m map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string, len(pairs)/2)
		}
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// --- Validation helpers shared by the checks.

func (c *core) open(action string) error {
	if c.view.Status == StatusClosed {
		return invalidState(fmt.Sprintf("%s is not possible: the case is closed", action))
	}
	return nil
}

// inStatus: action is possible only in the statuses actionStatuses names
// for the case's type.
func (c *core) inStatus(action string) error {
	allowed := statusesFor(c.view.Type, action)
	if slices.Contains(allowed, c.view.Status) {
		return nil
	}
	return invalidState(fmt.Sprintf("%s is not possible while the case is %s (allowed when %s)",
		action, c.view.Status, strings.Join(allowed, ", ")))
}

func invalidState(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrInvalidState, nil)
}

func invalidInput(errs ...forms.FieldError) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
	}
	return temporal.NewNonRetryableApplicationError(strings.Join(msgs, "; "), ErrInvalidInput, nil, forms.Errors(errs))
}

// fieldErrors turns the problems found into one rejection, or nil.
func fieldErrors(errs ...*forms.FieldError) error {
	var found []forms.FieldError
	for _, e := range errs {
		if e != nil {
			found = append(found, *e)
		}
	}
	if len(found) == 0 {
		return nil
	}
	return invalidInput(found...)
}

func required(field, value string) *forms.FieldError {
	if strings.TrimSpace(value) != "" {
		return nil
	}
	return &forms.FieldError{Field: field, Code: "required", Message: strings.ReplaceAll(field, "_", " ") + " is required"}
}

func actorError(actor string) *forms.FieldError { return required("actor", actor) }

func departmentError(field, dept string) *forms.FieldError {
	if e := required(field, dept); e != nil {
		return e
	}
	if !forms.ValidDepartment(dept) {
		return &forms.FieldError{Field: field, Code: "invalid", Message: "department must be a code like \"property\" (lower-case letters, digits, - and _)"}
	}
	return nil
}
