package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// postAs posts body with the API's own test client (call) and decodes the
// error answer.
func postAs(t *testing.T, srv *httptest.Server, token, path, body string) (int, errorBody) {
	t.Helper()
	code, b := call(t, srv, token, http.MethodPost, path, body)
	var e errorBody
	_ = json.Unmarshal([]byte(b), &e)
	return code, e
}

// Issue 16: only the administrator re-plans deadlines (deny by default);
// a body that is not the request is refused before anything is read.
func TestReplanAccess(t *testing.T) {
	srv := httptest.NewServer(testServer(&starter.Service{}).Handler())
	defer srv.Close()
	for _, token := range []string{agentToken, "clt_test_qc", "clt_test_head", "clt_test_cshead"} {
		if code, e := postAs(t, srv, token, "/api/v1/calendar/replan", `{"dry_run":true}`); code != 403 || e.Error == nil || e.Error.Code != "forbidden" {
			t.Errorf("%s: %d %+v, want 403 forbidden", token, code, e.Error)
		}
	}
	if code, e := postAs(t, srv, "clt_test_admin", "/api/v1/calendar/replan", `{"dry":true}`); code != 400 || e.Error == nil || e.Error.Code != "bad_json" {
		t.Errorf("admin with a misspelt field: %d %+v, want 400 bad_json", code, e.Error)
	}
	// The Update is not a staff action: the action endpoint does not know it.
	path := "/api/v1/cases/TS-20261201-0001/actions/" + workflows.ActionReplan
	if code, e := postAs(t, srv, "clt_test_admin", path, `{}`); code != 404 || e.Error == nil || e.Error.Code != "unknown_action" {
		t.Errorf("replan as a staff action: %d %+v, want 404 unknown_action", code, e.Error)
	}
}
