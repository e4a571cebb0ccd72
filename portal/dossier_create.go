package portal

import (
	"net/http"

	"github.com/kho-vn/kho/workflow"
)

// createDossier registers a new dossier: a citizen for themselves or on
// someone's behalf (channel portal), or a desk officer for a dossier
// received at the desk, by post or from the national portal.
func (s *Server) createDossier(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workflow.NewDossier
	if err := decodeJSON(w, r, &in, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := wf.Create(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusCreated, v)
}
