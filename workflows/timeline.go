package workflows

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/workflows/sla"
)

// ActivityArchiveEvents appends timeline entries to the archive's events.
const ActivityArchiveEvents = "ArchiveEvents"

// DefaultTimelineWindow is how many of its latest timeline entries a case
// keeps in its state when its policy names no window.
const DefaultTimelineWindow = 200

// MinTimelineWindow is the smallest window a policy may set: an action's
// answer and the case page must still show what just happened.
const MinTimelineWindow = 20

// TimelineSummary summarises the timeline entries a case keeps only in
// the archive.
type TimelineSummary struct {
	From  time.Time      `json:"from"`  // the first entry's time
	To    time.Time      `json:"to"`    // the last archived entry's time
	Kinds map[string]int `json:"kinds"` // entries per kind
}

// ArchiveEventsRequest appends Events to case No's timeline in the
// archive; the first is entry number From. A repeated request (a retried
// activity) adds nothing.
type ArchiveEventsRequest struct {
	No     string  `json:"no"`
	From   int     `json:"from"`
	Events []Event `json:"events"`
}

// ActionResult is what a staff action answers (version "small-answers"):
// the case's summary after it — all the API decides permissions on — the
// clocks it changed and the running ones, and the timeline entries it
// added. Unlike the whole case it stays small however long the case lives.
type ActionResult struct {
	No              string    `json:"no"`
	Type            string    `json:"type"`
	Status          string    `json:"status"`
	Department      string    `json:"department,omitempty"`
	Handler         string    `json:"handler,omitempty"`
	EscalationLevel sla.Level `json:"escalation_level"`
	Escalation      string    `json:"escalation"`
	Overdue         bool      `json:"overdue"`
	Rounds          int       `json:"rounds"`
	// RequestingDepartment is a collaboration's requester, which may see
	// and rate it.
	RequestingDepartment string `json:"requesting_department,omitempty"`
	// Deadlines are the clocks the action changed and those still running
	// (pending or paused).
	Deadlines []Deadline `json:"deadlines"`
	// Events are the timeline entries added since the action began, the
	// first being entry number EventsFrom; when they would make the answer
	// too large only the latest are given (page the timeline for the rest).
	Events     []Event `json:"events"`
	EventsFrom int     `json:"events_from"`
	// TimelineTotal is the length of the whole timeline after the action:
	// it grows with every change, so it orders the answers of one case.
	TimelineTotal int `json:"timeline_total"`
}

// ResultOf is a whole case as an action's answer: every clock and every
// timeline entry it holds. Cases started before small answers answer
// their whole view, which the starter turns into a result this way.
func ResultOf(v CaseView) ActionResult {
	r := summaryOf(v)
	r.Deadlines = slices.Clone(v.Deadlines)
	r.Events, r.EventsFrom = slices.Clone(v.Timeline), v.TimelineOffset
	return r
}

func summaryOf(v CaseView) ActionResult {
	r := ActionResult{No: v.No, Type: v.Type, Status: v.Status, Department: v.Department, Handler: v.Handler,
		EscalationLevel: v.EscalationLevel, Escalation: v.Escalation, Overdue: v.Overdue, Rounds: v.Rounds,
		TimelineTotal: v.TimelineTotal(), Deadlines: []Deadline{}, Events: []Event{}}
	if v.Collaboration != nil {
		r.RequestingDepartment = v.Collaboration.Form.RequestingDepartment
	}
	return r
}

// answerEventBudget bounds the bytes of timeline text one answer carries,
// so that with the running clocks it stays well under 64 KB.
const answerEventBudget = 24 << 10

// result is the answer to an action that began when the timeline held seq
// entries and the clocks printed as before.
func (c *core) result(seq int, before []uint64) ActionResult {
	v := c.view
	r := summaryOf(v)
	for i, d := range v.Deadlines {
		if d.State == DeadlinePending || d.State == DeadlinePaused || i >= len(before) || deadlinePrint(d) != before[i] {
			r.Deadlines = append(r.Deadlines, d)
		}
	}
	from := max(seq, v.TimelineOffset)
	added := v.Timeline[from-v.TimelineOffset:]
	size := 0
	for i := len(added) - 1; i >= 0; i-- {
		if size += eventSize(added[i]); size > answerEventBudget && i < len(added)-1 {
			from += i + 1
			added = added[i+1:]
			break
		}
	}
	r.Events, r.EventsFrom = append(r.Events, added...), from
	return r
}

