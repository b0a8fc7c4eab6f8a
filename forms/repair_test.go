package forms

import (
	"testing"
	"time"
)

// Rule R1: the repair order example is a valid 报修单.
func TestRepairExampleIsValid(t *testing.T) {
	var r Repair
	loadExample(t, "repair.json", &r)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r.Normalize(now)
	if errs := r.Validate(now); len(errs) > 0 {
		t.Fatalf("example invalid: %v", errs)
	}
}

// Rules R1, R2: location and fault are required; the order goes to the
// maintenance department unless another is named.
func TestRepairValidationAndDefaults(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := Repair{ReporterName: "Zhang", Phone: "13812345678", Channel: ChannelPhone, Region: "sh", Recorder: "agent01",
		Urgency: "whenever", Photos: []string{" "}}
	r.Normalize(now)
	got := map[string]string{}
	for _, e := range r.Validate(now) {
		got[e.Field] = e.Code
	}
	want := map[string]string{"location": CodeRequired, "fault": CodeRequired, "urgency": CodeUnknownValue, "photos": CodeInvalid}
	for f, c := range want {
		if got[f] != c {
			t.Errorf("%s: got %q, want %q (all %v)", f, got[f], c, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors %v, want exactly %v", got, want)
	}
	if r.Department != DefaultMaintenance {
		t.Errorf("department %q, want %q", r.Department, DefaultMaintenance)
	}
}
