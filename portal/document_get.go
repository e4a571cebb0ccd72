package portal

import (
	"net/http"
)

// getDocument returns a document's metadata and records the read, with
// its purpose and dossier, in the owner's ledger.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.vault.Get(r.Context(), actorOf(r), id, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusOK, s.documentView(d))
}
