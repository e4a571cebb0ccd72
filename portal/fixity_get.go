package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/internal/input"
)

// getFixity shows the archive's fixity checking (staff, admin): the
// latest runs, the last finished pass and the open findings with the
// papers they affect; ?runs= (1..100, default 20), ?findings= (1..500,
// default 100).
func (s *Server) getFixity(w http.ResponseWriter, r *http.Request) {
	q, err := input.Query(r, "runs", "findings")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, err := input.IntParam(q, "runs", 20, 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	findings, err := input.IntParam(q, "findings", 100, 1, 500)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.vault.Fixity(r.Context(), actorOf(r), int(runs), int(findings))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st.Runs == nil {
		st.Runs = []archive.FixityRun{}
	}
	if st.Findings == nil {
		st.Findings = []archive.FixityFinding{}
	}
	for i := range st.Findings {
		if st.Findings[i].Documents == nil {
			st.Findings[i].Documents = []archive.BlobUser{}
		}
	}
	writeJSON(w, http.StatusOK, st)
}
