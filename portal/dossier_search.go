package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// searchDossiers finds an agency's dossiers by the attributes of 2025
// item 21, singly or combined: reception days, field, competent unit,
// due day, status, procedure, citizen's and business's names (staff:
// their agency's; admin: the agency named).
func (s *Server) searchDossiers(w http.ResponseWriter, r *http.Request) {
	wf, q, err := s.workflowQuery(r, "agency", "receivedFrom", "receivedTo", "field", "unit", "dueBy", "status", "procedure",
		"citizenName", "businessName", "cursor", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sq := workflow.SearchQuery{Agency: q.Get("agency"), Field: q.Get("field"), Unit: q.Get("unit"), Status: workflow.Status(q.Get("status")),
		Procedure: q.Get("procedure"), CitizenName: q.Get("citizenName"), BusinessName: q.Get("businessName"), Cursor: q.Get("cursor")}
	for _, d := range []struct {
		name string
		to   *archive.Date
	}{{"receivedFrom", &sq.ReceivedFrom}, {"receivedTo", &sq.ReceivedTo}, {"dueBy", &sq.DueBy}} {
		if *d.to, err = input.DateParam(q, d.name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	limit, err := input.IntParam(q, "limit", 50, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sq.Limit = int(limit)
	p, err := wf.Search(r.Context(), actorOf(r), sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
