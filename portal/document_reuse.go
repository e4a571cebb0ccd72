package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// reuseDocument records that a document is reused in a dossier instead of
// being submitted again.
func (s *Server) reuseDocument(w http.ResponseWriter, r *http.Request) {
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req archive.ReuseRequest
	if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.vault.Reuse(r.Context(), actorOf(r), id, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+id+"/reuses")
	writeJSON(w, http.StatusCreated, rec)
}
