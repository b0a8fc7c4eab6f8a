package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The outbox page says, in both languages, whether the customers' links
// on it are live (the administrator of a test installation) or cut, and
// that customers are masked.
func TestOutboxPageSaysWhetherLinksAreLive(t *testing.T) {
	for _, c := range []struct {
		answer string
		want   map[string][]string
	}{
		{`{"entries":[],"local":true,"links":true}`, map[string][]string{"en": {"Test installation", "counts as the customer", "shown masked"}, "zh-CN": {"测试环境", "切勿为真实客户打开", "脱敏"}}},
		{`{"entries":[],"local":true,"links":false}`, map[string][]string{"en": {"links are cut", "kept here"}, "zh-CN": {"已截断", "保存在这里"}}},
		{`{"entries":[],"local":false,"links":false}`, map[string][]string{"en": {"links are cut", "only the e-mail SendGrid refused"}, "zh-CN": {"已截断", "拒收"}}},
	} {
		outbox := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/outbox" {
				_, _ = io.WriteString(w, c.answer)
				return
			}
			fakeAPIAs("admin", "{}").ServeHTTP(w, r)
		})
		srv := httptest.NewServer(testServer(t, outbox).Handler())
		for lang, want := range c.want {
			code, page := getStatus(t, srv, "/outbox", lang)
			if code != http.StatusOK {
				t.Fatalf("%s outbox page: %d\n%s", lang, code, page)
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s outbox page for %s lacks %q", lang, c.answer, w)
				}
			}
			if live := strings.Contains(page, "Test installation") || strings.Contains(page, "测试环境"); live != strings.Contains(c.answer, `"links":true`) {
				t.Errorf("%s outbox page for %s: live-link warning %v", lang, c.answer, live)
			}
		}
		srv.Close()
	}
}
