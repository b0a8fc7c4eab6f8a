package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 18, point 5: every word localized. TestNoLeaks renders every page
// the web server has, in both languages, over seeded API answers — case
// pages of every case type in several states whose timelines hold every
// kind of entry the workflows write — and fails on any leak: on a Chinese
// page Latin words, UTC instants, Go durations, message ids, codes and
// rule IDs; on an English page any Chinese. Text marked data-user (what
// people typed, other systems' messages) is skipped, as is text marked
// with its own lang (the language switch).
//
// A new page is one line in leakPages (its path, who views it, how), and
// its API answers in leakAPI's routes.

// leakPage is one page to check.
type leakPage struct {
	name, path, role string
	// form is posted instead of a GET when set; file uploads as the import
	// form does.
	form url.Values
	file string
}

var leakPages = []leakPage{
	{name: "login", path: "/login"},
	{name: "login failed", path: "/login", form: url.Values{"username": {"nobody"}, "password": {"x"}}},
	{name: "inbox", path: "/inbox", role: "agent"},
	{name: "inbox bulk done", path: "/inbox?done=2&failed=TS-20261130-0001", role: "dept_head"},
	{name: "inbox bulk refused", path: "/inbox?problem=bulk.tooMany", role: "dept_head"},
	{name: "inbox empty view", path: "/inbox?view=reworks", role: "cs_head"},
	{name: "case list", path: "/cases", role: "agent"},
	{name: "search", path: "/search", role: "agent"},
	{name: "search results", path: "/search?q=5678", role: "agent"},
	{name: "search too short", path: "/search?q=ab", role: "qc"},
	{name: "case list closed", path: "/cases?status=closed", role: "cs_head"},
	{name: "board", path: "/escalations", role: "manager"},
	{name: "dashboard by department", path: "/dashboard?group_by=department", role: "manager"},
	{name: "dashboard by type", path: "/dashboard?group_by=type", role: "manager"},
	{name: "dashboard by channel", path: "/dashboard?group_by=channel", role: "manager"},
	{name: "dashboard by region", path: "/dashboard?group_by=region", role: "manager"},
	{name: "dashboard bad filter", path: "/dashboard?from=yesterday", role: "manager"},
	{name: "quality to evaluate", path: "/quality?day=2026-11-30", role: "qc"},
	{name: "quality evaluated", path: "/quality?day=2026-11-29", role: "qc"},
	{name: "quality evaluation refused", path: "/quality/2026-11-30", role: "qc", form: url.Values{"grade.etiquette": {"优"}}},
	{name: "outbox", path: "/outbox", role: "admin"},
	{name: "calendar", path: "/calendar", role: "admin"},
	{name: "calendar check", path: "/calendar/check", role: "admin", form: url.Values{}},
	{name: "calendar replan", path: "/calendar/replan", role: "admin", form: url.Values{}},
	{name: "import", path: "/import", role: "cs_head"},
	{name: "import result", path: "/import", role: "cs_head", file: "intake_at,complainant_name\n"},
	{name: "new", path: "/new", role: "agent"},
	{name: "new complaint", path: "/new/complaint", role: "agent"},
	{name: "new repair", path: "/new/repair", role: "agent"},
	{name: "new consultation", path: "/new/consultation", role: "agent"},
	{name: "new media inquiry", path: "/new/media_inquiry", role: "agent"},
	{name: "new collaboration", path: "/new/collaboration", role: "dept_staff"},
	{name: "new complaint refused", path: "/new/complaint", role: "agent", form: url.Values{"content": {"x"}}},
	{name: "case not found", path: "/cases/TS-20261130-9999", role: "agent"},
	{name: "case action refused", path: "/cases/TS-20261130-0001/actions/escalate", role: "dept_head", form: url.Values{"reason": {"慢 slow"}}},
	{name: "case action in wrong state", path: "/cases/TS-20261130-0001/actions/resolve", role: "dept_head", form: url.Values{"result": {"修好 fixed"}}},
	{name: "forbidden", path: "/calendar", role: "agent"},
}

// leakCases are the case pages, each case number with what it shows.
var leakCases = map[string]func(lang string) map[string]any{
	"TS-20261130-0001": complaintRouted,
	"TS-20261130-0002": complaintClosed,
	"TS-20261130-0003": complaintFailed,
	"BX-20261130-0001": repairRework,
	"BX-20261130-0002": repairClosed,
	"ZX-20261130-0001": consultationTransferred,
	"ZX-20261130-0002": consultationAnswered,
	"MT-20261130-0001": mediaClosed,
	"XZ-20261130-0001": collaborationAccepted,
	"XZ-20261130-0002": collaborationBreached,
}

// The seeded cases' clocks: all fixed, the test server's clock is
// 2026-12-01 02:00 UTC.
var (
	t0 = time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	// ud is typed text in both scripts: shown unmarked it leaks on
	// either page.
	ud = func(s string) string { return s + " 空调 AC" }
)

func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

func ev(h int, actor, kind, msg string, kv ...string) workflows.Event {
	e := workflows.Event{At: at(h), Actor: actor, Kind: kind, Message: msg}
	if len(kv) > 0 {
		e.Fields = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Fields[kv[i]] = kv[i+1]
		}
	}
	return e
}

// deadlineEvents are the clock entries every case has, as core.go writes
// them.
func deadlineEvents(name string) []workflows.Event {
	due := at(24)
	return []workflows.Event{
		ev(0, "system", "deadline_set", fmt.Sprintf("%s due %s", name, rfc(due)), "deadline", name, "due", rfc(due)),
		ev(12, "system", "reminder", fmt.Sprintf("%s reminder at %d%%", name, 50), "deadline", name),
		ev(24, "system", "deadline_breached", fmt.Sprintf("%s passed at %s", name, rfc(due)), "deadline", name),
		ev(25, "system", "deadline_met_late", name+" met late", "deadline", name),
		ev(25, "system", "deadline_met", name+" met", "deadline", name),
		ev(25, "system", "deadline_cancelled", name+" cancelled", "deadline", name),
		ev(26, "cshead01", "deadline_replanned", fmt.Sprintf("deadline re-planned: calendar updated: %s from %s to %s", name, rfc(due), rfc(at(48))),
			"deadline", name, "from", rfc(due), "due", rfc(at(48))),
	}
}

// noticeEvents are the notices' entries, as core.go writes them.
func noticeEvents() []workflows.Event {
	return []workflows.Event{
		ev(1, "system", "notice_sent", "staff_reminder to handler via outbox", "notice", "n1", "ref", "n1.eml"),
		ev(1, "system", "notice_sent", "escalation to qc_leader via sendgrid", "notice", "n2", "ref", "x"),
		ev(1, "system", "notice_failed", "customer_ack to customer failed: sendgrid: 401 unauthorized", "notice", "n3"),
		ev(1, "system", "notice_held", "customer_delay to customer held until "+rfc(at(8))+" (quiet hours)", "notice", "n4"),
		ev(2, "system", "notice_dropped", "staff_reminder for first_feedback dropped: business opens only when it is due", "notice", "n5"),
		ev(2, "system", "notice_dropped", "staff_reminder for resolution dropped: the clock moved on while it was held", "notice", "n6"),
	}
}

// explained is a deadline as the API gives it: its explanation in the
// page's language, from the business calendar.
func explained(lang, name string, start time.Time, span calendar.Span, state string) map[string]any {
	d, err := calendar.MustDefault().Due(start, span)
	if err != nil {
		panic(err)
	}
	out := map[string]any{"name": name, "start": start, "due": d.At, "state": state, "explanation_text": d.Explanation.Text(lang),
		"due_local": d.At.Format("2006-01-02 15:04 MST")}
	return out
}

