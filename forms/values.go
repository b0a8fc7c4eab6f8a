package forms

import (
	"regexp"
	"slices"
)

// Channel is how a case reached us; it is recorded for every case so
// reports can be broken down by channel (K6).
type Channel string

// Channels accepted on intake (K6).
const (
	ChannelPhone  Channel = "phone"
	ChannelOnline Channel = "online"
	ChannelOnsite Channel = "onsite"
	ChannelEmail  Channel = "email"
)

// Channels returns every accepted channel in display order. It returns a new
// slice on each call so callers cannot change the accepted set.
func Channels() []Channel {
	return []Channel{ChannelPhone, ChannelOnline, ChannelOnsite, ChannelEmail}
}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// Priority orders the work queue; VIP customers are raised above normal
// priority by the agent at intake (K7).
type Priority string

// Priorities accepted on intake (K7).
const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities returns every accepted priority, lowest first.
func Priorities() []Priority {
	return []Priority{PriorityNormal, PriorityHigh, PriorityUrgent}
}

// Valid reports whether p is one of Priorities.
func (p Priority) Valid() bool { return slices.Contains(Priorities(), p) }

// Language is the customer's language, used for every message we send them
// and for the labels of the printed form (U1).
type Language string

// Languages supported for customers (U1).
const (
	LanguageZhCN Language = "zh-CN"
	LanguageEN   Language = "en"
)

// DefaultLanguage is used when a complaint does not say; most customers are
// Chinese-speaking.
const DefaultLanguage = LanguageZhCN

// Languages returns every supported language, default first.
func Languages() []Language { return []Language{LanguageZhCN, LanguageEN} }

// Valid reports whether l is one of Languages.
func (l Language) Valid() bool { return slices.Contains(Languages(), l) }

// Natures of a complaint. Nature is optional on intake because the customer
// often cannot classify the problem; it is checked only when set.
const (
	NatureService = "service"
	NatureQuality = "quality"
	NatureBilling = "billing"
	NatureSafety  = "safety"
	NatureOther   = "other"
)

// Natures returns every accepted complaint nature.
func Natures() []string {
	return []string{NatureService, NatureQuality, NatureBilling, NatureSafety, NatureOther}
}

// ValidNature reports whether s is one of Natures.
func ValidNature(s string) bool { return slices.Contains(Natures(), s) }

// DepartmentPattern is the shape of a department code. Codes are used as
// routing keys and in URLs, so they are kept lowercase ASCII and short.
var DepartmentPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ValidDepartment reports whether s is a well-formed department code.
func ValidDepartment(s string) bool { return DepartmentPattern.MatchString(s) }
