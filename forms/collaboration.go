package forms

import (
	"strings"
	"time"
)

// CodeTooSoon marks a cross-department request booked less than the
// required lead time before its time node (rule X1).
const CodeTooSoon = "too_soon"

// QualityControlDepartment is the quality-control department (质控部门)
// that broken hand-offs and poor ratings are reported to (X3, X4).
const QualityControlDepartment = "quality_control"

// Collaboration is the cross-department request form (协作申请表, rules X1,
// X2): who asks whom for what, by when, and what each side is responsible
// for.
type Collaboration struct {
	BookedAt             time.Time `json:"booked_at"` // set by the system
	RequestingDepartment string    `json:"requesting_department"`
	TargetDepartment     string    `json:"target_department"`
	Requester            string    `json:"requester"` // the person booking, who later rates the service
	Phone                string    `json:"phone,omitempty"`
	Email                string    `json:"email,omitempty"`
	Urgency              Urgency   `json:"urgency,omitempty"` // default normal
	Need                 string    `json:"need" bound:"text"` // the specific need
	// TimeNode is when the work must be done. TimeNodeWithin ("3 working
	// days", "48h") sets it relative to the booking instead; the intake
	// resolves it through the business calendar.
	TimeNode                  time.Time `json:"time_node,omitzero"`
	TimeNodeWithin            string    `json:"time_node_within,omitempty"`
	RequesterResponsibilities string    `json:"requester_responsibilities" bound:"text"`
	TargetResponsibilities    string    `json:"target_responsibilities" bound:"text"`
	// BypassReason lets an urgent request be booked inside the lead time;
	// it is recorded and reported to quality control (X1).
	BypassReason string   `json:"bypass_reason,omitempty" bound:"text"`
	Region       string   `json:"region,omitempty"`
	Language     Language `json:"language,omitempty"`
	// ParentCase is the complaint or repair that opened the request; only
	// the system sets it.
	ParentCase string `json:"parent_case,omitempty"`
}

// Normalize trims spaces and applies defaults.
func (c *Collaboration) Normalize(now time.Time) {
	for _, s := range []*string{&c.RequestingDepartment, &c.TargetDepartment, &c.Requester, &c.Phone, &c.Email, &c.Need,
		&c.TimeNodeWithin, &c.RequesterResponsibilities, &c.TargetResponsibilities, &c.BypassReason, &c.Region, &c.ParentCase} {
		*s = strings.TrimSpace(*s)
	}
	c.Urgency = Urgency(strings.TrimSpace(string(c.Urgency)))
	c.Language = Language(strings.TrimSpace(string(c.Language)))
	if c.BookedAt.IsZero() {
		c.BookedAt = now
	}
	c.BookedAt = c.BookedAt.UTC()
	if !c.TimeNode.IsZero() {
		c.TimeNode = c.TimeNode.UTC()
	}
	if c.Urgency == "" {
		c.Urgency = UrgencyNormal
	}
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
}

// Lead is how far ahead of the time node the request was booked.
func (c Collaboration) Lead() time.Duration { return c.TimeNode.Sub(c.BookedAt) }

// Bypassed reports an urgent request booked inside minLead with its reason
// (X1): accepted, but recorded and reported.
func (c Collaboration) Bypassed(minLead time.Duration) bool {
	return c.Lead() < minLead && c.Urgency == UrgencyUrgent && c.BypassReason != ""
}

// Validate reports every problem at once, per field. minLead is the
// booking lead time (24h by default, X1): a later booking is refused with
// the reason and the earliest acceptable time node, unless the request is
// urgent and says why it cannot wait.
func (c Collaboration) Validate(now time.Time, minLead time.Duration) Errors {
	errs := c.ValidateRequest(now, minLead)
	if c.Phone != "" && !validPhone(c.Phone) {
		errs.add("phone", CodeInvalid, "phone number must have 5 to 20 digits, with an optional leading + and spaces or dashes")
	}
	if c.Email != "" && !validEmail(c.Email) {
		errs.add("email", CodeInvalid, "e-mail must be a plain address such as name@example.com")
	}
	return withBounds(errs, c)
}