// caseJSON is the API's answer for a case: the view, its deadlines
// explained and the caller's permissions.
func caseJSON(v workflows.CaseView, deadlines []map[string]any, actions []string, extra map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	out["deadlines"] = deadlines
	out["timeline_total"] = len(v.Timeline)
	perms := map[string]any{"actions": actions, "reveal": true}
	for k, val := range extra {
		perms[k] = val
	}
	out["permissions"] = perms
	return out
}

func complaintForm() *forms.Complaint {
	return &forms.Complaint{IntakeAt: t0, RegisteredAt: t0, ComplainantName: "王**", ComplainantUnit: ud("单位"), Phone: "138****1234",
		Email: "w***@example.com", Language: forms.LanguageZhCN, Recorder: "agent01", Content: ud("空调坏了"), Demand: ud("尽快修好"),
		ContentConfirmed: true, Channel: forms.ChannelPhone, Region: ud("浦东"), Priority: forms.PriorityHigh, VIP: true, Major: true,
		Department: "property", ComplainedDepartment: "engineering", ComplainedDepartmentHead: ud("赵磊"), RecordingRef: "REC-1", Nature: forms.NatureService}
}

func complaintRouted(lang string) map[string]any {
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "complaint registered", "intake_at", rfc(t0), "channel", "phone", "region", ud("浦东")),
		ev(0, "system", "late_registration", fmt.Sprintf("registered %s after intake (limit %s)", 30*time.Hour, 24*time.Hour)),
		ev(0, "agent01", "routed", "routed to property", "department", "property", "handler", "staff.property", "note", ud("请跟进")),
		ev(0, "agent01", "escalated", "escalated handler → management: major complaint: reported to management at once (C9)",
			"from", "handler", "to", "management", "proposal", "management owns the case; customer service assists with contact and return visits"),
		ev(1, "staff.property", "first_feedback", ud("已联系"), "method", "phone"),
		ev(2, "staff.property", "temporary_solution", ud("先用风扇"), nil...),
		ev(3, "head.property", "assigned", "assigned to staff.property: "+ud("你熟悉"), "from", "", "to", "staff.property", "note", ud("你熟悉")),
		ev(3, "head.property", "reassigned", "reassigned from property to engineering: "+ud("不归我们"), "from", "property", "to", "engineering", "reason", ud("不归我们")),
		ev(4, "head.engineering", "extended", fmt.Sprintf("%s extended to %s: %s", sla.Resolution, rfc(at(96)), ud("等零件")),
			"deadline", sla.Resolution, "due", rfc(at(96)), "reason", ud("等零件")),
		ev(5, "system", "escalated", fmt.Sprintf("escalated management → management: deadline %s (due %s) passed without the work being done", sla.FirstFeedback, rfc(at(24))),
			"from", "management", "to", "management", "proposal", "contact the customer today with a first response and name the handler"),
		ev(6, "head.engineering", "escalated", "escalated dept_head → cs_head: "+ud("客户很急"), "from", "dept_head", "to", "cs_head", "proposal", ud("请主管介入"), "recording_ref", "REC-2"),
		ev(7, "cshead01", "pii_revealed", "customer name and contact details shown", "reason", ud("回电")),
		ev(8, "staff.property", "comment", ud("备注"), nil...),
		ev(9, "staff.engineering", "collaboration_requested", "cross-department request XZ-20261130-0001 to maintenance: "+ud("请派人"),
			"child", "XZ-20261130-0001", "department", "maintenance", "time_node", rfc(at(30)), "urgency", "urgent"),
		ev(9, "system", "deadline_paused", "resolution paused while XZ-20261130-0001 is handled", "deadline", sla.Resolution, "child", "XZ-20261130-0001", "due_before", rfc(at(72))),
		ev(10, "system", "collaboration_status", "request XZ-20261130-0001 is in_progress", "child", "XZ-20261130-0001", "status", "in_progress", "outcome", "", "overdue", "false"),
		ev(11, "system", "collaboration_status", "request XZ-20261130-0001 is closed", "child", "XZ-20261130-0001", "status", "closed", "outcome", "rated", "overdue", "true"),
		ev(11, "system", "deadline_resumed", fmt.Sprintf("resolution runs again after XZ-20261130-0001: %s left, due %s", 50*time.Hour, rfc(at(61))),
			"deadline", sla.Resolution, "child", "XZ-20261130-0001", "due", rfc(at(61)), "remaining", (50 * time.Hour).String()),
	}
	tl = append(tl, deadlineEvents(sla.FirstFeedback)...)
	tl = append(tl, noticeEvents()...)
	v := workflows.CaseView{No: "TS-20261130-0001", Type: workflows.TypeComplaint, Status: workflows.StatusInProgress, Department: "engineering",
		Handler: "staff.engineering", EscalationLevel: sla.LevelManagement, Overdue: true, LateRegistration: true, Extensions: 1,
		Form: complaintForm(), Record: &workflows.ComplaintRecord{Handler: "staff.engineering", HandlingDepartment: "engineering", TemporarySolution: ud("先用风扇")},
		Children: []workflows.ChildCase{{No: "XZ-20261130-0001", Type: workflows.TypeCollaboration, TargetDepartment: "maintenance", Need: ud("请派人"),
			TimeNode: at(30), Status: workflows.StatusRegistered, OpenedAt: at(9), UpdatedAt: at(9), Holds: true},
			{No: "XZ-20261130-0004", Type: workflows.TypeCollaboration, TargetDepartment: "property", Need: ud("开门"),
				TimeNode: at(30), Status: workflows.StatusClosed, Outcome: workflows.OutcomeUnrated, Overdue: true, OpenedAt: at(9), UpdatedAt: at(20)}},
		Escalations: []workflows.Escalation{
			{At: at(0), By: "agent01", From: sla.LevelHandler, To: sla.LevelManagement, Reason: "major complaint: reported to management at once (C9)"},
			{At: at(5), By: "system", From: sla.LevelManagement, To: sla.LevelManagement, Reason: fmt.Sprintf("deadline %s (due %s) passed without the work being done", sla.FirstFeedback, rfc(at(24)))},
			{At: at(6), By: "head.engineering", From: sla.LevelDeptHead, To: sla.LevelCSHead, Reason: ud("客户很急"), Proposal: ud("请主管介入"), RecordingRef: "REC-2"},
		},
		Timeline: tl, CreatedBy: "agent01"}
	dls := []map[string]any{
		explained(lang, sla.FirstFeedback, t0, calendar.Span{N: 24, Unit: calendar.Hours}, workflows.DeadlineBreached),
		explained(lang, sla.Resolution, t0, calendar.Span{N: 72, Unit: calendar.Hours}, workflows.DeadlinePaused),
		explained(lang, sla.ResultDelivery, t0, calendar.Span{N: 5, Unit: calendar.WorkingDays}, workflows.DeadlinePending),
	}
	return caseJSON(v, dls, workflows.ComplaintActions, map[string]any{"mark_typical": true})
}

