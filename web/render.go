package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/starter"
)

// view is what every template gets: the page's data and the visitor.
type view struct {
	s    *Server
	Lang string
	Page string // the template's name, for tests and styles
	Me   me
	Path string
	Data map[string]any
	// posted is the form that was sent, so a form that failed comes back
	// as it was typed.
	posted url.Values
}

// Posted is the value of a sent form's field, or "".
func (v view) Posted(name string) string { return v.posted.Get(name) }

// Headline says what went wrong in the page's language; Detail is the
// API's own explanation, which names the exact case and rule.
func (v view) Headline(e *starter.Error) string {
	switch {
	case e.Code != "" && v.s.i18n.has(v.Lang, "error.code."+e.Code):
		return v.T("error.code." + e.Code)
	case v.Lang == "en":
		return e.Message
	}
	return v.T("error.generic")
}

// Detail is the API's own explanation under the headline. The API
// explains in English: an English page shows it, a Chinese page only when
// it has no words of its own for the error, and then as data.
func (v view) Detail(e *starter.Error) string {
	if v.Lang == "en" && v.Headline(e) == e.Message {
		return ""
	}
	if v.Lang != "en" && v.s.i18n.has(v.Lang, "error.code."+e.Code) {
		return ""
	}
	return e.Message
}

// rights are the areas the API says the user may use.
type rights struct {
	Create      []string `json:"create"`
	Import      bool     `json:"import"`
	Reports     bool     `json:"reports"`
	Supervision bool     `json:"supervision"`
	Evaluate    bool     `json:"evaluate"`
	Outbox      bool     `json:"outbox"`
	Calendar    bool     `json:"calendar"`
	Users       bool     `json:"users"`
	Temporal    bool     `json:"temporal"`
}

// T is a message in the page's language.
func (v view) T(id string, args ...any) string { return v.s.i18n.text(v.Lang, id, args...) }

// CalendarWarning is the banner that tells the administrator and the head
// of customer service that the coming (or current) year's statutory
// holidays are missing and how to add them; "" for everyone else, and
// while the calendar is ahead.
func (v view) CalendarWarning() string {
	c := v.s.Calendar
	if c == nil || (v.Me.Role != string(identity.RoleAdmin) && v.Me.Role != string(identity.RoleCSHead)) ||
		!c.HorizonWarning(v.s.now()) {
		return ""
	}
	h := c.Horizon()
	return v.T("banner.horizon", "Horizon", h, "Year", h+1)
}

// Label is a field's label, or the field name when there is none.
func (v view) Label(name string) string { return v.s.label(v.Lang, name) }

// LabelIn is a field's label in a case type's forms, where the same name
// may mean another person (a media inquiry's reporter is a journalist).
func (v view) LabelIn(caseType, name string) string { return v.s.labelIn(v.Lang, caseType, name) }

// Value is an enumerated value in the page's language, or as it is.
func (v view) Value(val string) string {
	if v.s.i18n.has(v.Lang, "value."+val) {
		return v.T("value." + val)
	}
	return val
}

// Problem is a field error in the page's language, shown beside the
// field's label. A too-long text says its limit and length in both
// languages, from the numbers the API sends (issue 17): the API's message
// names the field by its JSON name, not its label. Otherwise English shows
// the API's own message, which names the exact rule, and other languages
// say what is wrong by its code.
func (v view) Problem(e forms.FieldError) string {
	if e.Code == forms.CodeTooLong && e.Max > 0 {
		id := "problem.too_long." + e.Unit
		if v.s.i18n.has(v.Lang, id) {
			return v.T(id, "Max", e.Max, "Length", e.Length)
		}
	}
	switch {
	case v.Lang == "en":
		return e.Message
	case v.s.i18n.has(v.Lang, "problem."+e.Code):
		return v.T("problem." + e.Code)
	}
	// A code without words of its own: the API's English stays off a
	// Chinese page.
	return v.T("problem.invalid")
}

// Recipient names a notice's recipient role.
func (v view) Recipient(role string) string { return speaker{s: v.s, lang: v.Lang}.role(role) }

// Dept is a department's name in the page's language, or its code.
func (v view) Dept(code string) string { return v.s.deptName(v.Lang, code) }

// deptName is a department's name in lang from the directory, or its code.
func (s *Server) deptName(lang, code string) string {
	for _, d := range s.Departments {
		if d.Code == code {
			return d.NameIn(lang)
		}
	}
	return code
}

