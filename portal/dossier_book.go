package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
)

// getDossierBook prints an agency's tracking book (Sổ theo dõi hồ sơ) of
// the dossiers it received between two days, as a PDF: staff their own
// agency's, an admin the agency named.
func (s *Server) getDossierBook(w http.ResponseWriter, r *http.Request) {
	wf, q, err := s.workflowQuery(r, "agency", "from", "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := input.DateParam(q, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := input.DateParam(q, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pdf, name, err := wf.Book(r.Context(), actorOf(r), q.Get("agency"), from, to)
	s.writePDF(w, r, pdf, name, err)
}
