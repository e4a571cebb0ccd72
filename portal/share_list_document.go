package portal

import (
	"net/http"
)

// listDocumentShares lists the shares of one of the caller's papers,
// newest first, revoked and expired ones included.
func (s *Server) listDocumentShares(w http.ResponseWriter, r *http.Request) {
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, cursor, limit, err := pageQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.vault.SharesGiven(r.Context(), actorOf(r), id, cursor, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.sharePageView(p))
}
