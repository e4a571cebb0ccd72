package portal

import (
	"net/http"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// publicDossierJSON is what anyone may see of a dossier by its code (2025
// item 26): nothing about the applicant, the components or the trail.
type publicDossierJSON struct {
	Code          string           `json:"code"`
	ProcedureName string           `json:"procedureName"`
	AgencyName    string           `json:"agencyName"`
	Status        workflow.Display `json:"status"`
	ReceivedAt    time.Time        `json:"receivedAt,omitzero"`
	DueAt         time.Time        `json:"dueAt,omitzero"`
}

// lookupActor is who reads a dossier for the public lookup: it may read
// any (a system admin), and the answer is cut down to publicDossierJSON
// before it leaves.
func lookupActor() archive.Actor {
	return archive.Actor{Subject: "kho-public-lookup", Role: archive.RoleAdmin}
}

// lookupDossier answers the public lookup by dossier code (no token):
// the procedure, the agency, the status as people read it, the reception
// and due dates. One read of one record by its key.
func (s *Server) lookupDossier(w http.ResponseWriter, r *http.Request) {
	wf, _, err := s.workflowQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := dossierCode(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := wf.Get(r.Context(), lookupActor(), code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicDossierJSON{Code: v.Code, ProcedureName: v.ProcedureName, AgencyName: v.HandlingAgencyName,
		Status: v.Display, ReceivedAt: v.ReceivedAt, DueAt: v.DueAt})
}
