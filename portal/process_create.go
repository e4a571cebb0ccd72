package portal

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/workflow"
)

// createProcess saves the next version of a procedure's process (admin).
// Running dossiers keep the version they started with.
func (s *Server) createProcess(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var p workflow.Process
	if err := decodeJSON(w, r, &p, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := pathCode(r, p.Procedure)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Procedure = code
	out, err := wf.PutProcess(r.Context(), actorOf(r), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/procedures/"+code+"/process?version="+strconv.Itoa(out.Version))
	writeJSON(w, http.StatusCreated, out)
}
