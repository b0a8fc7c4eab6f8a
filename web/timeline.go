package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/workflows"
)

// The workflows write their timeline in English, with the facts in the
// entry's fields; they stay as they are (determinism, old histories). The
// page says each entry again in the reader's language from its kind and
// fields, and shows what a person typed (notes, results, reasons) as typed,
// marked as user data. Text the system wrote that the page cannot read is
// shown as data too, never guessed at.

// entry is one timeline entry as the page shows it.
type entry struct {
	At        time.Time
	Actor     string
	ActorUser bool // the actor is a person's name, shown as written
	Kind      string
	Text      string
	Parts     []part
}

// part is one fact of an entry or a reason: a localized label and a value
// that is either localized (User false) or shown as typed (User true).
type part struct {
	Label, Value string
	User         bool
}

// speaker says things in one language.
type speaker struct {
	s    *Server
	lang string
}

func (p speaker) t(id string, args ...any) string { return p.s.i18n.text(p.lang, id, args...) }

func (p speaker) dept(code string) string { return p.s.deptName(p.lang, code) }

// when is an RFC 3339 instant from an entry's fields in the business zone;
// "" when it is not one.
func (p speaker) when(rfc string) string {
	t, err := time.Parse(time.RFC3339Nano, rfc)
	if err != nil || t.IsZero() {
		return ""
	}
	return p.s.when(t, p.lang)
}

func (p speaker) deadline(name string) string { return p.known("deadline."+name, name) }
func (p speaker) status(st string) string     { return p.known("status."+st, st) }
func (p speaker) value(v string) string       { return p.known("value."+v, v) }
func (p speaker) notice(kind string) string   { return p.known("notice."+kind, kind) }
func (p speaker) role(r string) string {
	if p.s.i18n.has(p.lang, "role."+r) {
		return p.t("role." + r)
	}
	return p.known("recipient."+r, r)
}

// level is a rung of the ladder by its name (sla.Level's String).
func (p speaker) level(name string) string {
	for i, n := range []string{"handler", "dept_head", "cs_head", "management"} {
		if n == name {
			return p.t("level." + strconv.Itoa(i))
		}
	}
	return name
}

// known is message id, or the fallback when there is none.
func (p speaker) known(id, fallback string) string {
	if p.s.i18n.has(p.lang, id) {
		return p.t(id)
	}
	return fallback
}

// dur is a Go duration ("72h0m0s") the way a person says it: whole hours
// as hours ("72 小时", "72 hours"), anything else in days, hours and
// minutes.
func (p speaker) dur(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	if d > 0 && d%time.Hour == 0 {
		h := int(d / time.Hour)
		if p.lang == "en" && h == 1 {
			return "1 hour"
		}
		return p.t("span.hours", "N", h)
	}
	return span(d, p.lang)
}

// spanText is a deadline length ("1 working day") in the language.
func (p speaker) spanText(s string) string {
	sp, err := calendar.ParseSpan(s)
	if err != nil {
		return s
	}
	if p.lang == "en" {
		return sp.String()
	}
	return p.t("span."+string(sp.Unit), "N", sp.N)
}

// fact is a localized label with a localized value; nothing when the
// value is empty.
func (p speaker) fact(parts []part, labelID, value string) []part {
	if value == "" {
		return parts
	}
	return append(parts, part{Label: p.t(labelID), Value: value})
}

// typed is a label with what a person typed.
func (p speaker) typed(parts []part, labelID, value string) []part {
	if strings.TrimSpace(value) == "" {
		return parts
	}
	label := ""
	if labelID != "" {
		label = p.t(labelID)
	}
	return append(parts, part{Label: label, Value: value, User: true})
}

// after is what follows prefix in msg: the typed text the workflow
// appended to its own words.
func after(msg, prefix string) (string, bool) {
	if strings.HasPrefix(msg, prefix) {
		return msg[len(prefix):], true
	}
	return "", false
}

// eventText says one kind of entry: its sentence and its parts. caseType
// tells the registrations apart.
type eventText func(p speaker, caseType string, e workflows.Event) (string, []part)

