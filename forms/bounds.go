package forms

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Every text a person types into a form or a staff action is bounded, and
// so is every list: a case lives in one workflow whose state and history
// the engine caps, so one oversized comment must be refused at the door,
// never stored (issue 17). Lengths count runes, not bytes, so Chinese text
// gets the same room as English text.
//
// A string field is short (names, references, codes) unless its struct tag
// says `bound:"text"` (long free text: descriptions, results, comments,
// reasons). A slice holds at most Limits.Items entries, each bounded as its
// field is.

// Limits are the longest texts and lists accepted, in runes and entries.
type Limits struct {
	Text  int // long free text (CLOSELOOP_MAX_TEXT)
	Short int // names, references and other short fields (CLOSELOOP_MAX_SHORT_TEXT)
	Items int // entries of a list, such as a repair's photos (CLOSELOOP_MAX_ITEMS)
}

// DefaultLimits are the limits unless configured otherwise.
var DefaultLimits = Limits{Text: 4000, Short: 200, Items: 20}

// Ceilings no configuration may pass. At most 4 bytes a rune, a field
// stays under 64 KB, so even a misconfigured process cannot take an input
// that outgrows the engine's limits on a case.
const (
	CeilingText  = 16000
	CeilingItems = 100
)

// limits are this process's; the API and the worker (one binary) read the
// same configuration once at start.
var limits atomic.Pointer[Limits]

// CurrentLimits returns the limits in force.
func CurrentLimits() Limits {
	if l := limits.Load(); l != nil {
		return *l
	}
	return DefaultLimits
}

// SetLimits puts l in force for the process, if it is sane: every limit at
// least 1, short text no longer than long text, and nothing above the
// ceilings.
func SetLimits(l Limits) error {
	if err := l.Check(); err != nil {
		return err
	}
	limits.Store(&l)
	return nil
}

// Check reports a limit that SetLimits would refuse.
func (l Limits) Check() error {
	switch {
	case l.Text < 1 || l.Text > CeilingText:
		return fmt.Errorf("the text limit %d must be 1 to %d characters", l.Text, CeilingText)
	case l.Short < 1 || l.Short > l.Text:
		return fmt.Errorf("the short-text limit %d must be 1 to the text limit (%d)", l.Short, l.Text)
	case l.Items < 1 || l.Items > CeilingItems:
		return fmt.Errorf("the list limit %d must be 1 to %d entries", l.Items, CeilingItems)
	}
	return nil
}

// MaxRunes is the longest text field f takes under l: Text for a field
// tagged `bound:"text"`, Short otherwise.
func (l Limits) MaxRunes(f reflect.StructField) int {
	if f.Tag.Get("bound") == "text" {
		return l.Text
	}
	return l.Short
}

// CheckBounds reports every string of v longer than its limit or holding
// a control character (see controlCharacter), and every list with too
// many entries, under the field's JSON name, in field order.
// v is a struct or a pointer to one; nested structs are checked with
// dotted names ("form.content"). Only the input decides the answer, so it
// is safe in an Update validator at any moment of the case.
func CheckBounds(v any) Errors {
	var errs Errors
	l := CurrentLimits()
	l.walk(&errs, "", reflect.ValueOf(v))
	return errs
}

func (l Limits) walk(errs *Errors, prefix string, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		l.field(errs, prefix+name, f, v.Field(i))
	}
}

// field checks one field's value: a string, a list or a nested struct.
func (l Limits) field(errs *Errors, name string, f reflect.StructField, v reflect.Value) {
	max := l.MaxRunes(f)
	switch v.Kind() {
	case reflect.String:
		if n := utf8.RuneCountInString(v.String()); n > max {
			errs.tooLong(name, name, UnitCharacters, max, n)
		}
		checkControl(errs, name, name, v.String())
	case reflect.Slice, reflect.Array:
		if v.Len() > l.Items {
			errs.tooLong(name, name, UnitEntries, l.Items, v.Len())
			return
		}
		for j := range v.Len() {
			e := v.Index(j)
			if e.Kind() == reflect.String {
				if n := utf8.RuneCountInString(e.String()); n > max {
					errs.tooLong(name, fmt.Sprintf("%s: entry %d", name, j+1), UnitCharacters, max, n)
					return
				}
				if _, ok := controlCharacter(e.String()); ok {
					checkControl(errs, name, fmt.Sprintf("%s: entry %d", name, j+1), e.String())
					return
				}
				continue
			}
			l.walk(errs, name+".", e)
		}
	case reflect.Struct, reflect.Pointer:
		l.walk(errs, name+".", v)
	}
}

// withBounds adds the bound problems of v's fields to errs, except on a
// field errs already reports: the form's own check came first.
func withBounds(errs Errors, v any) Errors {
	for _, b := range CheckBounds(v) {
		if !errs.has(b.Field) {
			errs = append(errs, b)
		}
	}
	return errs
}

// has reports whether e reports a problem with field.
func (e Errors) has(field string) bool {
	for _, fe := range e {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// textMax and shortMax are the limits in force for a form's own checks.
func textMax() int  { return CurrentLimits().Text }
func shortMax() int { return CurrentLimits().Short }
