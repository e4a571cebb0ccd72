package portal

import (
	"net/http"
	"strconv"
)

// createVersion stores new content for a document: multipart/form-data
// with one "file" part, or the raw file as the body. If-Match makes it
// conditional on the document's revision.
func (s *Server) createVersion(w http.ResponseWriter, r *http.Request) {
	id, rev, err := documentChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	up, err := s.readUpload(w, r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer up.close()
	d, err := s.vault.AddVersion(r.Context(), actorOf(r), id, rev, up.file)
	if err != nil {
		s.writeError(w, r, s.uploadError(up, err))
		return
	}
	h := w.Header()
	h.Set("Location", "/api/v1/documents/"+d.ID+"/versions/"+strconv.Itoa(d.Current.N)+"/content")
	h.Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusCreated, s.documentView(d))
}
