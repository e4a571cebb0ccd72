package portal

import (
	"net/http"
)

// downloadShared serves the shared version's bytes to the share's grantee
// while the share is active, as downloadCurrent serves a document's: the
// download is in the owner's ledger, with the share, just before the
// first byte. A HEAD is recorded as a read of the shared paper.
func (s *Server) downloadShared(w http.ResponseWriter, r *http.Request) {
	id, err := shareID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	if r.Method == http.MethodHead {
		if _, err := s.vault.SharedDocument(r.Context(), a, id); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	c, err := s.vault.OpenShared(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.serveContent(w, r, c)
}
