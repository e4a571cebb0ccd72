package portal

import (
	"net/http"

	"github.com/kho-vn/kho/workflow"
)

// putProcedure adds or replaces a procedure of the catalogue (admin); the
// vault's component mapping follows it.
func (s *Server) putProcedure(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var p workflow.Procedure
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
	out, err := wf.PutProcedure(r.Context(), actorOf(r), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
