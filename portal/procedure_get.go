package portal

import "net/http"

// getProcedure returns one procedure with its components.
func (s *Server) getProcedure(w http.ResponseWriter, r *http.Request) {
	p, err := s.vault.Procedure(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
