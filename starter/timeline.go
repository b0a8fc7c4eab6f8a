package starter

import (
	"context"
	"errors"
	"fmt"

	"github.com/closeloop/closeloop/workflows"
)

// TimelinePage is a stretch of a case's whole timeline.
type TimelinePage struct {
	No     string          `json:"no"`
	Total  int             `json:"total"`  // entries in the whole timeline
	Offset int             `json:"offset"` // the first entry's number
	Events []TimelineEntry `json:"events"`
}

// TimelineEntry is one timeline entry with its number in the whole
// timeline.
type TimelineEntry struct {
	Seq int `json:"seq"`
	workflows.Event
}

// Timeline reads at most limit entries of case v's whole timeline from
// entry number offset on: the older ones from the archive, the ones the
// case still keeps from v (as read by Case).
func (s *Service) Timeline(ctx context.Context, v workflows.CaseView, offset, limit int) (TimelinePage, error) {
	total := v.TimelineTotal()
	page := TimelinePage{No: v.No, Total: total, Offset: offset, Events: []TimelineEntry{}}
	end := min(offset+limit, total)
	if offset < v.TimelineOffset && offset < end {
		if s.Archive == nil {
			return page, errors.New("the case's older timeline is in the archive, which is not configured")
		}
		old, err := s.Archive.Events(ctx, v.No, offset, min(end, v.TimelineOffset)-offset)
		if err != nil {
			return page, err
		}
		if len(old) != min(end, v.TimelineOffset)-offset {
			return page, fmt.Errorf("archive holds %d of entries %d–%d of case %s", len(old), offset, min(end, v.TimelineOffset)-1, v.No)
		}
		for i, e := range old {
			page.Events = append(page.Events, TimelineEntry{Seq: offset + i, Event: e})
		}
	}
	for seq := max(offset, v.TimelineOffset); seq < end; seq++ {
		page.Events = append(page.Events, TimelineEntry{Seq: seq, Event: v.Timeline[seq-v.TimelineOffset]})
	}
	return page, nil
}
