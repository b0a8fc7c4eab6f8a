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

// Issue 17: the comment box stops at the API's limit, and a text the API
// refuses as too long comes back beside its field, in the user's language,
// with the limit and the length the API sent: not the API's English
// sentence, which names the field by its JSON name rather than its label.
func TestTooLongTextShownBesideField(t *testing.T) {
	caseJSON, _ := json.Marshal(map[string]any{"no": "TS-20261201-0001", "type": "complaint", "status": "routed",
		"timeline": []map[string]any{}, "deadlines": []map[string]any{}, "permissions": map[string]any{"actions": []string{"comment"}}})
	api := fakeAPI(string(caseJSON))
	srv := httptest.NewServer(testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/cases/TS-20261201-0001/actions/comment" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":{"code":"invalid_input","message":"text must be at most 4000 characters (it has 4001)",
				"fields":[{"field":"text","code":"too_long","message":"text must be at most 4000 characters (it has 4001)",
				"max":4000,"length":4001,"unit":"characters"}]}}`)
			return
		}
		api.ServeHTTP(w, r)
	})).Handler())
	defer srv.Close()

	_, page := signedIn(t, srv, "/cases/TS-20261201-0001")
	if !strings.Contains(page, `name="text" rows="3" maxlength="4000"`) {
		t.Error("the comment box has no maxlength of 4000")
	}
	for lang, want := range map[string]string{"en": "At most 4000 characters (this has 4001).", "zh-CN": "最多 4000 字（现有 4001 字）。"} {
		form := url.Values{"csrf": {"tok"}, "text": {strings.Repeat("x", 4001)}}
		code, page := postForm(t, srv, "/cases/TS-20261201-0001/actions/comment", lang, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", lang, code)
		}
		i := strings.Index(page, `id="comment-e-text">`)
		if i < 0 || !strings.Contains(page[i:min(len(page), i+200)], want) || !strings.Contains(page, `aria-invalid="true" aria-describedby="comment-e-text"`) {
			t.Errorf("%s: the error %q is not beside the text field", lang, want)
		}
		if strings.Contains(page, "text must be") {
			t.Errorf("%s: the page shows the API's English sentence", lang)
		}
	}
}
