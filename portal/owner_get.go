package portal

import "net/http"

// getOwner returns an owner's record.
func (s *Server) getOwner(w http.ResponseWriter, r *http.Request) {
	o, err := s.vault.Owner(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
