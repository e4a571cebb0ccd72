package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// sharedDocumentJSON is what a grantee sees of a shared paper, with the
// share's state and the paper's status in Vietnamese.
type sharedDocumentJSON struct {
	archive.SharedDocument
	Share shareJSON `json:"share"`
}

// getSharedDocument returns the paper of a share to its grantee while the
// share is active; the read is in the owner's ledger with the share.
func (s *Server) getSharedDocument(w http.ResponseWriter, r *http.Request) {
	id, err := shareID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.vault.SharedDocument(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sharedDocumentJSON{SharedDocument: d, Share: s.shareView(d.Share)})
}
