package portal

import (
	"net/http"

	"github.com/kho-vn/kho/api"
)

// healthz answers that the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// openAPI serves the API's OpenAPI document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(api.OpenAPI()))
}
