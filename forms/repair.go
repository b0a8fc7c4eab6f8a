package forms

import (
	"slices"
	"strings"
	"time"
)

// Urgency of a repair order.
type Urgency string

// Urgencies.
const (
	UrgencyNormal Urgency = "normal"
	UrgencyUrgent Urgency = "urgent"
)

// Repair is the repair order (报修单, rule R1).
type Repair struct {
	ReceivedAt    time.Time `json:"received_at"`
	RegisteredAt  time.Time `json:"registered_at"` // set by the system
	Location      string    `json:"location"`
	Fault         string    `json:"fault" bound:"text"` // fault description
	ReporterName  string    `json:"reporter_name"`
	Phone         string    `json:"phone,omitempty"`
	Email         string    `json:"email,omitempty"`
	Urgency       Urgency   `json:"urgency,omitempty"`        // default normal
	PreferredTime string    `json:"preferred_time,omitempty"` // e.g. "weekday mornings"
	Photos        []string  `json:"photos,omitempty"`         // references to stored photos
	Department    string    `json:"department,omitempty"`     // maintenance department; default "maintenance"
	Channel       Channel   `json:"channel"`
	Region        string    `json:"region"`
	Language      Language  `json:"language,omitempty"`
	Recorder      string    `json:"recorder"`
}

// DefaultMaintenance is the department repair orders go to (R2).
const DefaultMaintenance = "maintenance"

// Normalize trims spaces and applies defaults.
func (r *Repair) Normalize(now time.Time) {
	for _, s := range []*string{&r.Location, &r.Fault, &r.ReporterName, &r.Phone, &r.Email, &r.PreferredTime, &r.Department, &r.Region, &r.Recorder} {
		*s = strings.TrimSpace(*s)
	}
	r.Urgency = Urgency(strings.TrimSpace(string(r.Urgency)))
	r.Channel = Channel(strings.TrimSpace(string(r.Channel)))
	r.Language = Language(strings.TrimSpace(string(r.Language)))
	if r.RegisteredAt.IsZero() {
		r.RegisteredAt = now
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = r.RegisteredAt
	}
	r.RegisteredAt, r.ReceivedAt = r.RegisteredAt.UTC(), r.ReceivedAt.UTC()
	if r.Urgency == "" {
		r.Urgency = UrgencyNormal
	}
	if r.Department == "" {
		r.Department = DefaultMaintenance
	}
	if r.Language == "" {
		r.Language = DefaultLanguage
	}
}

// Validate reports every problem at once, per field.
func (r Repair) Validate(now time.Time) Errors {
	var errs Errors
	switch {
	case r.ReceivedAt.IsZero():
		errs.add("received_at", CodeRequired, "time the repair was reported is required")
	case !storable(r.ReceivedAt):
		errs.add("received_at", CodeInvalid, "time the repair was reported %s", outOfRange)
	case r.ReceivedAt.After(now.Add(futureTolerance)):
		errs.add("received_at", CodeFuture, "time the repair was reported is in the future")
	case !r.RegisteredAt.IsZero() && r.ReceivedAt.After(r.RegisteredAt):
		errs.add("received_at", CodeOrder, "the repair cannot be reported after it was registered")
	}
	checkStorable(&errs, "registered_at", "registration time", r.RegisteredAt)
	checkText(&errs, "location", "location", r.Location, true, shortMax())
	checkText(&errs, "fault", "fault description", r.Fault, true, textMax())
	checkText(&errs, "reporter_name", "reporter name", r.ReporterName, true, shortMax())
	hasPhone, hasEmail := r.Phone != "", r.Email != ""
	switch {
	case !hasPhone && !hasEmail:
		errs.add("phone", CodeRequired, "a phone number or e-mail address is required")
	case hasPhone && !validPhone(r.Phone):
		errs.add("phone", CodeInvalid, "phone number must have 5 to 20 digits, with an optional leading + and spaces or dashes")
	}
	if hasEmail && !validEmail(r.Email) {
		errs.add("email", CodeInvalid, "e-mail must be a plain address such as name@example.com")
	}
	if r.Urgency != "" && r.Urgency != UrgencyNormal && r.Urgency != UrgencyUrgent {
		errs.add("urgency", CodeUnknownValue, "urgency %q is not one of normal, urgent", r.Urgency)
	}
	checkText(&errs, "preferred_time", "preferred time", r.PreferredTime, false, shortMax())
	// The number and length of photo references are bounded with every
	// other field, below.
	if slices.ContainsFunc(r.Photos, func(p string) bool { return strings.TrimSpace(p) == "" }) {
		errs.add("photos", CodeInvalid, "a photo reference must not be empty")
	}
	if r.Department != "" && !ValidDepartment(r.Department) {
		errs.add("department", CodeInvalid, "department must be a department code")
	}
	switch {
	case r.Channel == "":
		errs.add("channel", CodeRequired, "channel is required")
	case !r.Channel.Valid():
		errs.add("channel", CodeUnknownValue, "channel %q is not one of %s", r.Channel, join(Channels()))
	}
	checkText(&errs, "region", "region", r.Region, true, shortMax())
	if r.Language != "" && !r.Language.Valid() {
		errs.add("language", CodeUnknownValue, "language %q is not one of %s", r.Language, join(Languages()))
	}
	checkText(&errs, "recorder", "recorder", r.Recorder, true, shortMax())
	return withBounds(errs, r)
}
