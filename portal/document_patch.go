package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// patchDocument changes a document's metadata as a new version. If-Match
// with the ETag of the document makes the change conditional.
func (s *Server) patchDocument(w http.ResponseWriter, r *http.Request) {
	id, rev, err := documentChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var p archive.MetadataPatch
	if err := decodeJSON(w, r, &p, s.cfg.MaxJSONBytes, "application/json", "application/merge-patch+json"); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.vault.UpdateMetadata(r.Context(), actorOf(r), id, rev, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusOK, s.documentView(d))
}
