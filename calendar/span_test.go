package calendar

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSpan(t *testing.T) {
	tests := []struct {
		in   string
		want Span
	}{
		{"24h", Span{24, Hours}}, // Rule T1
		{"72 hours", Span{72, Hours}},
		{"1 hour", Span{1, Hours}},
		{"2 hrs", Span{2, Hours}},
		{"30m", Span{30, Minutes}},
		{"45 minutes", Span{45, Minutes}},
		{"5wd", Span{5, WorkingDays}}, // Rule T2
		{"5 working days", Span{5, WorkingDays}},
		{" 5  Working   Days ", Span{5, WorkingDays}},
		{"1 working day", Span{1, WorkingDays}},
		{"3 business days", Span{3, WorkingDays}},
		{"5WD", Span{5, WorkingDays}},
		{"2bh", Span{2, BusinessHours}},
		{"2 business hours", Span{2, BusinessHours}},
		{"1 business hour", Span{1, BusinessHours}},
		// Issue 18: the Chinese form's example is typed in Chinese.
		{"3 个工作日", Span{3, WorkingDays}},
		{"3工作日", Span{3, WorkingDays}},
		{"48 小时", Span{48, Hours}},
		{"30 分钟", Span{30, Minutes}},
		{"4 个工作小时", Span{4, BusinessHours}},
	}
	for _, tt := range tests {
		got, err := ParseSpan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSpanErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "must start with a whole number"},
		{"h", "must start with a whole number"},
		{"-1h", "must start with a whole number"},
		{"1.5h", `unknown unit ".5h"`},
		{"5", "missing unit"},
		{"0h", "between 1 and 100000"},
		{"100001wd", "between 1 and 100000"},
		{"5 weeks", `unknown unit "weeks"`},
		{"99999999999999999999h", "number too large"},
	}
	for _, tt := range tests {
		_, err := ParseSpan(tt.in)
		if err == nil {
			t.Errorf("ParseSpan(%q) succeeded, want error", tt.in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, `"`+tt.in+`"`) {
			t.Errorf("ParseSpan(%q) error %q, want it to quote the input and mention %q", tt.in, msg, tt.want)
		}
	}
}

func TestSpanStringRoundTrip(t *testing.T) {
	tests := []struct {
		span Span
		want string
	}{
		{Span{24, Hours}, "24 hours"},
		{Span{1, Hours}, "1 hour"},
		{Span{30, Minutes}, "30 minutes"},
		{Span{5, WorkingDays}, "5 working days"},
		{Span{1, WorkingDays}, "1 working day"},
		{Span{2, BusinessHours}, "2 business hours"},
	}
	for _, tt := range tests {
		if got := tt.span.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.span, got, tt.want)
		}
		if back, err := ParseSpan(tt.span.String()); err != nil || back != tt.span {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", tt.span.String(), back, err, tt.span)
		}
	}
}

func TestSpanValidate(t *testing.T) {
	tests := []struct {
		span Span
		ok   bool
	}{
		{Span{1, Hours}, true},
		{Span{5, WorkingDays}, true},
		{Span{0, Hours}, false},
		{Span{-3, WorkingDays}, false},
		{Span{1, "days"}, false},
		{Span{1, ""}, false},
		{Span{MaxSpanN, Minutes}, true},
		{Span{MaxSpanN + 1, Hours}, false},
	}
	for _, tt := range tests {
		if err := tt.span.Validate(); (err == nil) != tt.ok {
			t.Errorf("%#v.Validate() = %v, want ok=%v", tt.span, err, tt.ok)
		}
	}
}

// Spans are stored in Temporal workflow inputs, so the JSON form is an API.
func TestSpanJSON(t *testing.T) {
	in := Span{5, WorkingDays}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"n":5,"unit":"working_days"}` {
		t.Errorf("json = %s", data)
	}
	var out Span
	if err := json.Unmarshal(data, &out); err != nil || out != in {
		t.Errorf("round trip = %v, %v; want %v", out, err, in)
	}
}
