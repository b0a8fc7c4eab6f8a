package forms

import (
	"strings"
	"time"
)

// MediaInquiry is the record of a journalist's inquiry (rule E2): the
// outlet gets the standard holding reply at once and a named person must
// contact it within 2 hours.
type MediaInquiry struct {
	ReceivedAt     time.Time `json:"received_at"`   // when the outlet called or wrote
	RegisteredAt   time.Time `json:"registered_at"` // when it was recorded (set by the system)
	Outlet         string    `json:"outlet"`        // newspaper, station, site
	ReporterName   string    `json:"reporter_name"` // the journalist
	ReporterPhone  string    `json:"reporter_phone,omitempty"`
	ReporterEmail  string    `json:"reporter_email,omitempty"`
	Topic          string    `json:"topic" bound:"text"`       // what they are asking about
	OutletDeadline time.Time `json:"outlet_deadline,omitzero"` // when they intend to publish, if said
	ContactPerson  string    `json:"contact_person"`           // the named person who calls the outlet back
	Recorder       string    `json:"recorder"`
	Language       Language  `json:"language,omitempty"` // language of the holding reply; default zh-CN
	// HoldingReplyGiven confirms the standard holding reply was given on
	// the spot; registration without it is refused (E2).
	HoldingReplyGiven bool `json:"holding_reply_given"`
}

// Normalize trims spaces and applies defaults, like Complaint.Normalize.
func (m *MediaInquiry) Normalize(now time.Time) {
	for _, s := range []*string{&m.Outlet, &m.ReporterName, &m.ReporterPhone, &m.ReporterEmail, &m.Topic, &m.ContactPerson, &m.Recorder} {
		*s = strings.TrimSpace(*s)
	}
	m.Language = Language(strings.TrimSpace(string(m.Language)))
	if m.RegisteredAt.IsZero() {
		m.RegisteredAt = now
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = m.RegisteredAt
	}
	m.RegisteredAt, m.ReceivedAt = m.RegisteredAt.UTC(), m.ReceivedAt.UTC()
	if !m.OutletDeadline.IsZero() {
		m.OutletDeadline = m.OutletDeadline.UTC()
	}
	if m.Language == "" {
		m.Language = DefaultLanguage
	}
}

// Validate reports every problem at once, per field.
func (m MediaInquiry) Validate(now time.Time) Errors {
	var errs Errors
	latest := now.Add(futureTolerance)
	switch {
	case m.ReceivedAt.IsZero():
		errs.add("received_at", CodeRequired, "time the inquiry was received is required")
	case !storable(m.ReceivedAt):
		errs.add("received_at", CodeInvalid, "time the inquiry was received %s", outOfRange)
	case m.ReceivedAt.After(latest):
		errs.add("received_at", CodeFuture, "time the inquiry was received is in the future")
	case !m.RegisteredAt.IsZero() && m.ReceivedAt.After(m.RegisteredAt):
		errs.add("received_at", CodeOrder, "the inquiry cannot be received after it was registered")
	}
	checkStorable(&errs, "registered_at", "registration time", m.RegisteredAt)
	checkStorable(&errs, "outlet_deadline", "the outlet's deadline", m.OutletDeadline)
	checkText(&errs, "outlet", "media outlet", m.Outlet, true, shortMax())
	checkText(&errs, "reporter_name", "reporter name", m.ReporterName, true, shortMax())
	hasPhone, hasEmail := m.ReporterPhone != "", m.ReporterEmail != ""
	switch {
	case !hasPhone && !hasEmail:
		errs.add("reporter_phone", CodeRequired, "the reporter's phone number or e-mail address is required")
	case hasPhone && !validPhone(m.ReporterPhone):
		errs.add("reporter_phone", CodeInvalid, "phone number must have 5 to 20 digits, with an optional leading + and spaces or dashes")
	}
	if hasEmail && !validEmail(m.ReporterEmail) {
		errs.add("reporter_email", CodeInvalid, "e-mail must be a plain address such as name@example.com")
	}
	checkText(&errs, "topic", "topic", m.Topic, true, textMax())
	checkText(&errs, "contact_person", "named contact person", m.ContactPerson, true, shortMax())
	checkText(&errs, "recorder", "recorder", m.Recorder, true, shortMax())
	if m.Language != "" && !m.Language.Valid() {
		errs.add("language", CodeUnknownValue, "language %q is not one of %s", m.Language, join(Languages()))
	}
	if !m.HoldingReplyGiven {
		errs.add("holding_reply_given", CodeRequired, "give the outlet the standard holding reply before registering the inquiry")
	}
	return withBounds(errs, m)
}

// HoldingReply is the standard holding reply for the outlet (E2).
func HoldingReply(lang Language) string {
	if lang == LanguageEN {
		return "Thank you for your inquiry. We have recorded your questions; the person responsible will contact you within two hours."
	}
	return "感谢您的关注。我们已记录您的问题，相关负责人将在两小时内与您联系。"
}
