// Package mail turns notices into e-mail messages: a subject, a plain text
// part and an HTML part, in the recipient's language (rule U1). Customer
// messages are short and set in large type (U2); staff messages show the
// customer masked (P1) and link to the case.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"net/url"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

//go:embed templates/*.tmpl
var files embed.FS

// Address is one person a message goes to.
type Address struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Language string `json:"language"`
	// Staff recipients see the customer masked and a link to the case.
	Staff bool `json:"staff"`
}

// Message is one rendered e-mail.
type Message struct {
	To      Address `json:"to"`
	Subject string  `json:"subject"`
	Text    string  `json:"text"`
	HTML    string  `json:"html"`
}

// Renderer renders notices; it is safe for concurrent use.
type Renderer struct {
	// BaseURL is where staff open a case (CLOSELOOP_PUBLIC_URL).
	BaseURL  string
	Location *time.Location
	// RateLink, when set, makes the customer's satisfaction link.
	RateLink func(workflows.Notice) string
	// StatusLink, when set, makes the customer's link to their case's
	// status page.
	StatusLink func(workflows.Notice) string
	texts      map[string]*template.Template
	page       *htmltemplate.Template
}

// Languages with templates; any other falls back to Chinese, the default.
var languages = []string{"zh-CN", "en"}

// NewRenderer parses the templates.
func NewRenderer(baseURL string, loc *time.Location) (*Renderer, error) {
	r := &Renderer{BaseURL: strings.TrimRight(baseURL, "/"), Location: loc, texts: map[string]*template.Template{}}
	if r.Location == nil {
		r.Location = time.UTC
	}
	for _, lang := range languages {
		t, err := template.New(lang).Option("missingkey=error").ParseFS(files, "templates/"+lang+".tmpl")
		if err != nil {
			return nil, fmt.Errorf("mail templates %s: %w", lang, err)
		}
		r.texts[lang] = t
	}
	page, err := htmltemplate.New("page").Parse(pageHTML)
	if err != nil {
		return nil, err
	}
	r.page = page
	return r, nil
}

const pageHTML = `<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:16px;font-family:sans-serif;font-size:{{if .Large}}20px{{else}}15px{{end}};line-height:1.6;color:#111;background:#fff">
<div style="max-width:640px">
{{range .Paragraphs}}<p>{{range $i, $line := .}}{{if $i}}<br>{{end}}{{$line.Text}}{{with $line.URL}}<a href="{{.}}">{{.}}</a>{{end}}{{end}}</p>
{{end}}</div>
</body></html>
`

// Render makes the message for one recipient of a notice.
func (r *Renderer) Render(n workflows.Notice, to Address) (Message, error) {
	lang := to.Language
	if !slices.Contains(languages, lang) {
		lang = languages[0]
	}
	t := r.texts[lang]
	d := r.data(n, to, lang)
	subject, err := execute(t, "subject:"+n.Kind, d)
	if err != nil {
		return Message{}, err
	}
	body, err := execute(t, "body:"+n.Kind, d)
	if err != nil {
		return Message{}, err
	}
	text := tidy(body)
	var paragraphs [][]line
	for _, p := range strings.Split(text, "\n\n") {
		var lines []line
		for _, l := range strings.Split(p, "\n") {
			lines = append(lines, splitLink(l))
		}
		paragraphs = append(paragraphs, lines)
	}
	var html bytes.Buffer
	err = r.page.Execute(&html, struct {
		Lang, Subject string
		Large         bool
		Paragraphs    [][]line
	}{lang, strings.TrimSpace(subject), !to.Staff, paragraphs})
	if err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: strings.TrimSpace(subject), Text: text, HTML: html.String()}, nil
}

// line is a line of text, ending in a link when it has one.
type line struct{ Text, URL string }

func splitLink(s string) line {
	i := strings.Index(s, "https://")
	if i < 0 {
		i = strings.Index(s, "http://")
	}
	if i < 0 || strings.ContainsAny(s[i:], " \t") {
		return line{Text: s}
	}
	return line{Text: s[:i], URL: s[i:]}
}

