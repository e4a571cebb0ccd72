package portal

import "net/http"

// lookupDossier answers the public lookup by dossier code (no token; 2025
// item 26): workflow.PublicLookup's code, procedure, agency, status with
// its information that carries nothing personal, and the reception and
// due dates. One read of one record by its key.
func (s *Server) lookupDossier(w http.ResponseWriter, r *http.Request) {
	wf, _, err := s.workflowQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := wf.PublicLookup(r.Context(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
