package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// versionsJSON lists a document's versions, oldest first.
type versionsJSON struct {
	Versions []archive.Version `json:"versions"`
}

// listVersions lists every version of a document; a staff or admin read
// is recorded, with its purpose, in the owner's ledger.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.vault.Versions(r.Context(), actorOf(r), id, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if vs == nil {
		vs = []archive.Version{}
	}
	writeJSON(w, http.StatusOK, versionsJSON{Versions: vs})
}
