package portal

import "net/http"

// getProcedure returns one procedure of the catalogue (public).
func (s *Server) getProcedure(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := wf.Procedure(r.Context(), anonymous(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
