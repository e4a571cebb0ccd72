package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// ownerStats returns one vault's storage and reuse statistics.
func (s *Server) ownerStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.vault.Stats(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st.ByType == nil {
		st.ByType = []archive.TypeStat{}
	}
	writeJSON(w, http.StatusOK, st)
}
