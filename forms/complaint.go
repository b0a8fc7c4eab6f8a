package forms

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultRegistrationLimit is how long after intake a complaint may be
// registered before it counts as late (C1). Callers pass their configured
// limit to LateRegistration; this is the rule's default.
const DefaultRegistrationLimit = 5 * time.Minute

// DefaultMaxBackdate is how far into the past an intake time given at the
// API may reach unless configured otherwise (CLOSELOOP_MAX_BACKDATE);
// older cases come in through the emergency import.
const DefaultMaxBackdate = 24 * time.Hour

// futureTolerance is how far ahead of the server clock a submitted time may
// be. It absorbs clock skew between agents' machines and the server without
// letting anyone back-date a late registration by writing a future time.
const futureTolerance = 5 * time.Minute

// Complaint is the intake part of the 客户投诉意见表 (customer complaint
// form): everything known when the case is registered. The processing part
// (handler, result, return visit) is filled in later by the workflow; its
// labels are in ComplaintLabels (C6).
type Complaint struct {
	// IntakeAt (投诉时间) is when the customer raised the complaint; it is
	// the core "time" element of C1.
	IntakeAt time.Time `json:"intake_at"`
	// RegisteredAt (登记时间) is when it was recorded in the system. Both
	// times are kept so late registration can be shown (C1).
	RegisteredAt    time.Time `json:"registered_at"`
	ComplainantName string    `json:"complainant_name"`
	// ComplainantUnit is the complainant's unit or department.
	ComplainantUnit string `json:"complainant_unit,omitempty"`
	// Phone and Email: at least one is needed so we can reply and do the
	// return visit.
	Phone    string   `json:"phone,omitempty"`
	Email    string   `json:"email,omitempty"`
	Language Language `json:"language,omitempty"` // U1; default zh-CN
	Recorder string   `json:"recorder"`           // 记录人
	// Content (投诉内容) is the problem description, a C1 core element.
	Content string `json:"content" bound:"text"`
	// Demand (客户诉求) is what the customer asks for, a C1 core element.
	Demand string `json:"demand" bound:"text"`
	// ContentConfirmed (投诉内容确认) records that the complainant confirmed
	// the recorded content.
	ContentConfirmed bool     `json:"content_confirmed"`
	Channel          Channel  `json:"channel"`            // K6
	Region           string   `json:"region"`             // K6
	Priority         Priority `json:"priority,omitempty"` // K7; default normal
	VIP              bool     `json:"vip,omitempty"`      // K7
	// Major marks a major complaint or dispute, which goes to management at
	// once (C9).
	Major bool `json:"major,omitempty"`
	// Department is an optional initial routing target (C7).
	Department string `json:"department,omitempty"`
	// ComplainedDepartment is the department complained about.
	ComplainedDepartment string `json:"complained_department,omitempty"`
	// ComplainedDepartmentHead (被投诉部门负责人) is that department's head.
	ComplainedDepartmentHead string `json:"complained_department_head,omitempty"`
	// RecordingRef references the call recording (C5).
	RecordingRef string `json:"recording_ref,omitempty"`
	// Nature is one of Natures; optional, checked when set.
	Nature string `json:"nature,omitempty"`
}

// Normalize trims surrounding spaces and applies defaults, so that what is
// validated is exactly what gets stored: RegisteredAt is now if zero,
// IntakeAt is RegisteredAt if zero (the agent registers while the customer
// is on the line), Language is zh-CN and Priority is normal if empty.
// Times are converted to UTC because instants are stored in UTC (T3).
func (c *Complaint) Normalize(now time.Time) {
	for _, s := range []*string{
		&c.ComplainantName, &c.ComplainantUnit, &c.Phone, &c.Email,
		&c.Recorder, &c.Content, &c.Demand, &c.Region, &c.Department,
		&c.ComplainedDepartment, &c.ComplainedDepartmentHead,
		&c.RecordingRef, &c.Nature,
	} {
		*s = strings.TrimSpace(*s)
	}
	c.Language = Language(strings.TrimSpace(string(c.Language)))
	c.Channel = Channel(strings.TrimSpace(string(c.Channel)))
	c.Priority = Priority(strings.TrimSpace(string(c.Priority)))

	if c.RegisteredAt.IsZero() {
		c.RegisteredAt = now
	}
	if c.IntakeAt.IsZero() {
		c.IntakeAt = c.RegisteredAt
	}
	c.RegisteredAt = c.RegisteredAt.UTC()
	c.IntakeAt = c.IntakeAt.UTC()

	if c.Language == "" {
		c.Language = DefaultLanguage
	}
	if c.Priority == "" {
		c.Priority = PriorityNormal
	}
}

