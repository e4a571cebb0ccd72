package portal

import (
	"net/http"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/portal/internal/input"
)

// formsJSON lists the published eForm definitions, with the patterns of
// the text formats for browsers that check before sending.
type formsJSON struct {
	Forms   []forms.Summary   `json:"forms"`
	Formats map[string]string `json:"formats"`
}

// listForms lists every published eForm definition and version.
func (s *Server) listForms(w http.ResponseWriter, r *http.Request) {
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.cfg.Forms.ListContext(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, formsJSON{Forms: list, Formats: forms.FormatPatterns()})
}
