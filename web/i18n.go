package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+l+".json"); err != nil {
			return nil, fmt.Errorf("web messages %s: %w", l, err)
		}
		c.localizers[l] = i18n.NewLocalizer(b, l)
	}
	return c, nil
}

// text is message id in lang with its template data as key, value pairs;
// a missing message shows its id, which the catalog test rules out.
func (c *catalog) text(lang, id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	s, err := c.localizers[lang].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
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
		http.Error(w, "unknown language", http.StatusNotFound)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back"), "/inbox"), http.StatusSeeOther)
}

// localPath is p when it is a path on this site, else def: redirects
// never leave the site.
func localPath(p, def string) string {
	u, err := url.Parse(p)
	if err != nil || p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || u.Host != "" || u.Scheme != "" {
		return def
	}
	return p
}
