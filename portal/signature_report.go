package portal

import (
	"net/http"
)

// getSignatureReport returns the verification report kept with version
// {n}: JSON, or the Vietnamese HTML page with Accept: text/html. The read
// is recorded in the owner's ledger like any read of the document.
func (s *Server) getSignatureReport(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, acc, err := documentAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, body, err := s.vault.SignatureReport(r.Context(), actorOf(r), id, n, acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeReport(w, r, body)
}
