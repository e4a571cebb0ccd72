package portal

import (
	"net/http"
	"strconv"
)

// signDocument signs the current version of a vault document with one of
// the server's keys (staff and admin) and stores the signed PDF as a new
// version (source "result", change "signed") with its verification
// summary. The body is the JSON options; If-Match makes it conditional.
func (s *Server) signDocument(w http.ResponseWriter, r *http.Request) {
	if err := staffOnly(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, rev, err := documentChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var opts signOptions
	if err := decodeJSON(w, r, &opts, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	signer, err := s.cfg.Signing.signer(opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.vault.SignVersion(r.Context(), actorOf(r), id, rev, signer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Location", "/api/v1/documents/"+d.ID+"/versions/"+strconv.Itoa(d.Current.N)+"/content")
	h.Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusCreated, s.documentView(d))
}
