package portal

import (
	"net/http"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// dossierStats answers GET /api/v1/stats/dossiers?<StatsQuery.Values>:
// the dossier statistics of an agency (its heads of department and
// leaders; admins any agency or all).
func (s *Server) dossierStats(w http.ResponseWriter, r *http.Request) {
	s.answerStats(w, r, func(wf *workflow.Service, q workflow.StatsQuery) (workflow.DossierStats, error) {
		return wf.DossierStats(r.Context(), actorOf(r), q)
	})
}

// publicStats answers GET /api/v1/stats/public?...: the public figures
// (anyone, no sign-in) by period, agency, field and level only.
func (s *Server) publicStats(w http.ResponseWriter, r *http.Request) {
	s.answerStats(w, r, func(wf *workflow.Service, q workflow.StatsQuery) (workflow.DossierStats, error) {
		return wf.PublicStats(r.Context(), q)
	})
}

func (s *Server) answerStats(w http.ResponseWriter, r *http.Request, answer func(*workflow.Service, workflow.StatsQuery) (workflow.DossierStats, error)) {
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := workflow.ParseStatsQuery(r.URL.Query(), time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := answer(wf, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
