package forms

import (
	"testing"
	"time"
)

func TestConsultationExampleIsValid(t *testing.T) {
	var c Consultation
	loadExample(t, "consultation.json", &c)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c.Normalize(now)
	if errs := c.Validate(now); len(errs) > 0 {
		t.Fatalf("example invalid: %v", errs)
	}
}

func TestConsultationValidation(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	base := func() Consultation {
		return Consultation{CallerName: "Zhao", Phone: "13700001111", Affiliation: AffiliationCustomer, Question: "q",
			Channel: ChannelPhone, Region: "sh", Recorder: "agent01"}
	}
	tests := []struct {
		name  string
		mod   func(*Consultation)
		field string
		code  string
	}{
		// Rule Q5: the caller's affiliation decides what may be told.
		{"affiliation missing", func(c *Consultation) { c.Affiliation = "" }, "affiliation", CodeRequired},
		{"internal without department", func(c *Consultation) { c.Affiliation = AffiliationInternal }, "caller_department", CodeRequired},
		{"customer with department", func(c *Consultation) { c.CallerDepartment = "finance" }, "caller_department", CodeInvalid},
		// Rule Q1: answered at once needs the answer, and no call-back.
		{"answered without answer", func(c *Consultation) { c.AnsweredAtOnce = true }, "answer", CodeRequired},
		{"answered with call-back", func(c *Consultation) { c.AnsweredAtOnce, c.Answer, c.CallbackAt = true, "a", now.Add(time.Hour) }, "callback_at", CodeInvalid},
		// Rule Q3: a promised call-back is a specific time after registration.
		{"call-back in the past", func(c *Consultation) { c.CallbackAt = now.Add(-time.Hour) }, "callback_at", CodeOrder},
		{"no contact", func(c *Consultation) { c.Phone = "" }, "phone", CodeRequired},
		{"no question", func(c *Consultation) { c.Question = "" }, "question", CodeRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mod(&c)
			c.Normalize(now)
			errs := c.Validate(now)
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Code != tt.code {
				t.Fatalf("errors %+v, want one %s/%s", errs, tt.field, tt.code)
			}
		})
	}
	c := base()
	c.Normalize(now)
	if errs := c.Validate(now); len(errs) != 0 {
		t.Fatalf("base form invalid: %v", errs)
	}
}
