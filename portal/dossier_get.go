package portal

import (
	"net/http"
)

// getDossier returns one dossier with its components, trail, status as
// people read it and the actions the caller may take: to its applicant
// or representative, and to the staff of its agencies, who say why they
// read it (?purpose=, as for a citizen's papers): their read is recorded
// in the applicant's vault ledger.
func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	wf, code, purpose, err := s.dossierRead(r, "xem hồ sơ")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := wf.Read(r.Context(), actorOf(r), code, purpose)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusOK, v)
}
