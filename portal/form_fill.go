package portal

import (
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/portal/internal/input"
)

// prefillJSON is the answer of POST /forms/{code}/prefill: the values the
// owner's vault gives, where each came from, and the values left out.
type prefillJSON struct {
	Form       string                      `json:"form"`
	Version    int                         `json:"version"`
	Owner      string                      `json:"owner"`
	Data       map[string]any              `json:"data"`
	Provenance map[string]forms.Provenance `json:"provenance"`
	Warnings   []forms.FieldError          `json:"warnings"`
}

// prefillForm fills a form's fields that declare a prefill source from an
// owner's vault (a citizen's own by default; staff and admin name the
// owner, with the purpose): the profile and the newest valid paper of each
// type named, each paper read recorded in the owner's ledger, and the
// profile's read too when staff or admin read it. Nothing is stored.
func (s *Server) prefillForm(w http.ResponseWriter, r *http.Request) {
	d, q, err := s.formQuery(r, withAccess("owner")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := accessOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	owner, err := ownerFor(a, q.Get("owner"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vals, warnings, err := forms.Checker{Now: s.cfg.Now}.Prefill(r.Context(), d, owner, s.vault.FormSource(a, acc))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if warnings == nil {
		warnings = []forms.FieldError{}
	}
	if vals.Provenance == nil {
		vals.Provenance = map[string]forms.Provenance{}
	}
	writeJSON(w, http.StatusOK, prefillJSON{Form: vals.Form, Version: vals.Version, Owner: owner,
		Data: vals.Data, Provenance: vals.Provenance, Warnings: warnings})
}

// formQuery returns the definition named by the path's {code} and the
// optional ?version= (latest when absent), and the query, which may also
// hold the parameters extra names.
func (s *Server) formQuery(r *http.Request, extra ...string) (*forms.Definition, url.Values, error) {
	q, err := input.Query(r, append([]string{"version"}, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	v, err := input.IntParam(q, "version", 0, 1, 1_000_000)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.cfg.Forms.GetContext(r.Context(), r.PathValue("code"), int(v))
	return d, q, err
}
