package portal

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

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
func (s *Server) download(w http.ResponseWriter, r *http.Request, n int) {
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.vault.Open(r.Context(), actorOf(r), id, n, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer c.Close()
	v := c.Version
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("ETag", `"`+v.Blob+`"`)
	h.Set("Content-Disposition", attachment(v.FileName))
	if sum, err := hex.DecodeString(v.Blob); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", v.CreatedAt, c)
}

// attachment returns a Content-Disposition value that makes browsers save
// the file under its name: an ASCII fallback in filename and the exact
// name in RFC 5987 filename*.
func attachment(name string) string {
	if name == "" {
		name = "tai-lieu"
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