// eventTexts has every kind the workflows and the starter write; the leak
// test reads the kinds from their source and fails on one missing here.
var eventTexts = map[string]eventText{
	"registered":              registeredText,
	"late_registration":       lateRegistrationText,
	"booking_bypass":          bookingBypassText,
	"qc_report":               qcReportText,
	"accepted":                acceptedText,
	"declined":                typedText("timeline.declined", "field.reason"),
	"delivered":               typedText("timeline.delivered", "field.result"),
	"rated":                   ratedText,
	"closed":                  closedText,
	"routed":                  routedText,
	"first_feedback":          firstFeedbackText,
	"temporary_solution":      typedText("timeline.temporary_solution", "field.description"),
	"reassigned":              reassignedText,
	"assigned":                assignedText,
	"resolved":                typedText("timeline.resolved", "field.result"),
	"return_visit":            returnVisitText,
	"rework":                  reworkText,
	"result_delivered":        resultDeliveredText,
	"extended":                extendedText,
	"answered":                answeredText,
	"expected_time_told":      typedText("timeline.expected_time_told", ""),
	"transferred":             transferredText,
	"deadline_set":            deadlineSetText,
	"deadline_met":            deadlineStateText("timeline.deadline_met"),
	"deadline_met_late":       deadlineStateText("timeline.deadline_met_late"),
	"deadline_cancelled":      deadlineStateText("timeline.deadline_cancelled"),
	"deadline_breached":       deadlineBreachedText,
	"reminder":                reminderText,
	"escalated":               escalatedText,
	"restored":                restoredText,
	"reopened":                reopenedText,
	"customer_rating":         customerRatingText,
	"pii_revealed":            piiRevealedText,
	"comment":                 typedText("", ""),
	"notice_failed":           noticeFailedText,
	"notice_sent":             noticeSentText,
	"notice_held":             noticeHeldText,
	"notice_dropped":          noticeDroppedText,
	"outlet_contacted":        outletContactedText,
	"holding_reply":           typedText("timeline.holding_reply", ""),
	"signed":                  signedText,
	"scheduled":               scheduledText,
	"progress":                typedText("timeline.progress", "field.note"),
	"completed":               typedText("timeline.completed", "field.result"),
	"deadline_replanned":      deadlineReplannedText,
	"case_failed":             caseFailedText,
	"collaboration_requested": collaborationRequestedText,
	"collaboration_status":    collaborationStatusText,
	"deadline_paused":         deadlinePausedText,
	"deadline_resumed":        deadlineResumedText,
}

// entries says a case's timeline in lang.
func (s *Server) entries(lang, caseType string, events []workflows.Event) []entry {
	p := speaker{s: s, lang: lang}
	out := make([]entry, 0, len(events))
	for _, e := range events {
		en := entry{At: e.At, Kind: p.known("event."+e.Kind, e.Kind)}
		en.Actor, en.ActorUser = p.actor(e.Actor)
		if f, ok := eventTexts[e.Kind]; ok {
			en.Text, en.Parts = f(p, caseType, e)
			if en.Text == en.Kind {
				en.Text = "" // said once is enough
			}
		} else {
			en.Parts = p.typed(nil, "", e.Message)
		}
		out = append(out, en)
	}
	return out
}

// actor is who wrote an entry: the system and the customer by their
// role's name, people by their own.
func (p speaker) actor(a string) (string, bool) {
	switch a {
	case "system", "customer":
		return p.t("actor." + a), false
	}
	return a, true
}

func typedText(textID, labelID string) eventText {
	return func(p speaker, _ string, e workflows.Event) (string, []part) {
		text := ""
		if textID != "" {
			text = p.t(textID)
		}
		return text, p.typed(nil, labelID, e.Message)
	}
}

