package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// staffListJSON lists directory entries.
type staffListJSON struct {
	Staff []workflow.Staff `json:"staff"`
}

// listStaff lists the staff directory, of one agency with ?agency= (admin).
func (s *Server) listStaff(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "agency")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, err := wf.ListStaff(r.Context(), actorOf(r), q.Get("agency"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, staffListJSON{Staff: ms})
}