// When is an instant in the business time zone, with the zone's name.
func (v view) When(t any) string {
	at, ok := instant(t)
	if !ok {
		return ""
	}
	return v.s.when(at, v.Lang)
}

// chinaZones are the zone names whose time is Beijing time.
var chinaZones = map[string]bool{"Asia/Shanghai": true, "Asia/Chongqing": true, "Asia/Harbin": true, "PRC": true}

// when is how every page writes an instant: its date and minute in the
// business zone and the zone, named so that no reader takes it for another
// ("2026-12-05 22:54（北京时间）", "2026-12-05 22:54 (UTC+8)").
func (s *Server) when(t time.Time, lang string) string {
	local := t.In(s.Location)
	return s.i18n.text(lang, "time.zoned", "Time", local.Format("2006-01-02 15:04"), "Zone", s.zoneName(local, lang))
}

// zoneName is the business zone's name at local: Beijing time in Chinese
// for China's zone, else its offset from UTC.
func (s *Server) zoneName(local time.Time, lang string) string {
	_, off := local.Zone()
	if chinaZones[s.Location.String()] && off == 8*3600 {
		return s.i18n.text(lang, "zone.china")
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	o := sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		o += fmt.Sprintf(":%02d", m)
	}
	return s.i18n.text(lang, "zone.utc", "Offset", o)
}

// instant reads a time or a time pointer; nil and zero are "none".
func instant(t any) (time.Time, bool) {
	switch t := t.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil {
			return *t, !t.IsZero()
		}
	}
	return time.Time{}, false
}

// Left says how long until due, or how long it is overdue.
func (v view) Left(t any) string {
	due, ok := instant(t)
	if !ok {
		return ""
	}
	d := due.Sub(v.s.now())
	if d < 0 {
		return v.T("countdown.overdue", "Time", span(-d, v.Lang))
	}
	return v.T("countdown.left", "Time", span(d, v.Lang))
}

// Late reports whether due has passed.
func (v view) Late(t any) bool {
	due, ok := instant(t)
	return ok && due.Before(v.s.now())
}

// Soon reports whether due is within 4 hours.
func (v view) Soon(t any) bool {
	due, ok := instant(t)
	return ok && !due.Before(v.s.now()) && due.Sub(v.s.now()) < 4*time.Hour
}

// Stamp is an instant as an HTML datetime value.
func (v view) Stamp(t any) string {
	due, ok := instant(t)
	if !ok {
		return ""
	}
	return due.Format(time.RFC3339)
}

// span is a duration the way a person says it (calendar.Duration).
func span(d time.Duration, lang string) string { return calendar.Duration(d, lang) }

func (s *Server) label(lang, name string) string { return s.labelIn(lang, "", name) }

// labelIn is field name's label in caseType's forms: field.<type>.<name>
// when the type names it its own way, else field.<name>.
func (s *Server) labelIn(lang, caseType, name string) string {
	if caseType != "" && s.i18n.has(lang, "field."+caseType+"."+name) {
		return s.i18n.text(lang, "field."+caseType+"."+name)
	}
	if item, ok := strings.CutPrefix(name, "items."); ok {
		// A supervision evaluation's item, named as its table names it.
		for _, f := range forms.EvaluationFields(forms.Language(lang)) {
			if f[0] == item {
				return f[1]
			}
		}
	}
	if s.i18n.has(lang, "field."+name) {
		return s.i18n.text(lang, "field."+name)
	}
	return strings.ReplaceAll(name, "_", " ")
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"join": strings.Join,
		// formKey is a fresh Idempotency-Key for each form rendered: a
		// form sent twice (a double click, a reload after a lost answer)
		// registers one case and applies its action once (issue 17).
		"formKey": formKey,
		"asset":   assetURL, // a static file's versioned address (static.go)
		"dict":    dict,
		"add":     func(a, b int) int { return a + b },
		"pct": func(f *float64) string {
			if f == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f%%", *f*100)
		},
		"num": func(f *float64) string {
			if f == nil {
				return "–"
			}
			return fmt.Sprintf("%.2f", *f)
		},
	}
}

// parsePages parses each page with the shared layout.
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || partials[name] {
			continue
		}
		with := []string{"templates/layout.html", f}
		for p := range partials {
			with = append(with, "templates/"+p+".html")
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, with...)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page; it is rendered to a buffer first so a template
// error is a clean 500, not half a page.
func (s *Server) render(rq *request, status int, name string, data map[string]any) {
	v := view{s: s, Lang: rq.lang, Page: name, Me: rq.me, Path: pagePath(rq.r), Data: data, posted: rq.r.PostForm}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		s.Log.Error("render page", "page", name, "error", err)
		http.Error(rq.w, "internal error; see the server log", http.StatusInternalServerError)
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", rq.lang)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache") // sign-in and error pages; signed-in pages are no-store
	}
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(buf.Bytes())
}

