package portal

import (
	"net/http"
)

// getShare returns one share to its owner or its grantee; anyone else
// gets 404 share_not_found. It shows what was shared, not the paper, and
// is not recorded in the ledger.
func (s *Server) getShare(w http.ResponseWriter, r *http.Request) {
	id, err := shareID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sh, err := s.vault.GetShare(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.shareView(sh))
}
