package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Issue 17, state budget: the case page shows the timeline entries the
// case keeps and links to the earlier ones, which it pages through from
// the API's timeline, up to the latest again.
func TestCasePageTimelinePager(t *testing.T) {
	const offset, total = 150, 160
	entries := func(from, n int) []map[string]any {
		var out []map[string]any
		for i := from; i < from+n; i++ {
			out = append(out, map[string]any{"seq": i, "at": "2026-12-01T01:00:00Z", "actor": "li", "kind": "comment", "message": fmt.Sprintf("entry-%d", i)})
		}
		return out
	}
	caseJSON, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "routed",
		"timeline": entries(offset, total-offset), "timeline_offset": offset, "timeline_total": total})
	var asked []string
	api := fakeAPI(string(caseJSON))
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/cases/TS-20261201-0001/timeline" {
			api.ServeHTTP(w, r)
			return
		}
		asked = append(asked, r.URL.RawQuery)
		var from int
		_, _ = fmt.Sscan(r.URL.Query().Get("offset"), &from)
		b, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "total": total, "offset": from, "events": entries(from, min(100, total-from))})
		_, _ = w.Write(b)
	})).Handler())
	defer srv.Close()

	_, page := signedIn(t, srv, "/cases/TS-20261201-0001")
	if !strings.Contains(page, "entry-159") || strings.Contains(page, "entry-149") ||
		!strings.Contains(page, "另有 150 条较早的记录") || !strings.Contains(page, `href="?timeline_from=50#timeline"`) {
		t.Fatalf("case page does not show the window with a link to the earlier entries:\n%s", page)
	}
	_, page = signedIn(t, srv, "/cases/TS-20261201-0001?timeline_from=0")
	if len(asked) != 1 || asked[0] != "limit=100&offset=0" {
		t.Fatalf("timeline pages asked %v, want entries 0–99", asked)
	}
	if !strings.Contains(page, "entry-0<") || !strings.Contains(page, "entry-99<") || strings.Contains(page, "entry-159") ||
		!strings.Contains(page, "其后还有 60 条记录") || !strings.Contains(page, `href="?timeline_from=100#timeline"`) {
		t.Fatalf("earliest stretch not shown with a link onwards:\n%s", page)
	}
	_, page = signedIn(t, srv, "/cases/TS-20261201-0001?timeline_from=100")
	if !strings.Contains(page, "entry-149<") || !strings.Contains(page, `href="?#timeline"`) {
		t.Fatalf("last archived stretch does not lead back to the latest entries:\n%s", page)
	}
}
