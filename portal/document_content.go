package portal

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// downloadCurrent serves the current version's bytes.
func (s *Server) downloadCurrent(w http.ResponseWriter, r *http.Request) {
	s.download(w, r, 0)
}

// downloadVersion serves version {n}'s bytes.
func (s *Server) downloadVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.download(w, r, n)
}

// versionNumber returns the {n} path value; one that cannot exist gets
// the answer of one that does not.
func versionNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return 0, kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản tài liệu.", "version %q is not a positive integer", input.Printable(r.PathValue("n")))
	}
	return n, nil
}

// download serves version n (0 = current) with http.ServeContent: ranges
// (206), conditional requests on the SHA-256 ETag (304), and the headers a
// browser needs to save rather than render the file.
//
// The download is recorded in the owner's ledger only when bytes are
// sent: the vault's Content records it on its first read of the blob,
// before any byte leaves (archive.Service.Open). A 304, a 416, a client
// gone before the first byte, or a blob that cannot be read record
// nothing. The 200 or 206 status is held back until that first byte, so
// that such a failure is answered with an error rather than a cut-off
// file. A HEAD shows the version's name, size and hash, not its bytes: it
// is recorded as a read of the document.
func (s *Server) download(w http.ResponseWriter, r *http.Request, n int) {
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	if r.Method == http.MethodHead {
		if _, err := s.vault.Get(r.Context(), a, id, acc); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	c, err := s.vault.Open(r.Context(), a, id, n, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer c.Close()
	v := c.Version
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("ETag", `"`+v.Blob+`"`)
	h.Set("Content-Disposition", attachment(archive.FileNameFor(v.FileName, v.MediaType)))
	if sum, err := hex.DecodeString(v.Blob); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	hw := &heldWriter{ResponseWriter: w}
	body := &firstError{r: c}
	http.ServeContent(hw, r, "", v.CreatedAt, body)
	if hw.held == 0 {
		return
	}
	// ServeContent chose 200 or 206 and sent no byte: a HEAD, or the
	// first read failed.
	if body.err == nil {
		w.WriteHeader(hw.held)
		return
	}
	if r.Context().Err() != nil {
		return // the client is gone: there is no one to answer
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "ETag",
		"Repr-Digest", "Last-Modified", "Accept-Ranges"} {
		h.Del(k)
	}
	s.writeError(w, r, body.err)
}

// heldWriter holds back a 200 or 206 status until the first byte of the
// body is written; held is the status still held back (0: none).
type heldWriter struct {
	http.ResponseWriter
	held  int
	wrote bool
}

func (h *heldWriter) WriteHeader(code int) {
	if !h.wrote && (code == http.StatusOK || code == http.StatusPartialContent) {
		h.held = code
		return
	}
	h.wrote = true
	h.ResponseWriter.WriteHeader(code)
}

func (h *heldWriter) Write(p []byte) (int, error) {
	if h.held != 0 {
		h.ResponseWriter.WriteHeader(h.held)
		h.held = 0
	}
	h.wrote = true
	return h.ResponseWriter.Write(p)
}

// firstError is an io.ReadSeeker that keeps the first error its reads
// return, other than io.EOF (ServeContent does not report it).
type firstError struct {
	r   io.ReadSeeker
	err error
}

func (f *firstError) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF && f.err == nil {
		f.err = err
	}
	return n, err
}

func (f *firstError) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

// attachment returns a Content-Disposition value that makes browsers save
// the file under its name: an ASCII fallback in filename and the exact
// name in RFC 5987 filename*.
func attachment(name string) string {
	if name == "" {
		name = "giay-to"
	}
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			ext.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{b})))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether b may appear unescaped in an RFC 5987 value.
func isAttrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