// eventSize estimates an entry's bytes in an answer.
func eventSize(e Event) int {
	n := 96 + len(e.Actor) + len(e.Kind) + len(e.Message)
	// A sum does not depend on the order the map is walked in.
	//workflowcheck:ignore
	for k, v := range e.Fields {
		n += len(k) + len(v) + 8
	}
	return n
}

// deadlinePrints fingerprints each clock, to tell afterwards which ones an
// action changed.
func deadlinePrints(ds []Deadline) []uint64 {
	out := make([]uint64, len(ds))
	for i, d := range ds {
		out[i] = deadlinePrint(d)
	}
	return out
}

func deadlinePrint(d Deadline) uint64 {
	// Deterministic: struct order; what the checker flags are
	// encoding/json's type caches.
	b, _ := json.Marshal(d) //workflowcheck:ignore
	h := fnv.New64a()
	_, _ = h.Write(b)
	return h.Sum64()
}

// timelineBytes bounds the timeline text a case keeps in its state, however
// long its entries: the state travels whole into a continued run's input.
// Changing it changes running cases: it needs a new "timeline-window"
// version.
const timelineBytes = 256 << 10

// timelineWindow is how many entries the case keeps, and how many more it
// lets gather before it moves the oldest to the archive: one archive write
// per slack entries, not one per entry.
func (c *core) timelineWindow() (window, slack int) {
	window = c.policy.TimelineWindow
	if window <= 0 {
		window = DefaultTimelineWindow
	}
	window = max(window, MinTimelineWindow)
	return window, window / 4
}

// trimTimeline keeps the case's state within its budget: once the timeline
// holds more than window+slack entries (or a quarter more text than
// timelineBytes), the oldest beyond the budget are appended to the archive
// and, once the archive has them, dropped from the state and summarised in
// Earlier. The archive write runs beside the case (it retries for as long
// as it takes), so an archive that is down holds up no clock; the state
// merely stays longer meanwhile. Cases started before the window (version
// "timeline-window") keep their whole timeline.
func (c *core) trimTimeline(ctx workflow.Context) {
	window, slack := c.timelineWindow()
	tl := c.view.Timeline
	size := 0
	for _, e := range tl {
		size += eventSize(e)
	}
	if c.trimming || len(tl) <= window+slack && size <= timelineBytes+timelineBytes/4 {
		return
	}
	if workflow.GetVersion(ctx, "timeline-window", workflow.DefaultVersion, 1) < 1 {
		return
	}
	// Drop the oldest until both the count and the text fit.
	n := 0
	for ; n < len(tl) && (len(tl)-n > window || size > timelineBytes); n++ {
		size -= eventSize(tl[n])
	}
	if n == 0 {
		return
	}
	req := ArchiveEventsRequest{No: c.view.No, From: c.view.TimelineOffset, Events: slices.Clone(c.view.Timeline[:n])}
	f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, archiveOptions), ActivityArchiveEvents, req)
	c.trimming = true
	c.sending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { c.sending-- }()
		if err := f.Get(ctx, nil); err != nil {
			// The write retries for as long as it takes, so this is a
			// cancelled case or a worker without an archive: keep the
			// entries, and try no more in this run.
			workflow.GetLogger(ctx).Warn("archive timeline", "case", c.view.No, "error", err)
			return
		}
		c.dropArchived(req.Events)
		c.trimming = false
	})
}

// dropArchived drops the archived entries, the oldest of the timeline,
// from the state and counts them in the summary.
func (c *core) dropArchived(gone []Event) {
	v := &c.view
	if v.Earlier == nil {
		v.Earlier = &TimelineSummary{From: gone[0].At}
	}
	if v.Earlier.Kinds == nil {
		v.Earlier.Kinds = map[string]int{}
	}
	for _, e := range gone {
		v.Earlier.Kinds[e.Kind]++
	}
	v.Earlier.To = gone[len(gone)-1].At
	v.TimelineOffset += len(gone)
	// A fresh slice, so the dropped entries' memory goes with them.
	v.Timeline = slices.Clone(v.Timeline[len(gone):])
}
