package api

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// Issue 17: an oversized text in a form or a staff action answers a
// field-level 422 before anything reaches the engine (this server has no
// engine at all).
func TestOversizedTextsRefused(t *testing.T) {
	srv := newTestServer(nil)
	defer srv.Close()
	const js = "application/json"
	body := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	complaint := func(mod func(*forms.Complaint)) string {
		c := forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Recorder: "agent01", Channel: forms.ChannelPhone,
			Region: "sh", Content: "c", Demand: "d"}
		mod(&c)
		return body(c)
	}
	long := strings.Repeat("评", forms.DefaultLimits.Text+1)
	huge := strings.Repeat("x", 700<<10)
	tests := []struct {
		name, path, body, code, field string
	}{
		{"complaint content", "/api/v1/complaints", complaint(func(c *forms.Complaint) { c.Content = long }), "invalid_form", "content"},
		{"complaint phone", "/api/v1/complaints", complaint(func(c *forms.Complaint) { c.Phone = "138" + strings.Repeat("-", 300) + "12345678" }), "invalid_form", "phone"},
		{"repair photos", "/api/v1/repairs", body(map[string]any{"photos": slices.Repeat([]string{"photo://1.jpg"}, forms.DefaultLimits.Items+1)}), "invalid_form", "photos"},
		{"comment of 700 KB", "/api/v1/cases/TS-20261123-0001/actions/comment", body(workflows.CommentInput{Text: huge}), "invalid_input", "text"},
		{"escalation proposal", "/api/v1/cases/TS-20261123-0001/actions/escalate", body(workflows.EscalateInput{Reason: "r", Proposal: long}), "invalid_input", "proposal"},
		{"handler name", "/api/v1/cases/XZ-20261123-0001/actions/accept", body(workflows.AcceptInput{Handler: strings.Repeat("h", forms.DefaultLimits.Short+1)}), "invalid_input", "handler"},
		{"reopen reason", "/api/v1/cases/TS-20261123-0001/reopen", body(map[string]string{"reason": long}), "invalid_input", "reason"},
		{"reveal reason", "/api/v1/cases/TS-20261123-0001/reveal", body(map[string]string{"reason": long}), "invalid_input", "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := do(t, "POST", srv.URL+tt.path, js, tt.body)
			if status != http.StatusUnprocessableEntity || e.Error.Code != tt.code {
				t.Fatalf("got %d %q (%.200s), want 422 %q", status, e.Error.Code, e.Error.Message, tt.code)
			}
			for _, f := range e.Error.Fields {
				if f.Field == tt.field {
					if f.Code != forms.CodeTooLong || !strings.Contains(f.Message, "at most") || f.Max < 1 || f.Length <= f.Max || f.Unit == "" {
						t.Errorf("%s: %+v, want too_long naming the limit, with max, length and unit", f.Field, f)
					}
					return
				}
			}
			t.Errorf("no field error on %q in %+v", tt.field, e.Error.Fields)
		})
	}
}

// Issue 17: the served OpenAPI document gives every request text its
// maxLength and every list its maxItems: the committed file the defaults,
// a process configured otherwise its own limits.
func TestOpenAPIBoundsEveryText(t *testing.T) {
	var committed, bounded any
	b, err := boundOpenAPI(openapi, forms.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(openapi, &committed)
	_ = json.Unmarshal(b, &bounded)
	if !reflect.DeepEqual(committed, bounded) {
		t.Error("api/openapi.json lacks or misstates a maxLength or maxItems; write boundOpenAPI(openapi, forms.DefaultLimits) into it")
	}

	// Every action the API takes is one of the bounded schemas.
	documented := map[reflect.Type]bool{}
	for _, v := range boundedSchemas {
		documented[reflect.TypeOf(v)] = true
	}
	for prefix, actions := range map[string][]string{workflows.PrefixComplaint: workflows.ComplaintActions, workflows.PrefixRepair: workflows.RepairActions,
		workflows.PrefixConsultation: workflows.ConsultationActions, workflows.PrefixMediaInquiry: workflows.MediaInquiryActions,
		workflows.PrefixCollaboration: workflows.CollaborationActions} {
		for _, a := range actions {
			in, err := starter.ParseAction(prefix+"-20261123-0001", a, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", prefix, a, err)
			}
			if typ := reflect.TypeOf(in).Elem(); !documented[typ] {
				t.Errorf("action %s of %s takes %s, which no bounded schema names", a, prefix, typ)
			}
		}
	}

	defer func() { _ = forms.SetLimits(forms.DefaultLimits) }()
	if err := forms.SetLimits(forms.Limits{Text: 1000, Short: 80, Items: 5}); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(nil)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var served any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &served); err != nil {
		t.Fatal(err)
	}
	props := func(schema string) map[string]any {
		return dig(served, "components", "schemas", schema, "properties").(map[string]any)
	}
	for _, c := range []struct {
		schema, prop, key string
		want              float64
	}{{"Action_comment", "text", "maxLength", 1000}, {"Action_comment", "actor", "maxLength", 80}, {"Repair", "photos", "maxItems", 5}} {
		if got := props(c.schema)[c.prop].(map[string]any)[c.key]; got != c.want {
			t.Errorf("%s.%s %s = %v, want %v", c.schema, c.prop, c.key, got, c.want)
		}
	}
}
