package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// ownerStats returns one vault's storage and reuse statistics; a staff or
// admin read is recorded, with its purpose, in the owner's ledger.
func (s *Server) ownerStats(w http.ResponseWriter, r *http.Request) {
	acc, err := queryAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.vault.Stats(r.Context(), actorOf(r), r.PathValue("id"), acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st.ByType == nil {
		st.ByType = []archive.TypeStat{}
	}
	writeJSON(w, http.StatusOK, st)
}
