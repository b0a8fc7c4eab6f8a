package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/worker"
)

// testPayloadKeys is the payload keyring every system of this test
// process runs with (CLOSELOOP_PAYLOAD_KEYS), so the tests' own engine
// clients read what it wrote.
var testPayloadKeys = sync.OnceValue(func() string {
	k, err := codec.NewKey(time.Now())
	if err != nil {
		panic(err)
	}
	return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret)
})

// testConverters are the data and failure converters of testPayloadKeys.
func testConverters() (converter.DataConverter, converter.FailureConverter) {
	c, err := codec.Open(testPayloadKeys(), "")
	if err != nil {
		panic(err)
	}
	dc := c.DataConverter()
	return dc, temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc})
}

// customerData is what the example complaint says about its customer.
func customerData(t *testing.T) []string {
	form := exampleComplaint(t)
	var out []string
	for _, k := range []string{"complainant_name", "complainant_unit", "phone", "email"} {
		out = append(out, form[k].(string))
	}
	return out
}

// Issue 19: what Closeloop hands the engine is ciphertext — the stock
// CLI, UI or anyone reading temporal.db sees no customer.
func TestHistoryHoldsNoCustomerDataInClear(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer s.stop()
	c := s.registerComplaint()
	s.act(c.No, "first-feedback", map[string]any{"actor": "agent01", "message": "called 张伟 back on 13812345678"}, http.StatusOK)

	// With the engine's client certificate but no codec: as the stock CLI.
	raw := rawEngineClient(t, s)
	it := raw.GetWorkflowHistory(context.Background(), c.No, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	events, encrypted := 0, 0
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events++
		b, _ := proto.Marshal(e)
		for _, secret := range append(customerData(t), "13812345678") {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("event %d (%s) holds %q in clear", e.GetEventId(), e.GetEventType(), secret)
			}
		}
		if in := e.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads(); len(in) > 0 {
			for _, p := range in {
				if string(p.GetMetadata()[codec.MetadataEncoding]) == codec.Encoding {
					encrypted++
				}
			}
		}
	}
	if events < 5 || encrypted == 0 {
		t.Fatalf("%d events, %d encrypted start inputs: the check saw no case", events, encrypted)
	}
	// Closeloop itself still reads the case in full.
	if got := s.get(c.No); got.No != c.No {
		t.Fatalf("case %s unreadable through Closeloop", c.No)
	}
	// A history recorded for the replay test is kept decrypted, so later
	// test runs, with payload keys of their own, replay it.
	path := filepath.Join(t.TempDir(), "recorded.json")
	writeHistory(t, raw, c.No, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString([]byte(codec.Encoding)))) {
		t.Fatal("the recorded history holds encrypted payloads")
	}
	h, err := client.HistoryFromJSON(bytes.NewReader(b), client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := sdkworker.NewWorkflowReplayer()
	worker.RegisterWorkflows(r)
	if err := r.ReplayWorkflowHistory(nil, h); err != nil {
		t.Fatalf("the recorded history does not replay: %v", err)
	}
}

// rawEngineClient dials s's engine with its client certificate but no
// payload codec, as the stock CLI would; it closes when the test ends.
func rawEngineClient(t *testing.T, s *system) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", s.tPort),
		ConnectionOptions: client.ConnectionOptions{TLS: engineTLS(t, s)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// engineTLS is the client certificate of s's embedded engine.
func engineTLS(t *testing.T, s *system) *tls.Config {
	t.Helper()
	conf, err := enginetls.ForDataDir(s.dataDir).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

// Issue 19: search attributes (indexed by the engine in clear) and the
// memo name no customer.
func TestSearchAttributesAndMemoHoldNoCustomerData(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: t.TempDir(), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer s.stop()
	c := s.registerComplaint()
	raw := rawEngineClient(t, s)
	d, err := raw.DescribeWorkflowExecution(context.Background(), c.No, "")
	if err != nil {
		t.Fatal(err)
	}
	info := d.GetWorkflowExecutionInfo()
	if len(info.GetSearchAttributes().GetIndexedFields()) == 0 {
		t.Fatal("the case has no search attributes: the check saw nothing")
	}
	for what, m := range map[string]proto.Message{"search attributes": info.GetSearchAttributes(), "memo": info.GetMemo()} {
		b, _ := proto.Marshal(m)
		for _, secret := range customerData(t) {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s hold %q", what, secret)
			}
		}
	}
	for k, p := range info.GetMemo().GetFields() {
		if string(p.GetMetadata()[codec.MetadataEncoding]) != codec.Encoding {
			t.Errorf("memo %s is not encrypted", k)
		}
	}
}

// webSession signs user in through the web page's API and returns a
// client carrying the session cookie.
func (s *system) webSession(user string) *http.Client {
	s.t.Helper()
	creds, err := identity.ReadDemoCredentials(filepath.Join(s.dataDir, identity.DemoCredentialsFile))
	if err != nil {
		s.t.Fatal(err)
	}
	password := ""
	for _, u := range creds.Users {
		if u.Username == user {
			password = u.Password
		}
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Post(s.base()+"/api/v1/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
	if err != nil {
		s.t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("sign in %s: %d", user, resp.StatusCode)
	}
	return hc
}

// checkTemporalUI asks the stock web UI's API for the case through
// Closeloop at /temporal/ as the administrator; an agent is refused and
// an anonymous visitor sent to sign in (issue 19).
func checkTemporalUI(t *testing.T, s *system, no string) {
	t.Helper()
	path := "/temporal/api/v1/namespaces/default/workflows?query=" + strings.ReplaceAll("WorkflowId='"+no+"'", "'", "%27")
	get := func(hc *http.Client) (int, string, []byte) {
		resp, err := hc.Get(s.base() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), b
	}
	// The redirect and the error page may repeat the path, case number
	// included; only the UI's answer lists executions.
	shown := func(b []byte) bool { return bytes.Contains(b, []byte(`"executions"`)) }
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if code, loc, b := get(anon); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") || shown(b) {
		t.Errorf("anonymous: %d %q, want a redirect to sign-in", code, loc)
	}
	if code, _, b := get(s.webSession("agent01")); code != http.StatusForbidden || shown(b) {
		t.Errorf("agent: %d, want 403", code)
	}
	admin := s.webSession("admin01")
	var body []byte
	for range 50 {
		code, _, b := get(admin)
		if body = b; code == http.StatusOK && shown(b) && bytes.Contains(b, []byte(no)) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("temporal UI through Closeloop does not show %s to the administrator: %s", no, body)
}
