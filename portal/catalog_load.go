package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
)

// catalogJSON counts what a catalogue load put.
type catalogJSON struct {
	DocumentTypes int `json:"documentTypes"`
	Procedures    int `json:"procedures"`
}

// loadCatalog loads a catalogue file ({"documentTypes": [...],
// "procedures": [...]}) into the vault (admin).
func (s *Server) loadCatalog(w http.ResponseWriter, r *http.Request) {
	if err := input.CheckJSONType(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, s.cfg.MaxCatalogBytes)}
	types, procs, err := s.vault.LoadCatalog(r.Context(), actorOf(r), body)
	if err != nil {
		if body.tripped {
			err = input.JSONError(&http.MaxBytesError{Limit: s.cfg.MaxCatalogBytes}, s.cfg.MaxCatalogBytes)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, catalogJSON{DocumentTypes: types, Procedures: procs})
}
