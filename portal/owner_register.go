package portal

import (
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/archive"
)

// registerOwner creates an owner (staff/admin, or a citizen registering
// themselves).
func (s *Server) registerOwner(w http.ResponseWriter, r *http.Request) {
	var in archive.OwnerInput
	if err := decodeJSON(w, r, &in, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.vault.RegisterOwner(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/owners/"+url.PathEscape(o.ID))
	writeJSON(w, http.StatusCreated, o)
}
