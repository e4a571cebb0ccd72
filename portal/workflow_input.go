package portal

import (
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// workflowService returns the dossier lifecycle, Unavailable
// "workflow_not_configured" when the server has none.
func (s *Server) workflowService() (*workflow.Service, error) {
	if s.cfg.Workflow == nil {
		return nil, kerr.New(kerr.Unavailable, "workflow_not_configured",
			"Chức năng xử lý hồ sơ thủ tục hành chính chưa được bật trên máy chủ này.", "the server has no workflow service")
	}
	return s.cfg.Workflow, nil
}

// anonymous is who reads the public catalogue without a token: the
// workflow asks only that a catalogue read names an actor.
func anonymous() archive.Actor {
	return archive.Actor{Subject: "kho-public", Role: archive.RoleCitizen}
}

// dossierCode returns the {code} path value; a code that cannot exist
// gets the same answer as one that does not.
func dossierCode(r *http.Request) (string, error) {
	code := r.PathValue("code")
	if !workflow.ValidDossierCode(code) {
		return "", kerr.New(kerr.NotFound, "dossier_not_found", "Không tìm thấy hồ sơ.", "no dossier %q", input.Printable(code))
	}
	return code, nil
}

// writeDossier answers with a dossier and its revision as ETag.
func writeDossier(w http.ResponseWriter, status int, v workflow.View) {
	w.Header().Set("ETag", revETag(v.Rev))
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/dossiers/"+v.Code)
	}
	writeJSON(w, status, v)
}

// dossierChange reads what a change to one dossier needs: the service,
// the {code} and the revision If-Match expects (0: whatever is current).
func (s *Server) dossierChange(r *http.Request) (*workflow.Service, string, int64, error) {
	wf, err := s.workflowService()
	if err != nil {
		return nil, "", 0, err
	}
	code, err := dossierCode(r)
	if err != nil {
		return nil, "", 0, err
	}
	rev, err := expectedRev(r)
	return wf, code, rev, err
}

// workflowQuery returns the service and the request's query, refusing
// parameters outside allowed.
func (s *Server) workflowQuery(r *http.Request, allowed ...string) (*workflow.Service, url.Values, error) {
	wf, err := s.workflowService()
	if err != nil {
		return nil, nil, err
	}
	q, err := input.Query(r, allowed...)
	return wf, q, err
}
