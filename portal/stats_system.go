package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// systemStatsJSON is the per-type picture over every vault.
type systemStatsJSON struct {
	ByType []archive.TypeStat `json:"byType"`
}

// systemStats returns per-type counts over all owners (staff/admin).
func (s *Server) systemStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.vault.SystemStats(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st == nil {
		st = []archive.TypeStat{}
	}
	writeJSON(w, http.StatusOK, systemStatsJSON{ByType: st})
}