func execute(t *template.Template, name string, d data) (string, error) {
	if t.Lookup(name) == nil {
		return "", fmt.Errorf("mail: no template %q in %s", name, t.Name())
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, d); err != nil {
		return "", fmt.Errorf("mail: %s: %w", name, err)
	}
	return b.String(), nil
}

// tidy trims lines and collapses runs of blank lines to one.
func tidy(s string) string {
	var out []string
	blank := true
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, line)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// data is what the templates see.
type data struct {
	CaseNo, CaseType, Reason, Deadline, Customer, Link string
	// Due is the notice's time, labelled with its zone; DueShort the same
	// without the label, for subject lines.
	Due, DueShort string
	// Subject is what the case is about (CaseView.Subject), or "".
	Subject              string
	RateLink, StatusLink string
	// Promises are the times owed to the customer, earliest first.
	Promises []pair
	Urgent   bool
	fields   map[string]string
	lang     string
	loc      *time.Location
}

func (r *Renderer) data(n workflows.Notice, to Address, lang string) data {
	d := data{CaseNo: n.CaseNo, CaseType: label(lang, n.CaseType), Reason: n.Reason, Deadline: label(lang, n.Deadline),
		Urgent: n.Urgent, fields: n.Fields, lang: lang, loc: r.Location, Subject: subjectOf(n)}
	if n.Due != nil {
		d.Due = LocalTime(*n.Due, r.Location, lang)
		d.DueShort = n.Due.In(r.Location).Format("2006-01-02 15:04")
	}
	if to.Staff {
		d.Customer = forms.MaskName(n.Customer)
		if n.Customer != "" {
			d.Subject = strings.ReplaceAll(d.Subject, n.Customer, d.Customer)
		}
		switch {
		case r.BaseURL == "":
		case n.Kind == workflows.NoticeSupervision: // the evaluation table in the web UI
			d.Link = r.BaseURL + "/quality?day=" + url.QueryEscape(n.Fields["day"])
		case n.CaseNo == "": // about a department, not a case: its inbox
			d.Link = r.BaseURL + "/inbox"
		default: // the case's page in the web UI
			d.Link = r.BaseURL + "/cases/" + url.PathEscape(n.CaseNo)
		}
	} else {
		if n.Kind == workflows.NoticeSatisfactionReq && r.RateLink != nil {
			d.RateLink = r.RateLink(n)
		}
		if n.CaseNo != "" && n.Kind != workflows.NoticeSatisfactionReq && r.StatusLink != nil {
			d.StatusLink = r.StatusLink(n)
		}
		d.Promises = r.promises(n, lang)
		d.Customer = to.Name
		if d.Customer == "" {
			d.Customer = map[string]string{"en": "customer", "zh-CN": "客户"}[lang]
		}
	}
	return d
}

// subjectOf is the case's subject the activity read from the case, or
// where it could not, the same rule applied to what the notice carries
// (a repair's location and fault, a request's need, an inquiry's topic).
func subjectOf(n workflows.Notice) string {
	if s := n.Fields[factSubject]; s != "" {
		return s
	}
	f := n.Fields
	text := f["fault"]
	if loc := strings.TrimSpace(f["location"]); loc != "" && text != "" {
		text = loc + ": " + text
	}
	for _, k := range []string{"need", "topic", "question"} {
		if text == "" {
			text = f[k]
		}
	}
	return workflows.ShortText(text, workflows.SubjectRunes)
}

// promises are the times owed to the customer, in their words and the
// business zone, earliest first.
func (r *Renderer) promises(n workflows.Notice, lang string) []pair {
	type due struct {
		at   time.Time
		name string
	}
	var dues []due
	for k, v := range n.Fields {
		name, ok := strings.CutPrefix(k, factDue)
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339, v)
		if _, step := customerSteps[name]; err == nil && step {
			dues = append(dues, due{at, name})
		}
	}
	slices.SortFunc(dues, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var out []pair
	for _, d := range dues {
		step, _ := CustomerStep(d.name, lang)
		out = append(out, pair{step, LocalTime(d.at, r.Location, lang)})
	}
	return out
}

