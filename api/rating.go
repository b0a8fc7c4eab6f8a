package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// The public rating page, reached from the satisfaction link in the
// customer's e-mail: no sign-in, the signed link is the permission. Large
// print, one question, both languages (U1, U2).

var ratingPage = page(`{{if .Message}}<p{{if .Problem}} class="error" role="alert"{{end}}>{{.Message}}</p>{{end}}
{{with .Next}}<p class="next">{{.}}</p>{{end}}
{{if .Form}}<p>{{.T.Case}} {{.CaseNo}}</p>{{with .Subject}}
<p class="subject">{{.}}</p>{{end}}
<form method="post">
<fieldset><legend>{{.T.Question}}</legend>
{{range .Scores}}<label><input type="radio" name="score" value="{{.Value}}" required> {{.Value}} – {{.Label}}</label>
{{end}}</fieldset>
<label for="comment">{{.T.Comment}}</label>
<textarea id="comment" name="comment" rows="4" maxlength="{{.MaxComment}}"></textarea>
<button type="submit">{{.T.Send}}</button>
</form>{{end}}
{{with .StatusURL}}<p><a href="{{.}}">{{$.T.Status}}</a></p>{{end}}`)

type ratingText struct {
	Title, Case, Question, Comment, Send, Thanks, Used, Closed, Expired, Invalid, Choose, TooLong, BadText, Unavailable string
	// Next says what follows a low rating and by when (%s: the time);
	// NextSoon the same when the case gave no time.
	Next, NextSoon, Status string
	Scores                 [5]string
}

var ratingTexts = map[string]ratingText{
	"en": {Title: "How satisfied are you?", Case: "Case", Question: "How satisfied are you with how we handled it?",
		Comment: "Anything you want to tell us (optional)", Send: "Send", Thanks: "Thank you. Your rating has reached the team handling your case.",
		Used:    "You have already rated this. Thank you for your rating.",
		Closed:  "This link can no longer be used: your case has moved on since we sent it. Thank you.",
		Expired: "This link has expired. Please call us if you are not satisfied.",
		Invalid: "This link is not valid. Please use the link in your e-mail, or call us.", Choose: "Please choose a rating from 1 to 5.",
		TooLong:     "Your comment is too long: please shorten it to at most %d characters.",
		BadText:     "Your comment holds characters that cannot be kept (control characters or broken text): please type it again.",
		Unavailable: "We cannot take your rating at the moment. Please try again later, or call us.",
		Next:        "We are sorry we did not get it right. Your case goes back to the team to be put right, and we will contact you again by %s.",
		NextSoon:    "We are sorry we did not get it right. Your case goes back to the team to be put right, and we will contact you again soon.",
		Status:      "See how your case is progressing",
		Scores:      [5]string{"very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"}},
	"zh-CN": {Title: "您对我们的服务满意吗？", Case: "案件编号", Question: "您对本次处理结果的满意程度：",
		Comment: "您想告诉我们的话（可不填）", Send: "提交", Thanks: "谢谢！您的评价已转给处理您案件的同事。",
		Used: "您已评价过，感谢您的评价。", Closed: "此链接已不能使用：链接发出后，您的案件已有新进展。谢谢！",
		Expired: "此链接已过期。如有不满意，请致电我们。",
		Invalid: "此链接无效。请使用邮件中的链接，或致电我们。", Choose: "请选择 1 到 5 分。",
		TooLong:     "您的留言过长，请缩短到 %d 字以内。",
		BadText:     "您的留言含有无法保存的字符（控制字符或乱码），请重新输入。",
		Unavailable: "暂时无法提交评价，请稍后再试，或致电我们。",
		Next:        "很抱歉没能让您满意。您的案件已退回重新处理，我们会在 %s 前再次与您联系。",
		NextSoon:    "很抱歉没能让您满意。您的案件已退回重新处理，我们会尽快再次与您联系。",
		Status:      "查看您的案件进度",
		Scores:      [5]string{"非常不满意", "不满意", "一般", "满意", "非常满意"}},
}

type ratingView struct {
	Lang, Title, CaseNo, Subject, Message, Next, StatusURL string
	Problem, Form                                          bool
	MaxComment                                             int
	Switch                                                 *langSwitch
	T                                                      ratingText
	Scores                                                 []struct {
		Value int
		Label string
	}
}

// ratingAnswer is one rendering of the rating page.
type ratingAnswer struct {
	status         int
	caseNo         string
	subject        string // the case's, masked (P1)
	message, next  string
	problem, form  bool
	withStatusLink bool
}

func (s *Server) renderRating(w http.ResponseWriter, lang string, a ratingAnswer) {
	t, ok := ratingTexts[lang]
	if !ok {
		lang, t = "zh-CN", ratingTexts["zh-CN"]
	}
	v := ratingView{Lang: lang, Title: t.Title, CaseNo: a.caseNo, Subject: a.subject, Message: a.message, Next: a.next, Problem: a.problem, Form: a.form,
		T: t, MaxComment: forms.CurrentLimits().Text, Switch: switchFrom(lang)}
	if a.withStatusLink {
		v.StatusURL = s.statusURL(a.caseNo, lang)
	}
	for i, l := range t.Scores {
		v.Scores = append(v.Scores, struct {
			Value int
			Label string
		}{i + 1, l})
	}
	s.writePublic(w, a.status, ratingPage, v)
}