func complaintClosed(lang string) map[string]any {
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "complaint registered", "intake_at", rfc(t0), "channel", "online", "region", ud("浦西")),
		ev(1, "staff.property", "resolved", ud("已修好"), nil...),
		ev(2, "agent01", "return_visit", ud("不满意"), "round", "1", "method", "phone", "satisfied", "false"),
		ev(2, "agent01", "rework", "customer unsatisfied at return visit 1: "+ud("不满意"), "round", "1", "method", "phone", "satisfied", "false"),
		ev(2, "system", "escalated", "escalated handler → management: customer still unsatisfied after 3 return visits (limit 3)",
			"from", "handler", "to", "management", "proposal", "management reviews the handling, decides the remedy, and names the owner of the next return visit"),
		ev(3, "customer", "customer_rating", "customer rated 2/5 online: "+ud("还行"), "score", "2", "round", "1"),
		ev(4, "cshead01", "reopened", "case reopened: "+ud("客户又来电"), "reason", ud("客户又来电")),
		ev(5, "agent01", "return_visit", ud("满意"), "round", "2", "method", "onsite", "satisfied", "true"),
		ev(6, "agent01", "result_delivered", "handling result delivered to the customer in person", "note", ud("已签收")),
		ev(6, "agent01", "closed", "customer satisfied; case closed", nil...),
	}
	closed := at(6)
	v := workflows.CaseView{No: "TS-20261130-0002", Type: workflows.TypeComplaint, Status: workflows.StatusClosed, Department: "property",
		Handler: "staff.property", Rounds: 2, Form: complaintForm(),
		Record: &workflows.ComplaintRecord{Handler: "staff.property", HandlingResult: ud("已修好"), CompletedAt: &closed, ReturnVisitOutcome: ud("满意"),
			ReturnVisitor: "agent01", ReturnVisitAt: &closed, Satisfied: true, ResultDeliveredAt: &closed},
		Ratings:  []workflows.CustomerRating{{At: at(3), Round: 1, Score: 2, Comment: ud("还行")}},
		Timeline: tl, CreatedBy: "agent01", ClosedAt: &closed}
	dls := []map[string]any{
		explained(lang, sla.ReturnVisit, t0, calendar.Span{N: 2, Unit: calendar.WorkingDays}, workflows.DeadlineMet),
		explained(lang, sla.Rework, t0, calendar.Span{N: 3, Unit: calendar.WorkingDays}, workflows.DeadlineMetLate),
		explained(lang, sla.ResultDelivery, t0, calendar.Span{N: 5, Unit: calendar.WorkingDays}, workflows.DeadlineCancelled),
	}
	return caseJSON(v, dls, nil, map[string]any{"reopen": true, "mark_typical": true})
}

func complaintFailed(lang string) map[string]any {
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "complaint registered", "intake_at", rfc(t0), "channel", "email", "region", ud("浦东")),
		ev(3, "system", "case_failed", "the case's workflow ended unexpectedly (terminated): operator mistake", "how", "terminated", "run", "r1", "by", "28183@vm@"),
		ev(4, "cshead01", "restored", "case restored after its workflow ended unexpectedly (terminated): "+ud("恢复"),
			"reason", ud("恢复"), "how", "terminated", "ended_at", rfc(at(3)), "status", "routed"),
		ev(5, "system", "case_failed", "the case's workflow ended unexpectedly (timed_out): workflow timeout", "how", "timed_out", "run", "r2"),
	}
	v := workflows.CaseView{No: "TS-20261130-0003", Type: workflows.TypeComplaint, Status: workflows.StatusFailed, Department: "property",
		Form: complaintForm(), Record: &workflows.ComplaintRecord{}, Timeline: tl, CreatedBy: "agent01",
		Failure: &workflows.Failure{At: at(5), How: "timed_out", Reason: "workflow timeout", Status: workflows.StatusRouted, Run: "r2"}}
	dls := []map[string]any{explained(lang, sla.Resolution, t0, calendar.Span{N: 72, Unit: calendar.Hours}, workflows.DeadlinePending)}
	return caseJSON(v, dls, nil, map[string]any{"restore": true})
}

func repairForm() forms.Repair {
	return forms.Repair{ReceivedAt: t0, RegisteredAt: t0, Location: ud("3号楼"), Fault: ud("漏水"), ReporterName: "张**", Phone: "139****0000",
		Email: "z***@example.com", Urgency: forms.UrgencyUrgent, PreferredTime: ud("上午"), Photos: []string{"p1.jpg", ud("照片")},
		Department: "maintenance", Channel: forms.ChannelOnsite, Region: ud("浦东"), Language: forms.LanguageEN, Recorder: "agent01"}
}

func repairRework(lang string) map[string]any {
	visit := at(20)
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "repair order recorded: "+ud("3号楼"), "urgency", "urgent", "channel", "onsite", "region", ud("浦东"), "department", "maintenance"),
		ev(1, "maint01", "signed", "maintenance signed for the order", "technician", ud("孙伟")),
		ev(2, "maint01", "scheduled", "visit scheduled for "+rfc(visit), "visit_at", rfc(visit)),
		ev(3, "maint01", "progress", ud("零件已到"), nil...),
		ev(4, "maint01", "completed", ud("已换管"), nil...),
		ev(5, "agent01", "return_visit", ud("还漏"), "round", "1", "satisfaction", "2", "passed", "false"),
		ev(5, "agent01", "rework", "return visit 1 failed: [staff attitude the repair result satisfaction 2/5]", "round", "1", "satisfaction", "2", "passed", "false"),
		ev(6, "customer", "return_visit", "rated online: "+ud("一般"), "round", "2", "satisfaction", "3", "passed", "false"),
		ev(6, "system", "escalated", "escalated handler → management: repair still failing after 3 return visits (limit 3)",
			"from", "handler", "to", "management", "proposal", "management reviews the repair, decides whether to bring in a contractor, and names the owner of the next visit"),
	}
	tl = append(tl, deadlineEvents(sla.SignFor)...)
	v := workflows.CaseView{No: "BX-20261130-0001", Type: workflows.TypeRepair, Status: workflows.StatusRework, Department: "maintenance",
		Handler: ud("孙伟"), Rounds: 1, Repair: &workflows.RepairRecord{Form: repairForm(), SignedBy: "maint01", SignedAt: &visit, Technician: ud("孙伟"),
			ScheduledAt: &visit, CompletedAt: &visit, Result: ud("已换管"),
			Visits: []workflows.RepairVisit{{At: visit, By: "agent01", Attitude: false, Work: true, Result: false, Satisfaction: 2, Comment: ud("还漏")}}},
		Children: []workflows.ChildCase{{No: "XZ-20261130-0003", Type: workflows.TypeCollaboration, TargetDepartment: "engineering", Need: ud("停水"),
			TimeNode: at(30), Status: workflows.StatusDeclined, Outcome: workflows.OutcomeDeclined, OpenedAt: at(9), UpdatedAt: at(9)}},
		Timeline: tl, CreatedBy: "agent01"}
	dls := []map[string]any{explained(lang, sla.Rework, t0, calendar.Span{N: 2, Unit: calendar.WorkingDays}, workflows.DeadlinePending)}
	return caseJSON(v, dls, workflows.RepairActions, nil)
}

func repairClosed(lang string) map[string]any {
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "repair order recorded: "+ud("5号楼"), "urgency", "normal", "channel", "phone", "region", ud("浦东"), "department", ""),
		ev(5, "agent01", "return_visit", ud("好"), "round", "1", "satisfaction", "5", "passed", "true"),
		ev(5, "agent01", "closed", "every return-visit item passed; order closed", nil...),
	}
	closed := at(5)
	v := workflows.CaseView{No: "BX-20261130-0002", Type: workflows.TypeRepair, Status: workflows.StatusClosed, Department: "maintenance",
		Repair: &workflows.RepairRecord{Form: repairForm()}, Timeline: tl, CreatedBy: "agent01", ClosedAt: &closed}
	return caseJSON(v, nil, nil, nil)
}

