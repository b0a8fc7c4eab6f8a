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
	data, err := os.ReadFile("examples/complaint.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelled key would otherwise be silently dropped
	var c Complaint
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode example: %v", err)
	}
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