// ratingLink checks the link; an unusable one gets its page at once.
func (s *Server) ratingLink(w http.ResponseWriter, r *http.Request) (links.Rating, string, bool) {
	if s.Links == nil {
		http.NotFound(w, r)
		return links.Rating{}, "", false
	}
	rt, err := s.Links.Verify(r.PathValue("token"), time.Now())
	lang := publicLang(r, rt.Language)
	t := ratingTexts[lang]
	switch {
	case errors.Is(err, links.ErrExpired):
		s.renderRating(w, lang, ratingAnswer{status: http.StatusGone, caseNo: rt.CaseNo, message: t.Expired, problem: true})
		return rt, lang, false
	case err != nil:
		s.Log.Warn("rating link refused", "reason", err.Error(), "remote", r.RemoteAddr)
		s.renderRating(w, lang, ratingAnswer{status: http.StatusBadRequest, message: t.Invalid, problem: true})
		return rt, lang, false
	}
	return rt, lang, true
}

// ratingState is what the case says of a link's round: "" while it awaits
// the rating, "used" once rated, "closed" once the case moved on.
func ratingState(v workflows.CaseView, round int) string {
	switch {
	case slices.ContainsFunc(v.Ratings, func(r workflows.CustomerRating) bool { return r.Round == round }):
		return "used"
	case v.Status != workflows.StatusResolved || round != v.Rounds+1:
		return "closed"
	}
	return ""
}

// ratingForm shows the 1–5 form, or at once that the link was used or
// the case has moved on.
func (s *Server) ratingForm(w http.ResponseWriter, r *http.Request) {
	rt, lang, ok := s.ratingLink(w, r)
	if !ok {
		return
	}
	t := ratingTexts[lang]
	v, err := s.Cases.Case(r.Context(), rt.CaseNo)
	var e *starter.Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		s.renderRating(w, lang, ratingAnswer{status: http.StatusNotFound, message: t.Invalid, problem: true})
		return
	case err != nil:
		// The engine is busy: offer the form; sending it tells.
		s.Log.Warn("rating page: case not read", "case", rt.CaseNo, "error", err)
	case ratingState(v, rt.Round) == "used":
		s.renderRating(w, lang, ratingAnswer{status: http.StatusOK, caseNo: rt.CaseNo, message: t.Used, withStatusLink: true})
		return
	case ratingState(v, rt.Round) == "closed":
		s.renderRating(w, lang, ratingAnswer{status: http.StatusOK, caseNo: rt.CaseNo, message: t.Closed, withStatusLink: true})
		return
	}
	s.renderRating(w, lang, ratingAnswer{status: http.StatusOK, caseNo: rt.CaseNo, subject: mail.MaskCustomer(v.Subject(), v), form: true})
}

// rate passes the customer's rating to the case (C8, R5); a low one tells
// the customer what happens next and by when.
func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	rt, lang, ok := s.ratingLink(w, r)
	if !ok {
		return
	}
	t := ratingTexts[lang]
	// Room for the longest comment, form-encoded: a Chinese character
	// takes 9 bytes (%E8%AF%84).
	r.Body = http.MaxBytesReader(w, r.Body, int64(forms.CurrentLimits().Text)*9+1<<10)
	score, err := strconv.Atoi(r.PostFormValue("score"))
	if err != nil || score < 1 || score > 5 {
		s.renderRating(w, lang, ratingAnswer{status: http.StatusUnprocessableEntity, caseNo: rt.CaseNo, message: t.Choose, problem: true, form: true})
		return
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	in := &workflows.CustomerRatingInput{Round: rt.Round, Score: score, Comment: comment, Nonce: rt.Nonce}
	if errs := forms.CheckBounds(in); len(errs) > 0 || !utf8.ValidString(comment) {
		msg := t.BadText
		if len(errs) > 0 && errs[0].Code == forms.CodeTooLong {
			msg = fmt.Sprintf(t.TooLong, forms.CurrentLimits().Text)
		}
		s.renderRating(w, lang, ratingAnswer{status: http.StatusUnprocessableEntity, caseNo: rt.CaseNo,
			message: msg, problem: true, form: true})
		return
	}
	res, err := s.Cases.ActWith(r.Context(), rt.CaseNo, workflows.ActionCustomerRating, in)
	var e *starter.Error
	switch {
	case err == nil:
		a := ratingAnswer{status: http.StatusOK, caseNo: rt.CaseNo, message: t.Thanks, withStatusLink: true}
		if res.Status == workflows.StatusRework {
			a.next = t.NextSoon
			if due, ok := reworkDue(res.Deadlines); ok {
				a.next = fmt.Sprintf(t.Next, mail.LocalTime(due, s.Cases.Zone(), lang))
			}
		}
		s.renderRating(w, lang, a)
	case errors.As(err, &e) && e.Status == http.StatusConflict:
		msg := t.Used
		if v, err := s.Cases.Case(r.Context(), rt.CaseNo); err == nil && ratingState(v, rt.Round) == "closed" {
			msg = t.Closed
		}
		s.renderRating(w, lang, ratingAnswer{status: http.StatusConflict, caseNo: rt.CaseNo, message: msg, withStatusLink: true})
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		s.renderRating(w, lang, ratingAnswer{status: http.StatusNotFound, message: t.Invalid, problem: true})
	default:
		s.Log.Error("rating", "case", rt.CaseNo, "error", err)
		s.renderRating(w, lang, ratingAnswer{status: http.StatusServiceUnavailable, caseNo: rt.CaseNo, message: t.Unavailable, problem: true})
	}
}

// reworkDue is when the rework a low rating started is due: the latest
// round's running rework clock (C8, R5).
func reworkDue(ds []workflows.Deadline) (time.Time, bool) {
	var due time.Time
	round := -1
	for _, d := range ds {
		if d.Name == sla.Rework && d.Round > round && (d.State == workflows.DeadlinePending || d.State == workflows.DeadlineBreached) {
			due, round = d.Due, d.Round
		}
	}
	return due, round >= 0
}
