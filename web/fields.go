package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// The pages' forms are built from the API's own input types, so a field
// added to a form or action shows up here without a second list to keep.

// field is one input of a form as rendered.
type field struct {
	Name    string // JSON name, also the input's name
	Kind    string // text, textarea, checkbox, number, datetime, select, lines
	Options []option
	Value   string
	Checked bool
	Error   *forms.FieldError
	// MaxLength is the longest text the API takes for a text field
	// (issue 17), so the browser stops typing there; 0 for other kinds.
	MaxLength int
	// Audience says whether an action's text reaches the customer or
	// stays internal (casepage.go); "" for no mark.
	Audience string
}

type option struct {
	Value, Label string
	Selected     bool
	// User marks a label that is user data (a person's name), shown as
	// typed in any language.
	User bool
}

// system fields are the server's to fill, never the user's.
var system = []string{"actor", "recorder", "registered_at", "requester", "requesting_department", "booked_at", "parent_case"}

// long fields take free text over several lines.
var long = []string{"content", "demand", "fault", "question", "answer", "topic", "need", "result", "outcome", "reason", "proposal",
	"message", "description", "note", "text", "comment", "requester_responsibilities", "target_responsibilities", "bypass_reason",
	"highlights", "improvements", "summary", "problems", "measures"}

// departmentFields choose a department from the directory.
var departmentFields = []string{"department", "target_department", "complained_department", "caller_department", "handling_department"}

// formTypes are the new-case forms by URL name: the form and the API
// collection it is posted to.
var formTypes = map[string]struct {
	form       any
	collection string
}{
	workflows.TypeComplaint:     {forms.Complaint{}, "complaints"},
	workflows.TypeRepair:        {forms.Repair{}, "repairs"},
	workflows.TypeConsultation:  {forms.Consultation{}, "consultations"},
	workflows.TypeMediaInquiry:  {forms.MediaInquiry{}, "media-inquiries"},
	workflows.TypeCollaboration: {forms.Collaboration{}, "collaborations"},
}

// actionInputs are the staff actions' inputs by case type.
var actionInputs = map[string]map[string]any{
	workflows.TypeComplaint: {
		workflows.ActionRoute: workflows.RouteInput{}, workflows.ActionFirstFeedback: workflows.FirstFeedbackInput{},
		workflows.ActionTemporarySolution: workflows.TemporarySolutionInput{}, workflows.ActionReassign: workflows.ReassignInput{},
		workflows.ActionAssign:  workflows.AssignInput{},
		workflows.ActionResolve: workflows.ResolveInput{}, workflows.ActionReturnVisit: workflows.ReturnVisitInput{},
		workflows.ActionDeliverResult: workflows.DeliverResultInput{}, workflows.ActionExtend: workflows.ExtendInput{},
		workflows.ActionRequestCollaboration: workflows.RequestCollaborationInput{},
	},
	workflows.TypeRepair: {
		workflows.ActionSign: workflows.SignInput{}, workflows.ActionAssign: workflows.AssignInput{}, workflows.ActionSchedule: workflows.ScheduleInput{},
		workflows.ActionProgress: workflows.ProgressInput{}, workflows.ActionComplete: workflows.CompleteInput{},
		workflows.ActionReturnVisit: workflows.RepairVisitInput{}, workflows.ActionRequestCollaboration: workflows.RequestCollaborationInput{},
	},
	workflows.TypeConsultation: {workflows.ActionCallBack: workflows.CallBackInput{}, workflows.ActionTransfer: workflows.TransferInput{}},
	workflows.TypeMediaInquiry: {workflows.ActionContactOutlet: workflows.ContactOutletInput{}},
	workflows.TypeCollaboration: {
		workflows.ActionAccept: workflows.AcceptInput{}, workflows.ActionDecline: workflows.DeclineInput{}, workflows.ActionAssign: workflows.AssignInput{},
		workflows.ActionDeliver: workflows.DeliverInput{}, workflows.ActionRate: workflows.RateInput{},
	},
}

// sharedActions every case type takes.
var sharedActions = map[string]any{workflows.ActionEscalate: workflows.EscalateInput{}, workflows.ActionComment: workflows.CommentInput{}}

func actionInput(caseType, action string) (any, bool) {
	if in, ok := actionInputs[caseType][action]; ok {
		return in, true
	}
	in, ok := sharedActions[action]
	return in, ok
}

var timeType = reflect.TypeOf(time.Time{})

