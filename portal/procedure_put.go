package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
)

// putProcedure adds or replaces a procedure's component mapping (admin).
func (s *Server) putProcedure(w http.ResponseWriter, r *http.Request) {
	var p archive.Procedure
	if err := decodeJSON(w, r, &p, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := pathCode(r, p.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Code = code
	out, err := s.vault.PutProcedure(r.Context(), actorOf(r), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
