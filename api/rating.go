package api

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// The public rating page, reached from the satisfaction link in the
// customer's e-mail: no sign-in, the signed link is the permission. Large
// print, one question, both languages (U1, U2).

var ratingPage = template.Must(template.New("rate").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.Title}}</title>
<style>body{font-family:sans-serif;font-size:22px;line-height:1.6;margin:0;padding:24px;color:#111;background:#fff}
main{max-width:640px}fieldset{border:0;padding:0}label{display:block;margin:.4em 0}
input[type=radio]{width:1.3em;height:1.3em;vertical-align:middle}textarea{width:100%;font-size:20px}
button{font-size:22px;padding:.5em 1.5em;margin-top:1em}.error{color:#a00}</style></head>
<body><main>
<h1>{{.T.Title}}</h1>
{{if .Message}}<p{{if .Problem}} class="error" role="alert"{{end}}>{{.Message}}</p>{{end}}
{{if .Form}}<p>{{.T.Case}} {{.CaseNo}}</p>
<form method="post">
<fieldset><legend>{{.T.Question}}</legend>
{{range .Scores}}<label><input type="radio" name="score" value="{{.Value}}" required> {{.Value}} – {{.Label}}</label>
{{end}}</fieldset>
<label for="comment">{{.T.Comment}}</label>
<textarea id="comment" name="comment" rows="4" maxlength="{{.MaxComment}}"></textarea>
<button type="submit">{{.T.Send}}</button>
</form>{{end}}
</main></body></html>
`))

type ratingText struct {
	Title, Case, Question, Comment, Send, Thanks, Used, Expired, Invalid, Choose, TooLong string
	Scores                                                                                [5]string
}

var ratingTexts = map[string]ratingText{
	"en": {Title: "How satisfied are you?", Case: "Case", Question: "How satisfied are you with how we handled it?",
		Comment: "Anything you want to tell us (optional)", Send: "Send", Thanks: "Thank you. Your rating has reached the team handling your case.",
		Used: "This link has already been used. Thank you for your rating.", Expired: "This link has expired. Please call us if you are not satisfied.",
		Invalid: "This link is not valid. Please use the link in your e-mail, or call us.", Choose: "Please choose a rating from 1 to 5.",
		TooLong: "Your comment is too long: please shorten it to at most %d characters.",
		Scores:  [5]string{"very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"}},
	"zh-CN": {Title: "您对我们的服务满意吗？", Case: "案件编号", Question: "您对本次处理结果的满意程度：",
		Comment: "您想告诉我们的话（可不填）", Send: "提交", Thanks: "谢谢！您的评价已转给处理您案件的同事。",
		Used: "此链接已使用过，感谢您的评价。", Expired: "此链接已过期。如有不满意，请致电我们。",
		Invalid: "此链接无效。请使用邮件中的链接，或致电我们。", Choose: "请选择 1 到 5 分。",
		TooLong: "您的留言过长，请缩短到 %d 字以内。",
		Scores:  [5]string{"非常不满意", "不满意", "一般", "满意", "非常满意"}},
}

type ratingView struct {
	Lang, CaseNo, Message string
	Problem, Form         bool
	MaxComment            int
	T                     ratingText
	Scores                []struct {
		Value int
		Label string
	}
}

func (s *Server) renderRating(w http.ResponseWriter, status int, lang, caseNo, message string, problem, form bool) {
	t, ok := ratingTexts[lang]
	if !ok {
		lang, t = "zh-CN", ratingTexts["zh-CN"]
	}
	v := ratingView{Lang: lang, CaseNo: caseNo, Message: message, Problem: problem, Form: form, T: t, MaxComment: forms.CurrentLimits().Text}
	for i, l := range t.Scores {
		v.Scores = append(v.Scores, struct {
			Value int
			Label string
		}{i + 1, l})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := ratingPage.Execute(w, v); err != nil {
		s.Log.Error("rating page", "error", err)
	}
}

// ratingLink checks the link; an unusable one gets its page at once.
func (s *Server) ratingLink(w http.ResponseWriter, r *http.Request) (links.Rating, string, bool) {
	lang := lang(r)
	rt, err := s.Links.Verify(r.PathValue("token"), time.Now())
	if rt.Language != "" {
		lang = rt.Language
	}
	t := ratingTexts[lang]
	if t.Title == "" {
		lang, t = "zh-CN", ratingTexts["zh-CN"]
	}
	switch {
	case errors.Is(err, links.ErrExpired):
		s.renderRating(w, http.StatusGone, lang, rt.CaseNo, t.Expired, true, false)
		return rt, lang, false
	case err != nil:
		s.Log.Warn("rating link refused", "reason", err.Error(), "remote", r.RemoteAddr)
		s.renderRating(w, http.StatusBadRequest, lang, "", t.Invalid, true, false)
		return rt, lang, false
	}
	return rt, lang, true
}

func (s *Server) ratingForm(w http.ResponseWriter, r *http.Request) {
	rt, lang, ok := s.ratingLink(w, r)
	if !ok {
		return
	}
	s.renderRating(w, http.StatusOK, lang, rt.CaseNo, "", false, true)
}

// rate passes the customer's rating to the case (C8, R5).
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
		s.renderRating(w, http.StatusUnprocessableEntity, lang, rt.CaseNo, t.Choose, true, true)
		return
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	in := &workflows.CustomerRatingInput{Round: rt.Round, Score: score, Comment: comment, Nonce: rt.Nonce}
	if starter.CheckBounds(in) != nil {
		s.renderRating(w, http.StatusUnprocessableEntity, lang, rt.CaseNo, fmt.Sprintf(t.TooLong, forms.CurrentLimits().Text), true, true)
		return
	}
	_, err = s.Cases.ActWith(r.Context(), rt.CaseNo, workflows.ActionCustomerRating, in)
	var e *starter.Error
	switch {
	case err == nil:
		s.renderRating(w, http.StatusOK, lang, rt.CaseNo, t.Thanks, false, false)
	case errors.As(err, &e) && e.Status == http.StatusConflict:
		s.renderRating(w, http.StatusConflict, lang, rt.CaseNo, t.Used, false, false)
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		s.renderRating(w, http.StatusBadRequest, lang, "", t.Invalid, true, false)
	default:
		s.Log.Error("rating", "case", rt.CaseNo, "error", err)
		s.renderRating(w, http.StatusInternalServerError, lang, rt.CaseNo, t.Invalid, true, false)
	}
}