func consultationForm() forms.Consultation {
	return forms.Consultation{ReceivedAt: t0, RegisteredAt: t0, CallerName: "李**", Phone: "137****1111", Affiliation: forms.AffiliationInternal,
		CallerDepartment: "property", Question: ud("能否加班"), Channel: forms.ChannelPhone, Region: ud("浦东"), Recorder: "agent01",
		CallbackAt: at(4), ExpectedTimeTold: ud("明天")}
}

func consultationTransferred(lang string) map[string]any {
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "consultation registered", "channel", "phone", "region", ud("浦东"), "affiliation", "internal"),
		ev(0, "agent01", "expected_time_told", ud("明天"), nil...),
		ev(1, "agent01", "transferred", "transferred to engineering: "+ud("要专家"), "department", "engineering", "reason", ud("要专家")),
	}
	v := workflows.CaseView{No: "ZX-20261130-0001", Type: workflows.TypeConsultation, Status: workflows.StatusTransferred, Department: "engineering",
		Consultation: &workflows.ConsultationRecord{Form: consultationForm(), TransferredTo: "engineering", TransferReason: ud("要专家")},
		Timeline:     tl, CreatedBy: "agent01"}
	dls := []map[string]any{explained(lang, sla.SpecialistAnswer, t0, calendar.Span{N: 1, Unit: calendar.WorkingDays}, workflows.DeadlinePending)}
	return caseJSON(v, dls, workflows.ConsultationActions, nil)
}

func consultationAnswered(lang string) map[string]any {
	answered := at(1)
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "consultation registered", "channel", "online", "region", ud("浦东"), "affiliation", "customer"),
		ev(1, "agent01", "answered", ud("可以"), "internal_info", "true"),
		ev(1, "agent01", "closed", "caller answered; consultation closed", nil...),
	}
	v := workflows.CaseView{No: "ZX-20261130-0002", Type: workflows.TypeConsultation, Status: workflows.StatusClosed,
		Consultation: &workflows.ConsultationRecord{Form: consultationForm(), Answer: ud("可以"), AnsweredBy: "agent01", AnsweredAt: &answered, InternalInfo: true},
		Timeline:     tl, CreatedBy: "agent01", ClosedAt: &answered}
	return caseJSON(v, nil, nil, nil)
}

func mediaClosed(lang string) map[string]any {
	contacted := at(1)
	f := forms.MediaInquiry{ReceivedAt: t0, RegisteredAt: t0, Outlet: ud("新民晚报"), ReporterName: "记者**", ReporterPhone: "136****2222",
		ReporterEmail: "r***@example.com", Topic: ud("停电"), OutletDeadline: at(8), ContactPerson: ud("吴刚"), Recorder: "agent01", HoldingReplyGiven: true}
	tl := []workflows.Event{
		ev(0, "agent01", "registered", "media inquiry from "+f.Outlet, "outlet", f.Outlet, "reporter", f.ReporterName, "received_at", rfc(t0), "contact_person", f.ContactPerson),
		ev(0, "agent01", "holding_reply", ud("我们正在核实"), nil...),
		ev(1, "manager01", "outlet_contacted", ud("已说明"), "outlet", f.Outlet),
		ev(1, "manager01", "closed", "outlet contacted; inquiry closed", nil...),
	}
	v := workflows.CaseView{No: "MT-20261130-0001", Type: workflows.TypeMediaInquiry, Status: workflows.StatusClosed,
		Media:    &workflows.MediaRecord{Form: f, HoldingReply: ud("我们正在核实"), ContactedBy: "manager01", ContactedAt: &contacted, Outcome: ud("已说明")},
		Timeline: tl, CreatedBy: "agent01", ClosedAt: &contacted}
	dls := []map[string]any{explained(lang, sla.MediaContact, t0, calendar.Span{N: 2, Unit: calendar.Hours}, workflows.DeadlineMet)}
	return caseJSON(v, dls, workflows.MediaInquiryActions, nil)
}

func collaborationForm() forms.Collaboration {
	return forms.Collaboration{BookedAt: t0, RequestingDepartment: "engineering", TargetDepartment: "maintenance", Requester: "staff.engineering",
		Phone: "135****3333", Email: "s***@example.com", Urgency: forms.UrgencyUrgent, Need: ud("请派人"), TimeNode: at(30), TimeNodeWithin: "48h",
		RequesterResponsibilities: ud("开门"), TargetResponsibilities: ud("维修"), BypassReason: ud("太急"), Region: ud("浦东"),
		Language: forms.LanguageZhCN, ParentCase: "TS-20261130-0001"}
}

func collaborationAccepted(lang string) map[string]any {
	f := collaborationForm()
	accepted := at(2)
	bypass := fmt.Sprintf("urgent request booked %s before its time node (less than %s): %s", 3*time.Hour, 24*time.Hour, f.BypassReason)
	tl := []workflows.Event{
		ev(0, "staff.engineering", "registered", fmt.Sprintf("cross-department request from %s to %s: %s", f.RequestingDepartment, f.TargetDepartment, f.Need),
			"requesting_department", f.RequestingDepartment, "target_department", f.TargetDepartment, "urgency", "urgent", "time_node", rfc(f.TimeNode), "parent", f.ParentCase),
		ev(0, "staff.engineering", "booking_bypass", bypass, "reason", f.BypassReason),
		ev(0, "system", "qc_report", bypass, "to", "qc"),
		ev(2, "head.maintenance", "accepted", "accepted; responsibilities signed: "+f.TargetResponsibilities, "handler", ud("孙伟"), "note", ud("马上")),
	}
	v := workflows.CaseView{No: "XZ-20261130-0001", Type: workflows.TypeCollaboration, Status: workflows.StatusInProgress, Department: "maintenance",
		Handler: ud("孙伟"), Parent: "TS-20261130-0001",
		Collaboration: &workflows.CollaborationRecord{Form: f, Bypassed: true, AcceptedBy: "head.maintenance", AcceptedAt: &accepted,
			Signed: f.TargetResponsibilities, Reports: []workflows.QCReport{{At: t0, To: "qc", Reason: bypass}}},
		Timeline: tl, CreatedBy: "staff.engineering"}
	dls := []map[string]any{explained(lang, sla.TimeNode, t0, calendar.Span{N: 30, Unit: calendar.Hours}, workflows.DeadlinePending)}
	return caseJSON(v, dls, workflows.CollaborationActions, nil)
}

