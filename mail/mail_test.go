package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/workflows"
)

var kinds = []string{workflows.NoticeReminder, workflows.NoticeEscalation, workflows.NoticeAssignment, workflows.NoticeRework,
	workflows.NoticeCustomerAck, workflows.NoticeCustomerDelay, workflows.NoticeCustomerResult, workflows.NoticeSatisfactionReq,
	workflows.NoticeCustomerProgress, workflows.NoticeQCReport, workflows.NoticeCollaboration, workflows.NoticeDigest, workflows.NoticeSupervision,
	workflows.NoticeCustomerReplan, workflows.NoticeCaseFailed}

func customerKind(k string) bool {
	return strings.HasPrefix(k, "customer_") || k == workflows.NoticeSatisfactionReq
}

func sample(kind string) workflows.Notice {
	due := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	return workflows.Notice{ID: "n1", CaseNo: "TS-20261123-0001", CaseType: "complaint", Kind: kind, Language: "zh-CN",
		Reason: "waiting for <script>alert(1)</script> the roofer", Deadline: "resolution", Due: &due, Urgent: true, Customer: "张伟",
		Fields: map[string]string{"point": "80", "level": "management", "from": "cs_head", "proposal": "send a senior engineer",
			"result": "pipe replaced", "status": "in_progress", "visit_at": "2026-11-24T01:00:00Z", "location": "lobby",
			"open": "5", "due_today": "2", "overdue": "1", "cases": "TS-20261123-0001", "day": "2026-11-23", "sample": "TS-20261123-0001", "size": "1",
			"how": "terminated", "ended_at": "2026-11-24T01:00:00Z"}}
}

// Rule C4: a promised time moved later by a calendar update tells the
// customer both times, in the case's zone, in their language.
func TestRenderReplanned(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r, err := NewRenderer("https://closeloop.example.com/", sh)
	if err != nil {
		t.Fatal(err)
	}
	n := sample(workflows.NoticeCustomerReplan)
	n.Deadline = "result_delivery"
	n.Fields = map[string]string{"from": "2027-01-05T10:00:00Z"}
	for lang, want := range map[string][]string{
		"en":    {"calendar has been updated", "Before: 2027-01-05 18:00", "Now: 2026-11-26 09:00", "result delivery"},
		"zh-CN": {"法定节假日安排已更新", "原定时间：2027-01-05 18:00", "调整后：2026-11-26 09:00", "结果当面反馈"},
	} {
		m, err := r.Render(n, Address{Name: "张伟", Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: %q lacks %q", lang, m.Text, w)
			}
		}
	}
}

// Rules U1, U2, P1: every notice renders in Chinese and English; customers
// get large type and their own name, staff the customer masked and a link
// to the case; text from the case is escaped in HTML.
func TestRenderEveryKindInBothLanguages(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r, err := NewRenderer("https://closeloop.example.com/", sh)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range kinds {
		for _, lang := range []string{"zh-CN", "en"} {
			to := Address{Name: "张伟", Email: "zhang.wei@example.com", Language: lang, Staff: !customerKind(kind)}
			m, err := r.Render(sample(kind), to)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			all := m.Subject + m.Text + m.HTML
			if m.Subject == "" || m.Text == "" || strings.Contains(all, "<no value>") || strings.Contains(all, "%!") {
				t.Errorf("%s/%s renders badly: %q / %q", kind, lang, m.Subject, m.Text)
			}
			if strings.Contains(m.HTML, "<script>") {
				t.Errorf("%s/%s: case text not escaped in HTML", kind, lang)
			}
			chinese := strings.ContainsFunc(m.Subject, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
			if chinese != (lang == "zh-CN") {
				t.Errorf("%s/%s subject %q is in the wrong language", kind, lang, m.Subject)
			}
			if to.Staff {
				if strings.Contains(all, "张伟") {
					t.Errorf("%s/%s staff mail shows the customer unmasked", kind, lang)
				}
				if !strings.Contains(m.Text, "https://closeloop.example.com/") {
					t.Errorf("%s/%s staff mail has no link: %q", kind, lang, m.Text)
				}
				// A case's link opens its page, not the API's JSON.
				if strings.Contains(m.Text, "/api/v1/cases/TS-") {
					t.Errorf("%s/%s staff mail links to the API: %q", kind, lang, m.Text)
				}
			} else if !strings.Contains(m.HTML, "font-size:20px") {
				t.Errorf("%s/%s customer mail is not large print", kind, lang)
			}
		}
	}
	// Due times are shown in the case's zone (T3): 01:00 UTC is 09:00.
	m, _ := r.Render(sample(workflows.NoticeCustomerDelay), Address{Name: "张伟", Language: "en"})
	if !strings.Contains(m.Text, "2026-11-26 09:00") || !strings.Contains(m.Text, "Reason: waiting for") {
		t.Errorf("delay notice: %q", m.Text)
	}
	// An unknown language falls back to Chinese.
	m, _ = r.Render(sample(workflows.NoticeCustomerAck), Address{Name: "张伟", Language: "fr"})
	if !strings.Contains(m.Subject, "已收到") {
		t.Errorf("fallback subject %q", m.Subject)
	}
}

// Issue 17: the heads are told, in their language, how a case's workflow
// ended, when, the engine's reason and where the case stood.
func TestRenderCaseFailed(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r, err := NewRenderer("https://closeloop.example.com/", sh)
	if err != nil {
		t.Fatal(err)
	}
	n := sample(workflows.NoticeCaseFailed)
	n.Reason = "answer too large"
	n.Fields = map[string]string{"how": "terminated", "status": "routed", "ended_at": "2026-11-24T01:00:00Z"}
	for lang, want := range map[string][]string{
		"en": {"was terminated at 2026-11-24 09:00", "answer too large", "Status when it stopped: Routed", "can restore it",
			"shown as “Failed”", "Open the case: https://closeloop.example.com/cases/TS-20261123-0001"},
		"zh-CN": {"2026-11-24 09:00（北京时间）被终止", "answer too large", "中断时的状态：已转派", "恢复", "现显示为“已中断”",
			"查看案件：https://closeloop.example.com/cases/TS-20261123-0001"},
	} {
		m, err := r.Render(n, Address{Name: "李娜", Language: lang, Staff: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: %q lacks %q", lang, m.Text, w)
			}
		}
	}
	// The status reads as the web shows a case's, not a request's
	// (in_progress is "accepted" for a cross-department request).
	n.Fields["status"] = "in_progress"
	for lang, want := range map[string]string{"en": "Status when it stopped: In progress", "zh-CN": "中断时的状态：处理中"} {
		if m, err := r.Render(n, Address{Language: lang, Staff: true}); err != nil || !strings.Contains(m.Text, want) {
			t.Errorf("%s: %q lacks %q (%v)", lang, m.Text, want, err)
		}
	}
}
