package portal

import "net/http"

// getStaff returns one entry of the staff directory (admin, or staff
// their own).
func (s *Server) getStaff(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := wf.StaffMember(r.Context(), actorOf(r), r.PathValue("subject"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}