func collaborationBreached(lang string) map[string]any {
	f := collaborationForm()
	f.Urgency = forms.UrgencyNormal
	closed := at(40)
	timeNode := fmt.Sprintf("time node %s passed without the work from %s being delivered", rfc(f.TimeNode), f.TargetDepartment)
	serious := fmt.Sprintf("serious cross-department breach by %s: %s", f.TargetDepartment, "still not delivered 1 working day after the time node")
	urgent := fmt.Sprintf("serious cross-department breach by %s: %s", f.TargetDepartment, "urgent request not delivered by its time node")
	poor := fmt.Sprintf("poor rating %d/5 from %s for %s: %s", 1, f.RequestingDepartment, f.TargetDepartment, ud("太慢"))
	tl := []workflows.Event{
		ev(0, "staff.engineering", "registered", fmt.Sprintf("cross-department request from %s to %s: %s", f.RequestingDepartment, f.TargetDepartment, f.Need),
			"requesting_department", f.RequestingDepartment, "target_department", f.TargetDepartment, "urgency", "normal", "time_node", rfc(f.TimeNode), "parent", ""),
		ev(30, "system", "qc_report", timeNode, "to", "qc"),
		ev(38, "system", "qc_report", serious, "to", "qc_leader"),
		ev(38, "system", "escalated", "escalated handler → management: "+serious, "from", "handler", "to", "management",
			"proposal", "quality control's supervising leader meets both department heads, sets a new time node and records the cause"),
		ev(38, "system", "qc_report", urgent, "to", "qc_leader"),
		ev(39, "head.maintenance", "delivered", ud("修好了"), nil...),
		ev(40, "staff.engineering", "rated", "rated 1/5: "+ud("太慢"), "score", "1"),
		ev(40, "system", "qc_report", poor, "to", "qc"),
		ev(40, "staff.engineering", "closed", "rated; request closed", nil...),
		ev(41, "head.property", "declined", ud("没人手"), nil...),
		ev(41, "system", "closed", "not rated in time; request closed unrated", nil...),
	}
	v := workflows.CaseView{No: "XZ-20261130-0002", Type: workflows.TypeCollaboration, Status: workflows.StatusClosed, Department: "maintenance",
		EscalationLevel: sla.LevelManagement, Overdue: true,
		Collaboration: &workflows.CollaborationRecord{Form: f, Result: ud("修好了"), Rating: 1, RatingComment: ud("太慢"), RatedAt: &closed,
			Outcome: workflows.OutcomeRated, Reports: []workflows.QCReport{{At: at(30), To: "qc", Reason: timeNode},
				{At: at(38), To: "qc_leader", Reason: serious}, {At: at(40), To: "qc", Reason: poor}}},
		Escalations: []workflows.Escalation{{At: at(38), By: "system", From: sla.LevelHandler, To: sla.LevelManagement, Reason: serious}},
		Timeline:    tl, CreatedBy: "staff.engineering", ClosedAt: &closed}
	dls := []map[string]any{
		explained(lang, sla.TimeNode, t0, calendar.Span{N: 30, Unit: calendar.Hours}, workflows.DeadlineBreached),
		explained(lang, sla.SeriousBreach, at(30), calendar.Span{N: 1, Unit: calendar.WorkingDays}, workflows.DeadlineBreached),
		explained(lang, sla.Rating, at(39), calendar.Span{N: 2, Unit: calendar.WorkingDays}, workflows.DeadlineMet),
	}
	return caseJSON(v, dls, nil, nil)
}

