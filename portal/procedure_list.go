package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// proceduresJSON lists procedures.
type proceduresJSON struct {
	Procedures []archive.Procedure `json:"procedures"`
}

// listProcedures lists the procedures and their components.
func (s *Server) listProcedures(w http.ResponseWriter, r *http.Request) {
	ps, err := s.vault.Procedures(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []archive.Procedure{}
	}
	writeJSON(w, http.StatusOK, proceduresJSON{Procedures: ps})
}
