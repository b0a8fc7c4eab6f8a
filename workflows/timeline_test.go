package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/closeloop/closeloop/workflows"
)

// archivedEvents is a fake archive for the timeline entries a case moves
// out of its state; it records each request as it came.
type archivedEvents struct {
	mu       sync.Mutex
	requests []workflows.ArchiveEventsRequest
}

func (a *archivedEvents) append(_ context.Context, req workflows.ArchiveEventsRequest) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests = append(a.requests, req)
	return nil
}

// every sends n comments, one each interval from the start; input makes
// the i-th. The test environment takes only so many delayed callbacks
// ahead, so each comment schedules the next.
func (h *harness) every(interval time.Duration, n int, input func(i int) any) []*outcome {
	out := make([]*outcome, n)
	var next func(i int)
	next = func(i int) {
		out[i] = &outcome{action: workflows.ActionComment, at: time.Duration(i+1) * interval}
		h.send(out[i], input(i))
		if i+1 < n {
			h.env.RegisterDelayedCallback(func() { next(i + 1) }, interval)
		}
	}
	h.env.RegisterDelayedCallback(func() { next(0) }, interval)
	return out
}

// maxAnswer is the largest an action's answer may be (issue 17).
const maxAnswer = 64 << 10

// Issue 17, small answers and the state budget: a complaint that takes
// 1,000 comments keeps at most window+slack timeline entries (and at most
// about 320 KB of them) in its state,
// hands every older entry to the archive exactly once and in order before
// dropping it, and answers each comment with a few kilobytes, not with the
// whole case.
func TestTimeline_ThousandCommentsStayWithinBudget(t *testing.T) {
	// Short comments meet the entry window first, long ones the text budget.
	t.Run("short comments", func(t *testing.T) { thousandComments(t, strings.Repeat("水管又漏了，", 50)) })
	t.Run("long comments", func(t *testing.T) { thousandComments(t, strings.Repeat("水管又漏了，", 100)) })
}

func thousandComments(t *testing.T, text string) {
	const comments = 1000
	const window, slack = workflows.DefaultTimelineWindow, workflows.DefaultTimelineWindow / 4
	registered := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, registered)
	archive := &archivedEvents{}
	h.env.OnActivity(workflows.ActivityArchiveEvents, mock.Anything, mock.Anything).Return(archive.append)

	// The state as it stood before each comment, every 50.
	var states []workflows.CaseView
	outcomes := h.every(30*time.Second, comments, func(i int) any {
		if i%50 == 0 {
			states = append(states, h.query())
		}
		return workflows.CommentInput{Actor: "prop.li", Text: fmt.Sprintf("%d %s", i, text)}
	})
	h.cancelAt(time.Duration(comments+10) * 30 * time.Second)
	h.runUntilCancelled(input(form(t, registered)))

	largest := 0
	for i, o := range outcomes {
		o.ok(t)
		if len(o.answer) > largest {
			largest = len(o.answer)
		}
		if len(o.answer) >= maxAnswer {
			t.Fatalf("comment %d answered %d bytes, want < %d", i, len(o.answer), maxAnswer)
		}
		r := o.result(t)
		if r.Status != workflows.StatusRouted || r.Department != "property" || r.Type != workflows.TypeComplaint {
			t.Fatalf("comment %d answered %+v, want the routed complaint's summary", i, r)
		}
		last := r.Events[len(r.Events)-1]
		if last.Kind != "comment" || !strings.HasPrefix(last.Message, fmt.Sprintf("%d ", i)) || r.TimelineTotal != r.EventsFrom+len(r.Events) {
			t.Fatalf("comment %d answered entries %d–%d of %d ending in %s %.20q; want its own comment last",
				i, r.EventsFrom, r.EventsFrom+len(r.Events), r.TimelineTotal, last.Kind, last.Message)
		}
	}
	for i, s := range states {
		if n := len(s.Timeline); n > window+slack {
			t.Errorf("before comment %d the state held %d timeline entries, want at most %d", i*50, n, window+slack)
		}
	}

	v := h.query()
	full, _ := json.Marshal(v)
	tl, _ := json.Marshal(v.Timeline)
	t.Logf("largest answer %d bytes; the case's state %d bytes with %d of %d timeline entries (%d bytes)", largest, len(full), len(v.Timeline), v.TimelineTotal(), len(tl))
	if len(tl) > 320<<10 {
		t.Errorf("state keeps %d bytes of timeline, want at most 320 KB", len(tl))
	}
	if len(v.Timeline) > window+slack || v.TimelineOffset == 0 || v.Earlier == nil {
		t.Fatalf("state holds %d entries from %d, summary %+v; want at most %d and the rest archived", len(v.Timeline), v.TimelineOffset, v.Earlier, window+slack)
	}

	// Every entry the state dropped reached the archive once, in order.
	var archived []workflows.Event
	for _, req := range archive.requests {
		if req.No != v.No || req.From != len(archived) {
			t.Fatalf("archive request for %s from entry %d, want %s from %d", req.No, req.From, v.No, len(archived))
		}
		archived = append(archived, req.Events...)
	}
	if len(archived) != v.TimelineOffset {
		t.Fatalf("archive got %d entries, the state dropped %d", len(archived), v.TimelineOffset)
	}
	whole := append(archived, v.Timeline...)
	old, _ := json.Marshal(whole)
	t.Logf("the whole case, as actions answered before small answers, would be about %d bytes", len(full)-len(tl)+len(old))
	seen := 0
	for _, e := range whole {
		if e.Kind == "comment" {
			if !strings.HasPrefix(e.Message, fmt.Sprintf("%d ", seen)) {
				t.Fatalf("comment %d is %.20q: comments lost, repeated or out of order", seen, e.Message)
			}
			seen++
		}
	}
	if seen != comments {
		t.Fatalf("whole timeline holds %d comments, want %d", seen, comments)
	}
	kinds := 0
	for _, n := range v.Earlier.Kinds {
		kinds += n
	}
	if kinds != v.TimelineOffset || !v.Earlier.From.Equal(whole[0].At) || !v.Earlier.To.Equal(archived[len(archived)-1].At) {
		t.Errorf("summary %+v does not describe the %d archived entries", v.Earlier, v.TimelineOffset)
	}
}

// Issue 17: a case whose archive refuses the entries keeps them all; none
// is dropped before the archive has it.
func TestTimeline_KeptWhenArchiveRefuses(t *testing.T) {
	registered := sh(2026, 11, 23, 9, 0)
	h := newHarness(t, registered)
	attempts := 0
	h.env.OnActivity(workflows.ActivityArchiveEvents, mock.Anything, mock.Anything).Return(
		func(context.Context, workflows.ArchiveEventsRequest) error {
			attempts++
			return fmt.Errorf("archive is down")
		})
	const comments = 300
	h.every(time.Minute, comments, func(i int) any {
		return workflows.CommentInput{Actor: "prop.li", Text: fmt.Sprint(i)}
	})
	// The write retries for as long as it takes; the test ends the case
	// while it still does.
	h.cancelAt(time.Duration(comments+10) * time.Minute)
	h.runUntilCancelled(input(form(t, registered)))
	v := h.query()
	if attempts == 0 || v.TimelineOffset != 0 || len(events(v, "comment")) != comments {
		t.Fatalf("archive tried %d times; state holds %d comments from entry %d, want all %d kept", attempts, len(events(v, "comment")), v.TimelineOffset, comments)
	}
}
