package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
)

// issueDossierResult signs an approved dossier's result and returns it
// into the applicant's vault (workflow.IssueResult): the leader of the
// competent agency only; If-Match: the revision the leader saw. The
// result is rendered by the converter (503 converter_unavailable without
// one, the dossier left approved), signed by the leader and then with the
// agency's seal, numbered and issued; the dossier is resolved. Called
// again on a resolved dossier it answers the same dossier, issuing
// nothing.
func (s *Server) issueDossierResult(w http.ResponseWriter, r *http.Request) {
	wf, code, rev, err := s.dossierChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := wf.IssueResult(r.Context(), actorOf(r), code, rev)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDossier(w, http.StatusOK, v)
}

// getDossierResult returns the result a dossier issued with its status in
// the vault now (valid, revoked, superseded, expired): to the applicant,
// and to the staff of its agencies, who say why (?purpose=, recorded in
// the applicant's ledger). The paper itself is a document of the
// applicant's vault: GET /api/v1/documents/{id}/content.
func (s *Server) getDossierResult(w http.ResponseWriter, r *http.Request) {
	wf, code, purpose, err := s.dossierRead(r, "xem kết quả của hồ sơ")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := wf.Result(r.Context(), actorOf(r), code, purpose)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