// Validate reports every problem at once, per field, in struct field order
// (C1). It does not apply defaults: call Normalize first. Optional enums
// (language, priority, nature) may be empty, meaning "use the default".
// A value made only of spaces counts as missing.
func (c Complaint) Validate(now time.Time) Errors {
	var errs Errors
	latest := now.Add(futureTolerance)

	switch {
	case c.IntakeAt.IsZero():
		errs.add("intake_at", CodeRequired, "complaint time (投诉时间) is required")
	case !storable(c.IntakeAt):
		errs.add("intake_at", CodeInvalid, "complaint time (投诉时间) %s", outOfRange)
	case c.IntakeAt.After(latest):
		errs.add("intake_at", CodeFuture, "complaint time (投诉时间) is more than 5 minutes in the future")
	case !c.RegisteredAt.IsZero() && c.IntakeAt.After(c.RegisteredAt):
		errs.add("intake_at", CodeOrder, "complaint time (投诉时间) must not be after the registration time")
	}
	switch {
	case c.RegisteredAt.IsZero():
		errs.add("registered_at", CodeRequired, "registration time (登记时间) is required")
	case !storable(c.RegisteredAt):
		errs.add("registered_at", CodeInvalid, "registration time (登记时间) %s", outOfRange)
	case c.RegisteredAt.After(latest):
		errs.add("registered_at", CodeFuture, "registration time (登记时间) is more than 5 minutes in the future")
	}

	checkText(&errs, "complainant_name", "complainant name", c.ComplainantName, true, shortMax())
	checkText(&errs, "complainant_unit", "complainant unit", c.ComplainantUnit, false, shortMax())

	hasPhone, hasEmail := strings.TrimSpace(c.Phone) != "", strings.TrimSpace(c.Email) != ""
	switch {
	case !hasPhone && !hasEmail:
		errs.add("phone", CodeRequired, "a phone number or e-mail address is required")
	case hasPhone && !validPhone(c.Phone):
		errs.add("phone", CodeInvalid, "phone number must have 5 to 20 digits, with an optional leading + and spaces or dashes")
	}
	if hasEmail && !validEmail(c.Email) {
		errs.add("email", CodeInvalid, "e-mail must be a plain address such as name@example.com")
	}
	if c.Language != "" && !c.Language.Valid() {
		errs.add("language", CodeUnknownValue, "language %q is not one of %s", c.Language, join(Languages()))
	}

	checkText(&errs, "recorder", "recorder (记录人)", c.Recorder, true, shortMax())
	checkText(&errs, "content", "problem description (投诉内容)", c.Content, true, textMax())
	checkText(&errs, "demand", "customer demand (诉求)", c.Demand, true, textMax())

	switch {
	case strings.TrimSpace(string(c.Channel)) == "":
		errs.add("channel", CodeRequired, "channel is required")
	case !c.Channel.Valid():
		errs.add("channel", CodeUnknownValue, "channel %q is not one of %s", c.Channel, join(Channels()))
	}
	checkText(&errs, "region", "region", c.Region, true, shortMax())
	if c.Priority != "" && !c.Priority.Valid() {
		errs.add("priority", CodeUnknownValue, "priority %q is not one of %s", c.Priority, join(Priorities()))
	}

	checkDepartment(&errs, "department", c.Department)
	checkDepartment(&errs, "complained_department", c.ComplainedDepartment)
	checkText(&errs, "complained_department_head", "head of the department complained about", c.ComplainedDepartmentHead, false, shortMax())
	checkText(&errs, "recording_ref", "recording reference", c.RecordingRef, false, shortMax())
	if c.Nature != "" && !ValidNature(c.Nature) {
		errs.add("nature", CodeUnknownValue, "nature %q is not one of %s", c.Nature, join(Natures()))
	}
	return withBounds(errs, c)
}

// LateRegistration reports whether the complaint was registered more than
// limit after intake (C1). A limit <= 0 means DefaultRegistrationLimit, so
// an unset setting still enforces the rule. Without both times it cannot
// tell and reports false; Validate reports the missing time.
func (c Complaint) LateRegistration(limit time.Duration) bool {
	if c.IntakeAt.IsZero() || c.RegisteredAt.IsZero() {
		return false
	}
	if limit <= 0 {
		limit = DefaultRegistrationLimit
	}
	return c.RegisteredAt.Sub(c.IntakeAt) > limit
}

// checkText reports a missing (when required) or too long free-text field,
// or one holding a control character.
// A too long one is named by its JSON name, as CheckBounds names it.
func checkText(errs *Errors, field, name, value string, required bool, maxRunes int) {
	if required && strings.TrimSpace(value) == "" {
		errs.add(field, CodeRequired, "%s is required", name)
	} else if n := utf8.RuneCountInString(value); n > maxRunes {
		errs.tooLong(field, field, UnitCharacters, maxRunes, n)
	} else {
		checkControl(errs, field, field, value)
	}
}

// checkRequired reports a missing field.
func checkRequired(errs *Errors, field, name, value string) {
	if strings.TrimSpace(value) == "" {
		errs.add(field, CodeRequired, "%s is required", name)
	}
}

// checkDepartment reports an optional department code that is set but
// malformed.
func checkDepartment(errs *Errors, field, code string) {
	if code != "" && !ValidDepartment(code) {
		errs.add(field, CodeInvalid, "%s %q must be a lowercase code of letters, digits, _ or -, at most 40 characters", strings.ReplaceAll(field, "_", " "), code)
	}
}

// validPhone accepts digits with an optional leading + and spaces or dashes
// as separators, and 5 to 20 digits in all: wide enough for extensions and
// international numbers, strict enough to catch an e-mail typed as a phone.
func validPhone(s string) bool {
	digits := 0
	for _, r := range strings.TrimPrefix(s, "+") {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// validEmail accepts only a bare address ("a@b.c"), because the value is
// used as-is to send mail. Requiring the parsed address to equal the input
// rejects display names ("Zhang <a@b.c>"), angle brackets and comments.
func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s
}

// join lists enum values for error messages: "phone, online, onsite, email".
func join[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