func registeredText(p speaker, caseType string, e workflows.Event) (string, []part) {
	f := e.Fields
	var parts []part
	switch caseType {
	case workflows.TypeComplaint:
		parts = p.fact(parts, "field.channel", p.value(f["channel"]))
		parts = p.fact(parts, "field.intake_at", p.when(f["intake_at"]))
		parts = p.typed(parts, "field.region", f["region"])
	case workflows.TypeConsultation:
		parts = p.fact(parts, "field.channel", p.value(f["channel"]))
		parts = p.fact(parts, "field.affiliation", p.value(f["affiliation"]))
		parts = p.typed(parts, "field.region", f["region"])
	case workflows.TypeMediaInquiry:
		parts = p.typed(parts, "field.outlet", f["outlet"])
		parts = p.typed(parts, "field.media_inquiry.reporter_name", f["reporter"])
		parts = p.fact(parts, "field.received_at", p.when(f["received_at"]))
		parts = p.typed(parts, "field.contact_person", f["contact_person"])
	case workflows.TypeRepair:
		loc, _ := after(e.Message, "repair order recorded: ")
		parts = p.typed(parts, "field.location", loc)
		parts = p.fact(parts, "field.urgency", p.value(f["urgency"]))
		parts = p.fact(parts, "field.channel", p.value(f["channel"]))
		if f["department"] != "" {
			parts = p.fact(parts, "field.department", p.dept(f["department"]))
		}
		parts = p.typed(parts, "field.region", f["region"])
	case workflows.TypeCollaboration:
		parts = p.fact(parts, "field.requesting_department", p.dept(f["requesting_department"]))
		parts = p.fact(parts, "field.target_department", p.dept(f["target_department"]))
		parts = p.fact(parts, "field.urgency", p.value(f["urgency"]))
		parts = p.fact(parts, "field.time_node", p.when(f["time_node"]))
		parts = p.fact(parts, "field.parent", f["parent"])
		need, _ := after(e.Message, fmt.Sprintf("cross-department request from %s to %s: ", f["requesting_department"], f["target_department"]))
		parts = p.typed(parts, "field.need", need)
	default:
		return p.t("timeline.registered"), p.typed(nil, "", e.Message)
	}
	return p.t("timeline.registered." + caseType), parts
}

var lateRE = regexp.MustCompile(`^registered (\S+) after intake \(limit (\S+)\)$`)

func lateRegistrationText(p speaker, _ string, e workflows.Event) (string, []part) {
	if m := lateRE.FindStringSubmatch(e.Message); m != nil {
		return p.t("timeline.late_registration", "After", p.dur(m[1]), "Limit", p.dur(m[2])), nil
	}
	return p.t("event.late_registration"), nil
}

func bookingBypassText(p speaker, _ string, e workflows.Event) (string, []part) {
	if r, ok := p.reason(e.Message); ok {
		return r.Text, r.Parts
	}
	return p.t("event.booking_bypass"), p.typed(nil, "field.bypass_reason", e.Fields["reason"])
}

func qcReportText(p speaker, _ string, e workflows.Event) (string, []part) {
	text := p.t("timeline.qc_report")
	if e.Fields["to"] == "qc_leader" {
		text = p.t("timeline.qc_report_leader")
	}
	return text, p.reasonParts(e.Message)
}

func acceptedText(p speaker, _ string, e workflows.Event) (string, []part) {
	var parts []part
	parts = p.typed(parts, "field.handler", e.Fields["handler"])
	parts = p.typed(parts, "field.note", e.Fields["note"])
	signed, _ := after(e.Message, "accepted; responsibilities signed: ")
	parts = p.typed(parts, "field.target_responsibilities", signed)
	return p.t("timeline.accepted"), parts
}

func ratedText(p speaker, _ string, e workflows.Event) (string, []part) {
	score := e.Fields["score"]
	comment, _ := after(e.Message, fmt.Sprintf("rated %s/5: ", score))
	return p.t("timeline.rated", "Score", score), p.typed(nil, "field.comment", comment)
}

// closings are the workflows' own closing messages.
var closings = map[string]string{
	"rated; request closed":                        "timeline.closed.rated",
	"not rated in time; request closed unrated":    "timeline.closed.unrated",
	"customer satisfied; case closed":              "timeline.closed.satisfied",
	"caller answered; consultation closed":         "timeline.closed.answered",
	"outlet contacted; inquiry closed":             "timeline.closed.outlet",
	"every return-visit item passed; order closed": "timeline.closed.repair",
}

