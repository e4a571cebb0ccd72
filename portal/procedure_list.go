package portal

import (
	"net/http"

	"github.com/kho-vn/kho/workflow"
)

// proceduresJSON lists procedures.
type proceduresJSON struct {
	Procedures []workflow.Procedure `json:"procedures"`
}

// listProcedures lists the procedure catalogue (public).
func (s *Server) listProcedures(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ps, err := wf.Procedures(r.Context(), anonymous())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, proceduresJSON{Procedures: ps})
}
