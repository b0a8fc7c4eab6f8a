package forms

import (
	"strings"
	"time"
)

// Affiliation says whether a caller is a customer or from one of the
// company's own departments (rule Q5).
type Affiliation string

// Affiliations.
const (
	AffiliationCustomer Affiliation = "customer"
	AffiliationInternal Affiliation = "internal"
)

// Consultation is a question (咨询) to customer service (rules Q1–Q5).
type Consultation struct {
	ReceivedAt   time.Time `json:"received_at"`
	RegisteredAt time.Time `json:"registered_at"` // set by the system
	CallerName   string    `json:"caller_name"`
	Phone        string    `json:"phone,omitempty"`
	Email        string    `json:"email,omitempty"`
	// Affiliation and, for internal callers, their department decide
	// whether internal information may be given (Q5).
	Affiliation      Affiliation `json:"affiliation"`
	CallerDepartment string      `json:"caller_department,omitempty"`
	Question         string      `json:"question" bound:"text"`
	Channel          Channel     `json:"channel"`
	Region           string      `json:"region"`
	Language         Language    `json:"language,omitempty"`
	Recorder         string      `json:"recorder"`
	// AnsweredAtOnce closes the consultation with Answer (Q1).
	AnsweredAtOnce bool   `json:"answered_at_once,omitempty"`
	Answer         string `json:"answer,omitempty" bound:"text"`
	// CallbackAt is the specific call-back time promised to the caller when
	// the answer is not known yet (Q1, Q3); it must lie within the limit
	// (2 working days by default, Q2). Empty means "by the limit".
	CallbackAt time.Time `json:"callback_at,omitzero"`
	// ExpectedTimeTold is what the caller was told for a complex question,
	// e.g. "2 hours to verify" (Q3).
	ExpectedTimeTold string `json:"expected_time_told,omitempty"`
}

// Normalize trims spaces and applies defaults.
func (c *Consultation) Normalize(now time.Time) {
	for _, s := range []*string{&c.CallerName, &c.Phone, &c.Email, &c.CallerDepartment, &c.Question, &c.Region, &c.Recorder, &c.Answer, &c.ExpectedTimeTold} {
		*s = strings.TrimSpace(*s)
	}
	c.Affiliation = Affiliation(strings.TrimSpace(string(c.Affiliation)))
	c.Channel = Channel(strings.TrimSpace(string(c.Channel)))
	c.Language = Language(strings.TrimSpace(string(c.Language)))
	if c.RegisteredAt.IsZero() {
		c.RegisteredAt = now
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = c.RegisteredAt
	}
	c.RegisteredAt, c.ReceivedAt = c.RegisteredAt.UTC(), c.ReceivedAt.UTC()
	if !c.CallbackAt.IsZero() {
		c.CallbackAt = c.CallbackAt.UTC()
	}
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
}

// Validate reports every problem at once, per field. Whether CallbackAt is
// within the working-day limit needs the business calendar; the caller
// checks that.
func (c Consultation) Validate(now time.Time) Errors {
	var errs Errors
	latest := now.Add(futureTolerance)
	switch {
	case c.ReceivedAt.IsZero():
		errs.add("received_at", CodeRequired, "time the question was received is required")
	case !storable(c.ReceivedAt):
		errs.add("received_at", CodeInvalid, "time the question was received %s", outOfRange)
	case c.ReceivedAt.After(latest):
		errs.add("received_at", CodeFuture, "time the question was received is in the future")
	case !c.RegisteredAt.IsZero() && c.ReceivedAt.After(c.RegisteredAt):
		errs.add("received_at", CodeOrder, "the question cannot be received after it was registered")
	}
	checkStorable(&errs, "registered_at", "registration time", c.RegisteredAt)
	checkText(&errs, "caller_name", "caller name", c.CallerName, true, shortMax())
	hasPhone, hasEmail := c.Phone != "", c.Email != ""
	switch {
	case !hasPhone && !hasEmail:
		errs.add("phone", CodeRequired, "a phone number or e-mail address is required for the call-back")
	case hasPhone && !validPhone(c.Phone):
		errs.add("phone", CodeInvalid, "phone number must have 5 to 20 digits, with an optional leading + and spaces or dashes")
	}
	if hasEmail && !validEmail(c.Email) {
		errs.add("email", CodeInvalid, "e-mail must be a plain address such as name@example.com")
	}
	switch c.Affiliation {
	case AffiliationCustomer:
		if c.CallerDepartment != "" {
			errs.add("caller_department", CodeInvalid, "a customer has no company department; set affiliation to internal for staff")
		}
	case AffiliationInternal:
		if !ValidDepartment(c.CallerDepartment) {
			errs.add("caller_department", CodeRequired, "an internal caller's department code is required")
		}
	case "":
		errs.add("affiliation", CodeRequired, "affiliation (customer or internal) is required")
	default:
		errs.add("affiliation", CodeUnknownValue, "affiliation %q is not one of customer, internal", c.Affiliation)
	}
	checkText(&errs, "question", "question", c.Question, true, textMax())
	switch {
	case c.Channel == "":
		errs.add("channel", CodeRequired, "channel is required")
	case !c.Channel.Valid():
		errs.add("channel", CodeUnknownValue, "channel %q is not one of %s", c.Channel, join(Channels()))
	}
	checkText(&errs, "region", "region", c.Region, true, shortMax())
	if c.Language != "" && !c.Language.Valid() {
		errs.add("language", CodeUnknownValue, "language %q is not one of %s", c.Language, join(Languages()))
	}
	checkText(&errs, "recorder", "recorder", c.Recorder, true, shortMax())
	if c.AnsweredAtOnce {
		checkText(&errs, "answer", "answer given at once", c.Answer, true, textMax())
		if !c.CallbackAt.IsZero() {
			errs.add("callback_at", CodeInvalid, "a question answered at once needs no call-back")
		}
	} else {
		if c.Answer != "" {
			errs.add("answer", CodeInvalid, "record the answer with the call-back, or set answered_at_once")
		}
		switch {
		case c.CallbackAt.IsZero():
		case !storable(c.CallbackAt):
			errs.add("callback_at", CodeInvalid, "the promised call-back time %s", outOfRange)
		case !c.CallbackAt.After(c.RegisteredAt):
			errs.add("callback_at", CodeOrder, "the promised call-back time must be after registration")
		}
	}
	checkText(&errs, "expected_time_told", "expected time told", c.ExpectedTimeTold, false, shortMax())
	return withBounds(errs, c)
}
