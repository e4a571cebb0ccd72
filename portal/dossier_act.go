package portal

import (
	"net/http"

	"github.com/kho-vn/kho/workflow"
)

// actOnDossier takes an action on a dossier ({action, reason, items,
// assignee, deadline, opinion, note, ...}): the state machine decides
// whether it may happen and who may take it; the new state and its trail
// entry are stored in one guarded update. If-Match: the revision the
// caller saw; another is 409 dossier_changed and nothing changes.
func (s *Server) actOnDossier(w http.ResponseWriter, r *http.Request) {
	wf, code, rev, err := s.dossierChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workflow.ActInput
	if err := decodeJSON(w, r, &in, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Rev = rev
	v, err := wf.Act(r.Context(), actorOf(r), code, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusOK, v)
}
