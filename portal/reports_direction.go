package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// reportsDirection answers the direction information of 2025 item 27.4
// (GET /api/v1/reports/direction): the dossiers of an agency now late,
// where each is and which step is late, and those nearing their
// deadline — what the leaders' dashboard lists. Heads and leaders of the
// agency; admins name the agency (?agency=).
func (s *Server) reportsDirection(w http.ResponseWriter, r *http.Request) {
	wf, q, err := s.workflowQuery(r, "agency", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := input.IntParam(q, "limit", 20, 1, workflow.MaxDirectionRows)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := wf.Direction(r.Context(), actorOf(r), q.Get("agency"), int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