func closedText(p speaker, _ string, e workflows.Event) (string, []part) {
	if id, ok := closings[e.Message]; ok {
		return p.t(id), nil
	}
	return p.t("timeline.closed"), p.typed(nil, "", e.Message)
}

func routedText(p speaker, _ string, e workflows.Event) (string, []part) {
	parts := p.typed(nil, "field.handler", e.Fields["handler"])
	parts = p.typed(parts, "field.note", e.Fields["note"])
	return p.t("timeline.routed", "Department", p.dept(e.Fields["department"])), parts
}

func firstFeedbackText(p speaker, _ string, e workflows.Event) (string, []part) {
	parts := p.fact(nil, "field.method", p.value(e.Fields["method"]))
	return p.t("timeline.first_feedback"), p.typed(parts, "field.message", e.Message)
}

func reassignedText(p speaker, _ string, e workflows.Event) (string, []part) {
	from := e.Fields["from"]
	text := p.t("timeline.reassigned", "From", p.dept(from), "To", p.dept(e.Fields["to"]))
	if from == "" {
		text = p.t("timeline.routed", "Department", p.dept(e.Fields["to"]))
	}
	return text, p.typed(nil, "field.reason", e.Fields["reason"])
}

// assignedText: the case given to a person of its department (issue 18).
func assignedText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.assigned"), p.typed(p.typed(nil, "field.handler", e.Fields["to"]), "field.note", e.Fields["note"])
}

func returnVisitText(p speaker, caseType string, e workflows.Event) (string, []part) {
	f := e.Fields
	round := f["round"]
	if caseType == workflows.TypeRepair || f["passed"] != "" {
		id := "timeline.return_visit.failed"
		if f["passed"] == "true" {
			id = "timeline.return_visit.passed"
		}
		parts := p.fact(nil, "field.satisfaction", f["satisfaction"]+"/5")
		comment := e.Message
		if c, ok := after(comment, "rated online: "); ok {
			comment = c
			parts = append(parts, part{Value: p.t("timeline.rated_online")})
		}
		return p.t(id, "Round", round), p.typed(parts, "field.comment", comment)
	}
	id := "timeline.return_visit.unsatisfied"
	if f["satisfied"] == "true" {
		id = "timeline.return_visit.satisfied"
	}
	parts := p.fact(nil, "field.method", p.value(f["method"]))
	return p.t(id, "Round", round), p.typed(parts, "field.outcome", e.Message)
}

func reworkText(p speaker, _ string, e workflows.Event) (string, []part) {
	if r, ok := p.reason(e.Message); ok {
		return r.Text, r.Parts
	}
	return p.t("event.rework"), p.typed(nil, "field.reason", e.Message)
}

func resultDeliveredText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.result_delivered"), p.typed(nil, "field.note", e.Fields["note"])
}

func extendedText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.extended", "Deadline", p.deadline(e.Fields["deadline"]), "Due", p.when(e.Fields["due"])),
		p.typed(nil, "field.reason", e.Fields["reason"])
}

func answeredText(p speaker, _ string, e workflows.Event) (string, []part) {
	var parts []part
	if e.Fields["internal_info"] == "true" {
		parts = append(parts, part{Value: p.t("field.internal_info")})
	}
	return p.t("timeline.answered"), p.typed(parts, "field.answer", e.Message)
}

func transferredText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.transferred", "Department", p.dept(e.Fields["department"])), p.typed(nil, "field.reason", e.Fields["reason"])
}

func deadlineSetText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.deadline_set", "Deadline", p.deadline(e.Fields["deadline"]), "Due", p.when(e.Fields["due"])), nil
}

func deadlineStateText(id string) eventText {
	return func(p speaker, _ string, e workflows.Event) (string, []part) {
		return p.t(id, "Deadline", p.deadline(e.Fields["deadline"])), nil
	}
}

var breachedRE = regexp.MustCompile(`^\S+ passed at (\S+)$`)

