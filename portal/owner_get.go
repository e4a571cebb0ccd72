package portal

import "net/http"

// getOwner returns an owner's record; a staff or admin read is recorded,
// with its purpose, in the owner's ledger.
func (s *Server) getOwner(w http.ResponseWriter, r *http.Request) {
	acc, err := queryAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.vault.Owner(r.Context(), actorOf(r), r.PathValue("id"), acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
