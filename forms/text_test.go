package forms

import "testing"

// Issue 19: control characters, C1 controls and bidirectional overrides
// are refused in every text field, by the field's name; newline, carriage
// return and tab are kept.
func TestControlCharactersRefusedPerField(t *testing.T) {
	refused := map[string]string{
		"escape": "a\x1b[2Jb", "nul": "a\x00b", "bell": "\a", "del": "a\x7fb", "c1 csi": "a\u009b2Jb",
		"right-to-left override": "a\u202eb", "isolate": "a\u2066b\u2069",
	}
	for name, text := range refused {
		c := validComplaint()
		c.Content = text
		errs := c.Validate(now)
		if !hasCode(errs, "content", CodeControlCharacter) {
			t.Errorf("%s: content %q: errors %v, want %s on content", name, text, errs, CodeControlCharacter)
		}
	}
	for _, text := range []string{"line one\nline two", "a\r\nb", "col\tcol", "中文内容", "mark \u200f ok"} {
		c := validComplaint()
		c.Content = text
		if errs := c.Validate(now); len(errs) > 0 {
			t.Errorf("content %q refused: %v", text, errs)
		}
	}
}

// Staff actions and lists are checked by the same walk as the forms.
func TestControlCharactersRefusedInNestedAndListFields(t *testing.T) {
	type inner struct {
		Note string `json:"note" bound:"text"`
	}
	type input struct {
		Form   inner    `json:"form"`
		Photos []string `json:"photos"`
	}
	errs := CheckBounds(input{Form: inner{Note: "x\x1b]0;title\x07"}, Photos: []string{"ok", "bad\x00"}})
	if !hasCode(errs, "form.note", CodeControlCharacter) || !hasCode(errs, "photos", CodeControlCharacter) {
		t.Fatalf("errors %v, want control_character on form.note and photos", errs)
	}
}

func hasCode(errs Errors, field, code string) bool {
	for _, e := range errs {
		if e.Field == field && e.Code == code {
			return true
		}
	}
	return false
}

// The supervision evaluation's texts sit in a map, outside the bound
// walk: its own check refuses control characters too.
func TestControlCharactersRefusedInEvaluation(t *testing.T) {
	e := Evaluation{Items: map[string]EvaluationItem{}, Summary: "ok\x1b[0m"}
	for _, l := range EvaluationItems {
		e.Items[l.field] = EvaluationItem{Grade: "差", Problems: "p\u0085", Measures: "m"}
	}
	errs := e.Validate()
	if !hasCode(errs, "summary", CodeControlCharacter) || !hasCode(errs, "items."+EvaluationItems[0].field+".problems", CodeControlCharacter) {
		t.Fatalf("errors %v, want control_character on summary and the problems", errs)
	}
}
