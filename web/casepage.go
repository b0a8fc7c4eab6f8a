package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/workflows"
)

// The case page leads with a summary: who the customer is, what the case
// is about, and what is owed next by whom and by when (issue 18).

// caseSummary is the top of the case page.
type caseSummary struct {
	Subject, Content, Demand string
	// Customer is masked; Revealed holds the real values while the
	// reveal lasts in this session (P1).
	Customer workflows.Contact
	Revealed map[string]string
	Handler  string // the handler's name, else their username
	Step     *workflows.Step
}

// summaryOf reads the case's summary from the API's answer.
func summaryOf(body []byte, c caseData) caseSummary {
	var v workflows.CaseView
	_ = json.Unmarshal(body, &v)
	var extra struct {
		Subject     string          `json:"subject"`
		NextStep    *workflows.Step `json:"next_step"`
		HandlerName string          `json:"handler_name"`
	}
	_ = json.Unmarshal(body, &extra)
	sum := caseSummary{Subject: extra.Subject, Customer: v.Contact(), Step: extra.NextStep, Handler: extra.HandlerName}
	if sum.Handler == "" {
		sum.Handler = c.Handler
	}
	switch {
	case v.Form != nil:
		sum.Content, sum.Demand = v.Form.Content, v.Form.Demand
	case v.Repair != nil:
		sum.Content = v.Repair.Form.Fault
	case v.Consultation != nil:
		sum.Content = v.Consultation.Form.Question
	case v.Media != nil:
		sum.Content = v.Media.Form.Topic
	case v.Collaboration != nil:
		sum.Content = v.Collaboration.Form.Need
	}
	return sum
}

// Party names who owes a step: customer service, or the owing
// department by its name.
func (v view) Party(s *workflows.Step) string {
	if s.Party == workflows.PartyCustomerService || s.Department == "" {
		return v.T("casepage.party." + s.Party)
	}
	return v.Dept(s.Department)
}

// Tel is a phone number as a tel: link. It keeps digits and a leading +
// only, so it is safe to mark as a URL (html/template refuses tel:).
func (view) Tel(phone string) template.URL { return template.URL(telHref(phone)) }

