package web

import (
	"bytes"
	"container/list"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// Office files through their PDF rendition: where a converter is
// configured, a .doc/.docx/.xls/.xlsx/.rtf version shows in the page as
// the PDF the converter makes of it, the file itself still offered as a
// download. A rendition is made on demand, from a bounded input within a
// timeout, and kept in a small in-process cache keyed by the version's
// hash (the same bytes give the same PDF); it is never stored in the
// vault. Its address is the version's address plus "/pdf", and it is
// reached only through the vault's own Open (or OpenShared), so that the
// owner's access rules and ledger apply to it exactly as to the content.

// Defaults of the renditions (Config).
const (
	defaultMaxRenditionBytes   = 20 << 20
	defaultRenditionTimeout    = 20 * time.Second
	defaultRenditionCacheBytes = 64 << 20
	// maxRenditionPDF bounds a rendition read back from the converter.
	maxRenditionPDF = 32 << 20
)

// renditionURL is the address of the PDF rendition of the content at u.
func renditionURL(u string) string { return u + "/pdf" }

// maxRenditionBytes is the largest office file sent to the converter.
func (h *Handler) maxRenditionBytes() int64 {
	if h.cfg.MaxRenditionBytes > 0 {
		return h.cfg.MaxRenditionBytes
	}
	return defaultMaxRenditionBytes
}

// renders reports whether v shows through a rendition: a converter is
// configured, v is an office file and not over the input bound.
func (h *Handler) renders(v archive.Version) bool {
	return h.cfg.Converter != nil && officeTypes[v.MediaType] && v.Size <= h.maxRenditionBytes()
}

// errNoRendition answers a rendition of a version that has none.
func errNoRendition(v archive.Version) error {
	return kerr.New(kerr.NotFound, "rendition_not_found", "Tệp này không có bản xem dạng PDF; hãy tải tệp xuống để xem.",
		"version %d (%s) is not an office file", v.N, v.MediaType)
}

var errConverterOff = kerr.New(kerr.Unavailable, "converter_unavailable",
	"Máy chủ chưa được cấu hình dịch vụ chuyển đổi tệp sang PDF; hãy tải tệp xuống để xem.", "web.Config.Converter is nil")

// myPaperRendition is GET /kho-cua-toi/{id}/phien-ban/{n}/pdf: the PDF
// rendition of an office version of the citizen's paper.
func (h *Handler) myPaperRendition(w http.ResponseWriter, r *http.Request) {
	h.withMyVersion(w, r, h.serveRendition)
}

// serveRendition serves the PDF rendition of c, an office version opened
// by the vault for the caller (the access check done). The bytes are read
// — and the read is so recorded in the owner's ledger — whether the
// rendition is made now or found in the cache.
func (h *Handler) serveRendition(w http.ResponseWriter, r *http.Request, c *archive.Content) {
	v := c.Version
	if officeTypes[v.MediaType] && h.cfg.Vault != nil {
		// An archivist's stored rendition (PDF/A-2b, else PDF) comes first:
		// nothing is converted, and it is the same file every time.
		stored, rs, ok, err := h.cfg.Vault.StoredRendition(r.Context(), c)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		if ok {
			defer rs.Close()
			h.renditionHeaders(w, v, stored.Blob)
			http.ServeContent(w, r, "", stored.CreatedAt, rs)
			return
		}
	}
	switch {
	case !officeTypes[v.MediaType]:
		h.renderError(w, r, errNoRendition(v))
		return
	case h.cfg.Converter == nil:
		h.renderError(w, r, errConverterOff)
		return
	case v.Size > h.maxRenditionBytes():
		h.renderError(w, r, kerr.New(kerr.TooLarge, "rendition_too_large",
			"Tệp quá lớn để xem trực tiếp (tối đa "+byteSize(h.maxRenditionBytes())+"); hãy tải tệp xuống để xem.",
			"version %d is %d bytes, over %d", v.N, v.Size, h.maxRenditionBytes()))
		return
	}
	pdf, err := h.rendition(r.Context(), c)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.renditionHeaders(w, v, v.Blob+"-pdf")
	http.ServeContent(w, r, "", v.CreatedAt, bytes.NewReader(pdf))
}

// renditionHeaders sets the headers of v's PDF rendition, tagged etag.
func (h *Handler) renditionHeaders(w http.ResponseWriter, v archive.Version, etag string) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentPolicy)
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("Content-Type", "application/pdf")
	name := archive.FileNameFor(v.FileName, v.MediaType)
	hd.Set("Content-Disposition", disposition("inline", strings.TrimSuffix(name, extOf(name))+".pdf"))
	hd.Set("ETag", `"`+etag+`"`)
	hd.Set("Cache-Control", "private, no-cache")
}

