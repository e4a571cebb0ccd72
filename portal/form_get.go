package portal

import (
	"net/http"

	"github.com/kho-vn/kho/forms"
)

// getForm returns one eForm definition: the latest version, or ?version=.
func (s *Server) getForm(w http.ResponseWriter, r *http.Request) {
	d, err := s.formOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// formOf returns the definition named by the path's {code} and the
// optional ?version= (latest when absent).
func (s *Server) formOf(r *http.Request) (*forms.Definition, error) {
	d, _, err := s.formQuery(r)
	return d, err
}