func telHref(phone string) string {
	var b strings.Builder
	for i, r := range phone {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return "tel:" + b.String()
}

// orderActions puts the expected next action first and open; the others
// go behind "more actions". A form that came back with errors is open
// wherever it is.
func orderActions(actions []actionForm, next string) (first *actionForm, more []actionForm) {
	for i := range actions {
		if actions[i].Name == next && first == nil {
			a := actions[i]
			a.Open = true
			first = &a
			continue
		}
		more = append(more, actions[i])
	}
	return first, more
}

// Audiences of an action's field: what goes to the customer (by e-mail,
// or is what they are told) and what stays inside the company.
const (
	audienceCustomer = "customer"
	audienceInternal = "internal"
)

// customerFields are, per action, the fields whose text reaches the
// customer: sent in a notice (result, delay, progress, visit time) or
// told to them by the person acting (first feedback, call-back answer).
// Every other text field of an action is internal. Kept in one place so
// a form never says "internal" over words the customer will read.
var customerFields = map[string][]string{
	workflows.ActionFirstFeedback: {"message"},
	workflows.ActionResolve:       {"result"},            // e-mailed as the result (complaint.resolve)
	workflows.ActionExtend:        {"reason", "new_due"}, // the delay notice (C4)
	workflows.ActionSchedule:      {"visit_at"},          // the progress notice (R3)
	workflows.ActionProgress:      {"note"},              // fed back to the customer (R3)
	workflows.ActionCallBack:      {"answer"},            // the answer given to the caller (Q1)
}

// audience says whether a field of an action reaches the customer; only
// free-text and time fields are marked, choices and flags are not.
func audience(action string, f field) string {
	for _, name := range customerFields[action] {
		if name == f.Name {
			return audienceCustomer
		}
	}
	if f.Kind == "text" || f.Kind == "textarea" {
		if len(f.Options) == 0 {
			return audienceInternal
		}
	}
	return ""
}

// markAudience labels each field of the action's form.
func markAudience(action string, fields []field) []field {
	for i := range fields {
		fields[i].Audience = audience(action, fields[i])
	}
	return fields
}

// --- Reveal for the session (P1)

// revealTTL is how long a revealed customer stays shown on the case page
// in one session; the session's end ends it sooner.
const revealTTL = 30 * time.Minute

// maxReveals bounds the remembered reveals across all sessions.
const maxReveals = 10000

// reveals remembers, in the server's memory only, the customer data a
// session revealed on a case, so the page keeps showing it (a tel: link
// to call) without recording a new reveal on every view. Keyed by a hash
// of the session ID and the case: no other session can read it, nothing
// is stored in the browser, and a signed-out or expired session's ID is
// never valid again.
type reveals struct {
	mu sync.Mutex
	m  map[string]revealEntry
}

type revealEntry struct {
	customer map[string]string
	until    time.Time
	session  string
}

func revealKey(session, no string) string {
	h := sha256.Sum256([]byte(session))
	return hex.EncodeToString(h[:]) + "|" + no
}

func sessionOf(rq *request) string {
	if c, err := rq.r.Cookie(api.SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// keep remembers a reveal; at the bound, expired reveals are dropped
// first and a new one is not remembered when none has expired.
func (rv *reveals) keep(session, no string, customer map[string]string, now time.Time) {
	if session == "" || len(customer) == 0 {
		return
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.m == nil {
		rv.m = map[string]revealEntry{}
	}
	if len(rv.m) >= maxReveals {
		for k, e := range rv.m {
			if !now.Before(e.until) {
				delete(rv.m, k)
			}
		}
		if len(rv.m) >= maxReveals {
			return
		}
	}
	h := sha256.Sum256([]byte(session))
	rv.m[revealKey(session, no)] = revealEntry{customer: customer, until: now.Add(revealTTL), session: hex.EncodeToString(h[:])}
}

// get is the session's reveal on the case, while it lasts.
func (rv *reveals) get(session, no string, now time.Time) map[string]string {
	if session == "" {
		return nil
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	k := revealKey(session, no)
	e, ok := rv.m[k]
	if !ok {
		return nil
	}
	if !now.Before(e.until) {
		delete(rv.m, k)
		return nil
	}
	return e.customer
}

// forget drops a case's reveal in the session, or all the session's
// reveals when no is "" (sign-out).
func (rv *reveals) forget(session, no string) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if no != "" {
		delete(rv.m, revealKey(session, no))
		return
	}
	h := sha256.Sum256([]byte(session))
	id := hex.EncodeToString(h[:])
	for k, e := range rv.m {
		if e.session == id {
			delete(rv.m, k)
		}
	}
}

// --- Assignment to a person (issue 18)

// staffOptions are the department's staff as choices for the assign
// form's handler: each by name with their open load (load, or the
// queue's when nil), the current handler left out. Nil when the API lists
// no staff to this user.
func (s *Server) staffOptions(rq *request, dept, current string, load map[string]int) []option {
	res := s.call(rq, http.MethodGet, "/api/v1/staff?"+url.Values{"department": {dept}}.Encode(), nil, "")
	if res.problem() != nil {
		return nil
	}
	var list struct {
		Staff []struct {
			Username string `json:"username"`
			Name     string `json:"name"`
		} `json:"staff"`
	}
	if json.Unmarshal(res.body, &list) != nil {
		return nil
	}
	// The load is the queue's; without the archive the names stand alone.
	if load == nil {
		var queue struct {
			Load map[string]int `json:"load"`
		}
		if q := s.call(rq, http.MethodGet, "/api/v1/queue?page_size=1", nil, ""); q.problem() == nil {
			_ = json.Unmarshal(q.body, &queue)
		}
		load = queue.Load
	}
	out := []option{{Value: "", Label: s.i18n.text(rq.lang, "casepage.choose")}}
	for _, p := range list.Staff {
		if p.Username == current {
			continue
		}
		name := p.Name
		if name == "" {
			name = p.Username
		}
		out = append(out, option{Value: p.Username, Label: s.i18n.text(rq.lang, "casepage.load", "Name", name, "Count", load[p.Username]), User: true})
	}
	return out
}

// withStaff turns the assign form's handler into a choice of the
// department's staff, keeping what was chosen when the form comes back.
func (s *Server) withStaff(rq *request, actions []actionForm, dept, current string) {
	for i := range actions {
		if actions[i].Name != workflows.ActionAssign {
			continue
		}
		opts := s.staffOptions(rq, dept, current, nil)
		for j, f := range actions[i].Fields {
			if f.Name != "handler" || opts == nil {
				continue
			}
			for k := range opts {
				opts[k].Selected = opts[k].Value == f.Value
			}
			actions[i].Fields[j].Kind, actions[i].Fields[j].Options, actions[i].Fields[j].MaxLength = "select", opts, 0
		}
	}
}
