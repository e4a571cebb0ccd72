package portal

import (
	"net/http"
)

// revokeDocument revokes a paper the caller's agency issued
// (archive.Service.Revoke).
func (s *Server) revokeDocument(w http.ResponseWriter, r *http.Request) {
	id, err := documentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.vault.Revoke(r.Context(), actorOf(r), id, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", revETag(d.Rev))
	writeJSON(w, http.StatusOK, s.documentView(d))
}
