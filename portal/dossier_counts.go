package portal

import "net/http"

// dossierCounts answers the counts of the caller's desk (2025 item 20):
// for each position the staff member holds, the number of dossiers in
// each of its buckets in their agency; each bucket's key lists them
// (GET /api/v1/dossiers?bucket=). (Not under /api/v1/dossiers/: a path
// there would collide with /api/v1/dossiers/{code} in the mux.)
func (s *Server) dossierCounts(w http.ResponseWriter, r *http.Request) {
	wf, _, err := s.workflowQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := wf.Counts(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
