package portal

import (
	"io"
	"net/http"
	"strconv"
)

// getScan is GET /api/v1/scans/{id}: the batch (pending or confirmed) as
// POST /api/v1/scans answered it, its revision as ETag. Only the
// archivists of its agency (see scanArchivist); anyone else's batch is 404
// scan_not_found.
func (s *Server) getScan(w http.ResponseWriter, r *http.Request) {
	a, ok := s.scanCaller(w, r)
	if !ok {
		return
	}
	sc, err := s.vault.GetScan(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", revETag(sc.Rev))
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, sc)
}

// getScanPDF is GET /api/v1/scans/{id}/pdf: the batch's searchable PDF
// (unsigned), to compare the reading with the pages. Who: as getScan.
func (s *Server) getScanPDF(w http.ResponseWriter, r *http.Request) {
	a, ok := s.scanCaller(w, r)
	if !ok {
		return
	}
	sc, rc, err := s.vault.OpenScan(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.FormatInt(sc.Size, 10))
	h.Set("Content-Disposition", `inline; filename="ban-quet-`+sc.ID+`.pdf"`)
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		s.log.WarnContext(r.Context(), "scan PDF not sent", "scan", sc.ID, "err", err)
	}
}
