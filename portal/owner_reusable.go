package portal

import (
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// documentsJSON is a list of documents.
type documentsJSON struct {
	Documents []documentJSON `json:"documents"`
}

// findReusable lists an owner's documents that can be reused for a type
// code or a procedure component ("PROCEDURE/COMPONENT") on a day; a staff
// or admin search is recorded, with its purpose, in the owner's ledger.
func (s *Server) findReusable(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, withAccess("type", "on")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := accessOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	typ := q.Get("type")
	if typ == "" {
		s.writeError(w, r, kerr.New(kerr.Invalid, "type_required", "Cần chỉ rõ mã loại giấy tờ hoặc thành phần hồ sơ (type).", "query parameter type is required"))
		return
	}
	day, err := input.DateParam(q, "on")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	docs, err := s.vault.FindReusable(r.Context(), actorOf(r), r.PathValue("id"), typ, day, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, documentsJSON{Documents: s.documentViews(docs)})
}
