package portal

import (
	"net/http"
	"strconv"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// Report templates, personal saved reports and their periodic runs (2025
// item 24): GET/POST /api/v1/report-templates, GET/PUT/DELETE
// /api/v1/report-templates/{id}, GET /api/v1/report-templates/{id}/runs,
// GET /api/v1/report-runs/{id}. Another person's personal template is 404,
// as one that does not exist.

// maxTemplateJSON bounds the body of a template (its query is at most
// 8 KiB).
const maxTemplateJSON = 32 << 10

// reports is the report templates' service, or 503 when the server has none.
func (s *Server) reports() (*workflow.Reports, error) {
	if s.cfg.Reports == nil {
		return nil, kerr.New(kerr.Unavailable, "reports_not_configured", "Chức năng mẫu báo cáo chưa được bật trên máy chủ này.",
			"portal.Config.Reports is nil")
	}
	return s.cfg.Reports, nil
}

// templateList is the answer of GET /api/v1/report-templates.
type templateList struct {
	Templates []workflow.ReportTemplate `json:"templates"`
}

func (s *Server) listReportTemplates(w http.ResponseWriter, r *http.Request) {
	rs, err := s.reports()
	if err == nil {
		_, err = input.Query(r)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := rs.ListTemplates(r.Context(), actorOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ts == nil {
		ts = []workflow.ReportTemplate{}
	}
	writeJSON(w, http.StatusOK, templateList{Templates: ts})
}

func writeTemplate(w http.ResponseWriter, status int, t workflow.ReportTemplate) {
	w.Header().Set("ETag", revETag(t.Rev))
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/report-templates/"+t.ID)
	}
	writeJSON(w, status, t)
}

func (s *Server) createReportTemplate(w http.ResponseWriter, r *http.Request) {
	rs, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workflow.TemplateInput
	if err := decodeJSON(w, r, &in, maxTemplateJSON); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := rs.CreateTemplate(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeTemplate(w, http.StatusCreated, t)
}

func (s *Server) getReportTemplate(w http.ResponseWriter, r *http.Request) {
	rs, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := rs.Template(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeTemplate(w, http.StatusOK, t)
}

// templateChange reads the service and the revision If-Match expects
// (absent: the template's current one, read as the caller).
func (s *Server) templateChange(r *http.Request) (*workflow.Reports, int64, error) {
	rs, err := s.reports()
	if err != nil {
		return nil, 0, err
	}
	rev, err := ifMatchRev(r, "mẫu báo cáo")
	if err != nil || rev != 0 {
		return rs, rev, err
	}
	t, err := rs.Template(r.Context(), actorOf(r), r.PathValue("id"))
	return rs, t.Rev, err
}

func (s *Server) putReportTemplate(w http.ResponseWriter, r *http.Request) {
	rs, rev, err := s.templateChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in workflow.TemplateInput
	if err := decodeJSON(w, r, &in, maxTemplateJSON); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := rs.UpdateTemplate(r.Context(), actorOf(r), r.PathValue("id"), rev, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeTemplate(w, http.StatusOK, t)
}

func (s *Server) deleteReportTemplate(w http.ResponseWriter, r *http.Request) {
	rs, rev, err := s.templateChange(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := rs.DeleteTemplate(r.Context(), actorOf(r), r.PathValue("id"), rev); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// runList is the answer of GET /api/v1/report-templates/{id}/runs: the
// latest period first; Next is the before of the next page ("" at the end).
type runList struct {
	Runs []workflow.ReportRun `json:"runs"`
	Next string               `json:"next,omitempty"`
}

func (s *Server) listReportRuns(w http.ResponseWriter, r *http.Request) {
	rs, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "before", "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := 20
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || len(v) > 3 {
			s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_limit", "Số kỳ báo cáo mỗi trang phải từ 1 đến 100.", "limit %q", input.Printable(v)))
			return
		}
	}
	runs, more, err := rs.Runs(r.Context(), actorOf(r), r.PathValue("id"), q.Get("before"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := runList{Runs: runs}
	if out.Runs == nil {
		out.Runs = []workflow.ReportRun{}
	}
	if more && len(runs) > 0 {
		out.Next = runs[len(runs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getReportRun(w http.ResponseWriter, r *http.Request) {
	rs, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	run, err := rs.Run(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}
