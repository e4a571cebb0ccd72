package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// reusesJSON lists a document's reuse records, oldest first.
type reusesJSON struct {
	Reuses []archive.ReuseRecord `json:"reuses"`
}

// listReuses lists the dossiers a document was reused in; a staff or
// admin read is recorded, with its purpose, in the owner's ledger.
func (s *Server) listReuses(w http.ResponseWriter, r *http.Request) {
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.vault.Reuses(r.Context(), actorOf(r), id, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rs == nil {
		rs = []archive.ReuseRecord{}
	}
	writeJSON(w, http.StatusOK, reusesJSON{Reuses: rs})
}
