package forms

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// The example posted by demos and docs must stay valid; it carries no times
// so they default to whenever it is posted (Rule C1, Rule T3).
func TestExampleComplaintIsValid(t *testing.T) {
	var c Complaint
	loadExample(t, "complaint.json", &c)
	if !c.IntakeAt.IsZero() || !c.RegisteredAt.IsZero() {
		t.Error("example must not carry intake_at or registered_at")
	}

	fixed := time.Date(2026, 11, 23, 16, 15, 0, 0, time.FixedZone("CST", 8*3600))
	c.Normalize(fixed)
	if errs := c.Validate(fixed); len(errs) != 0 {
		t.Fatalf("example is invalid: %v", errs)
	}
	if !c.IntakeAt.Equal(fixed) || c.LateRegistration(DefaultRegistrationLimit) {
		t.Errorf("IntakeAt = %v, want %v and on time", c.IntakeAt, fixed)
	}
	if c.Channel != ChannelPhone || c.Language != LanguageZhCN || c.Region == "" {
		t.Errorf("example channel/language/region = %q/%q/%q", c.Channel, c.Language, c.Region)
	}
}

// loadExample decodes forms/examples/name strictly, as the API does, so a
// misspelt field in an example fails its test.
func loadExample(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
