package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
)

// asset is one embedded static file with its content hash.
type asset struct {
	body []byte
	hash string // first 16 hex digits of its SHA-256
	kind string // Content-Type
}

// assets are the files under static/, read once. Embedded files carry no
// modification time, so caching goes by content: pages link to
// /static/<name>?v=<hash>, which is served as immutable for a year (a
// new build with a changed file links to a new URL); any other request
// for the file gets the hash as its ETag and must revalidate, so a
// stale copy is never used.
var assets = func() map[string]asset {
	out := map[string]asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		kind := mime.TypeByExtension(path.Ext(name))
		if path.Ext(name) == ".ico" {
			kind = "image/x-icon" // the system's mime table may not know it
		}
		out[name] = asset{body: b, hash: hex.EncodeToString(sum[:8]), kind: kind}
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return out
}()

// assetURL is the versioned address of a static file, for templates.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		return "/static/" + name // shows up as a 404 in the browser tests
	}
	return "/static/" + name + "?v=" + a.hash
}

// serveAsset serves one static file by name: no directory listings, no
// index pages, only the files that exist.
func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.kind)
	// Weak: the compressed and plain bodies are the same file, so one
	// validator serves both encodings.
	h.Set("ETag", `W/"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// compress gzip- or zstd-encodes pages and static files for browsers that
// accept it. The JSON API is left as it is: its clients ask for what they
// want, and its event streams must not wait on a compressor's buffer.
// Pages hold the CSRF token beside text a visitor may have typed, so each
// compressed answer gets content-dependent random padding (gzhttp's
// defence against BREACH-style length guessing).
func compress(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.RandomJitter(32, 0, false), gzhttp.ExceptContentTypes([]string{"text/event-stream"}))
	if err != nil {
		panic(err) // only bad constant options fail
	}
	gz := wrap(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}
