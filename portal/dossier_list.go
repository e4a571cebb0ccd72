package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// listDossiers lists dossiers newest first: a citizen's own (as applicant
// or representative); staff their agency's, by status and assignee
// ("me": their own) or by a bucket of their counts (?bucket=); an admin
// one agency's (?agency=).
func (s *Server) listDossiers(w http.ResponseWriter, r *http.Request) {
	wf, q, err := s.workflowQuery(r, "agency", "status", "assignee", "bucket", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := input.IntParam(q, "limit", 50, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := wf.List(r.Context(), actorOf(r), workflow.ListQuery{Agency: q.Get("agency"), Status: workflow.Status(q.Get("status")),
		Assignee: q.Get("assignee"), Bucket: q.Get("bucket"), Cursor: q.Get("cursor"), Limit: int(limit)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
