package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// putDocumentType adds or replaces a catalogue entry (admin).
func (s *Server) putDocumentType(w http.ResponseWriter, r *http.Request) {
	var t archive.DocumentType
	if err := decodeJSON(w, r, &t, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := pathCode(r, t.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t.Code = code
	out, err := s.vault.PutDocumentType(r.Context(), actorOf(r), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// pathCode returns the {code} of the path; a body that names another code
// is refused.
func pathCode(r *http.Request, body string) (string, error) {
	code := r.PathValue("code")
	if body != "" && body != code {
		return "", kerr.New(kerr.Invalid, "code_mismatch", "Mã trong nội dung khác với mã trên địa chỉ.", "body code %q differs from path code %q", input.Printable(body), input.Printable(code))
	}
	return code, nil
}
