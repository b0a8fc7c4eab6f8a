package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages of the interface; Chinese first, the default.
var Languages = []string{"zh-CN", "en"}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// langCookie keeps the language chosen with the switch.
const langCookie = "closeloop_lang"

// catalog holds the messages of every language.
type catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
}

func loadCatalog() (*catalog, error) {
	b := i18n.NewBundle(language.SimplifiedChinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &catalog{bundle: b, localizers: map[string]*i18n.Localizer{}}
	for _, l := range Languages {
		files, err := localeFiles(l)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if _, err := b.LoadMessageFileFS(localeFS, f); err != nil {
				return nil, fmt.Errorf("web messages %s: %w", f, err)
			}
		}
		c.localizers[l] = i18n.NewLocalizer(b, l)
	}
	return c, nil
}

// localeFiles are lang's message files: locales/<lang>.json and one
// locales/<topic>.<lang>.json per part of the interface, so each part
// keeps its messages together.
func localeFiles(lang string) ([]string, error) {
	topics, err := fs.Glob(localeFS, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	return append([]string{"locales/" + lang + ".json"}, topics...), nil
}

// text is message id in lang with its template data as key, value pairs;
// a missing message shows its id, which the catalog test rules out.
func (c *catalog) text(lang, id string, args ...any) string {
	s, err := c.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: dict(args...)})
	if err != nil {
		return id
	}
	return s
}

// dict makes a map of key, value pairs, for message data and templates.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// has reports whether id is in the catalog of lang.
func (c *catalog) has(lang, id string) bool {
	_, err := c.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// language is the visitor's: the switch's cookie, else the browser's
// Accept-Language, else Chinese.
func (s *Server) language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if c.Value == l {
				return l
			}
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if len(tags) == 0 {
		return "zh-CN"
	}
	_, i, _ := matcher.Match(tags...)
	return Languages[i]
}

// setLanguage is the language switch: it remembers the choice and goes
// back to the page it was used on.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	known := false
	for _, k := range Languages {
		known = known || k == l
	}
	if !known {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back"), "/inbox"), http.StatusSeeOther)
}

// localPath is p when it is a path on this site, else def: redirects
// never leave the site. http.Redirect cleans the path, so the cleaned form
// is checked too ("/./\\host" would become "/\\host", which browsers take as
// another host).
func localPath(p, def string) string {
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" || strings.Contains(p, "\\") {
		return def
	}
	for _, q := range []string{p, path.Clean(u.Path)} {
		if !strings.HasPrefix(q, "/") || strings.HasPrefix(q, "//") {
			return def
		}
	}
	return p
}
