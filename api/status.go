package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// The customer's status page, behind the signed link in the
// acknowledgement: where the case stands and the next time promised, in
// the customer's words and language. It shows only what the customer is
// owed: no staff, department, note or code (P2).

var statusPage = page(`{{if .Message}}<p{{if .Problem}} class="error" role="alert"{{end}}>{{.Message}}</p>{{end}}
{{if .Case}}<p>{{.T.Case}} {{.CaseNo}}</p>
{{with .Subject}}<p class="subject">{{.}}</p>{{end}}
<p>{{.Stage}}</p>
{{with .Next}}<div class="next"><h2>{{$.T.Next}}</h2><p{{if .Late}} class="late"{{end}}>{{.Text}}</p></div>{{end}}
{{with .Steps}}<h2>{{$.T.Progress}}</h2>
<ol class="steps">{{range .}}<li{{with .Class}} class="{{.}}"{{end}}>{{.Label}}<span class="when">{{.When}}</span></li>
{{end}}</ol>{{end}}
<p>{{.T.Call}}</p>{{end}}`)

type statusText struct {
	Title, Case, Next, Progress, Call                string
	Expired, Invalid, NotFound, Unavailable          string
	Received, Closed, Done, By, Was, Overdue, Paused string
	// Stages say where the case stands, by status.
	Stages map[string]string
}

var statusTexts = map[string]statusText{
	"en": {Title: "Your case", Case: "Case number", Next: "What happens next", Progress: "Progress",
		Call:     "Questions? Call us and give your case number.",
		Expired:  "This link has expired. Please call us and give your case number.",
		Invalid:  "This link is not valid. Please use the link in your e-mail, or call us.",
		NotFound: "We cannot find this case. Please call us.", Unavailable: "Your case cannot be shown at the moment. Please try again later.",
		Received: "We received your case", Closed: "Your case is closed", Done: "done %s", By: "by %s", Was: "was due %s",
		Overdue: "%s: this was due %s. We are late, and we are sorry: we are working on it.",
		Paused:  "%s: waiting for help from another team; we will tell you the new time.",
		Stages: map[string]string{
			"registered":  "We have received your case.",
			"routed":      "Your case is being handled.",
			"in_progress": "Your case is being handled.",
			"resolved":    "Your case has been handled. We will check with you that you are satisfied.",
			"rework":      "You were not satisfied, so your case is being handled again.",
			"satisfied":   "You told us you are satisfied. We will bring you the result in person.",
			"transferred": "Your question has been passed to specialists, who will answer you.",
			"closed":      "Your case is closed. Thank you.",
		}},
	"zh-CN": {Title: "您的案件", Case: "案件编号", Next: "下一步", Progress: "处理进度",
		Call:     "如有疑问，请致电我们并告知案件编号。",
		Expired:  "此链接已过期。请致电我们并告知案件编号。",
		Invalid:  "此链接无效。请使用邮件中的链接，或致电我们。",
		NotFound: "找不到此案件，请致电我们。", Unavailable: "暂时无法显示您的案件，请稍后再试。",
		Received: "我们已收到您的案件", Closed: "您的案件已结案", Done: "已于 %s 完成", By: "不晚于 %s", Was: "原定于 %s",
		Overdue: "%s：原定于 %s 完成，我们已经晚了，非常抱歉，正在加紧处理。",
		Paused:  "%s：正在等待其他部门协助，新的时间确定后会告知您。",
		Stages: map[string]string{
			"registered":  "我们已收到您的案件。",
			"routed":      "您的案件正在处理中。",
			"in_progress": "您的案件正在处理中。",
			"resolved":    "您的案件已处理完毕，我们会回访，确认您是否满意。",
			"rework":      "您对处理结果不满意，案件正在重新处理。",
			"satisfied":   "您已表示满意，我们会当面向您反馈处理结果。",
			"transferred": "您的问题已转给专业部门，由其答复您。",
			"closed":      "您的案件已结案，谢谢！",
		}},
}

type statusStep struct{ Label, When, Class string }

type statusView struct {
	Lang, Title, Message, CaseNo, Subject, Stage string
	Problem, Case                                bool
	Next                                         *struct {
		Text string
		Late bool
	}
	Steps  []statusStep
	Switch *langSwitch
	T      statusText
}

