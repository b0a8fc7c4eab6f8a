// Package sla holds the service-level settings of each case type: how long
// each clock runs, when reminders fire, and where a breach escalates. A case
// copies its policy into its workflow input when it starts, so changing the
// settings never moves the deadlines of cases already running.
package sla

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/closeloop/closeloop/calendar"
)

// Level is a rung of the escalation ladder (rule E3).
type Level int

// The ladder: handler → department head → customer-service head → management.
const (
	LevelHandler Level = iota
	LevelDeptHead
	LevelCSHead
	LevelManagement
)

var levelNames = [...]string{"handler", "dept_head", "cs_head", "management"}

func (l Level) String() string {
	if l < LevelHandler || l > LevelManagement {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// Next is the rung above l; management is the top.
func (l Level) Next() Level { return min(l+1, LevelManagement) }

// ChannelSpan is a stricter clock for one intake channel; the earlier of the
// general and the channel deadline applies (rule C11 for phone complaints).
type ChannelSpan struct {
	Channel string        `json:"channel"`
	Span    calendar.Span `json:"span"`
}

// Clock is one deadline of a case type.
type Clock struct {
	Name string        `json:"name"`
	Span calendar.Span `json:"span"`
	// Channel spans tighten the clock for cases from that channel.
	Channel []ChannelSpan `json:"channel,omitempty"`
	// Reminders are points in percent of the clock's length at which the
	// assignee is reminded (default 50 and 80).
	Reminders []int `json:"reminders"`
	// EscalateTo is the lowest ladder level a breach of this clock reaches;
	// a breach always climbs at least one level.
	EscalateTo Level `json:"escalate_to,omitempty"`
	// Pausable clocks stop while a cross-department request the case opened
	// is pending, and carry their remaining time forward when it is done.
	Pausable bool `json:"pausable,omitempty"`
	// Fixed clocks are due at an instant the case itself names (the
	// collaboration's time node); Span is not used.
	Fixed bool `json:"fixed,omitempty"`
}

// Spans are the clock's length for a case from channel: the general span
// first, then any stricter channel span.
func (c Clock) Spans(channel string) []calendar.Span {
	spans := []calendar.Span{c.Span}
	for _, cs := range c.Channel {
		if cs.Channel == channel {
			spans = append(spans, cs.Span)
		}
	}
	return spans
}

// Policy is the SLA settings of one case type.
type Policy struct {
	CaseType string  `json:"case_type"`
	Clocks   []Clock `json:"clocks"`
	// MaxRounds is how many unsatisfied return visits are tolerated before
	// the case goes to management (rule C8, default 3).
	MaxRounds int `json:"max_rounds"`
	// RegistrationLimit is the longest allowed gap between intake and
	// registration before the case is flagged late (rule C1, default 5m).
	RegistrationLimit time.Duration `json:"registration_limit"`
	// MinBookingLead is how far ahead of its time node a cross-department
	// request must be booked (rule X1, default 24h; collaboration only).
	MinBookingLead time.Duration `json:"min_booking_lead,omitempty"`
	// PoorRating is the highest requester rating (1–5) that counts as poor
	// and goes to quality control (rule X4, default 2; collaboration only).
	PoorRating int `json:"poor_rating,omitempty"`
	// TimelineWindow is how many of the latest timeline entries a case
	// keeps in its state; older ones go to the archive (0: the default,
	// 200). It is part of the case's input, so a changed setting cannot
	// change how a running case replays.
	TimelineWindow int `json:"timeline_window,omitempty"`
}

// Clock returns the named clock.
func (p Policy) Clock(name string) (Clock, bool) {
	for _, c := range p.Clocks {
		if c.Name == name {
			return c, true
		}
	}
	return Clock{}, false
}

// Complaint clock names.
const (
	FirstFeedback  = "first_feedback"  // C2: 24h from registration
	Resolution     = "resolution"      // C3: 72h from registration
	ReturnVisit    = "return_visit"    // C10: 24h from resolution
	ResultDelivery = "result_delivery" // C10: 5 working days from registration
	Rework         = "rework"          // C8: rework after an unsatisfied visit

	MediaContact = "media_contact" // E2: a named person contacts the outlet within 2h

	Callback         = "callback"          // Q2: deferred answer within 2 working days
	SpecialistAnswer = "specialist_answer" // Q4: the specialist department's own deadline

	SignFor          = "sign_for"          // R2: maintenance signs for the order
	RepairCompletion = "repair_completion" // R3: the repair is done

	Acceptance    = "acceptance"     // X1: the target department accepts or declines
	TimeNode      = "time_node"      // X2: the work is delivered by the agreed time node
	SeriousBreach = "serious_breach" // X3: still undelivered after the time node: the QC leader is told
	Rating        = "rating"         // X4: the requester rates the service
)

var defaultReminders = []int{50, 80}

// DefaultComplaint is the complaint policy from the rulebook.
func DefaultComplaint() Policy {
	hours := func(n int) calendar.Span { return calendar.Span{N: n, Unit: calendar.Hours} }
	days := func(n int) calendar.Span { return calendar.Span{N: n, Unit: calendar.WorkingDays} }
	return Policy{
		CaseType: "complaint",
		Clocks: []Clock{
			{Name: FirstFeedback, Span: hours(24), Reminders: defaultReminders,
				Channel: []ChannelSpan{{Channel: "phone", Span: days(1)}}},
			{Name: Resolution, Span: hours(72), Reminders: defaultReminders, Pausable: true,
				Channel: []ChannelSpan{{Channel: "phone", Span: days(3)}}},
			{Name: ReturnVisit, Span: hours(24), Reminders: defaultReminders},
			{Name: ResultDelivery, Span: days(5), Reminders: defaultReminders},
			{Name: Rework, Span: hours(72), Reminders: defaultReminders, EscalateTo: LevelCSHead, Pausable: true},
		},
		MaxRounds:         3,
		RegistrationLimit: 5 * time.Minute,
	}
}

// DefaultMediaInquiry is the media inquiry policy: a missed call-back goes
// straight to management (rule E2).
func DefaultMediaInquiry() Policy {
	return Policy{
		CaseType: "media_inquiry",
		Clocks: []Clock{
			{Name: MediaContact, Span: calendar.Span{N: 2, Unit: calendar.Hours}, Reminders: defaultReminders, EscalateTo: LevelManagement},
		},
		MaxRounds:         1,
		RegistrationLimit: 5 * time.Minute,
	}
}

// DefaultConsultation is the consultation policy (rules Q2, Q4).
func DefaultConsultation() Policy {
	days := calendar.Span{N: 2, Unit: calendar.WorkingDays}
	return Policy{
		CaseType: "consultation",
		Clocks: []Clock{
			{Name: Callback, Span: days, Reminders: defaultReminders},
			{Name: SpecialistAnswer, Span: days, Reminders: defaultReminders},
		},
		MaxRounds:         1,
		RegistrationLimit: 5 * time.Minute,
	}
}

// DefaultRepair is the repair policy: sign for within 2 business hours
// (R2), repair within 3 working days, return visit within 24 hours of
// completion, rework within 72 hours, management after 3 failed visits (R5).
func DefaultRepair() Policy {
	return Policy{
		CaseType: "repair",
		Clocks: []Clock{
			{Name: SignFor, Span: calendar.Span{N: 2, Unit: calendar.BusinessHours}, Reminders: defaultReminders},
			{Name: RepairCompletion, Span: calendar.Span{N: 3, Unit: calendar.WorkingDays}, Reminders: defaultReminders, Pausable: true},
			{Name: ReturnVisit, Span: calendar.Span{N: 24, Unit: calendar.Hours}, Reminders: defaultReminders},
			{Name: Rework, Span: calendar.Span{N: 72, Unit: calendar.Hours}, Reminders: defaultReminders, EscalateTo: LevelCSHead, Pausable: true},
		},
		MaxRounds:         3,
		RegistrationLimit: 5 * time.Minute,
	}
}

// DefaultCollaboration is the cross-department request policy: the target
// department accepts or declines within 4 business hours, delivers by the
// agreed time node (X2) or quality control is told, and its supervising
// leader when the work is still not delivered a working day later (X3);
// the requester rates within 2 working days of delivery (X4).
func DefaultCollaboration() Policy {
	return Policy{
		CaseType: "collaboration",
		Clocks: []Clock{
			{Name: Acceptance, Span: calendar.Span{N: 4, Unit: calendar.BusinessHours}, Reminders: defaultReminders},
			{Name: TimeNode, Fixed: true, Reminders: defaultReminders},
			{Name: SeriousBreach, Span: calendar.Span{N: 1, Unit: calendar.WorkingDays}},
			{Name: Rating, Span: calendar.Span{N: 2, Unit: calendar.WorkingDays}, Reminders: []int{50}},
		},
		MaxRounds:         1,
		RegistrationLimit: 5 * time.Minute,
		MinBookingLead:    24 * time.Hour,
		PoorRating:        2,
	}
}

// Validate reports the first problem in the policy.
func (p Policy) Validate() error {
	if p.CaseType == "" {
		return fmt.Errorf("sla: case_type is required")
	}
	if p.MaxRounds < 1 {
		return fmt.Errorf("sla %s: max_rounds must be at least 1", p.CaseType)
	}
	if p.MinBookingLead < 0 {
		return fmt.Errorf("sla %s: min_booking_lead must not be negative", p.CaseType)
	}
	if p.PoorRating < 0 || p.PoorRating > 4 {
		return fmt.Errorf("sla %s: poor_rating must be from 0 (none is poor) to 4", p.CaseType)
	}
	seen := map[string]bool{}
	for _, c := range p.Clocks {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("sla %s: clock name %q is empty or repeated", p.CaseType, c.Name)
		}
		seen[c.Name] = true
		if c.Fixed && (c.Span != (calendar.Span{}) || len(c.Channel) > 0) {
			return fmt.Errorf("sla %s clock %s: a fixed clock is due at the case's own instant and takes no span", p.CaseType, c.Name)
		}
		for _, s := range c.Spans("") {
			if c.Fixed {
				break
			}
			if err := s.Validate(); err != nil {
				return fmt.Errorf("sla %s clock %s: %w", p.CaseType, c.Name, err)
			}
		}
		for _, cs := range c.Channel {
			if err := cs.Span.Validate(); err != nil {
				return fmt.Errorf("sla %s clock %s channel %s: %w", p.CaseType, c.Name, cs.Channel, err)
			}
		}
		for _, r := range c.Reminders {
			if r <= 0 || r >= 100 {
				return fmt.Errorf("sla %s clock %s: reminder %d%% must be between 1 and 99", p.CaseType, c.Name, r)
			}
		}
	}
	return nil
}

// Settings is every case type's policy.
type Settings struct {
	Complaint     Policy `json:"complaint"`
	MediaInquiry  Policy `json:"media_inquiry"`
	Consultation  Policy `json:"consultation"`
	Repair        Policy `json:"repair"`
	Collaboration Policy `json:"collaboration"`
}

// Defaults are the rulebook's settings.
func Defaults() Settings {
	return Settings{Complaint: DefaultComplaint(), MediaInquiry: DefaultMediaInquiry(), Consultation: DefaultConsultation(),
		Repair: DefaultRepair(), Collaboration: DefaultCollaboration()}
}

// Load reads settings from a JSON file; policies absent from the file keep
// their defaults. The file has the shape of Settings.
func Load(path string) (Settings, error) {
	s := Defaults()
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("sla settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("sla settings %s: %w", path, err)
	}
	for _, p := range []Policy{s.Complaint, s.MediaInquiry, s.Consultation, s.Repair, s.Collaboration} {
		if err := p.Validate(); err != nil {
			return s, fmt.Errorf("sla settings %s: %w", path, err)
		}
	}
	return s, nil
}