func deadlineBreachedText(p speaker, _ string, e workflows.Event) (string, []part) {
	var parts []part
	if m := breachedRE.FindStringSubmatch(e.Message); m != nil {
		parts = p.fact(parts, "field.due", p.when(m[1]))
	}
	return p.t("timeline.deadline_breached", "Deadline", p.deadline(e.Fields["deadline"])), parts
}

var reminderRE = regexp.MustCompile(`reminder at (\d+)%$`)

func reminderText(p speaker, _ string, e workflows.Event) (string, []part) {
	d := p.deadline(e.Fields["deadline"])
	if m := reminderRE.FindStringSubmatch(e.Message); m != nil {
		return p.t("timeline.reminder", "Deadline", d, "Percent", m[1]), nil
	}
	return p.t("timeline.reminder_plain", "Deadline", d), nil
}

func escalatedText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	text := p.t("timeline.escalated", "From", p.level(f["from"]), "To", p.level(f["to"]))
	reason, ok := after(e.Message, fmt.Sprintf("escalated %s → %s: ", f["from"], f["to"]))
	if !ok {
		reason = e.Message
	}
	parts := p.reasonParts(reason)
	return text, p.typed(parts, "field.recording_ref", f["recording_ref"])
}

func restoredText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	var parts []part
	if f["how"] != "" {
		parts = p.fact(parts, "timeline.ended", p.known("failure."+f["how"], f["how"]))
	}
	if f["status"] != "" {
		parts = p.fact(parts, "timeline.stood", p.status(f["status"]))
	}
	return p.t("timeline.restored"), p.typed(parts, "field.reason", f["reason"])
}

func reopenedText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.reopened"), p.typed(nil, "field.reason", e.Fields["reason"])
}

func customerRatingText(p speaker, _ string, e workflows.Event) (string, []part) {
	score := e.Fields["score"]
	comment, _ := after(e.Message, fmt.Sprintf("customer rated %s/5 online: ", score))
	return p.t("timeline.customer_rating", "Score", score, "Round", e.Fields["round"]), p.typed(nil, "field.comment", comment)
}

func piiRevealedText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.pii_revealed"), p.typed(nil, "field.reason", e.Fields["reason"])
}

var (
	noticeToRE      = regexp.MustCompile(`^(\S+) to (\S+) (?:via (\S+)|failed: (.*)|held until (\S+) \(quiet hours\))$`)
	noticeDroppedRE = regexp.MustCompile(`^(\S+) for (\S*) dropped: (.*)$`)
)

func noticeSentText(p speaker, _ string, e workflows.Event) (string, []part) {
	m := noticeToRE.FindStringSubmatch(e.Message)
	if m == nil || m[3] == "" {
		return p.t("event.notice_sent"), nil
	}
	return p.t("timeline.notice_sent", "Notice", p.notice(m[1]), "To", p.role(m[2]), "Channel", p.known("channel."+m[3], m[3])), nil
}

func noticeFailedText(p speaker, _ string, e workflows.Event) (string, []part) {
	m := noticeToRE.FindStringSubmatch(e.Message)
	if m == nil || m[4] == "" {
		return p.t("event.notice_failed"), p.typed(nil, "", e.Message)
	}
	// The error is the mail system's own, kept as it came.
	return p.t("timeline.notice_failed", "Notice", p.notice(m[1]), "To", p.role(m[2])), p.typed(nil, "timeline.error", m[4])
}

func noticeHeldText(p speaker, _ string, e workflows.Event) (string, []part) {
	m := noticeToRE.FindStringSubmatch(e.Message)
	if m == nil || m[5] == "" {
		return p.t("event.notice_held"), nil
	}
	return p.t("timeline.notice_held", "Notice", p.notice(m[1]), "To", p.role(m[2]), "Until", p.when(m[5])), nil
}

func noticeDroppedText(p speaker, _ string, e workflows.Event) (string, []part) {
	m := noticeDroppedRE.FindStringSubmatch(e.Message)
	if m == nil {
		return p.t("event.notice_dropped"), nil
	}
	id := "timeline.notice_dropped.moved"
	if strings.HasPrefix(m[3], "business opens") {
		id = "timeline.notice_dropped.closed"
	}
	return p.t(id, "Notice", p.notice(m[1]), "Deadline", p.deadline(m[2])), nil
}

