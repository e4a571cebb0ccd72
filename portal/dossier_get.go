package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// getDossier returns one dossier with its components, trail, status as
// people read it and the actions the caller may take: to its applicant
// or representative, and to the staff of its agencies, who say why they
// read it (?purpose=, as for a citizen's papers).
func (s *Server) getDossier(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "purpose")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := dossierCode(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	purpose, err := input.TextParam(q, "purpose", 500)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	if a.Role != archive.RoleCitizen && purpose == "" {
		s.writeError(w, r, kerr.New(kerr.Invalid, "purpose_required", "Cán bộ cần nêu mục đích xem hồ sơ (tham số purpose).",
			"staff and admin must give the purpose of reading a dossier"))
		return
	}
	v, err := wf.Get(r.Context(), a, code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusOK, v)
}