// Matter names the case: its number and, when known, its subject.
func (d data) Matter() string {
	switch {
	case d.Subject == "":
		return d.CaseNo
	case d.lang == "en":
		return d.CaseNo + " “" + d.Subject + "”"
	}
	return d.CaseNo + "「" + d.Subject + "」"
}

// Field is a notice field, with ladder levels and statuses in words.
func (d data) Field(key string) string { return label(d.lang, d.fields[key]) }

// CaseStatus is a notice field holding a case's status, in the words the
// web shows it (labels would read a request's words: accepted, delivered).
func (d data) CaseStatus(key string) string {
	code := d.fields[key]
	l, ok := caseStatuses[code]
	switch {
	case !ok:
		return code
	case d.lang == "en":
		return l[0]
	}
	return l[1]
}

// caseStatuses are the web's status names (web/locales, status.*).
var caseStatuses = map[string][2]string{ // code → {en, zh-CN}
	"registered": {"Registered", "已登记"}, "routed": {"Routed", "已转派"}, "in_progress": {"In progress", "处理中"},
	"resolved": {"Resolved", "已处理"}, "rework": {"Rework", "返工"}, "satisfied": {"Satisfied", "客户满意"},
	"transferred": {"Transferred", "已转专业部门"}, "closed": {"Closed", "已结案"}, "declined": {"Declined", "已拒绝"},
}

// Time shows an RFC 3339 instant in the case's time zone, labelled.
func (d data) Time(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return LocalTime(t, d.loc, d.lang)
}

type pair struct{ Key, Value string }

// FieldList is the notice's descriptive fields, for assignments.
func (d data) FieldList() []pair {
	var out []pair
	for _, k := range slices.Sorted(maps.Keys(d.fields)) {
		if strings.HasPrefix(k, factPrefix) {
			continue
		}
		out = append(out, pair{label(d.lang, k), d.fields[k]})
	}
	return out
}

// labels translate the codes notices carry.
var labels = map[string][2]string{ // code → {en, zh-CN}
	"handler": {"the handler", "经办人"}, "dept_head": {"the department head", "部门负责人"},
	"cs_head": {"the customer-service head", "客服主管"}, "management": {"management", "管理层"},
	"first_feedback": {"first feedback", "首次反馈"}, "resolution": {"resolution", "处理完成"},
	"return_visit": {"return visit", "回访"}, "result_delivery": {"result delivery", "结果当面反馈"},
	"rework": {"rework", "返工"}, "media_contact": {"media call-back", "媒体回电"}, "callback": {"call-back", "回电"},
	"specialist_answer": {"specialist answer", "专业部门答复"}, "sign_for": {"sign-for", "签收"},
	"repair_completion": {"repair", "维修完成"}, "acceptance": {"acceptance", "受理"}, "time_node": {"time node", "时间节点"},
	"serious_breach": {"serious breach", "严重超时"}, "rating": {"rating", "评价"},
	"complaint": {"complaint", "投诉"}, "repair": {"repair order", "报修"}, "consultation": {"consultation", "咨询"},
	"media_inquiry": {"media inquiry", "媒体问询"}, "collaboration": {"cross-department request", "跨部门协作"},
	"in_progress": {"accepted", "已受理"}, "declined": {"declined", "已拒绝"}, "resolved": {"delivered", "已完成"},
	"location": {"location", "地点"}, "fault": {"fault", "故障"}, "need": {"need", "需求"}, "outlet": {"outlet", "媒体"},
	"reporter": {"reporter", "记者"}, "topic": {"topic", "话题"}, "requesting_department": {"requesting department", "申请部门"},
	"time_node_at": {"time node", "时间节点"},
	// How a case's workflow ended other than by its close (case_failed).
	"terminated": {"was terminated", "被终止"}, "failed": {"failed", "运行失败"}, "timed_out": {"timed out", "超时终止"},
	"cancelled": {"was cancelled", "被取消"},
}

func label(lang, code string) string {
	l, ok := labels[code]
	if !ok {
		return code
	}
	if lang == "en" {
		return l[0]
	}
	return l[1]
}