// leakAPI answers as the API would, in the language the page asks in.
func leakAPI(t *testing.T) http.Handler {
	due := at(30)
	late := at(10)
	summaries := []starter.Summary{
		{No: "TS-20261130-0001", Type: workflows.TypeComplaint, Status: workflows.StatusInProgress, Department: "engineering", NextDeadline: &late,
			EscalationLevel: 3, Overdue: true, StartedAt: t0, Marks: starter.Marks{VIP: true, Major: true}},
		{No: "BX-20261130-0001", Type: workflows.TypeRepair, Status: workflows.StatusRework, Department: "maintenance", NextDeadline: &due,
			EscalationLevel: 1, StartedAt: t0, Marks: starter.Marks{Urgent: true}},
		{No: "ZX-20261130-0001", Type: workflows.TypeConsultation, Status: workflows.StatusRegistered, StartedAt: t0, EscalationLevel: 2},
		{No: "MT-20261130-0001", Type: workflows.TypeMediaInquiry, Status: workflows.StatusClosed, StartedAt: t0},
		{No: "XZ-20261130-0001", Type: workflows.TypeCollaboration, Status: workflows.StatusInProgress, Department: "maintenance",
			RequestingDepartment: "engineering", Parent: "TS-20261130-0001", NextDeadline: &due, StartedAt: t0},
		{No: "TS-20261130-0003", Type: workflows.TypeComplaint, Status: workflows.StatusFailed, Department: "property", StartedAt: t0},
	}
	kpi := func(groupBy string) map[string]any {
		groups := map[string][]string{"department": {"property", "engineering", ""}, "type": {"complaint", "repair", "collaboration"},
			"channel": {"phone", "online", "email"}, "region": {ud("浦东"), "Pudong"}}[groupBy]
		rate, sat := 0.75, 4.2
		var gs []archive.KPI
		for _, g := range groups {
			gs = append(gs, archive.KPI{Group: g, Cases: 4, Closed: 3, ResolutionRate: &rate, Satisfaction: &sat, FirstFeedbackOnTime: &rate})
		}
		return map[string]any{"from": "2026-11-01", "to": "2026-11-30", "group_by": groupBy,
			"targets": map[string]any{"resolution_rate": 0.9, "satisfaction": 4.5}, "groups": gs,
			"total": archive.KPI{Cases: 12, Closed: 9, ResolutionRate: &rate}}
	}
	problem := func(w http.ResponseWriter, status int, code, msg string, fields ...forms.FieldError) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "fields": fields}})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := "en"
		if strings.HasPrefix(r.Header.Get("Accept-Language"), "zh") {
			lang = "zh-CN"
		}
		write := func(v any) { _ = json.NewEncoder(w).Encode(v) }
		if r.URL.Path == "/api/v1/login" {
			problem(w, http.StatusUnauthorized, "bad_credentials", "wrong username or password")
			return
		}
		ck, err := r.Cookie("closeloop_session")
		if err != nil {
			problem(w, http.StatusUnauthorized, "unauthenticated", "sign in")
			return
		}
		role := ck.Value
		switch p := r.URL.Path; {
		case p == "/api/v1/me":
			all := []string{"complaint", "repair", "consultation", "media_inquiry"}
			if role == "dept_staff" {
				all = []string{"collaboration"}
			}
			write(map[string]any{"username": "u01", "name": "王芳 Wang Fang", "role": role, "department": "customer_service", "csrf_token": "tok",
				"can": map[string]any{"create": all, "import": true, "reports": true, "supervision": true, "evaluate": role == "qc",
					"outbox": true, "calendar": role == "admin"}})
		case p == "/api/v1/cases":
			write(map[string]any{"cases": summaries, "next_page_token": "more"})
		case p == "/api/v1/staff":
			write(map[string]any{"department": r.URL.Query().Get("department"), "staff": []map[string]any{{"username": "staff.property", "name": ud("李明")}}})
		case p == "/api/v1/search" && len([]rune(r.URL.Query().Get("q"))) < 3:
			problem(w, http.StatusUnprocessableEntity, "invalid_query", "the search cannot be run",
				forms.FieldError{Field: "q", Code: "too_short", Message: "q is too short (rule P1)"})
		case p == "/api/v1/search":
			write(map[string]any{"cases": []map[string]any{{"no": "TS-20261130-0001", "type": "complaint", "status": "closed", "department": "property",
				"started_at": rfc(t0), "subject": ud("电梯故障 lift"), "customer": map[string]any{"name": ud("张*"), "phone": "138****5678"},
				"closed_at": rfc(at(40)), "rating": 2, "satisfied": false}}, "next_page_token": "x", "searched": []string{"content", "phone"}})
		case p == "/api/v1/queue":
			write(leakQueue(r.URL.Query().Get("view")))
		case strings.HasPrefix(p, "/api/v1/cases/") && strings.Contains(p, "/actions/escalate"):
			problem(w, http.StatusUnprocessableEntity, "invalid_input", "the reason is too long",
				forms.FieldError{Field: "reason", Code: forms.CodeTooLong, Message: "reason: at most 2000 characters", Max: 2000, Length: 2001, Unit: forms.UnitCharacters},
				forms.FieldError{Field: "proposal", Code: forms.CodeRequired, Message: "proposal is required"})
		case strings.HasPrefix(p, "/api/v1/cases/") && strings.Contains(p, "/actions/"):
			problem(w, http.StatusConflict, "invalid_state", "resolve is not allowed in status in_progress (C3)")
		case strings.HasPrefix(p, "/api/v1/cases/"):
			c, ok := leakCases[strings.TrimPrefix(p, "/api/v1/cases/")]
			if !ok {
				problem(w, http.StatusNotFound, "not_found", "case TS-20261130-9999 not found")
				return
			}
			write(c(lang))
		case p == "/api/v1/complaints":
			problem(w, http.StatusUnprocessableEntity, "invalid_form", "the form has errors",
				forms.FieldError{Field: "complainant_name", Code: forms.CodeRequired, Message: "complainant name is required"},
				forms.FieldError{Field: "intake_at", Code: forms.CodeFuture, Message: "intake_at is in the future"},
				forms.FieldError{Field: "channel", Code: forms.CodeUnknownValue, Message: "channel must be one of phone, online"})
		case p == "/api/v1/reports/kpi":
			if r.URL.Query().Get("from") == "yesterday" {
				problem(w, http.StatusBadRequest, "invalid_filter", "from must be a date such as 2026-11-01")
				return
			}
			write(kpi(cmpOr(r.URL.Query().Get("group_by"), "department")))
		case p == "/api/v1/reports/evaluations":
			write(map[string]any{"from": "2026-11-01", "to": "2026-11-30", "days_evaluated": 3,
				"grades": map[string]map[string]int{"etiquette": {"优": 2, "差": 1}}})
		case p == "/api/v1/supervision/2026-11-29":
			items := map[string]forms.EvaluationItem{}
			for _, f := range forms.EvaluationFields(forms.LanguageEN) {
				items[f[0]] = forms.EvaluationItem{Grade: "良", Problems: ud("无"), Measures: ud("保持")}
			}
			write(archive.Supervision{Day: "2026-11-29", Sample: []string{"TS-20261130-0001"}, OpenedAt: t0,
				Evaluation: &forms.Evaluation{Items: items, Summary: ud("好")}, EvaluatedBy: "qc01"})
		case p == "/api/v1/supervision/2026-11-30":
			write(archive.Supervision{Day: "2026-11-30", Sample: []string{"TS-20261130-0001", "BX-20261130-0001"}, OpenedAt: t0})
		case p == "/api/v1/supervision/2026-11-30/evaluation":
			problem(w, http.StatusUnprocessableEntity, "invalid_input", "every item needs a grade",
				forms.FieldError{Field: "items.etiquette", Code: forms.CodeRequired, Message: "items.etiquette: grade is required"})
		case p == "/api/v1/outbox":
			entries := []map[string]any{}
			// One notice to each kind of recipient the workflows address.
			for _, role := range []string{"handler", "customer", "requester", "qc", "qc_leader", "dept_head", "cs_head", "management", "manager", "admin"} {
				entries = append(entries, map[string]any{"notice": workflows.Notice{Kind: workflows.NoticeRework, CaseNo: "TS-20261130-0002",
					To: workflows.Recipient{Role: role}}, "stored_at": t0, "status": "sent"})
			}
			write(map[string]any{"entries": append(entries, []map[string]any{
				{"notice": workflows.Notice{Kind: workflows.NoticeEscalation, CaseNo: "TS-20261130-0001", To: workflows.Recipient{Role: "management"}},
					"stored_at": t0, "status": "sent", "messages": []map[string]any{{"to": map[string]any{"email": "m@example.com"},
						"subject": ud("升级"), "text": ud("请处理")}}},
				{"notice": workflows.Notice{Kind: workflows.NoticeCustomerAck, CaseNo: "TS-20261130-0002", To: workflows.Recipient{Role: "customer"}},
					"stored_at": t0, "status": "failed", "error": "smtp: 550 mailbox unavailable"},
				{"notice": workflows.Notice{Kind: workflows.NoticeReminder, CaseNo: "BX-20261130-0001", To: workflows.Recipient{Role: "handler"}},
					"stored_at": t0, "status": "sent"},
			}...)})
		case p == "/api/v1/calendar/replan":
			var in struct {
				DryRun bool `json:"dry_run"`
			}
			_ = json.NewDecoder(r.Body).Decode(&in)
			write(starter.ReplanReport{DryRun: in.DryRun, Horizon: 2026, Checked: 7,
				Changes: []starter.ReplanLine{{Case: "TS-20261130-0001", Deadline: sla.ResultDelivery, OldDue: at(100), NewDue: at(124), Later: true, Applied: !in.DryRun},
					{Case: "BX-20261130-0001", Deadline: sla.ReturnVisit, Round: 2, OldDue: at(100), NewDue: at(76)}},
				Check:  []starter.ReplanCheck{{Case: "XZ-20261130-0001", Deadline: sla.TimeNode, Due: at(200), Holiday: "元旦节"}, {Case: "XZ-20261130-0002", Deadline: sla.TimeNode, Due: at(220)}},
				Failed: []starter.ReplanFailure{{Case: "ZX-20261130-0001", Error: "context deadline exceeded"}}})
		case p == "/api/v1/imports/emergency":
			write(starter.ImportResult{Created: []starter.ImportedRow{{Line: 2, No: "TS-20261130-0005"}}, Skipped: []starter.ImportedRow{{Line: 3, No: "TS-20261130-0001"}},
				Errors: []starter.RowErrors{{Line: 4, Fields: forms.Errors{{Field: "intake_at", Code: forms.CodeInvalid, Message: "intake_at: not a time"},
					{Field: "content", Code: forms.CodeTooLong, Message: "content: too long", Max: 4000, Length: 4100, Unit: forms.UnitCharacters}}}}})
		default:
			t.Errorf("the leak test's API has no answer for %s %s", r.Method, r.URL.Path)
			problem(w, http.StatusNotFound, "not_found", "no answer for "+p)
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// leakServer is a web server over leakAPI with the departments named in
// both languages, at 2026-12-01 02:00 UTC.
func leakServer(t *testing.T) *httptest.Server {
	return leakServerAt(t, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
}

// leakServerAt is leakServer with its clock at now.
func leakServerAt(t *testing.T, now time.Time) *httptest.Server {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var depts []identity.Department
	for _, d := range [][3]string{{"customer_service", "客服中心", "Customer service"}, {"property", "物业部", "Property"},
		{"engineering", "工程部", "Engineering"}, {"maintenance", "维修部", "Maintenance"}, {"quality_control", "质控部", "Quality control"}} {
		depts = append(depts, identity.Department{Code: d[0], Name: d[1] + " " + d[2], Names: map[string]string{"zh-CN": d[1], "en": d[2]}})
	}
	s, err := New(Server{API: leakAPI(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Location: loc, Departments: depts,
		Outbox: true, Now: func() time.Time { return now }, Calendar: calendar.MustDefault()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// fetch gets (or posts) a page in lang as role.
func fetch(t *testing.T, srv *httptest.Server, pg leakPage, lang string) (int, string) {
	t.Helper()
	method, body, ctype := http.MethodGet, io.Reader(nil), ""
	switch {
	case pg.file != "":
		var b strings.Builder
		b.WriteString("--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n")
		b.WriteString("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n" + pg.file + "\r\n--X--\r\n")
		method, body, ctype = http.MethodPost, strings.NewReader(b.String()), "multipart/form-data; boundary=X"
	case pg.form != nil:
		f := url.Values{"csrf": {"tok"}}
		for k, v := range pg.form {
			f[k] = v
		}
		method, body, ctype = http.MethodPost, strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	}
	req, _ := http.NewRequest(method, srv.URL+pg.path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	if pg.role != "" {
		req.AddCookie(&http.Cookie{Name: "closeloop_session", Value: pg.role})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// shownText is what a reader of the page sees and hears: its text and the
// attributes read out (title, alt, placeholder, aria-label), without the
// parts marked data-user or set in another language.
func shownText(t *testing.T, page, lang string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "style" {
				return
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "data-user":
					return
				case a.Key == "lang" && n.Data != "html" && a.Val != lang:
					return
				}
			}
			for _, a := range n.Attr {
				if slices.Contains([]string{"title", "alt", "placeholder", "aria-label"}, a.Key) {
					out = append(out, a.Val)
				}
			}
		}
		if n.Type == html.TextNode {
			if s := strings.TrimSpace(n.Data); s != "" {
				out = append(out, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

var (
	// allowed on a Chinese page: product names (Closeloop, SendGrid), VIP
	// as Chinese writes it, file names, case numbers, e-mail addresses,
	// UTC, KPI and CSV, the settings and file lines an administrator types,
	// and a recording's reference.
	allowedZH = regexp.MustCompile(`Closeloop|SendGrid|\bVIP|\b[\w-]+\.(?:json|csv)\b|\b[A-Z]{2}-\d{8}-\d{4}\b|[\w.*+-]+@[\w.-]+|\bUTC\b|\bKPI\b|\bCSV\b|CLOSELOOP_[A-Z_]+|"years": \[\d+\]|\bREC-\d+\b`)
	latinWord = regexp.MustCompile(`[A-Za-z]+`)
	han       = regexp.MustCompile(`\p{Han}`)
	// leaks are leaks on every page; codes and message ids only on Chinese
	// ones, as English prose has its own dotted abbreviations ("e.g.").
	leaks = map[string]*regexp.Regexp{
		"UTC instant":  regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:`),
		"Go duration":  regexp.MustCompile(`\b\d+h\d+m`),
		"rule ID":      regexp.MustCompile(`\(([A-Z]\d{1,2})\)|\b[A-Z]\d{1,2}\b`),
		"zone abbrev.": regexp.MustCompile(`\b(CST|MST)\b`),
	}
	zhLeaks = map[string]*regexp.Regexp{
		"message id": regexp.MustCompile(`\b[a-z]+(\.[a-z_]+)+\b`),
		"code":       regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`),
	}
)

// leaksIn lists what leaks in the texts of a page in lang.
func leaksIn(texts []string, lang string) []string {
	var out []string
	for _, s := range texts {
		for what, re := range leaks {
			if m := re.FindString(allowedZH.ReplaceAllString(s, " ")); m != "" {
				out = append(out, fmt.Sprintf("%s %q in %q", what, m, s))
			}
		}
		switch lang {
		case "zh-CN":
			for what, re := range zhLeaks {
				if m := re.FindString(allowedZH.ReplaceAllString(s, " ")); m != "" {
					out = append(out, fmt.Sprintf("%s %q in %q", what, m, s))
				}
			}
			if m := latinWord.FindString(allowedZH.ReplaceAllString(s, " ")); m != "" {
				out = append(out, fmt.Sprintf("Latin %q in %q", m, s))
			}
		case "en":
			if m := han.FindString(s); m != "" {
				out = append(out, fmt.Sprintf("Chinese %q in %q", m, s))
			}
		}
	}
	return out
}

func TestNoLeaks(t *testing.T) {
	srv := leakServer(t)
	pages := slices.Clone(leakPages)
	for no := range leakCases {
		pages = append(pages, leakPage{name: "case " + no, path: "/cases/" + no, role: "cs_head"})
	}
	pages = append(pages, leakPage{name: "case earlier timeline", path: "/cases/TS-20261130-0001?timeline_from=0", role: "cs_head"})
	for _, lang := range Languages {
		for _, pg := range pages {
			code, page := fetch(t, srv, pg, lang)
			if code >= 500 || code == http.StatusSeeOther && pg.form == nil {
				t.Errorf("%s %s: status %d", lang, pg.name, code)
				continue
			}
			if code == http.StatusSeeOther {
				continue
			}
			for _, l := range leaksIn(shownText(t, page, lang), lang) {
				t.Errorf("%s %s: %s", lang, pg.name, l)
			}
		}
		// The calendar warning the administrator sees once the coming
		// year's holidays are due and missing.
		cal := calendar.MustDefault()
		warned := leakServerAt(t, time.Date(cal.Horizon(), 12, 1, 2, 0, 0, 0, time.UTC))
		for _, pg := range []leakPage{{name: "calendar warned", path: "/calendar", role: "admin"}, {name: "inbox warned", path: "/inbox", role: "admin"}} {
			_, page := fetch(t, warned, pg, lang)
			if !strings.Contains(page, `id="calendar-horizon"`) {
				t.Errorf("%s %s: no calendar warning", lang, pg.name)
			}
			for _, l := range leaksIn(shownText(t, page, lang), lang) {
				t.Errorf("%s %s: %s", lang, pg.name, l)
			}
		}
		// The charts are images: their words are the SVG's text.
		for _, by := range archive.GroupBys {
			for _, m := range metrics {
				_, svg := fetch(t, srv, leakPage{path: "/dashboard/chart.svg?group_by=" + by + "&metric=" + m.Name, role: "manager"}, lang)
				var texts []string
				for _, sm := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(svg, -1) {
					if s := strings.TrimSpace(html.UnescapeString(sm[1])); s != "" && (by != "region" || !strings.Contains(s, "空调")) && s != "Pudong" {
						texts = append(texts, s)
					}
				}
				if len(texts) == 0 {
					t.Errorf("%s chart %s by %s has no text", lang, m.Name, by)
				}
				for _, l := range leaksIn(texts, lang) {
					t.Errorf("%s chart %s by %s: %s", lang, m.Name, by, l)
				}
			}
		}
	}
}

// The leak test's own checks catch what they are meant to.
func TestLeakChecks(t *testing.T) {
	for _, tc := range []struct {
		text, lang string
		leak       bool
	}{
		{"截止 2026-12-05T14:54:58Z", "zh-CN", true}, {"72h0m0s", "en", true}, {"value.first_feedback", "zh-CN", true},
		{"property", "zh-CN", true}, {"complaint registered", "zh-CN", true}, {"first_feedback", "zh-CN", true},
		{"重大投诉：立即上报管理层 (C9)", "zh-CN", true}, {"Major complaint (C9)", "en", true}, {"物业部", "en", true},
		{"2026-12-05 22:54（北京时间）", "zh-CN", false}, {"TS-20261201-0001 · Closeloop", "zh-CN", false},
		{"2026-12-05 22:54 (UTC+8)", "en", false}, {"w***@example.com", "zh-CN", false}, {"72 小时", "zh-CN", false},
	} {
		if got := len(leaksIn([]string{tc.text}, tc.lang)) > 0; got != tc.leak {
			t.Errorf("%s %q: leak %v, want %v", tc.lang, tc.text, got, tc.leak)
		}
	}
	page := `<html lang="en"><body><p>Fine <span data-user>物业部</span> <a lang="zh-CN">中文</a></p><img alt="空调"></body></html>`
	if got := shownText(t, page, "en"); !slices.Equal(got, []string{"Fine", "空调"}) {
		t.Errorf("shown text %q: want typed text and the switch skipped, alt text read", got)
	}
}

// Every kind of timeline entry the workflows and the starter write is
// said in both languages, and the case pages of TestNoLeaks show each one.
func TestEveryEventKindIsSaid(t *testing.T) {
	kinds := eventKinds(t)
	b, err := os.ReadFile(filepath.Join("..", "starter", "failures.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`Kind: "([a-z_]+)"`).FindAllStringSubmatch(string(b), -1) {
		kinds = append(kinds, m[1])
	}
	shown := map[string]bool{}
	for _, c := range leakCases {
		var v struct {
			Timeline []workflows.Event `json:"timeline"`
		}
		b, _ := json.Marshal(c("en"))
		_ = json.Unmarshal(b, &v)
		for _, e := range v.Timeline {
			shown[e.Kind] = true
		}
	}
	for _, k := range kinds {
		if _, ok := eventTexts[k]; !ok {
			t.Errorf("timeline entries of kind %q are not said in the reader's language (add them to eventTexts)", k)
		}
		if !shown[k] {
			t.Errorf("no case page of the leak test shows an entry of kind %q (add one to leakCases)", k)
		}
	}
}

// Issue 18: a repair's reporter is the person reporting the fault
// (报修人), a media inquiry's the journalist (记者), on the forms and on the
// case pages.
func TestReporterLabel(t *testing.T) {
	srv := leakServer(t)
	for _, tc := range []struct {
		path, want, not string
	}{
		{"/new/repair", "报修人姓名", "记者"},
		{"/cases/BX-20261130-0001", "报修人姓名", "记者"},
		{"/new/media_inquiry", "记者姓名", "报修人"},
		{"/cases/MT-20261130-0001", "记者姓名", "报修人"},
	} {
		_, page := fetch(t, srv, leakPage{path: tc.path, role: "agent"}, "zh-CN")
		if !strings.Contains(page, tc.want) || strings.Contains(page, tc.not) {
			t.Errorf("%s: want %q and no %q", tc.path, tc.want, tc.not)
		}
	}
}

// Issue 18: every time on a page is in the business zone and says which:
// Beijing time by its Chinese name, any other zone by its offset.
func TestTimesCarryTheirZone(t *testing.T) {
	at := time.Date(2026, 12, 5, 14, 54, 58, 0, time.UTC)
	s := testServer(t, http.NotFoundHandler())
	for lang, want := range map[string]string{"zh-CN": "2026-12-05 22:54（北京时间）", "en": "2026-12-05 22:54 (UTC+8)"} {
		if got := s.when(at, lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	for zone, want := range map[string]string{"Europe/Berlin": "2026-12-05 15:54 (UTC+1)", "Asia/Kolkata": "2026-12-05 20:24 (UTC+5:30)",
		"America/New_York": "2026-12-05 09:54 (UTC-5)", "UTC": "2026-12-05 14:54 (UTC+0)"} {
		s.Location, _ = time.LoadLocation(zone)
		if got := s.when(at, "en"); got != want {
			t.Errorf("%s: %q, want %q", zone, got, want)
		}
	}
	if got := (speaker{s: s, lang: "zh-CN"}).dur("72h0m0s"); got != "72 小时" {
		t.Errorf("72h0m0s in Chinese: %q", got)
	}
	if got := (speaker{s: s, lang: "en"}).dur("72h0m0s"); got != "72 hours" {
		t.Errorf("72h0m0s in English: %q", got)
	}
}

// The words the page recognises in the workflows' English (timeline.go)
// are still the workflows' words: a reworded message fails here instead
// of quietly showing as untranslated data.
func TestRecognisedPhrasesStillWritten(t *testing.T) {
	var src strings.Builder
	for _, dir := range []string{"../workflows", "../starter"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				b, _ := os.ReadFile(f)
				src.Write(b)
			}
		}
	}
	phrases := []string{
		"major complaint: reported to management at once (C9)", "customer still unsatisfied after %d return visits (limit %d)",
		"repair still failing after %d return visits (limit %d)", "deadline %s (due %s) passed without the work being done",
		"serious cross-department breach by %s: %s", "urgent request not delivered by its time node", "still not delivered %s after the time node",
		"time node %s passed without the work from %s being delivered", "poor rating %d/5 from %s for %s: %s",
		"urgent request booked %s before its time node (less than %s): %s", "customer unsatisfied at return visit %d: %s",
		"return visit %d failed: %s", "case reopened: ", "repair order recorded: ", "cross-department request from %s to %s: %s",
		"accepted; responsibilities signed: ", "rated %d/5: %s", "escalated %s → %s: %s", "customer rated %d/5 online: %s",
		"%s to %s via %s", "%s to %s failed: %v", "%s to %s held until %s (quiet hours)", "%s for %s dropped: business opens only when it is due",
		"%s for %s dropped: the clock moved on while it was held", "the case's workflow ended unexpectedly (%s): %s",
		"cross-department request %s to %s: %s", "registered %s after intake (limit %s)", "%s passed at %s", "%s reminder at %d%%",
		"rated online: ", "staff attitude", "the work", "the repair result", "satisfaction %d/5",
	}
	for msg := range closings {
		phrases = append(phrases, msg)
	}
	for _, p := range phrases {
		if !strings.Contains(src.String(), p) {
			t.Errorf("the workflows no longer write %q: update timeline.go and this list", p)
		}
	}
}

// leakQueue is a work-queue page with a row for every kind of next step:
// each party, overdue, paused, none.
func leakQueue(view string) map[string]any {
	due, late := at(30), at(10)
	var views []map[string]any
	for _, v := range []string{"mine", "department", "waiting", "callbacks", "reworks", "escalated", "all"} {
		views = append(views, map[string]any{"name": v, "count": 3})
	}
	if view == "" {
		view = "mine"
	}
	var rows []map[string]any
	if view != "reworks" {
		for i, step := range []workflows.Step{
			{Action: workflows.ActionFirstFeedback, Party: workflows.PartyDepartment, Department: "property", Deadline: sla.FirstFeedback, Due: &late},
			{Action: workflows.ActionReturnVisit, Party: workflows.PartyCustomerService, Deadline: sla.ReturnVisit, Due: &due},
			{Action: workflows.ActionRate, Party: workflows.PartyRequester, Department: "engineering", Deadline: sla.Rating, Due: &due},
			{Action: workflows.ActionResolve, Party: workflows.PartyDepartment, Department: "property", Deadline: sla.Resolution, Due: &due, PausedFor: "XZ-20261130-0001"},
		} {
			rows = append(rows, map[string]any{"no": fmt.Sprintf("TS-20261130-%04d", i+1), "type": "complaint", "status": "routed", "department": "property",
				"subject": ud("楼道灯不亮 lights out"), "customer": ud("张*"), "handler": "staff.property", "next_step": step,
				"escalation_level": i, "overdue": i == 0, "vip": i == 1, "major": i == 2, "urgent": i == 3})
		}
		rows = append(rows, map[string]any{"no": "MT-20261130-0001", "type": "media_inquiry", "status": "registered", "subject": ""})
	}
	return map[string]any{"view": view, "views": views, "cases": rows, "total": 120, "page": 1, "page_size": 50,
		"load": map[string]int{"staff.property": 4}, "names": map[string]string{"staff.property": ud("李强")}}
}
