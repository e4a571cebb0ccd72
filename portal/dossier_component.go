package portal

import (
	"encoding/json"
	"net/http"

	"github.com/kho-vn/kho/workflow"
)

// componentJSON is the body of a component's filling: a paper of the
// applicant's vault to reuse, or the eForm's data.
type componentJSON struct {
	Reuse *workflow.ReuseInput `json:"reuse,omitempty"`
	Form  json.RawMessage      `json:"form,omitempty"`
}

// putComponent fills a component of a dossier by reusing a paper of the
// applicant's vault (the version used and its verification are frozen
// into the dossier) or with an eForm's data, checked against the vault.
// If-Match: the dossier's revision.
func (s *Server) putComponent(w http.ResponseWriter, r *http.Request) {
	wf, code, rev, err := s.dossierChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body componentJSON
	if err := decodeJSON(w, r, &body, s.cfg.MaxJSONBytes); err != nil {
		s.writeError(w, r, err)
		return
	}
	in := workflow.ComponentInput{Reuse: body.Reuse, Rev: rev}
	if len(body.Form) > 0 {
		in.Form = body.Form
	}
	v, err := wf.SetComponent(r.Context(), actorOf(r), code, r.PathValue("component"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusOK, v)
}
