package portal

import (
	"net/http"
	"strconv"
)

// getProcessDiagram draws a version of a procedure's process as SVG
// (admins, heads of department and unit leaders: 2025 item 9).
func (s *Server) getProcessDiagram(w http.ResponseWriter, r *http.Request) {
	wf, v, err := s.processRead(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	svg, err := wf.Diagram(r.Context(), actorOf(r), r.PathValue("code"), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(len(svg)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(svg)
}
