package portal

import (
	"net/http"
)

// uploadComponent stores a file into the applicant's vault as a component
// of the dossier and fills the component with it: the raw file as the
// body (?type= one of the component's document types, ?filename=) or
// multipart/form-data with a "file" part. A declared size over the limit
// is refused before the body is read. If-Match: the dossier's revision.
func (s *Server) uploadComponent(w http.ResponseWriter, r *http.Request) {
	wf, code, rev, err := s.dossierChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	up, err := s.readUpload(w, r, false, "type")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer up.close()
	v, err := wf.Upload(r.Context(), actorOf(r), code, r.PathValue("component"), r.URL.Query().Get("type"), rev, up.file)
	if err != nil {
		s.writeError(w, r, s.uploadError(up, err))
		return
	}
	writeDossier(w, http.StatusOK, v)
}
