package portal

import (
	"io"
	"net/http"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// formDataJSON is filled data the server accepted.
type formDataJSON struct {
	Form       string                      `json:"form"`
	Version    int                         `json:"version"`
	Data       map[string]any              `json:"data"`
	Provenance map[string]forms.Provenance `json:"provenance,omitempty"`
}

// formErrorsJSON is the 422 answer: the usual error and one entry per
// refused value.
type formErrorsJSON struct {
	Error       errorJSON          `json:"error"`
	FieldErrors []forms.FieldError `json:"fieldErrors"`
}

// validateForm checks filled data (a JSON object of field codes to values)
// against a definition and returns the clean values, or 422 with a
// Vietnamese message per refused field. Nothing is stored. With ?owner=
// the pre-filled fields are checked too, as on submission: the server
// reads the owner's vault again and records, per field, where the value
// came from and any correction (forms.Checker.ValidatePrefilled); staff
// and admin give the purpose, recorded with those reads in the owner's
// ledger.
func (s *Server) validateForm(w http.ResponseWriter, r *http.Request) {
	d, q, err := s.formQuery(r, withAccess("owner")...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vals, ok := s.checkFormData(w, r, d, q)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, formDataJSON{Form: vals.Form, Version: vals.Version, Data: vals.Data, Provenance: vals.Provenance})
}

// readJSONBody reads a JSON request body of at most limit bytes whole, for
// parsers that judge the bytes themselves.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if err := input.CheckJSONType(r); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if input.IsMaxBytes(err) {
			return nil, input.JSONError(err, limit)
		}
		return nil, kerr.Wrap(err, kerr.Invalid, "request_body_unreadable", "Không đọc được dữ liệu gửi lên.")
	}
	return data, nil
}
