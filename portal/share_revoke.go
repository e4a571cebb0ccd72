package portal

import (
	"net/http"
)

// revokeShare takes one of the caller's shares back
// (archive.Service.RevokeShare). The body, {"reason": "..."}, is optional.
func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) {
	id, err := shareID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 || r.Header.Get("Content-Type") != "" {
		if err := decodeJSON(w, r, &req, s.cfg.MaxJSONBytes); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	sh, err := s.vault.RevokeShare(r.Context(), actorOf(r), id, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.shareView(sh))
}
