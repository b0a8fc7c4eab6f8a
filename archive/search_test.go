package archive

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// searchCases are four customers' cases in two departments.
func searchCases() []workflows.CaseView {
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	mk := func(no, dept, name, phone, content string, minutes int) workflows.CaseView {
		v := workflows.CaseView{No: no, Type: workflows.TypeComplaint, Status: workflows.StatusRouted, Department: dept,
			Form:     &forms.Complaint{ComplainantName: name, Phone: phone, Content: content, Channel: forms.ChannelPhone},
			Timeline: []workflows.Event{{At: at.Add(time.Duration(minutes) * time.Minute), Kind: "registered"}}}
		return v
	}
	return []workflows.CaseView{
		mk("TS-20261123-0001", "property", "张伟", "138 1234 5678", "小区电梯故障三天无人维修，张伟多次致电 13812345678", 1),
		mk("TS-20261123-0002", "property", "李娜", "13900005678", "Water LEAK in the kitchen ceiling", 2),
		mk("TS-20261123-0003", "security", "张伟", "+86 138-1234-5678", "夜间噪音扰民", 3),
		mk("TS-20261124-0001", "security", "Wang Fang", "13700001111", "停车场收费不合理", 4),
	}
}

func nos(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.No)
	}
	return out
}

// Search finds cases by number, content substring (Chinese and English,
// case-insensitively), and — for who may reveal the customer — by full
// phone, last four digits and name; always within the scope (P3).
func TestSearch(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.PutAll(ctx, searchCases()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			q    SearchQuery
			want []string
		}{
			{"chinese substring", SearchQuery{Text: "电梯故", All: true}, []string{"TS-20261123-0001"}},
			{"english word any case", SearchQuery{Text: "leak", All: true}, []string{"TS-20261123-0002"}},
			{"number", SearchQuery{Text: "ts-20261123-0002", All: true}, []string{"TS-20261123-0002"}},
			{"number prefix", SearchQuery{Text: "TS-20261124", All: true}, []string{"TS-20261124-0001"}},
			{"full phone, any writing", SearchQuery{Text: "13812345678", All: true, Customer: true}, []string{"TS-20261123-0003", "TS-20261123-0001"}},
			{"phone with country code", SearchQuery{Text: "+86 13812345678", All: true, Customer: true}, []string{"TS-20261123-0003", "TS-20261123-0001"}},
			{"last four digits", SearchQuery{Text: "5678", All: true, Customer: true}, []string{"TS-20261123-0003", "TS-20261123-0002", "TS-20261123-0001"}},
			{"chinese name", SearchQuery{Text: "张伟", All: true, Customer: true}, []string{"TS-20261123-0003", "TS-20261123-0001"}},
			{"latin name", SearchQuery{Text: "wang  FANG", All: true, Customer: true}, []string{"TS-20261124-0001"}},
			// P1: without the reveal right neither the phone nor the name
			// matches, not even where the content quoted them.
			{"P1 phone without right", SearchQuery{Text: "13812345678", All: true}, nil},
			{"P1 last four without right", SearchQuery{Text: "5678", All: true}, nil},
			{"P1 name without right", SearchQuery{Text: "张伟", All: true}, nil},
			{"P1 name in content without right", SearchQuery{Text: "张伟多次", All: true}, nil},
			{"scope: department", SearchQuery{Text: "5678", Departments: []string{"security"}, Customer: true}, []string{"TS-20261123-0003"}},
			{"scope: escalations only", SearchQuery{Text: "电梯故", MinEscalation: 1}, nil},
			{"scope: empty denies", SearchQuery{Text: "电梯故"}, nil},
			{"too short for content", SearchQuery{Text: "电梯", All: true}, nil},
			{"LIKE wildcards are text", SearchQuery{Text: "%%%", All: true}, nil},
		} {
			hits, _, err := s.Search(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := nos(hits); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		// Hits show the customer masked and the subject; the subject
		// masks the customer's data the content quotes.
		hits, _, err := s.Search(ctx, SearchQuery{Text: "电梯故", All: true})
		if err != nil || len(hits) != 1 {
			t.Fatalf("%v %v", hits, err)
		}
		if h := hits[0]; h.MaskedName != "张*" || h.MaskedPhone != "138 **** 5678" || h.Subject == "" {
			t.Errorf("hit shows %+v", h)
		}
		// Paging: one a page, then the next from the key.
		first, next, err := s.Search(ctx, SearchQuery{Text: "5678", All: true, Customer: true, Limit: 2})
		if err != nil || len(first) != 2 || next == "" {
			t.Fatalf("first page %v %q %v", nos(first), next, err)
		}
		rest, last, err := s.Search(ctx, SearchQuery{Text: "5678", All: true, Customer: true, Limit: 2, After: next})
		if err != nil || !slices.Equal(nos(rest), []string{"TS-20261123-0001"}) || last != "" {
			t.Errorf("second page %v %q %v", nos(rest), last, err)
		}
	})
}

// A later write of a case replaces what search finds; an older one does
// not.
func TestSearchFollowsWrites(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		v := searchCases()[1]
		if err := s.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
		newer := v
		newer.Form = &forms.Complaint{ComplainantName: "李娜", Phone: "13900005678", Content: "暖气片漏水严重"}
		newer.Timeline = append(slices.Clone(v.Timeline), workflows.Event{At: v.Timeline[0].At.Add(time.Hour), Kind: "routed"})
		if err := s.Put(ctx, newer); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, v); err != nil { // stale: ignored
			t.Fatal(err)
		}
		if hits, _, err := s.Search(ctx, SearchQuery{Text: "leak", All: true}); err != nil || len(hits) != 0 {
			t.Errorf("old content still found: %v %v", nos(hits), err)
		}
		if hits, _, err := s.Search(ctx, SearchQuery{Text: "漏水严", All: true}); err != nil || len(hits) != 1 {
			t.Errorf("new content not found: %v %v", nos(hits), err)
		}
	})
}

