package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/starter"
)

func codecServer(t *testing.T) (*httptest.Server, *codec.Codec, *bytes.Buffer) {
	t.Helper()
	k, err := codec.NewKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.New([]codec.Key{k})
	if err != nil {
		t.Fatal(err)
	}
	s := testServer(&starter.Service{})
	var audit bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&audit, nil))
	s.Payloads = c
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, c, &audit
}

func decodeAs(t *testing.T, srv *httptest.Server, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/codec/decode", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Issue 19: the Temporal UI's codec endpoint decrypts for the
// administrator alone, and each use leaves who, namespace and how many.
func TestCodecDecodesForTheAdministratorOnlyAndAudits(t *testing.T) {
	srv, c, audit := codecServer(t)
	clear := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"name":"王小明"}`)}
	enc, err := c.Encode([]*commonpb.Payload{clear})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: enc})

	for _, tok := range []string{"", agentToken, "clt_test_cshead", "clt_test_qc", "clt_test_head"} {
		code, b := decodeAs(t, srv, tok, string(body))
		if code != http.StatusUnauthorized && code != http.StatusForbidden {
			t.Errorf("token %q: %d, want 401/403", tok, code)
		}
		if bytes.Contains(b, []byte("王小明")) {
			t.Errorf("token %q got the payload in clear", tok)
		}
	}
	code, b := decodeAs(t, srv, "clt_test_admin", string(body))
	if code != http.StatusOK {
		t.Fatalf("admin: %d %s", code, b)
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal(b, &out); err != nil || len(out.Payloads) != 1 || string(out.Payloads[0].Data) != `{"name":"王小明"}` {
		t.Fatalf("admin decoded %s, %v", b, err)
	}
	log := audit.String()
	if !strings.Contains(log, "audit: temporal payloads decoded") || !strings.Contains(log, "subject=admin01") ||
		!strings.Contains(log, "namespace=default") || !strings.Contains(log, "payloads=1") {
		t.Errorf("no audit entry of the decode: %s", log)
	}
	if !strings.Contains(log, "subject=agent01") {
		t.Errorf("the refused agent is not in the audit log: %s", log)
	}
}

func TestCodecRefusesWhatItCannotDecode(t *testing.T) {
	srv, _, _ := codecServer(t)
	if code, _ := decodeAs(t, srv, "clt_test_admin", `not json`); code != http.StatusBadRequest {
		t.Errorf("bad body: %d", code)
	}
	foreign := `{"payloads":[{"metadata":{"encoding":"` + b64("binary/encrypted") + `","encryption-key-id":"` + b64("lost") + `"},"data":"` + b64("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") + `"}]}`
	code, b := decodeAs(t, srv, "clt_test_admin", foreign)
	if code != http.StatusBadRequest || !strings.Contains(string(b), "lost") {
		t.Errorf("unknown key: %d %s", code, b)
	}
}

func b64(s string) string {
	b, _ := protojson.Marshal(&commonpb.Payload{Data: []byte(s)})
	// {"data":"…"}
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `{"data":"`), `"}`)
}
