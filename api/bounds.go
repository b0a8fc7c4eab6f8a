package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// The request schemas of openapi.json give every text its maxLength and
// every list its maxItems (issue 17). The committed document carries the
// default limits; a process configured otherwise serves its own.

// boundedSchemas names the Go type each request schema decodes into.
var boundedSchemas = map[string]any{
	"Complaint": forms.Complaint{}, "MediaInquiry": forms.MediaInquiry{}, "Consultation": forms.Consultation{},
	"Repair": forms.Repair{}, "Collaboration": forms.Collaboration{},
	"Action_route": workflows.RouteInput{}, "Action_first_feedback": workflows.FirstFeedbackInput{},
	"Action_temporary_solution": workflows.TemporarySolutionInput{}, "Action_reassign": workflows.ReassignInput{},
	"Action_assign":  workflows.AssignInput{},
	"Action_resolve": workflows.ResolveInput{}, "Action_return_visit": workflows.ReturnVisitInput{},
	"Action_deliver_result": workflows.DeliverResultInput{}, "Action_extend": workflows.ExtendInput{},
	"Action_escalate": workflows.EscalateInput{}, "Action_comment": workflows.CommentInput{},
	"Action_contact_outlet": workflows.ContactOutletInput{}, "Action_call_back": workflows.CallBackInput{},
	"Action_transfer": workflows.TransferInput{}, "Action_sign": workflows.SignInput{},
	"Action_schedule": workflows.ScheduleInput{}, "Action_progress": workflows.ProgressInput{},
	"Action_complete": workflows.CompleteInput{}, "Action_repair_return_visit": workflows.RepairVisitInput{},
	"Action_request_collaboration": workflows.RequestCollaborationInput{}, "Action_accept": workflows.AcceptInput{},
	"Action_decline": workflows.DeclineInput{}, "Action_deliver": workflows.DeliverInput{}, "Action_rate": workflows.RateInput{},
}

// boundedBodies names the Go type of each request body written in place.
var boundedBodies = map[string]any{
	"/api/v1/cases/{no}/reveal": revealRequest{}, "/api/v1/cases/{no}/reopen": reopenRequest{},
	"/api/v1/cases/{no}/typical": typicalRequest{}, "/api/v1/supervision/{day}/evaluation": forms.Evaluation{},
}

// boundOpenAPI returns doc with the maxLength and maxItems of l on every
// request property that is free text (a string with neither enum nor
// date-time format) or a list.
func boundOpenAPI(doc []byte, l forms.Limits) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	schemas, _ := dig(d, "components", "schemas").(map[string]any)
	for name, v := range boundedSchemas {
		if err := boundSchema(schemas[name], v, l); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
	}
	for path, v := range boundedBodies {
		s := dig(d, "paths", path, "post", "requestBody", "content", "application/json", "schema")
		if err := boundSchema(s, v, l); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return json.MarshalIndent(d, "", "  ")
}

func boundSchema(schema, v any, l forms.Limits) error {
	props, _ := dig(schema, "properties").(map[string]any)
	if props == nil {
		return fmt.Errorf("no properties")
	}
	t := reflect.TypeOf(v)
	for name, p := range props {
		p := p.(map[string]any)
		f, ok := fieldByJSON(t, name)
		if !ok {
			return fmt.Errorf("property %s is no field of %s", name, t)
		}
		switch {
		case p["type"] == "array":
			p["maxItems"] = l.Items
		case p["type"] == "string" && p["enum"] == nil && p["format"] != "date-time":
			p["maxLength"] = l.MaxRunes(f)
		}
	}
	return nil
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// dig walks nested JSON objects by key; nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
