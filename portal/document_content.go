package portal

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
	"github.com/kho-vn/kho/portal/internal/edge"
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
		return 0, kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản giấy tờ.", "version %q is not a positive integer", input.Printable(r.PathValue("n")))
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
	s.serveContent(w, r, c)
}

// serveContent serves an open version (see download) and closes it.
func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, c *archive.Content) {
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
	r = withRange(r, v.Size)
	// ServeContent's own refusals (412, 416) become JSON errors; a 200 or
	// 206 is held back until the first byte (see edge.HeldWriter).
	hw := &edge.HeldWriter{ResponseWriter: &contentErrorWriter{ResponseWriter: w, s: s, r: r, size: v.Size}}
	body := &edge.FirstError{R: c}
	http.ServeContent(hw, r, "", v.CreatedAt, body)
	if hw.Held == 0 {
		return
	}
	// ServeContent chose 200 or 206 and sent no byte: a HEAD, or the
	// first read failed.
	if body.Err == nil {
		w.WriteHeader(hw.Held)
		return
	}
	if r.Context().Err() != nil {
		return // the client is gone: there is no one to answer
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "ETag",
		"Repr-Digest", "Last-Modified", "Accept-Ranges"} {
		h.Del(k)
	}
	s.writeError(w, r, body.Err)
}

// maxRanges bounds the ranges of one request; a request for more is served
// whole, as RFC 9110 §14.2 lets a server ignore Range.
const maxRanges = 64

// withRange returns r with its Range header checked against RFC 9110
// §14.1.2 for a file of size bytes, before http.ServeContent reads it:
// a Range that is malformed, repeated, of another unit or asks for more
// than maxRanges parts is removed (the whole file is sent: a server must
// ignore what it cannot parse); a valid one is rewritten in the canonical
// form ServeContent parses — only its satisfiable ranges, or, when none
// is, one that ServeContent answers 416 to (after the preconditions,
// If-Range included, which may still make it send the whole file).
func withRange(r *http.Request, size int64) *http.Request {
	vals := r.Header.Values("Range")
	if len(vals) == 0 {
		return r
	}
	canon, ok := "", false
	if len(vals) == 1 {
		canon, ok = canonicalRange(vals[0], size)
	}
	r2 := r.Clone(r.Context())
	if ok {
		r2.Header.Set("Range", canon)
	} else {
		r2.Header.Del("Range")
	}
	return r2
}

// canonicalRange parses a Range value (bytes only) for a file of size
// bytes. It returns false for a value to ignore, else the satisfiable
// ranges as "bytes=a-b,-n", or "bytes=<size>-" when none is satisfiable.
func canonicalRange(v string, size int64) (string, bool) {
	unit, set, found := strings.Cut(v, "=")
	if !found || !strings.EqualFold(unit, "bytes") {
		return "", false
	}
	var out []string
	specs := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue // empty list elements are allowed (RFC 9110 §5.6.1.2)
		}
		if specs++; specs > maxRanges {
			return "", false
		}
		first, last, found := strings.Cut(spec, "-")
		if !found {
			return "", false
		}
		switch {
		case first == "": // suffix-range: the last n bytes
			n, ok := rangeInt(last)
			if !ok {
				return "", false
			}
			if n > 0 {
				out = append(out, "-"+strconv.FormatInt(min(n, size), 10))
			}
		default: // int-range
			a, ok := rangeInt(first)
			if !ok {
				return "", false
			}
			b := int64(-1)
			if last != "" {
				if b, ok = rangeInt(last); !ok || b < a {
					return "", false
				}
			}
			if a >= size {
				continue // valid, not satisfiable
			}
			if b < 0 || b >= size {
				b = size - 1
			}
			out = append(out, strconv.FormatInt(a, 10)+"-"+strconv.FormatInt(b, 10))
		}
	}
	if specs == 0 {
		return "", false
	}
	if len(out) == 0 {
		return "bytes=" + strconv.FormatInt(size, 10) + "-", true
	}
	return "bytes=" + strings.Join(out, ","), true
}

// rangeInt parses 1*DIGIT; a number too large for int64 is the largest.
func rangeInt(s string) (int64, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return math.MaxInt64, true
	}
	return n, true
}

// contentErrorWriter turns the errors http.ServeContent writes itself — 412
// for a failed If-Match or If-Unmodified-Since, 416 for a range outside the
// file, 500 for a file that cannot seek — into the JSON error every other
// answer has. 416 keeps its Content-Range: bytes */size.
type contentErrorWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	size    int64
	refused bool // the JSON error is out; drop ServeContent's own body
}

func (w *contentErrorWriter) WriteHeader(code int) {
	if w.refused {
		return
	}
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.refused = true
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "Repr-Digest", "Accept-Ranges", "Content-Length"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
	var err error
	switch code {
	case http.StatusRequestedRangeNotSatisfiable:
		err = kerr.New(kerr.Invalid, "range_not_satisfiable",
			"Khoảng byte yêu cầu (Range) nằm ngoài tệp; tệp dài "+strconv.FormatInt(w.size, 10)+" byte.",
			"no range of %q overlaps the %d bytes of the file", w.r.Header.Get("Range"), w.size)
	case http.StatusPreconditionFailed:
		err = kerr.New(kerr.Conflict, "precondition_failed",
			"Điều kiện của yêu cầu (If-Match, If-Unmodified-Since) không còn đúng: nội dung đã thay đổi.",
			"If-Match or If-Unmodified-Since does not hold")
	default:
		err = kerr.New(kerr.Internal, "internal", "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau.", "http.ServeContent answered %d", code)
	}
	w.s.writeError(w.ResponseWriter, w.r, err)
}

func (w *contentErrorWriter) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *contentErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// attachment returns a Content-Disposition value that makes browsers save
// the file under its name: an ASCII fallback in filename and the exact
// name in RFC 5987 filename*.
func attachment(name string) string {
	if name == "" {
		name = "giay-to"
	}
	// A name stored before the vault refused them may hold control or
	// bidirectional characters: a browser would save them.
	name = textrule.Replace(name, '_')
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
