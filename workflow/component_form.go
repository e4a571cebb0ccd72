package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
)

// ComponentForm is a component's eForm as the one filling it sees it: the
// definition, and the values auto-fill gives from the applicant's vault
// with where each came from (Prefill.Provenance).
type ComponentForm struct {
	Definition *forms.Definition
	// Prefill holds the auto-filled values; empty when the caller may not
	// read the applicant's vault (a representative).
	Prefill forms.Values
	// Warnings are the values auto-fill left out (a malformed field of an
	// old paper).
	Warnings []forms.FieldError
}

// ComponentForm returns the eForm of component comp of dossier code to
// someone who may fill it (SetComponent's rules: the applicant or a desk
// officer of the receiving agency, while the status allows changes),
// auto-filled from the applicant's vault as SetComponent will check it:
// every paper read is in the applicant's ledger with the dossier's
// purpose. Without prefill, or for a representative, the form comes
// without auto-fill and nothing is read. A component that is no eForm is
// Invalid "component_not_form".
func (s *Service) ComponentForm(ctx context.Context, a archive.Actor, code, comp string, prefill bool) (ComponentForm, error) {
	d, c, _, err := s.component(ctx, a, code, comp, 0)
	if err != nil {
		return ComponentForm{}, err
	}
	if c.Form == "" {
		return ComponentForm{}, invalid("component_not_form", "Thành phần hồ sơ này không phải biểu mẫu điện tử.", "component %q is not a form", c.Code)
	}
	def, err := s.forms.Get(c.Form, 0)
	if err != nil {
		return ComponentForm{}, err
	}
	out := ComponentForm{Definition: def, Prefill: forms.Values{Form: def.Code, Version: def.Version, Data: map[string]any{}}}
	if !prefill || a.Role == archive.RoleCitizen && d.Applicant.ID != a.Subject {
		return out, nil
	}
	vals, warns, err := forms.Checker{Now: s.now}.Prefill(ctx, def, d.Applicant.ID, s.vault.FormSource(a, access(d)))
	if err != nil {
		return ComponentForm{}, err
	}
	out.Prefill, out.Warnings = vals, warns
	return out, nil
}