// fieldsOf lists the user's inputs of a form or action input type.
func (s *Server) fieldsOf(v any, lang string, deadlines []string) []field {
	t := reflect.TypeOf(v)
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name := strings.Split(sf.Tag.Get("json"), ",")[0]
		if !sf.IsExported() || name == "" || name == "-" || slices.Contains(system, name) {
			continue
		}
		f := field{Name: name, Kind: "text"}
		if sf.Type.Kind() == reflect.String {
			f.MaxLength = forms.CurrentLimits().MaxRunes(sf)
		}
		switch {
		case sf.Type == timeType:
			f.Kind = "datetime"
		case sf.Type.Kind() == reflect.Bool:
			f.Kind = "checkbox"
		case sf.Type.Kind() == reflect.Int:
			f.Kind = "number"
			if name == "score" || name == "satisfaction" {
				f.Kind, f.Options = "select", scoreOptions()
			}
		case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.String:
			f.Kind = "lines"
		case sf.Type.Kind() != reflect.String:
			continue // nested parts are not typed in by hand
		default:
			f.Options = s.choices(sf.Type, name, lang, deadlines)
			switch {
			case f.Options != nil:
				f.Kind = "select"
			case slices.Contains(long, name):
				f.Kind = "textarea"
			}
		}
		out = append(out, f)
	}
	return out
}

// choices are the allowed values of an enumerated field, with an empty
// first choice where the field is optional; nil for free text.
func (s *Server) choices(t reflect.Type, name, lang string, deadlines []string) []option {
	var values []string
	blank := true
	switch {
	case t == reflect.TypeOf(forms.Channel("")):
		for _, c := range forms.Channels() {
			values = append(values, string(c))
		}
	case t == reflect.TypeOf(forms.Priority("")):
		for _, p := range forms.Priorities() {
			values = append(values, string(p))
		}
	case t == reflect.TypeOf(forms.Language("")):
		for _, l := range forms.Languages() {
			values = append(values, string(l))
		}
	case t == reflect.TypeOf(forms.Urgency("")):
		values = []string{string(forms.UrgencyNormal), string(forms.UrgencyUrgent)}
	case t == reflect.TypeOf(forms.Affiliation("")):
		values = []string{string(forms.AffiliationCustomer), string(forms.AffiliationInternal)}
	case name == "nature":
		values = forms.Natures()
	case name == "method":
		values = []string{"phone", "onsite", "email"}
	case name == "deadline":
		values, blank = deadlines, false
	case slices.Contains(departmentFields, name):
		opts := []option{{Value: "", Label: "—"}}
		for _, d := range s.Departments {
			opts = append(opts, option{Value: d.Code, Label: d.NameIn(lang)})
		}
		return opts
	default:
		return nil
	}
	var opts []option
	if blank {
		opts = append(opts, option{Value: "", Label: "—"})
	}
	prefix := "value."
	if name == "deadline" {
		prefix = "deadline."
	}
	for _, v := range values {
		opts = append(opts, option{Value: v, Label: s.i18n.text(lang, prefix+v)})
	}
	return opts
}

func scoreOptions() []option {
	opts := []option{{Value: "", Label: "—"}}
	for i := 1; i <= 5; i++ {
		opts = append(opts, option{Value: strconv.Itoa(i), Label: strconv.Itoa(i)})
	}
	return opts
}

// fill puts the posted values back into fields (fresh from fieldsOf), so
// a form with errors comes back as the user typed it, with each field's
// error beside it.
func fill(fields []field, posted map[string][]string, errs map[string]forms.FieldError) []field {
	out := fields
	for i := range out {
		f := &out[i]
		v := ""
		if vs := posted[f.Name]; len(vs) > 0 {
			v = vs[0]
		}
		f.Value, f.Checked = v, v == "on" || v == "true"
		for j := range f.Options {
			f.Options[j].Selected = f.Options[j].Value == v
		}
		if e, ok := errs[f.Name]; ok {
			f.Error = &e
		}
	}
	return out
}

// encode turns the posted form into the API's JSON body. A value that is
// not even of the right kind (a date that is no date) is reported against
// its field here; everything else is the API's to judge.
func encode(fields []field, posted map[string][]string, loc *time.Location) ([]byte, []forms.FieldError) {
	body := map[string]any{}
	var bad []forms.FieldError
	for _, f := range fields {
		v := ""
		if vs := posted[f.Name]; len(vs) > 0 {
			v = strings.TrimSpace(vs[0])
		}
		switch f.Kind {
		case "checkbox":
			if v != "" {
				body[f.Name] = true
			}
		case "number", "select":
			if v == "" {
				continue
			}
			if f.Kind == "number" || f.Name == "score" || f.Name == "satisfaction" {
				n, err := strconv.Atoi(v)
				if err != nil {
					bad = append(bad, forms.FieldError{Field: f.Name, Code: forms.CodeInvalid, Message: "not a whole number: " + v})
					continue
				}
				body[f.Name] = n
				continue
			}
			body[f.Name] = v
		case "datetime":
			if v == "" {
				continue
			}
			t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
			if err != nil {
				bad = append(bad, forms.FieldError{Field: f.Name, Code: forms.CodeInvalid, Message: "not a date and time: " + v})
				continue
			}
			body[f.Name] = t.Format(time.RFC3339)
		case "lines":
			var lines []string
			for _, l := range strings.Split(v, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
			if lines != nil {
				body[f.Name] = lines
			}
		default:
			if v != "" {
				body[f.Name] = v
			}
		}
	}
	b, _ := json.Marshal(body)
	return b, bad
}
