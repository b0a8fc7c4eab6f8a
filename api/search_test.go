package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// searchServer serves the API over an archive holding one customer's
// three cases (two in property, one in security) and another's.
func searchServer(t *testing.T) *httptest.Server {
	t.Helper()
	store := testArchive(t)
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	mk := func(no, dept, name, phone, content string, minutes int) workflows.CaseView {
		return workflows.CaseView{No: no, Type: workflows.TypeComplaint, Status: workflows.StatusRouted, Department: dept,
			Form:     &forms.Complaint{ComplainantName: name, Phone: phone, Content: content, Channel: forms.ChannelPhone},
			Timeline: []workflows.Event{{At: at.Add(time.Duration(minutes) * time.Minute), Kind: "registered"}}}
	}
	closed := mk("TS-20261120-0001", "property", "张伟", "13812345678", "楼道灯不亮", 0)
	closedAt := at.Add(-24 * time.Hour)
	closed.Timeline[0].At = at.Add(-48 * time.Hour)
	closed.Status, closed.ClosedAt = workflows.StatusClosed, &closedAt
	closed.Ratings = []workflows.CustomerRating{{Round: 1, Score: 4}}
	err := store.PutAll(context.Background(), []workflows.CaseView{closed,
		mk("TS-20261123-0001", "property", "张伟", "13812345678", "小区电梯故障三天无人维修，张伟多次来电", 1),
		mk("TS-20261123-0002", "security", "张伟", "138-1234-5678", "夜间噪音扰民", 2),
		mk("TS-20261123-0003", "property", "李娜", "13900001111", "Water leak in the kitchen", 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testServer(&starter.Service{Archive: store}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func searchAs(t *testing.T, srv *httptest.Server, token, query string) (int, searchResponse, string) {
	t.Helper()
	code, body := call(t, srv, token, "GET", "/api/v1/search?"+query, "")
	var resp searchResponse
	_ = json.Unmarshal([]byte(body), &resp)
	return code, resp, body
}

func hitNos(hits []searchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.No)
	}
	return out
}

// Rule P1: a phone or name search matches the real values only for roles
// with the reveal right, and shows the customer masked; anyone else gets no
// confirmation of who a case's customer is, and is told so.
func TestSearchP1(t *testing.T) {
	srv := searchServer(t)
	// The agent may reveal: the phone finds the customer's cases, masked.
	code, resp, body := searchAs(t, srv, agentToken, "q=13812345678")
	if code != 200 || !slices.Equal(hitNos(resp.Cases), []string{"TS-20261123-0002", "TS-20261123-0001", "TS-20261120-0001"}) {
		t.Fatalf("agent phone search: %d %s", code, body)
	}
	if strings.Contains(body, "13812345678") || strings.Contains(body, "张伟") || resp.Cases[0].Customer.Phone != "138-****-5678" ||
		resp.Cases[1].Customer.Name != "张*" || !slices.Contains(resp.Searched, "phone") || resp.Notice != "" {
		t.Errorf("P1: the agent's hits must show the customer masked: %s", body)
	}
	if code, resp, body := searchAs(t, srv, agentToken, "q=5678"); code != 200 || len(resp.Cases) != 3 {
		t.Errorf("agent last-4 search: %d %s", code, body)
	}
	if code, resp, body := searchAs(t, srv, agentToken, "q=%E5%BC%A0%E4%BC%9F"); code != 200 || len(resp.Cases) != 3 || !slices.Contains(resp.Searched, "name") {
		t.Errorf("agent name search: %d %s", code, body)
	}
	// Quality control sees every case but may not reveal the customer.
	code, _, body = searchAs(t, srv, "clt_test_qc", "q=13812345678")
	if code != 403 || strings.Contains(body, "TS-") || !strings.Contains(body, "P1") {
		t.Errorf("P1: a phone search without the reveal right must be refused, saying why: %d %s", code, body)
	}
	code, resp, body = searchAs(t, srv, "clt_test_qc", "q=5678")
	if code != 200 || len(resp.Cases) != 0 || slices.Contains(resp.Searched, "phone") || resp.Notice == "" {
		t.Errorf("P1: last 4 digits without the reveal right are content only, with a notice: %d %s", code, body)
	}
	// The name alone (2 characters) is too short for content: refused
	// with the minimum; quoted in the content it is masked there.
	if code, _, body := searchAs(t, srv, "clt_test_qc", "q=%E5%BC%A0%E4%BC%9F"); code != 422 || strings.Contains(body, `"cases"`) || !strings.Contains(body, "3 characters") {
		t.Errorf("P1: a name search without the reveal right: %d %s", code, body)
	}
	code, resp, body = searchAs(t, srv, "clt_test_qc", "q="+"张伟多次")
	if code != 200 || len(resp.Cases) != 0 || resp.Notice == "" {
		t.Errorf("P1: the name quoted in the content must not match without the reveal right: %d %s", code, body)
	}
	// Content and number searches work for both.
	if code, resp, body := searchAs(t, srv, "clt_test_qc", "q="+"电梯故障"); code != 200 || !slices.Equal(hitNos(resp.Cases), []string{"TS-20261123-0001"}) ||
		resp.Cases[0].Customer.Name != "张*" || resp.Cases[0].Subject == "" {
		t.Errorf("qc content search: %d %s", code, body)
	}
	if code, resp, body := searchAs(t, srv, "clt_test_qc", "q=ts-20261123-000"); code != 200 || len(resp.Cases) != 3 || !slices.Contains(resp.Searched, "number") {
		t.Errorf("qc number search: %d %s", code, body)
	}
}

// Rule P3: a search finds only what the caller may see.
func TestSearchScope(t *testing.T) {
	srv := searchServer(t)
	// The property head sees property's cases only.
	if code, resp, body := searchAs(t, srv, "clt_test_head", "q=TS-2026"); code != 200 ||
		!slices.Equal(hitNos(resp.Cases), []string{"TS-20261123-0003", "TS-20261123-0001", "TS-20261120-0001"}) {
		t.Errorf("P3 property head: %d %s", code, body)
	}
	if code, resp, body := searchAs(t, srv, "clt_test_head", "q="+"噪音扰民"); code != 200 || len(resp.Cases) != 0 {
		t.Errorf("P3: another department's case found: %d %s", code, body)
	}
	// Pages.
	code, first, body := searchAs(t, srv, agentToken, "q=TS-2026&page_size=2")
	if code != 200 || len(first.Cases) != 2 || first.NextPageToken == "" {
		t.Fatalf("first page: %d %s", code, body)
	}
	if code, rest, body := searchAs(t, srv, agentToken, "q=TS-2026&page_size=2&page_token="+url.QueryEscape(first.NextPageToken)); code != 200 || len(rest.Cases) != 2 || rest.NextPageToken != "" {
		t.Errorf("second page: %d %s", code, body)
	}
}

// Bad searches get field errors: 400 for a malformed request, 422 for text
// the index cannot search.
func TestSearchErrors(t *testing.T) {
	srv := searchServer(t)
	for _, tc := range []struct {
		query  string
		status int
		field  string
	}{
		{"", 400, "q"},
		{"q=%20%20", 400, "q"},
		{"q=" + strings.Repeat("长", 101), 400, "q"},
		{"q=leak&page_size=0", 400, "page_size"},
		{"q=leak&page_size=101", 400, "page_size"},
		{"q=leak&page_token=" + strings.Repeat("x", 201), 400, "page_token"},
		// Too short for the content: for a role that may reveal the
		// customer it is a name, for others no search at all.
		{"q=ab", 422, "q"},
		{"q=%E6%BC%8F", 422, "q"},
	} {
		code, body := call(t, srv, "clt_test_qc", "GET", "/api/v1/search?"+tc.query, "")
		var e apiError
		_ = json.Unmarshal([]byte(body), &e)
		if code != tc.status || len(e.Error.Fields) == 0 || e.Error.Fields[0].Field != tc.field {
			t.Errorf("%q: %d %s, want %d on %s", tc.query, code, body, tc.status, tc.field)
		}
	}
}

// The customer's earlier cases: same phone, newest first, with outcome and
// rating, the case itself left out, only what the caller may see.
func TestCustomerHistory(t *testing.T) {
	srv := searchServer(t)
	code, body := call(t, srv, agentToken, "GET", "/api/v1/cases/TS-20261123-0002/history", "")
	var resp historyResponse
	_ = json.Unmarshal([]byte(body), &resp)
	if code != 200 || len(resp.Cases) != 2 || resp.Cases[0].No != "TS-20261123-0001" || resp.Cases[1].No != "TS-20261120-0001" {
		t.Fatalf("history: %d %s", code, body)
	}
	if c := resp.Cases[1]; c.ClosedAt == nil || c.Rating == nil || *c.Rating != 4 || c.Status != workflows.StatusClosed || c.Customer.Phone != "138****5678" {
		t.Errorf("outcome: %s", body)
	}
	if strings.Contains(body, "13812345678") {
		t.Errorf("P1: history shows the phone: %s", body)
	}
	// P3: the property head sees property's cases, and another
	// department's case is not found.
	code, body = call(t, srv, "clt_test_head", "GET", "/api/v1/cases/TS-20261123-0001/history", "")
	resp = historyResponse{}
	_ = json.Unmarshal([]byte(body), &resp)
	if code != 200 || len(resp.Cases) != 1 || resp.Cases[0].No != "TS-20261120-0001" {
		t.Errorf("P3 history: %d %s", code, body)
	}
	if code, body := call(t, srv, "clt_test_head", "GET", "/api/v1/cases/TS-20261123-0002/history", ""); code != 404 {
		t.Errorf("P3: history of a case the caller may not see: %d %s", code, body)
	}
	if code, _ := call(t, srv, agentToken, "GET", "/api/v1/cases/TS-20261123-0002/history?page_size=99", ""); code != 400 {
		t.Errorf("history page_size over the bound: %d", code)
	}
}

// The OpenAPI document describes the search and history responses as the
// Go types write them.
func TestOpenAPISearch(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openapi, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		v      any
	}{{"SearchHit", searchHit{}}, {"SearchPage", searchResponse{}}, {"EarlierCase", earlierCase{}}, {"CustomerHistory", historyResponse{}}} {
		var got []string
		for _, part := range schemaParts(doc, tc.schema) {
			for name := range part {
				got = append(got, name)
			}
		}
		want := jsonNames(reflect.TypeOf(tc.v))
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, the Go type writes %v", tc.schema, got, want)
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/search", "/api/v1/cases/{no}/history"} {
		if paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

// schemaParts are the property sets of a schema, following allOf and $ref.
func schemaParts(doc map[string]any, name string) []map[string]any {
	s, _ := dig(doc, "components", "schemas", name).(map[string]any)
	var out []map[string]any
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		if ref, ok := s["$ref"].(string); ok {
			r, _ := dig(doc, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/")).(map[string]any)
			walk(r)
			return
		}
		if p, ok := s["properties"].(map[string]any); ok {
			out = append(out, p)
		}
		all, _ := s["allOf"].([]any)
		for _, a := range all {
			m, _ := a.(map[string]any)
			walk(m)
		}
	}
	walk(s)
	return out
}

// jsonNames are the JSON property names t writes, embedded structs' included.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
