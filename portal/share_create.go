package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// createShare shares one of the caller's papers with an agency or a
// person, for a purpose, until a day (archive.Service.ShareDocument).
func (s *Server) createShare(w http.ResponseWriter, r *http.Request) {
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in archive.ShareInput
	if err := decodeJSON(w, r, &in, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	sh, err := s.vault.ShareDocument(r.Context(), actorOf(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/shares/"+sh.ID)
	writeJSON(w, http.StatusCreated, s.shareView(sh))
}
