package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// supersedeDocument replaces a paper the caller's agency issued by another
// it issued to the same owner (archive.Service.Supersede).
func (s *Server) supersedeDocument(w http.ResponseWriter, r *http.Request) {
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Replacement string `json:"replacement"`
		Reason      string `json:"reason"`
	}
	if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Replacement == "" {
		s.writeError(w, r, kerr.New(kerr.Invalid, "replacement_required", "Cần chỉ rõ giấy tờ thay thế.", "no replacement"))
		return
	}
	if !archive.ValidID(req.Replacement) {
		s.writeError(w, r, kerr.New(kerr.NotFound, "issued_document_not_found", "Không tìm thấy giấy tờ do cơ quan của bạn cấp.",
			"replacement is not a document ID"))
		return
	}
	d, err := s.vault.Supersede(r.Context(), actorOf(r), id, req.Replacement, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusOK, s.documentView(d))
}
