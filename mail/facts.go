package mail

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Facts read from the case at send time travel in the notice's fields
// under this prefix; the workflow never sets them, and field lists skip
// them.
const (
	factPrefix  = "case:"
	factSubject = factPrefix + "subject"
	factDue     = factPrefix + "due:" // + clock name: RFC 3339 instant
)

// WithCase adds what the e-mail needs from the case and the notice does not
// carry: the case's short subject (masked for staff, P1) and, for the
// customer, the times owed to them. The activity calls it when it sends,
// so the workflow stays as it is.
func WithCase(n workflows.Notice, v workflows.CaseView) workflows.Notice {
	fields := maps.Clone(n.Fields)
	if fields == nil {
		fields = map[string]string{}
	}
	subject := v.Subject()
	if n.To.Role != "customer" {
		subject = MaskCustomer(subject, v)
	}
	if subject != "" {
		fields[factSubject] = subject
	}
	if n.To.Role == "customer" {
		for _, d := range Owed(v) {
			if d.State != workflows.DeadlineBreached {
				fields[factDue+d.Name] = d.Due.UTC().Format(time.RFC3339)
			}
		}
	}
	n.Fields = fields
	return n
}

// MaskCustomer hides the case's customer's name, phone and e-mail where
// they stand in s (P1).
func MaskCustomer(s string, v workflows.CaseView) string {
	var name, phone, email string
	switch {
	case v.Form != nil:
		name, phone, email = v.Form.ComplainantName, v.Form.Phone, v.Form.Email
	case v.Repair != nil:
		name, phone, email = v.Repair.Form.ReporterName, v.Repair.Form.Phone, v.Repair.Form.Email
	case v.Consultation != nil:
		name, phone, email = v.Consultation.Form.CallerName, v.Consultation.Form.Phone, v.Consultation.Form.Email
	case v.Media != nil:
		name, phone, email = v.Media.Form.ReporterName, v.Media.Form.ReporterPhone, v.Media.Form.ReporterEmail
	}
	var pairs []string
	for _, p := range [][2]string{{email, forms.MaskEmail(email)}, {phone, forms.MaskPhone(phone)}, {name, forms.MaskName(name)}} {
		if strings.TrimSpace(p[0]) != "" {
			pairs = append(pairs, p[0], p[1])
		}
	}
	if len(pairs) == 0 {
		return s
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// customerSteps name, in the customer's words, the clocks that are a
// promise to the customer; the others (signing for an order, a
// department's acceptance) are internal.
var customerSteps = map[string][2]string{ // clock → {en, zh-CN}
	"first_feedback":    {"A first reply to you", "首次答复您"},
	"resolution":        {"Your matter handled", "处理完毕"},
	"result_delivery":   {"The result brought to you in person", "当面向您反馈处理结果"},
	"return_visit":      {"Our call to check you are satisfied", "回访您，确认是否满意"},
	"rework":            {"Your matter handled again", "重新处理完毕"},
	"repair_completion": {"The repair done", "维修完成"},
	"callback":          {"Our call-back with the answer", "回电答复您"},
	"specialist_answer": {"The specialists' answer", "专业部门答复您"},
	"media_contact":     {"A named person contacts you", "专人与您联系"},
}

// CustomerStep is a clock in the customer's words; false for clocks the
// customer is not told about.
func CustomerStep(clock, lang string) (string, bool) {
	l, ok := customerSteps[clock]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return l[0], true
	}
	return l[1], true
}

// Owed are the customer-facing clocks still running (pending, paused or
// past due), the latest of each, earliest first.
func Owed(v workflows.CaseView) []workflows.Deadline {
	latest := map[string]workflows.Deadline{}
	for _, d := range v.Deadlines {
		if _, ok := customerSteps[d.Name]; !ok {
			continue
		}
		if cur, ok := latest[d.Name]; !ok || d.Round >= cur.Round {
			latest[d.Name] = d
		}
	}
	var out []workflows.Deadline
	for _, d := range latest {
		switch d.State {
		case workflows.DeadlinePending, workflows.DeadlinePaused, workflows.DeadlineBreached:
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b workflows.Deadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// LocalTime is an instant for a reader: in the business zone, with the
// zone named so it cannot be misread (never a bare UTC instant).
func LocalTime(t time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	_, off := t.Zone()
	utc := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		utc += sign + fmt.Sprint(off/3600)
		if m := off % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	at := t.Format("2006-01-02 15:04")
	beijing := loc.String() == "Asia/Shanghai" || loc.String() == "PRC"
	switch {
	case loc.String() == "UTC" && lang == "en":
		return at + " (UTC)"
	case loc.String() == "UTC":
		return at + "（UTC）"
	case lang == "en" && beijing:
		return at + " (Beijing time, " + utc + ")"
	case lang == "en":
		return at + " (" + loc.String() + ", " + utc + ")"
	case beijing:
		return at + "（北京时间）"
	}
	return at + "（" + loc.String() + " 时间，" + utc + "）"
}