// extOf is name's extension with its dot ("" for none).
func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name[i:], "/\\") {
		return name[i:]
	}
	return ""
}

// rendition is the PDF of c: from the cache, after one byte of c is read
// (which records the use in the ledger); else converted from c's bytes,
// bounded in size and time, and cached. Concurrent requests for the same
// version share one conversion. Each caller reads its own Content whole
// first (so that its use is recorded, under its own context) and the
// conversion works on the first caller's bytes in memory, under a context
// that outlives that caller's request: one who leaves does not fail the
// others waiting on the same conversion, and its result is still cached.
func (h *Handler) rendition(ctx context.Context, c *archive.Content) ([]byte, error) {
	v := c.Version
	if pdf, ok := h.renditions.get(v.Blob); ok {
		if _, err := c.Read(make([]byte, 1)); err != nil && err != io.EOF {
			return nil, err
		}
		return pdf, nil
	}
	src, err := io.ReadAll(io.LimitReader(c, v.Size))
	if err != nil {
		return nil, err
	}
	ch := h.renditions.flight.DoChan(v.Blob, func() (any, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.renditionTimeout())
		defer cancel()
		rc, err := h.cfg.Converter.OfficeToPDF(cctx, archive.FileNameFor(v.FileName, v.MediaType), bytes.NewReader(src), convert.Options{})
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		pdf, err := io.ReadAll(io.LimitReader(rc, maxRenditionPDF+1))
		if err != nil {
			return nil, err
		}
		if len(pdf) > maxRenditionPDF {
			return nil, kerr.New(kerr.TooLarge, "rendition_too_large", "Bản PDF của tệp quá lớn để xem trực tiếp; hãy tải tệp xuống để xem.",
				"rendition of version %d is over %d bytes", v.N, maxRenditionPDF)
		}
		h.renditions.put(v.Blob, pdf, h.renditionCacheBytes())
		return pdf, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	case <-ctx.Done():
		return nil, kerr.Wrap(ctx.Err(), kerr.Unavailable, "rendition_timeout", "Chuyển đổi tệp quá thời gian cho phép, vui lòng thử lại sau.")
	}
}

func (h *Handler) renditionTimeout() time.Duration {
	if h.cfg.RenditionTimeout > 0 {
		return h.cfg.RenditionTimeout
	}
	return defaultRenditionTimeout
}

func (h *Handler) renditionCacheBytes() int64 {
	if h.cfg.RenditionCacheBytes > 0 {
		return h.cfg.RenditionCacheBytes
	}
	return defaultRenditionCacheBytes
}

// renditionCache keeps recent renditions by the version's hash, least
// recently used dropped first, their total size in bytes bounded (PDFs
// differ in size by orders of magnitude, so a count of entries, as
// golang-lru keeps, would not bound the memory). The zero value is ready.
type renditionCache struct {
	flight singleflight.Group
	mu     sync.Mutex
	size   int64
	order  list.List // of *cachedRendition, most recent first
	byHash map[string]*list.Element
}

type cachedRendition struct {
	hash string
	pdf  []byte
}

func (c *renditionCache) get(hash string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[hash]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedRendition).pdf, true
}

// put keeps pdf under hash unless it alone is over a quarter of max, and
// drops the least recently used until the total is within max.
func (c *renditionCache) put(hash string, pdf []byte, max int64) {
	if int64(len(pdf)) > max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil {
		c.byHash = map[string]*list.Element{}
	}
	if _, ok := c.byHash[hash]; ok {
		return
	}
	c.byHash[hash] = c.order.PushFront(&cachedRendition{hash: hash, pdf: pdf})
	c.size += int64(len(pdf))
	for c.size > max {
		old := c.order.Back().Value.(*cachedRendition)
		c.order.Remove(c.order.Back())
		delete(c.byHash, old.hash)
		c.size -= int64(len(old.pdf))
	}
}