// ValidateRequest checks everything but the requester's contact details
// and the lengths of the texts: what a case that opens a request from
// inside its workflow fills in (the e-mail parser logs, which workflow code
// must not). Lengths are left to Validate and to the Update validator's
// CheckBounds, because the limits are settings and a check that runs in a
// workflow's handler must answer the same on replay whatever they are.
func (c Collaboration) ValidateRequest(now time.Time, minLead time.Duration) Errors {
	var errs Errors
	switch {
	case c.RequestingDepartment == "":
		errs.add("requesting_department", CodeRequired, "requesting department is required")
	case !ValidDepartment(c.RequestingDepartment):
		errs.add("requesting_department", CodeInvalid, "requesting department must be a department code")
	}
	switch {
	case c.TargetDepartment == "":
		errs.add("target_department", CodeRequired, "target department is required")
	case !ValidDepartment(c.TargetDepartment):
		errs.add("target_department", CodeInvalid, "target department must be a department code")
	case c.TargetDepartment == c.RequestingDepartment:
		errs.add("target_department", CodeInvalid, "a department does not book collaboration with itself; name the other department")
	}
	checkStorable(&errs, "booked_at", "booking time", c.BookedAt)
	checkRequired(&errs, "requester", "requester", c.Requester)
	if c.Urgency != UrgencyNormal && c.Urgency != UrgencyUrgent {
		errs.add("urgency", CodeUnknownValue, "urgency %q is not one of normal, urgent", c.Urgency)
	}
	checkRequired(&errs, "need", "specific need", c.Need)
	c.checkTimeNode(&errs, now, minLead)
	checkRequired(&errs, "requester_responsibilities", "requester's responsibilities", c.RequesterResponsibilities)
	checkRequired(&errs, "target_responsibilities", "target department's responsibilities", c.TargetResponsibilities)
	if c.Language != "" && !c.Language.Valid() {
		errs.add("language", CodeUnknownValue, "language %q is not one of %s", c.Language, join(Languages()))
	}
	return errs
}

// checkTimeNode enforces rule X1: booked at least minLead before the time
// node, or urgent with a stated reason.
func (c Collaboration) checkTimeNode(errs *Errors, now time.Time, minLead time.Duration) {
	local := func(t time.Time) string { return t.In(now.Location()).Format("2006-01-02 15:04 MST") }
	switch {
	case c.TimeNodeWithin != "":
		errs.add("time_node_within", CodeInvalid, "time_node_within must be resolved to a time node before validation")
		return
	case c.TimeNode.IsZero():
		errs.add("time_node", CodeRequired, "time node (when the work must be done) is required")
		return
	case !storable(c.TimeNode):
		errs.add("time_node", CodeInvalid, "the time node %s", outOfRange)
		return
	case !c.TimeNode.After(c.BookedAt):
		errs.add("time_node", CodeOrder, "the time node %s must be after the booking (%s)", local(c.TimeNode), local(c.BookedAt))
		return
	}
	if c.Lead() >= minLead {
		return
	}
	earliest := local(c.BookedAt.Add(minLead))
	lead := c.Lead().Round(time.Minute)
	switch {
	case c.Urgency != UrgencyUrgent:
		errs.add("time_node", CodeTooSoon,
			"cross-department work must be booked at least %s before its time node, but %s is only %s away; choose %s or later, or mark the request urgent and give a bypass reason",
			minLead, local(c.TimeNode), lead, earliest)
	case c.BypassReason == "":
		errs.add("bypass_reason", CodeRequired,
			"an urgent request booked only %s before its time node (less than %s) needs a bypass reason, which is recorded and reported to quality control",
			lead, minLead)
	}
}
