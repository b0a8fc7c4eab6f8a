package forms

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// c6Fields is every field of the 客户投诉意见表 in paper-form order (Rule C6).
var c6Fields = []string{
	"no", "intake_at", "registered_at", "complainant_name", "complainant_unit",
	"phone", "email", "language", "recorder", "content", "demand",
	"content_confirmed", "channel", "region", "priority", "vip", "major",
	"department", "complained_department", "complained_department_head",
	"recording_ref", "nature",
	"handler", "handling_department", "handling_result", "completed_at",
	"return_visit_outcome", "return_visitor", "return_visit_at",
}

// Rule C6: labels cover every field of the form, in both languages.
func TestComplaintLabelsC6(t *testing.T) {
	if got := ComplaintFields(); !reflect.DeepEqual(got, c6Fields) {
		t.Errorf("ComplaintFields() = %v\nwant %v", got, c6Fields)
	}
	want := slices.Sorted(slices.Values(c6Fields))
	for _, lang := range []Language{LanguageZhCN, LanguageEN} {
		labels := ComplaintLabels(lang)
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range labels {
				if !yield(k) {
					return
				}
			}
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s label keys = %v\nwant %v", lang, got, want)
		}
		for k, v := range labels {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s label for %q is empty", lang, k)
			}
		}
	}
}

// Rule C6: each intake field of Complaint has a label, so adding a field
// without a label fails here.
func TestComplaintLabelsCoverStructC6(t *testing.T) {
	labels := ComplaintLabels(LanguageEN)
	typ := reflect.TypeFor[Complaint]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if _, ok := labels[name]; !ok {
			t.Errorf("Complaint field %s (%q) has no label", typ.Field(i).Name, name)
		}
	}
}

// Rule C6 with rule U1: Chinese labels are Chinese, English labels are not,
// and any other language falls back to Chinese.
func TestComplaintLabelsLanguageU1(t *testing.T) {
	zh, en := ComplaintLabels(LanguageZhCN), ComplaintLabels(LanguageEN)
	spot := map[string][2]string{
		"no":                         {"编号", "No."},
		"demand":                     {"客户诉求", "Customer demand"},
		"complained_department_head": {"被投诉部门负责人", "Head of the department complained about"},
		"return_visit_at":            {"回访时间", "Return-visit time"},
	}
	for k, want := range spot {
		if zh[k] != want[0] || en[k] != want[1] {
			t.Errorf("%s labels = %q / %q, want %q / %q", k, zh[k], en[k], want[0], want[1])
		}
	}
	for k, v := range zh {
		if !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("zh-CN label for %q has no Chinese: %q", k, v)
		}
		if strings.ContainsFunc(en[k], func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("en label for %q contains Chinese: %q", k, en[k])
		}
	}
	if !reflect.DeepEqual(ComplaintLabels(""), zh) || !reflect.DeepEqual(ComplaintLabels("fr"), zh) {
		t.Error("unknown or empty language should give the Chinese labels")
	}
	zh["no"] = "changed"
	if ComplaintLabels(LanguageZhCN)["no"] != "编号" {
		t.Error("changing a returned map changed the labels")
	}
}

func TestFormTitle(t *testing.T) {
	tests := map[Language]string{
		LanguageZhCN: "客户投诉意见表",
		"":           "客户投诉意见表",
		LanguageEN:   "Customer complaint form",
	}
	for lang, want := range tests {
		if got := FormTitle(lang); got != want {
			t.Errorf("FormTitle(%q) = %q, want %q", lang, got, want)
		}
	}
}
