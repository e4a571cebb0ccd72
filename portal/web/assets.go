package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file served under a name that carries its hash.
type asset struct {
	name string // the hashed name, e.g. app.3f9c2a7d1e04.js
	body []byte
	etag string
	mime string
}

// assets maps each embedded file's plain name to its hashed one, and the
// hashed name to the file.
type assets struct {
	byPlain  map[string]*asset
	byHashed map[string]*asset
}

// loadAssets hashes every file of static/.
func loadAssets() (*assets, error) {
	as := &assets{byPlain: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:6])
		plain := path.Base(p)
		ext := path.Ext(plain)
		a := &asset{name: strings.TrimSuffix(plain, ext) + "." + h + ext, body: b, etag: `"` + h + `"`, mime: mimeOf(ext)}
		as.byPlain[plain], as.byHashed[a.name] = a, a
		return nil
	})
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "web_assets", "Không nạp được tài nguyên của trang.")
	}
	return as, nil
}

func mimeOf(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

// url is the address of the plain-named asset (a template func); it panics
// on a name that is not embedded, which the page tests catch.
func (as *assets) url(plain string) string {
	a, ok := as.byPlain[plain]
	if !ok {
		panic("web: no asset " + plain)
	}
	return PathStatic + a.name
}

// assetMaxAge is how long a hashed asset may be cached: its name changes
// with its content.
const assetMaxAge = 365 * 24 * time.Hour

// static serves an asset by its hashed name, cached for a year.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets.byHashed[r.PathValue("file")]
	if !ok {
		h.notFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", a.etag)
	hd.Set("Content-Type", a.mime)
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(a.body)
}
