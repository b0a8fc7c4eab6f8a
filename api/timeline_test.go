package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Issue 17, state budget: the whole timeline of a case stays readable
// through the API, page by page — the entries the case kept only in the
// archive, then the ones its record still holds — for whoever may see the
// case, and for nobody else (P3: 404).
func TestTimeline_PagesWholeTimeline(t *testing.T) {
	store := testArchive(t)
	ctx := context.Background()
	const no, archived, kept = "TS-20261123-0007", 25, 10
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	entry := func(i int) workflows.Event {
		return workflows.Event{At: at.Add(time.Duration(i) * time.Minute), Actor: "it.li", Kind: "comment", Message: fmt.Sprintf("%d called 张伟 back", i)}
	}
	var old []workflows.Event
	for i := range archived {
		old = append(old, entry(i))
	}
	closed := at.Add(time.Hour)
	v := workflows.CaseView{No: no, Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "it", ClosedAt: &closed,
		Form:           &forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Channel: forms.ChannelPhone, Region: "sh"},
		TimelineOffset: archived, Earlier: &workflows.TimelineSummary{From: old[0].At, To: old[archived-1].At, Kinds: map[string]int{"comment": archived}}}
	for i := range kept {
		v.Timeline = append(v.Timeline, entry(archived+i))
	}
	if err := store.AppendEvents(ctx, no, 0, old); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	// The engine no longer holds the case: everything comes from the archive.
	srv := httptest.NewServer(testServer(&starter.Service{Client: &fuzzEngine{}, Archive: store}).Handler())
	defer srv.Close()

	type page struct {
		Total  int `json:"total"`
		Events []struct {
			Seq     int    `json:"seq"`
			Message string `json:"message"`
		} `json:"events"`
	}
	get := func(token, query string) (int, page, string) {
		code, body := call(t, srv, token, "GET", "/api/v1/cases/"+no+"/timeline"+query, "")
		var p page
		_ = json.Unmarshal([]byte(body), &p)
		return code, p, body
	}
	var seen []int
	for offset := 0; offset < archived+kept; offset += 7 {
		code, p, body := get(agentToken, fmt.Sprintf("?offset=%d&limit=7", offset))
		if code != 200 || p.Total != archived+kept {
			t.Fatalf("offset %d: %d %s", offset, code, body)
		}
		for _, e := range p.Events {
			if !strings.HasPrefix(e.Message, fmt.Sprintf("%d called ", e.Seq)) || strings.Contains(e.Message, "张伟") {
				t.Errorf("entry %d reads %q, want its own text with the customer masked", e.Seq, e.Message)
			}
			seen = append(seen, e.Seq)
		}
	}
	for i, seq := range seen {
		if seq != i {
			t.Fatalf("paged entries %v, want 0–%d once each in order", seen, archived+kept-1)
		}
	}
	if len(seen) != archived+kept {
		t.Fatalf("paged %d entries, want %d", len(seen), archived+kept)
	}
	if code, _, body := get(agentToken, "?limit=201"); code != 400 || !strings.Contains(body, `"limit"`) {
		t.Errorf("limit over 200: %d %s", code, body)
	}
	if code, _, body := get(agentToken, "?offset=-1"); code != 400 || !strings.Contains(body, `"offset"`) {
		t.Errorf("negative offset: %d %s", code, body)
	}
	// A property head may not see an IT case: it does not exist for them.
	if code, p, body := get("clt_test_head", ""); code != 404 || len(p.Events) != 0 {
		t.Errorf("timeline for a case the caller may not see: %d %s, want 404", code, body)
	}
	// The case itself says how long its whole timeline is.
	code, body := call(t, srv, agentToken, "GET", "/api/v1/cases/"+no, "")
	if code != 200 || !strings.Contains(body, `"timeline_total": 35`) || !strings.Contains(body, `"timeline_offset": 25`) {
		t.Errorf("case: %d %.300s", code, body)
	}
}
