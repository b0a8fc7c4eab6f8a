package api

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/closeloop/closeloop/links"
)

// The customer's pages (rating, case status) are reached from signed links
// in e-mail, without sign-in. They are large print and plain (U2), fit a
// phone, and come in the customer's language with a switch to the other
// (U1). They load one stylesheet and nothing else.

// publicStylesheet is the customer's pages' stylesheet (web/static).
const publicStylesheet = "/static/public.css"

// publicCSP lets the page load its own stylesheet and post its own form;
// no script, no inline style, no framing.
const publicCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var publicLayout = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="` + publicStylesheet + `"></head>
<body><main>
{{with .Switch}}<p class="lang"><a href="{{.URL}}" lang="{{.Lang}}" hreflang="{{.Lang}}">{{.Name}}</a></p>{{end}}
<h1>{{.Title}}</h1>
{{template "content" .}}
</main></body></html>
`))

// page makes a customer page from the layout and its content.
func page(content string) *template.Template {
	return template.Must(template.Must(publicLayout.Clone()).Parse(`{{define "content"}}` + content + `{{end}}`))
}

// langSwitch links the same page in the other language.
type langSwitch struct{ URL, Lang, Name string }

func switchFrom(lang string) *langSwitch {
	if lang == "en" {
		return &langSwitch{URL: "?lang=zh-CN", Lang: "zh-CN", Name: "中文"}
	}
	return &langSwitch{URL: "?lang=en", Lang: "en", Name: "English"}
}

// publicLang is the page's language: the switch's choice, else the
// link's (the customer's), else the browser's.
func publicLang(r *http.Request, fromLink string) string {
	switch q := r.URL.Query().Get("lang"); q {
	case "en", "zh-CN":
		return q
	}
	if fromLink == "en" || fromLink == "zh-CN" {
		return fromLink
	}
	return lang(r)
}

// writePublic sends a customer page: never cached (it reflects the case
// now), never indexed, and the link's token never leaves in a Referer.
func (s *Server) writePublic(w http.ResponseWriter, status int, t *template.Template, v any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", publicCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
	w.WriteHeader(status)
	if err := t.Execute(w, v); err != nil {
		s.Log.Error("customer page", "error", err)
	}
}

// statusURL is the path of a fresh status link for a case, for pages the
// customer reached with another of its links; "" without a signer.
func (s *Server) statusURL(caseNo, lang string) string {
	if s.Links == nil || caseNo == "" {
		return ""
	}
	return "/status/" + url.PathEscape(s.Links.SignStatus(links.Status{CaseNo: caseNo, Language: lang,
		Expires: time.Now().Add(links.StatusTTL)}))
}
