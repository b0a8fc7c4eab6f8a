package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

func complaintView() workflows.CaseView {
	reg := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	return workflows.CaseView{No: "TS-20261123-0001", Type: "complaint", Status: "routed",
		Form: &forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Email: "zhang.wei@example.com",
			Content: "张伟 13812345678: water leaking from the ceiling of flat 302 since Monday night\nmore details"},
		Deadlines: []workflows.Deadline{
			{Name: "first_feedback", Due: reg.Add(24 * time.Hour), State: workflows.DeadlinePending},
			{Name: "resolution", Due: reg.Add(72 * time.Hour), State: workflows.DeadlinePending},
			{Name: "result_delivery", Due: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), State: workflows.DeadlinePending},
			{Name: "sign_for", Due: reg.Add(time.Hour), State: workflows.DeadlinePending}, // internal: never told
		}}
}

// Rules U1, C2, C3, C10: the acknowledgement names the matter and states
// the times promised to the customer, in their words, in the business zone
// with its label, in both languages, and links to the status page.
func TestAckStatesPromisedTimesU1(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r, err := NewRenderer("https://closeloop.example.com", sh)
	if err != nil {
		t.Fatal(err)
	}
	r.StatusLink = func(n workflows.Notice) string { return "https://closeloop.example.com/status/tok-" + n.Language }
	n := workflows.Notice{ID: "n1", CaseNo: "TS-20261123-0001", CaseType: "complaint", Kind: workflows.NoticeCustomerAck,
		To: workflows.Recipient{Role: "customer", Name: "张伟", Email: "zhang.wei@example.com"}, Customer: "张伟"}
	n = WithCase(n, complaintView())
	for lang, want := range map[string][]string{
		"en": {"A first reply to you: by 2026-11-24 10:00 (Beijing time, UTC+8)", "Your matter handled: by 2026-11-26 10:00 (Beijing time, UTC+8)",
			"The result brought to you in person: by 2026-11-30 18:00 (Beijing time, UTC+8)", "water leaking from the",
			"https://closeloop.example.com/status/tok-"},
		"zh-CN": {"首次答复您：不晚于 2026-11-24 10:00（北京时间）", "处理完毕：不晚于 2026-11-26 10:00（北京时间）",
			"当面向您反馈处理结果：不晚于 2026-11-30 18:00（北京时间）", "water leaking from the", "随时查看您的案件进度"},
	} {
		n.Language = lang
		m, err := r.Render(n, Address{Name: "张伟", Email: "zhang.wei@example.com", Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, "water leaking from the") || !strings.Contains(m.Subject, "TS-20261123-0001") {
			t.Errorf("%s: subject %q does not name the matter", lang, m.Subject)
		}
		for _, w := range want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: %q lacks %q", lang, m.Text, w)
			}
		}
		for _, bad := range []string{"sign", "签收", "T02:00", "Z ", "h0m", "more details"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("%s: acknowledgement shows %q: %q", lang, bad, m.Text)
			}
		}
		// The link stands on its own line, so the HTML part makes it a link.
		if !strings.Contains(m.HTML, `<a href="https://closeloop.example.com/status/tok-`) {
			t.Errorf("%s: no status link in the HTML part", lang)
		}
	}
}

// Rules U1, P1: every e-mail about a case names the matter by its subject,
// in both languages; staff see the customer's name and phone masked in it
// and a link to the case's web page, never the API.
func TestSubjectsNameTheMatterU1(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r, _ := NewRenderer("https://closeloop.example.com/", sh)
	v := complaintView()
	for _, kind := range kinds {
		if kind == workflows.NoticeDigest || kind == workflows.NoticeSupervision {
			continue
		}
		for _, lang := range []string{"zh-CN", "en"} {
			n := sample(kind)
			staff := !customerKind(kind)
			n.To = workflows.Recipient{Role: "handler", Department: "property"}
			if !staff {
				n.To = workflows.Recipient{Role: "customer", Name: "张伟", Email: "zhang.wei@example.com"}
			}
			n = WithCase(n, v)
			m, err := r.Render(n, Address{Name: "张伟", Language: lang, Staff: staff})
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if !strings.Contains(m.Subject, "water leaking from the") {
				t.Errorf("%s/%s: subject %q lacks the case's subject", kind, lang, m.Subject)
			}
			if staff {
				if strings.Contains(m.Subject+m.Text, "13812345678") || strings.Contains(m.Subject+m.Text, "张伟") {
					t.Errorf("%s/%s: staff mail shows the customer unmasked: %q", kind, lang, m.Subject)
				}
				if !strings.Contains(m.Text, "https://closeloop.example.com/cases/TS-20261123-0001") || strings.Contains(m.Text, "/api/") {
					t.Errorf("%s/%s: staff mail does not link to the case's page: %q", kind, lang, m.Text)
				}
			}
		}
	}
	// Without the case, the notice's own fields give the subject by the
	// same rule (a repair's location and fault).
	n := sample(workflows.NoticeAssignment)
	n.Fields = map[string]string{"location": "Block 3 lobby", "fault": "the door does not close"}
	m, _ := r.Render(n, Address{Language: "en", Staff: true})
	if !strings.Contains(m.Subject, "“Block 3 lobby: the door does not close”") {
		t.Errorf("assignment subject %q", m.Subject)
	}
	// The department digest opens the inbox, the supervision task the
	// evaluation table: web pages, not the API.
	for kind, want := range map[string]string{workflows.NoticeDigest: "https://closeloop.example.com/inbox",
		workflows.NoticeSupervision: "https://closeloop.example.com/quality?day=2026-11-23"} {
		n := sample(kind)
		n.CaseNo = ""
		m, _ := r.Render(n, Address{Language: "en", Staff: true})
		if !strings.Contains(m.Text, want) || strings.Contains(m.Text, "/api/") {
			t.Errorf("%s links %q, want %s", kind, m.Text, want)
		}
	}
}

// Rule T3: times name their zone, never a bare or UTC instant.
func TestLocalTimeLabelsTheZone(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	kol, _ := time.LoadLocation("Asia/Kolkata")
	for _, c := range []struct {
		loc        *time.Location
		lang, want string
	}{
		{sh, "en", "2026-11-23 10:00 (Beijing time, UTC+8)"}, {sh, "zh-CN", "2026-11-23 10:00（北京时间）"},
		{kol, "en", "2026-11-23 07:30 (Asia/Kolkata, UTC+5:30)"}, {kol, "zh-CN", "2026-11-23 07:30（Asia/Kolkata 时间，UTC+5:30）"},
		{time.UTC, "en", "2026-11-23 02:00 (UTC)"},
	} {
		if got := LocalTime(at, c.loc, c.lang); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.loc, c.lang, got, c.want)
		}
	}
}
