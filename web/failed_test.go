package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// failedCaseJSON is a failed complaint as the API shows it to the
// customer-service head: one clock met, one still pending when it stopped.
func failedCaseJSON() string {
	b, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "failed",
		"failure":  map[string]any{"how": "terminated", "at": "2026-12-01T02:00:00Z", "reason": "operator mistake", "status": "routed", "run": "r1"},
		"timeline": []map[string]any{},
		"deadlines": []map[string]any{{"name": "first_feedback", "state": "met", "due": "2026-12-01T03:00:00Z", "due_local": "2026-12-01 11:00"},
			{"name": "resolution", "state": "pending", "due": "2099-12-04T01:00:00Z", "due_local": "2099-12-04 09:00"}},
		"permissions": map[string]any{"actions": []string{}, "restore": true}})
	return string(b)
}

// Issue 17: a failed case's clocks no longer run, so its page shows the
// pending ones stopped, without a countdown; the case is marked failed,
// and the restore box takes no more than the API does.
func TestFailedCaseClocksShownStopped(t *testing.T) {
	srv := httptest.NewServer(testServer(t, fakeAPI(failedCaseJSON())).Handler())
	defer srv.Close()
	for lang, want := range map[string][2]string{"en": {"Stopped", "Running"}, "zh-CN": {"已停止", "计时中"}} {
		page := getAs(t, srv, "/cases/TS-20261201-0001", lang)
		i := strings.Index(page, `<tr class="stopped">`)
		if i < 0 || !strings.Contains(page[i:], "<td>"+want[0]+"</td>") || strings.Contains(page, "<td>"+want[1]+"</td>") {
			t.Errorf("%s: the pending clock of a failed case is not shown %q", lang, want[0])
		}
		if strings.Contains(page, `class="countdown`) || !strings.Contains(page, "2099-12-04 09:00") {
			t.Errorf("%s: a failed case's clock counts down, or its due time is missing", lang)
		}
		if !strings.Contains(page, `<span class="badge failed">`) {
			t.Errorf("%s: the failed status has no badge", lang)
		}
		if !strings.Contains(page, `id="restore-f-reason" name="reason" rows="3" maxlength="4000"`) {
			t.Errorf("%s: the restore reason has no maxlength of 4000", lang)
		}
	}
}

// Issue 17: a refused restore comes back with the reason marked and its
// problem beside it, in the user's language, as an action's form does.
func TestRestoreErrorShownBesideReason(t *testing.T) {
	api := fakeAPIAs("cs_head", failedCaseJSON())
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/cases/TS-20261201-0001/restore" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":{"code":"invalid_input","message":"reason is required",
				"fields":[{"field":"reason","code":"required","message":"reason is required"}]}}`)
			return
		}
		api.ServeHTTP(w, r)
	})).Handler())
	defer srv.Close()
	for _, lang := range []string{"en", "zh-CN"} {
		form := url.Values{"csrf": {"tok"}, "reason": {"  "}}
		code, page := postForm(t, srv, "/cases/TS-20261201-0001/restore", lang, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", lang, code)
		}
		want := "reason is required" // English shows the API's own words
		if lang != "en" {
			want = messages(t, lang)["problem.required"]
		}
		i := strings.Index(page, `<div class="field invalid">`)
		if i < 0 || !strings.Contains(page[i:], `id="restore-f-reason"`) || !strings.Contains(page, `aria-invalid="true" aria-describedby="restore-e-reason"`) ||
			!strings.Contains(page, `id="restore-e-reason">`+want) {
			t.Errorf("%s: the restore reason is not marked with %q beside it", lang, want)
		}
	}
}

// Issue 17: in the case list a failed case is marked, and as its clocks no
// longer run it shows no next deadline counting down.
func TestInboxMarksFailedCase(t *testing.T) {
	api := fakeAPI("{}")
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/cases" {
			_, _ = io.WriteString(w, `{"cases":[{"no":"TS-20261201-0001","type":"complaint","status":"failed","next_deadline":"2099-12-04T01:00:00Z"},
				{"no":"TS-20261201-0002","type":"complaint","status":"routed","next_deadline":"2099-12-05T01:00:00Z"}]}`)
			return
		}
		api.ServeHTTP(w, r)
	})).Handler())
	defer srv.Close()
	for lang, badge := range map[string]string{"en": "Failed", "zh-CN": "已中断"} {
		page := getAs(t, srv, "/cases", lang)
		failed, _, _ := strings.Cut(page[strings.Index(page, "TS-20261201-0001</a>"):], "</tr>")
		if !strings.Contains(failed, `<span class="badge failed">`+badge+`</span>`) || !strings.Contains(failed, "<td>—</td>") || strings.Contains(failed, "countdown") {
			t.Errorf("%s: failed case row %q: want the badge and — for its next deadline", lang, failed)
		}
		if !strings.Contains(page, `data-due="2099-12-05`) {
			t.Errorf("%s: the running case lost its countdown", lang)
		}
	}
}
