package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow/calendar"
)

// putCalendar merges a calendar update into the stored calendar of its
// agency (admin): the week it gives replaces the week, the days of each
// year it lists replace that year's. If-Match makes it conditional.
func (s *Server) putCalendar(w http.ResponseWriter, r *http.Request) {
	cals, err := s.calendars()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if actorOf(r).Role != archive.RoleAdmin {
		s.writeError(w, r, kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị viên được thay đổi lịch làm việc.", "changing a calendar needs the admin role"))
		return
	}
	rev, err := ifMatchRev(r, "lịch làm việc")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := input.CheckJSONType(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := calendar.ParseSpec(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, newRev, err := cals.Apply(r.Context(), u, actorOf(r).Subject, rev)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("calendar updated", "requestId", infoOf(r).id, "actor", actorOf(r).Subject, "agency", u.Agency, "years", u.Years, "rev", newRev)
	w.Header().Set("ETag", revETag(newRev))
	writeJSON(w, http.StatusOK, stored)
}

// calendars is the calendar service, or 503 when the server has none.
func (s *Server) calendars() (*calendar.Service, error) {
	if s.cfg.Calendars == nil {
		return nil, kerr.New(kerr.Unavailable, "calendar_not_configured", "Máy chủ chưa được cấu hình lịch làm việc.", "portal.Config.Calendars is nil")
	}
	return s.cfg.Calendars, nil
}