func (s *Server) caseStatus(w http.ResponseWriter, r *http.Request) {
	if s.Links == nil {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	st, err := s.Links.VerifyStatus(r.PathValue("token"), now)
	lang := publicLang(r, st.Language)
	t := statusTexts[lang]
	v := statusView{Lang: lang, Title: t.Title, T: t, Switch: switchFrom(lang)}
	fail := func(status int, msg string) {
		v.Message, v.Problem = msg, true
		s.writePublic(w, status, statusPage, v)
	}
	switch {
	case errors.Is(err, links.ErrExpired):
		fail(http.StatusGone, t.Expired)
		return
	case err != nil:
		s.Log.Warn("status link refused", "reason", err.Error(), "remote", r.RemoteAddr)
		fail(http.StatusBadRequest, t.Invalid)
		return
	}
	c, err := s.Cases.Case(r.Context(), st.CaseNo)
	var e *starter.Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		fail(http.StatusNotFound, t.NotFound)
		return
	case err != nil:
		s.Log.Error("status page", "case", st.CaseNo, "error", err)
		fail(http.StatusServiceUnavailable, t.Unavailable)
		return
	}
	s.fillStatus(&v, c, now)
	s.writePublic(w, http.StatusOK, statusPage, v)
}

// fillStatus puts on the page what the customer is owed: the stage, the
// next promised time and the steps done and due — built from the
// customer-facing clocks only.
func (s *Server) fillStatus(v *statusView, c workflows.CaseView, now time.Time) {
	t, loc := v.T, s.Cases.Zone()
	at := func(x time.Time) string { return mail.LocalTime(x, loc, v.Lang) }
	// A forwarded link shows no more of the customer than the case's
	// own page shows staff (P1).
	v.Case, v.CaseNo, v.Subject = true, c.No, mail.MaskCustomer(c.Subject(), c)
	v.Stage = t.Stages[c.Status]
	if v.Stage == "" { // failed, declined, anything new: still in hand
		v.Stage = t.Stages["in_progress"]
	}
	type dated struct {
		at time.Time
		statusStep
	}
	var steps []dated
	var received time.Time
	for _, d := range c.Deadlines {
		if received.IsZero() || d.Start.Before(received) {
			received = d.Start
		}
		label, ok := mail.CustomerStep(d.Name, v.Lang)
		if !ok || d.MetAt == nil || (d.State != workflows.DeadlineMet && d.State != workflows.DeadlineMetLate) {
			continue
		}
		steps = append(steps, dated{*d.MetAt, statusStep{label, fmt.Sprintf(t.Done, at(*d.MetAt)), "done"}})
	}
	if !received.IsZero() {
		steps = append(steps, dated{received, statusStep{t.Received, at(received), "done"}})
	}
	slices.SortStableFunc(steps, func(a, b dated) int { return a.at.Compare(b.at) })
	for i, d := range mail.Owed(c) {
		label, _ := mail.CustomerStep(d.Name, v.Lang)
		step := statusStep{label, fmt.Sprintf(t.By, at(d.Due)), ""}
		text := label + ": " + fmt.Sprintf(t.By, at(d.Due))
		late := false
		switch {
		case d.State == workflows.DeadlinePaused:
			text = fmt.Sprintf(t.Paused, label)
			step.When = ""
		case !now.Before(d.Due):
			text, late = fmt.Sprintf(t.Overdue, label, at(d.Due)), true
			step.When, step.Class = fmt.Sprintf(t.Was, at(d.Due)), "late"
		}
		if v.Lang != "en" {
			text = strings.Replace(text, ": ", "：", 1)
		}
		if i == 0 {
			if !late {
				step.Class = "now"
			}
			v.Next = &struct {
				Text string
				Late bool
			}{text, late}
		}
		steps = append(steps, dated{d.Due, step})
	}
	if c.ClosedAt != nil {
		steps = append(steps, dated{*c.ClosedAt, statusStep{t.Closed, at(*c.ClosedAt), "done"}})
	}
	for _, d := range steps {
		v.Steps = append(v.Steps, d.statusStep)
	}
}
