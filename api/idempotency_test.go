package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Issue 17: an Idempotency-Key too long or of other characters is refused
// with 400 before anything is registered or changed.
func TestIdempotencyKeyIsChecked(t *testing.T) {
	srv := newTestServer(nil)
	defer srv.Close()
	for _, key := range []string{strings.Repeat("k", maxIdempotencyKey+1), "has space", "键", "a/b"} {
		for _, path := range []string{"/api/v1/complaints", "/api/v1/repairs", "/api/v1/cases/TS-20261123-0001/actions/comment"} {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+agentToken)
			req.Header.Set(IdempotencyHeader, key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var e apiError
			_ = json.NewDecoder(resp.Body).Decode(&e)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || e.Error.Code != "bad_idempotency_key" {
				t.Errorf("%s with key %q: %d %+v, want 400 bad_idempotency_key", path, key, resp.StatusCode, e)
			}
		}
	}
	if !keyChars("6f1c2a7e-93b4-4c1d-8e0f-1a2b3c4d5e6f") || !keyChars("form:abc_1.2") {
		t.Error("a UUID or a form key is refused")
	}
}
