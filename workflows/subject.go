package workflows

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SubjectRunes is the length of a case's subject, in characters: enough
// to tell cases apart in a list row or an e-mail's subject line.
const SubjectRunes = 40

// Subject is what the case is about, in the customer's or requester's own
// words: the first line of the complaint, fault, question, topic or need,
// cut at SubjectRunes characters with an ellipsis. It is user data and is
// shown as it is, in any language.
func (v CaseView) Subject() string {
	var text string
	switch {
	case v.Form != nil:
		text = v.Form.Content
	case v.Repair != nil:
		text = v.Repair.Form.Fault
		if loc := strings.TrimSpace(v.Repair.Form.Location); loc != "" {
			text = loc + ": " + text
		}
	case v.Consultation != nil:
		text = v.Consultation.Form.Question
	case v.Media != nil:
		text = v.Media.Form.Topic
	case v.Collaboration != nil:
		text = v.Collaboration.Form.Need
	}
	return ShortText(text, SubjectRunes)
}

// ShortText is the first line of text with runs of space folded, cut to at
// most max characters (an ellipsis marks the cut).
func ShortText(text string, max int) string {
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	text = strings.Join(strings.FieldsFunc(text, unicode.IsSpace), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	r := []rune(text)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// Contact is who the case is for and how to reach them: the complainant,
// the repair's reporter, the caller, the journalist or the requester. It
// is the customer data rule P1 masks.
type Contact struct {
	Name, Phone, Email string
}

// Contact is the case's customer, as registered.
func (v CaseView) Contact() Contact {
	switch {
	case v.Form != nil:
		return Contact{v.Form.ComplainantName, v.Form.Phone, v.Form.Email}
	case v.Repair != nil:
		return Contact{v.Repair.Form.ReporterName, v.Repair.Form.Phone, v.Repair.Form.Email}
	case v.Consultation != nil:
		return Contact{v.Consultation.Form.CallerName, v.Consultation.Form.Phone, v.Consultation.Form.Email}
	case v.Media != nil:
		return Contact{v.Media.Form.ReporterName, v.Media.Form.ReporterPhone, v.Media.Form.ReporterEmail}
	}
	return Contact{}
}
