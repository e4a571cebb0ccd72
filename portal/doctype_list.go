package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// documentTypesJSON is the document-type catalogue.
type documentTypesJSON struct {
	DocumentTypes []archive.DocumentType `json:"documentTypes"`
}

// listDocumentTypes lists the document-type catalogue.
func (s *Server) listDocumentTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := s.vault.DocumentTypes(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ts == nil {
		ts = []archive.DocumentType{}
	}
	writeJSON(w, http.StatusOK, documentTypesJSON{DocumentTypes: ts})
}
