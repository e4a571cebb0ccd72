package portal

import (
	"bytes"
	"net/http"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/statsexport"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// exportDossierStats is GET /api/v1/stats/dossiers/export?format=&<query>:
// the dossier statistics of the query (workflow.StatsQuery.Values) as a
// spreadsheet, a document or a PDF (items 23.2, 24.4), the same table as
// the statistics page's. For admins (any agency) and staff holding head of
// department or leader (their own agency: workflow.Service.StatsScope).
// The file is made whole before the answer starts.
func (s *Server) exportDossierStats(w http.ResponseWriter, r *http.Request) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	if _, err := wf.StatsScope(r.Context(), a, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	v := r.URL.Query()
	format := v.Get("format")
	kind, ok := report.FileFormats[format]
	if !ok || len(v["format"]) != 1 {
		s.writeError(w, r, kerr.New(kerr.Invalid, "report_format", "Định dạng tệp báo cáo không hợp lệ (chọn xlsx, docx hoặc pdf).", "format %q", v["format"]))
		return
	}
	v.Del("format")
	q, err := workflow.ParseStatsQuery(v, s.cfg.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if q.Agency, err = wf.StatsScope(r.Context(), a, q.Agency); err != nil {
		s.writeError(w, r, err)
		return
	}
	src := s.cfg.DossierStats
	if src == nil {
		src = statsexport.SourceOf(wf)
	}
	if src == nil {
		s.writeError(w, r, kerr.New(kerr.Unavailable, "stats_not_configured", "Máy chủ chưa được cấu hình để thống kê hồ sơ.", "no statistics engine"))
		return
	}
	d, err := src.DossierStats(r.Context(), a, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t := statsexport.Table(d)
	var b bytes.Buffer
	err = report.WriteFile(r.Context(), &b, t, format, s.cfg.ReportPrinter)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", kind.MediaType)
	w.Header().Set("Content-Disposition", attachment(statsexport.FileName(q.Period)+kind.Ext))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = b.WriteTo(w)
}
