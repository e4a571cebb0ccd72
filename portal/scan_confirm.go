package portal

import (
	"net/http"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// scanConfirmRequest is the body of POST /api/v1/scans/{id}/confirm: the
// revision confirmed (or If-Match), and the paper's metadata as the
// archivist confirmed or corrected it; Fields are the document type's
// values by field code.
type scanConfirmRequest struct {
	Rev     int64          `json:"rev,omitempty"`
	Name    string         `json:"name"`
	Number  string         `json:"number,omitempty"`
	Issuer  string         `json:"issuer,omitempty"`
	Summary string         `json:"summary,omitempty"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// confirmScan is POST /api/v1/scans/{id}/confirm: the batch at the
// revision of If-Match (or the body's rev; one of them is required) is
// signed with the caller's archivist key (Config.ArchivistKeys) as a
// certified electronic copy and committed into the owner's vault
// (archive.ConfirmScan): 201 with the document. A batch that changed or
// was confirmed at another revision is 409 scan_changed; confirming the
// same revision again answers the same document.
func (s *Server) confirmScan(w http.ResponseWriter, r *http.Request) {
	a, err := s.scanArchivist(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rev, err := ifMatchRev(r, "lô trang quét")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req scanConfirmRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case rev == 0 && req.Rev <= 0:
		s.writeError(w, r, kerr.New(kerr.Invalid, "rev_required", "Cần gửi phiên bản của lô trang quét (If-Match hoặc rev) đã kiểm tra.",
			"a confirmation needs the batch's revision: If-Match or rev"))
		return
	case rev != 0 && req.Rev > 0 && rev != req.Rev:
		s.writeError(w, r, kerr.New(kerr.Invalid, "rev_mismatch", "Phiên bản trong If-Match và trong rev khác nhau.",
			"If-Match says %d, rev says %d", rev, req.Rev))
		return
	case rev == 0:
		rev = req.Rev
	}
	// The batch first: another agency's batch is not found, whatever
	// keys the server holds.
	if _, err := s.vault.GetScan(r.Context(), a, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	key, ok := s.cfg.ArchivistKeys[a.Subject]
	if !ok {
		s.writeError(w, r, kerr.New(kerr.Unavailable, "archivist_key_missing",
			"Chưa cấu hình khóa ký của cán bộ lưu trữ này (kho serve --archivist-key); chưa ký được bản sao điện tử.", "no key for %q", a.Subject))
		return
	}
	m := archive.Metadata{Name: strings.TrimSpace(req.Name), Number: strings.TrimSpace(req.Number),
		Issuer: strings.TrimSpace(req.Issuer), Summary: strings.TrimSpace(req.Summary)}
	if len(req.Fields) > 0 {
		m.Fields = req.Fields
	}
	d, err := s.vault.ConfirmScan(r.Context(), a, archive.ScanConfirmation{ID: r.PathValue("id"), Rev: rev, Metadata: m, Key: key})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+d.ID)
	w.Header().Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusCreated, s.documentView(d))
}
