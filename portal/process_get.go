package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// processRead reads what a read of a process needs: the service and
// ?version= (0, the default: the latest).
func (s *Server) processRead(r *http.Request) (*workflow.Service, int, error) {
	wf, err := s.workflowService()
	if err != nil {
		return nil, 0, err
	}
	q, err := input.Query(r, "version")
	if err != nil {
		return nil, 0, err
	}
	v, err := input.IntParam(q, "version", 0, 1, 1<<30)
	return wf, int(v), err
}

// getProcess returns a version of a procedure's process (public).
func (s *Server) getProcess(w http.ResponseWriter, r *http.Request) {
	wf, v, err := s.processRead(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := wf.Process(r.Context(), anonymous(), r.PathValue("code"), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