// pagePath is where the language switch comes back to: the page itself,
// or for a form that was posted, the page that shows it.
func pagePath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	switch {
	case r.PathValue("no") != "":
		return "/cases/" + url.PathEscape(r.PathValue("no"))
	case r.PathValue("day") != "":
		return "/quality?day=" + url.QueryEscape(r.PathValue("day"))
	case r.PathValue("type") != "":
		return "/new/" + url.PathEscape(r.PathValue("type"))
	case strings.HasPrefix(r.URL.Path, "/calendar/"):
		return "/calendar" // the check and the re-plan are shown on the calendar page
	}
	return r.URL.Path // /login and /import show their own form
}

// section is one part of the case (the form, the record) as label/value
// pairs in the API's field order.
type section struct {
	Name  string
	Pairs []pair
}

type pair struct {
	Key, Label, Value string
	// User marks a value shown as it was typed (a name, the complaint's
	// content), not said in the page's language.
	User     bool
	Children []pair
	List     [][]pair
}

// pairs reads a JSON object in its own key order, so the form reads as
// the paper form does; times are shown in the business zone, codes in the
// page's language and nested objects as nested lists. caseType names the
// fields a type labels its own way.
func (s *Server) pairs(raw json.RawMessage, lang, caseType string) []pair {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var out []pair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		p := pair{Key: key, Label: s.labelIn(lang, caseType, key)}
		switch {
		case len(v) > 0 && v[0] == '{':
			p.Children = s.pairs(v, lang, caseType)
		case len(v) > 0 && v[0] == '[':
			var items []json.RawMessage
			_ = json.Unmarshal(v, &items)
			var scalars []string
			for _, it := range items {
				if len(it) > 0 && it[0] == '{' {
					p.List = append(p.List, s.pairs(it, lang, caseType))
				} else {
					text, user := s.scalar(key, it, lang)
					scalars, p.User = append(scalars, text), p.User || user
				}
			}
			p.Value = strings.Join(scalars, s.i18n.text(lang, "list.sep"))
		default:
			p.Value, p.User = s.scalar(key, v, lang)
		}
		if p.Value == "" && p.Children == nil && p.List == nil {
			continue
		}
		out = append(out, p)
	}
	return out
}

// scalar is a JSON value of field key in lang; user reports text shown as
// it was typed. Codes are said by what the field holds: departments by
// their name, statuses and case types by theirs, the system's reasons in
// the page's language, other codes by value.* messages.
func (s *Server) scalar(key string, v json.RawMessage, lang string) (text string, user bool) {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return "", false
	}
	switch x := x.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			if t.IsZero() {
				return "", false
			}
			return s.when(t, lang), false
		}
		p := speaker{s: s, lang: lang}
		switch {
		case x == "":
			return "", false
		case slices.Contains(departmentFields, key) || key == "requesting_department" || key == "transferred_to":
			if name := s.deptName(lang, x); name != x {
				return name, false
			}
		case key == "status" && s.i18n.has(lang, "status."+x):
			return p.status(x), false
		case key == "type" && s.i18n.has(lang, "type."+x):
			return s.i18n.text(lang, "type."+x), false
		case key == "to" && p.role(x) != x:
			return p.role(x), false
		case key == "reason":
			if r, ok := p.reason(x); ok {
				user := slices.ContainsFunc(r.Parts, func(pt part) bool { return pt.User })
				return r.Text + partsText(p, r.Parts), user
			}
		}
		if s.i18n.has(lang, "value."+x) {
			return s.i18n.text(lang, "value."+x), false
		}
		return x, true
	case bool:
		return s.i18n.text(lang, fmt.Sprintf("value.%t", x)), false
	case float64:
		return fmt.Sprint(x), false
	}
	return "", false
}

// partsText writes parts after a sentence, for a value that is one string.
func partsText(p speaker, parts []part) string {
	var b strings.Builder
	for _, pt := range parts {
		b.WriteString(p.t("list.sep"))
		if pt.Label != "" {
			b.WriteString(p.t("label.colon", "Label", pt.Label))
		}
		b.WriteString(pt.Value)
	}
	return b.String()
}

// formKey is 128 random bits, as an Idempotency-Key.
func formKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}