func outletContactedText(p speaker, _ string, e workflows.Event) (string, []part) {
	parts := p.typed(nil, "field.outlet", e.Fields["outlet"])
	return p.t("timeline.outlet_contacted"), p.typed(parts, "field.outcome", e.Message)
}

func signedText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.signed"), p.typed(nil, "field.technician", e.Fields["technician"])
}

func scheduledText(p speaker, _ string, e workflows.Event) (string, []part) {
	return p.t("timeline.scheduled", "At", p.when(e.Fields["visit_at"])), nil
}

func deadlineReplannedText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	return p.t("timeline.deadline_replanned", "Deadline", p.deadline(f["deadline"]), "From", p.when(f["from"]), "Due", p.when(f["due"])), nil
}

func caseFailedText(p speaker, _ string, e workflows.Event) (string, []part) {
	how := e.Fields["how"]
	// The engine's own reason, as it gave it.
	reason, _ := after(e.Message, fmt.Sprintf("the case's workflow ended unexpectedly (%s): ", how))
	return p.t("timeline.case_failed", "How", p.known("failure."+how, how)), p.typed(nil, "timeline.engine_reason", reason)
}

func collaborationRequestedText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	parts := p.fact(nil, "field.time_node", p.when(f["time_node"]))
	parts = p.fact(parts, "field.urgency", p.value(f["urgency"]))
	need, _ := after(e.Message, fmt.Sprintf("cross-department request %s to %s: ", f["child"], f["department"]))
	parts = p.typed(parts, "field.need", need)
	return p.t("timeline.collaboration_requested", "Child", f["child"], "Department", p.dept(f["department"])), parts
}

func collaborationStatusText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	var parts []part
	if f["outcome"] != "" {
		parts = p.fact(parts, "field.outcome", p.value(f["outcome"]))
	}
	if f["overdue"] == "true" {
		parts = append(parts, part{Value: p.t("mark.overdue")})
	}
	return p.t("timeline.collaboration_status", "Child", f["child"], "Status", p.status(f["status"])), parts
}

func deadlinePausedText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	return p.t("timeline.deadline_paused", "Deadline", p.deadline(f["deadline"]), "Child", f["child"]),
		p.fact(nil, "timeline.was_due", p.when(f["due_before"]))
}

func deadlineResumedText(p speaker, _ string, e workflows.Event) (string, []part) {
	f := e.Fields
	parts := p.fact(nil, "timeline.remaining", p.dur(f["remaining"]))
	parts = p.fact(parts, "field.due", p.when(f["due"]))
	return p.t("timeline.deadline_resumed", "Deadline", p.deadline(f["deadline"]), "Child", f["child"]), parts
}

// said is a reason the system wrote, said again in the page's language.
type said struct {
	Text  string
	Parts []part
}

// reasonPattern recognises one reason the workflows write (escalations,
// reports to quality control, rework) from its fixed English words.
type reasonPattern struct {
	re  *regexp.Regexp
	say func(p speaker, m []string) said
}

