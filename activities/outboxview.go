package activities

import (
	"encoding/json"
	"html/template"
	"regexp"
	"slices"
	"strings"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// An outbox entry holds the customer's name and address in clear (the
// e-mail as it went out), and the customer's signed links. Staff read it
// through Masked and HideLinks (rule P1): the customer's data masked as on
// a case, the links cut so nobody rates or looks in the customer's place.

// Customer is who an outbox entry is addressed to or about: the names and
// addresses it carries in clear.
func (e OutboxEntry) Customer() (names, emails []string) {
	add := func(list *[]string, v string) {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	add(&names, e.Notice.Customer)
	if e.Notice.To.Role == "customer" {
		add(&names, e.Notice.To.Name)
		add(&emails, e.Notice.To.Email)
	}
	for _, m := range e.Messages {
		if !m.To.Staff {
			add(&names, m.To.Name)
			add(&emails, m.To.Email)
		}
	}
	return names, emails
}

// Masked is the entry with the customer's name and e-mail address masked
// wherever they stand: headers, subject, the text and HTML of each message,
// the notice's fields and a failure's reason.
func (e OutboxEntry) Masked() OutboxEntry {
	names, emails := e.Customer()
	var pairs []string
	add := func(v, masked string) {
		pairs = append(pairs, jsonText(v), jsonText(masked))
		// The HTML part holds the value escaped (O'Brien → O&#39;Brien).
		if h := template.HTMLEscapeString(v); h != v {
			pairs = append(pairs, jsonText(h), jsonText(template.HTMLEscapeString(masked)))
		}
	}
	// E-mail addresses first: a name may stand inside one.
	for _, a := range emails {
		add(a, forms.MaskEmail(a))
	}
	for _, n := range names {
		add(n, forms.MaskName(n))
	}
	if len(pairs) == 0 {
		return e
	}
	return rewrite(e, strings.NewReplacer(pairs...).Replace)
}

// customerLink is a satisfaction or status link's signed token, in text,
// HTML or JSON.
var customerLink = regexp.MustCompile(`(/(?:rate|status)/)([A-Za-z0-9_\-]{4})[A-Za-z0-9_\-.=%]*`)

// HiddenLink stands in for the cut part of a customer's link.
const HiddenLink = "…(hidden)"

// HideLinks cuts the customer's satisfaction and status links to their
// first characters: enough to tell them apart, too little to follow.
func (e OutboxEntry) HideLinks() OutboxEntry {
	return rewrite(e, func(s string) string { return customerLink.ReplaceAllString(s, "${1}${2}"+HiddenLink) })
}

// rewrite applies f to the entry's JSON text: every string in it, whatever
// field it stands in.
func rewrite(e OutboxEntry, f func(string) string) OutboxEntry {
	var out OutboxEntry
	b, err := json.Marshal(e)
	if err == nil {
		err = json.Unmarshal([]byte(f(string(b))), &out)
	}
	if err != nil {
		// Never the entry as it was: keep only what names no one.
		n := e.Notice
		return OutboxEntry{Notice: workflows.Notice{ID: n.ID, CaseNo: n.CaseNo, CaseType: n.CaseType, Kind: n.Kind,
			To: workflows.Recipient{Role: n.To.Role, Department: n.To.Department}, Language: n.Language, CreatedAt: n.CreatedAt},
			StoredAt: e.StoredAt, Status: e.Status}
	}
	return out
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
