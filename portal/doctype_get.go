package portal

import "net/http"

// getDocumentType returns one catalogue entry.
func (s *Server) getDocumentType(w http.ResponseWriter, r *http.Request) {
	t, err := s.vault.DocumentType(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