var reasons = []reasonPattern{
	{regexp.MustCompile(`^major complaint: reported to management at once \(C9\)$`),
		func(p speaker, _ []string) said { return said{Text: p.t("reason.major")} }},
	{regexp.MustCompile(`^customer still unsatisfied after (\d+) return visits \(limit (\d+)\)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.unsatisfied", "Rounds", m[1], "Limit", m[2])}
		}},
	{regexp.MustCompile(`^repair still failing after (\d+) return visits \(limit (\d+)\)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.repair_failing", "Rounds", m[1], "Limit", m[2])}
		}},
	{regexp.MustCompile(`^deadline (\S+) \(due (\S+)\) passed without the work being done$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.breach", "Deadline", p.deadline(m[1]), "Due", p.when(m[2]))}
		}},
	{regexp.MustCompile(`^serious cross-department breach by (\S+): urgent request not delivered by its time node$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.serious_urgent", "Department", p.dept(m[1]))}
		}},
	{regexp.MustCompile(`^serious cross-department breach by (\S+): still not delivered (.+) after the time node$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.serious_late", "Department", p.dept(m[1]), "Span", p.spanText(m[2]))}
		}},
	{regexp.MustCompile(`^time node (\S+) passed without the work from (\S+) being delivered$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.time_node", "Due", p.when(m[1]), "Department", p.dept(m[2]))}
		}},
	{regexp.MustCompile(`^poor rating (\d+)/5 from (\S+) for (\S+): (?s)(.*)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.poor_rating", "Score", m[1], "From", p.dept(m[2]), "For", p.dept(m[3])),
				Parts: p.typed(nil, "field.comment", m[4])}
		}},
	{regexp.MustCompile(`^urgent request booked (\S+) before its time node \(less than (\S+)\): (?s)(.*)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.bypass", "Lead", p.dur(m[1]), "Min", p.dur(m[2])),
				Parts: p.typed(nil, "field.bypass_reason", m[3])}
		}},
	{regexp.MustCompile(`^customer unsatisfied at return visit (\d+): (?s)(.*)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.unsatisfied_visit", "Round", m[1]), Parts: p.typed(nil, "field.outcome", m[2])}
		}},
	{regexp.MustCompile(`^return visit (\d+) failed: \[(.*)\]$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("reason.visit_failed", "Round", m[1]), Parts: p.failedItems(m[2])}
		}},
	{regexp.MustCompile(`^case reopened: (?s)(.*)$`),
		func(p speaker, m []string) said {
			return said{Text: p.t("timeline.reopened"), Parts: p.typed(nil, "field.reason", m[1])}
		}},
}

// reason says a reason the system wrote; ok is false for one it does not
// know, which a person typed.
func (p speaker) reason(text string) (said, bool) {
	for _, r := range reasons {
		if m := r.re.FindStringSubmatch(text); m != nil {
			return r.say(p, m), true
		}
	}
	return said{}, false
}

// reasonParts is a reason as parts: the system's in the page's language,
// a person's as typed.
func (p speaker) reasonParts(text string) []part {
	if r, ok := p.reason(text); ok {
		return append([]part{{Label: p.t("field.reason"), Value: r.Text}}, r.Parts...)
	}
	return p.typed(nil, "field.reason", text)
}

var satisfactionRE = regexp.MustCompile(`^satisfaction (\d+)/5`)

// failedItems says the failed items of a repair's return visit, which the
// workflow lists in English words.
func (p speaker) failedItems(list string) []part {
	var names []string
	rest := strings.TrimSpace(list)
	for rest != "" {
		matched := false
		for _, it := range []struct{ en, id string }{{"staff attitude", "visit.attitude"}, {"the work", "visit.work"},
			{"the repair result", "visit.result"}} {
			if strings.HasPrefix(rest, it.en) {
				names, rest, matched = append(names, p.t(it.id)), strings.TrimSpace(rest[len(it.en):]), true
				break
			}
		}
		if m := satisfactionRE.FindStringSubmatch(rest); !matched && m != nil {
			names, rest, matched = append(names, p.t("visit.satisfaction", "Score", m[1])), strings.TrimSpace(rest[len(m[0]):]), true
		}
		if !matched {
			return p.typed(nil, "timeline.failed_items", list)
		}
	}
	return []part{{Label: p.t("timeline.failed_items"), Value: strings.Join(names, p.t("list.sep"))}}
}

// Reason is an escalation's reason for the page: the system's in the
// page's language, a person's as typed.
func (v view) Reason(text string) []part { return speaker{s: v.s, lang: v.Lang}.reasonParts(text) }

// Entries is the case's timeline in the page's language.
func (v view) Entries(caseType string, events []workflows.Event) []entry {
	return v.s.entries(v.Lang, caseType, events)
}

// Actor is who did something: the system and the customer in the page's
// language, a person by name (user data).
func (v view) Actor(a string) part {
	name, user := speaker{s: v.s, lang: v.Lang}.actor(a)
	return part{Value: name, User: user}
}
