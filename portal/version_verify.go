package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
)

// verifyVersion verifies version {n}'s signatures again now and keeps the
// new summary and report with the version; it answers the version.
func (s *Server) verifyVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.vault.Reverify(r.Context(), actorOf(r), id, n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
