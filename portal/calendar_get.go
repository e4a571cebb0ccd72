package portal

import (
	"net/http"

	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow/calendar"
)

// getCalendar returns the working-time calendar that applies to an agency
// (?agency=, none: the national one), all its days or one year's (?year=).
// Public: a calendar names nobody.
func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request) {
	cals, err := s.calendars()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "agency", "year")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	year, err := input.IntParam(q, "year", 0, calendar.MinYear, calendar.MaxYear)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	spec, rev, err := cals.Effective(r.Context(), q.Get("agency"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if year != 0 {
		spec = spec.Year(int(year))
	}
	if rev > 0 {
		w.Header().Set("ETag", revETag(rev))
	}
	writeJSON(w, http.StatusOK, spec)
}
