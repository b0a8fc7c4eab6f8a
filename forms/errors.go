package forms

import (
	"fmt"
	"strings"
	"time"
)

// Error codes carried in FieldError.Code. They are part of the API contract:
// clients switch on the code and show their own text, so never rename them.
const (
	CodeRequired     = "required"
	CodeInvalid      = "invalid"
	CodeTooLong      = "too_long"
	CodeFuture       = "future"
	CodeOrder        = "order"
	CodeUnknownValue = "unknown_value"
)

// FieldError is one problem with one field. Field is the JSON name
// ("content", "phone") so a client can highlight the input it came from.
// A too_long problem also carries the limit and what was sent, so a client
// can say both in its own language without parsing Message.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Max     int    `json:"max,omitempty"`    // too_long: the most Unit allowed
	Length  int    `json:"length,omitempty"` // too_long: how many Unit were sent
	Unit    string `json:"unit,omitempty"`   // too_long: UnitCharacters or UnitEntries
}

// Units of a too_long problem's Max and Length: characters (runes) of a
// text or of one entry of a list, or entries of a list.
const (
	UnitCharacters = "characters"
	UnitEntries    = "entries"
)

// Errors is every problem found in a form at once, so an agent can fix the
// whole form in one pass instead of resubmitting field by field (C1).
// A nil or empty Errors means the form is valid.
type Errors []FieldError

// Error joins the messages of all problems.
func (e Errors) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Message
	}
	return strings.Join(msgs, "; ")
}

// Err returns nil when there are no problems and e otherwise. It exists
// because a nil Errors stored in an error interface is not == nil; use
// `if err := c.Validate(now).Err(); err != nil`.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// storable reports whether instant t can be stored. Instants are kept in
// UTC (T3) and forms travel as JSON, whose RFC 3339 times have four-digit
// years; an offset can carry a time written as year 0000 or 9999 outside
// that range, where encoding fails.
func storable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// outOfRange ends the message for an instant that is not storable.
const outOfRange = "must be between the years 0000 and 9999 in UTC"

// checkStorable reports an instant that cannot be stored.
func checkStorable(errs *Errors, field, name string, t time.Time) {
	if !storable(t) {
		errs.add(field, CodeInvalid, "%s %s", name, outOfRange)
	}
}

// add appends one problem; the message is a plain English sentence.
func (e *Errors) add(field, code, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// tooLong appends a too_long problem with its limit and length. name is
// the message's subject: the field's JSON name, or one entry of it
// ("photos: entry 2"), never a label in another language.
func (e *Errors) tooLong(field, name, unit string, limit, length int) {
	verb := "must be"
	if unit == UnitEntries {
		verb = "must have"
	}
	*e = append(*e, FieldError{Field: field, Code: CodeTooLong,
		Message: fmt.Sprintf("%s %s at most %d %s (it has %d)", name, verb, limit, unit, length),
		Max:     limit, Length: length, Unit: unit})
}