// Cases archived before search existed are indexed when the store opens.
func TestSearchBackfill(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.PutAll(ctx, searchCases()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM case_search`); err != nil {
			t.Fatal(err)
		}
		if hits, _, err := s.Search(ctx, SearchQuery{Text: "电梯故", All: true}); err != nil || len(hits) != 0 {
			t.Fatalf("before the backfill: %v %v", nos(hits), err)
		}
		if err := s.backfillSearch(ctx); err != nil {
			t.Fatal(err)
		}
		if hits, _, err := s.Search(ctx, SearchQuery{Text: "电梯故", All: true}); err != nil || len(hits) != 1 {
			t.Errorf("after the backfill: %v %v", nos(hits), err)
		}
		if hits, _, err := s.Search(ctx, SearchQuery{Text: "张伟", All: true, Customer: true}); err != nil || len(hits) != 2 {
			t.Errorf("name after the backfill: %v %v", nos(hits), err)
		}
	})
}

// History lists the customer's other cases by phone, newest first, with
// outcome and rating, within the scope.
func TestHistory(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cs := searchCases()
		closed := cs[0].Timeline[0].At.Add(2 * time.Hour)
		cs[0].Status, cs[0].ClosedAt = workflows.StatusClosed, &closed
		cs[0].Ratings = []workflows.CustomerRating{{Round: 1, Score: 2}, {Round: 2, Score: 5}}
		visited := closed.Add(-time.Hour)
		cs[0].Record = &workflows.ComplaintRecord{ReturnVisitAt: &visited, Satisfied: true}
		other := cs[2]
		other.No, other.Department = "TS-20261125-0001", "property"
		other.Timeline = []workflows.Event{{At: cs[3].Timeline[0].At.Add(time.Hour), Kind: "registered"}}
		if err := s.PutAll(ctx, append(cs, other)); err != nil {
			t.Fatal(err)
		}
		got, more, err := s.History(ctx, HistoryQuery{No: "TS-20261123-0003", All: true})
		if err != nil || more {
			t.Fatal(err, more)
		}
		if !slices.Equal(nos(hitsOf(got)), []string{"TS-20261125-0001", "TS-20261123-0001"}) {
			t.Fatalf("history %v, want newest first, the case itself left out", nos(hitsOf(got)))
		}
		e := got[1]
		if e.ClosedAt == nil || !e.ClosedAt.Equal(closed) || e.Rating == nil || *e.Rating != 5 || e.Satisfied == nil || !*e.Satisfied {
			t.Errorf("outcome %+v", e)
		}
		if got[0].Rating != nil || got[0].Satisfied != nil {
			t.Errorf("no rating yet: %+v", got[0])
		}
		// Security sees only its own department's cases.
		got, _, err = s.History(ctx, HistoryQuery{No: "TS-20261125-0001", Departments: []string{"security"}})
		if err != nil || !slices.Equal(nos(hitsOf(got)), []string{"TS-20261123-0003"}) {
			t.Errorf("scoped history %v %v", nos(hitsOf(got)), err)
		}
		got, more, err = s.History(ctx, HistoryQuery{No: "TS-20261123-0003", All: true, Limit: 1})
		if err != nil || len(got) != 1 || !more {
			t.Errorf("limited history %v more=%v %v", nos(hitsOf(got)), more, err)
		}
		if got, _, err := s.History(ctx, HistoryQuery{No: "TS-20261123-0003"}); err != nil || len(got) != 0 {
			t.Errorf("empty scope: %v %v", got, err)
		}
	})
}

func hitsOf(es []Earlier) []Hit {
	var out []Hit
	for _, e := range es {
		out = append(out, e.Hit)
	}
	return out
}

// A text in many cases is searched by walking the list in order (SQLite):
// the same cases in the same order as by sorting its matches.
func TestSearchDenseText(t *testing.T) {
	s, err := Open(context.Background(), "", filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	if err := s.PutAll(ctx, searchCases()); err != nil {
		t.Fatal(err)
	}
	more := searchCases()
	for i := range more {
		more[i].No = strings.Replace(more[i].No, "TS-2026112", "TS-2026122", 1)
		more[i].Form.Content = "共同的问题 " + more[i].Form.Content
	}
	if err := s.PutAll(ctx, more); err != nil {
		t.Fatal(err)
	}
	q := SearchQuery{Text: "共同的问题", All: true, Customer: true, Limit: 3}
	sparse, next, err := s.Search(ctx, q)
	if err != nil || len(sparse) != 3 || next == "" {
		t.Fatalf("sparse %v %q %v", nos(sparse), next, err)
	}
	defer func(n int) { denseMatches = n }(denseMatches)
	denseMatches = 1
	dense, denseNext, err := s.Search(ctx, q)
	if err != nil || !slices.Equal(nos(dense), nos(sparse)) || denseNext != next {
		t.Errorf("dense %v %q, sparse %v %q (%v)", nos(dense), denseNext, nos(sparse), next, err)
	}
	q.After = denseNext
	if rest, _, err := s.Search(ctx, q); err != nil || len(rest) != 1 {
		t.Errorf("dense second page %v %v", nos(rest), err)
	}
	q.After = ""
	for _, text := range []string{"电梯故", "夜间噪音", "停车场收费"} {
		q.Text = text
		hits, _, err := s.Search(ctx, q)
		if err != nil || len(hits) != 2 {
			t.Errorf("dense search for %s: %v %v", text, nos(hits), err)
		}
	}
}
