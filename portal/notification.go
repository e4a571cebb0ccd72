package portal

import (
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal/internal/input"
)

// notificationsJSON is one page of the caller's notifications.
type notificationsJSON struct {
	Notifications []notify.Notification `json:"notifications"`
	// Next is the after of the next page; absent at the end.
	Next string `json:"next,omitempty"`
	// Unread counts all of the caller's unread notifications.
	Unread int `json:"unread"`
}

// notifications returns the configured service (or Unavailable) and r's
// query, which may hold only params.
func (s *Server) notifications(r *http.Request, params ...string) (*notify.Service, url.Values, error) {
	if s.cfg.Notifications == nil {
		return nil, nil, kerr.New(kerr.Unavailable, "notifications_not_configured", "Máy chủ chưa được cấu hình thông báo.", "no notification service")
	}
	q, err := input.Query(r, params...)
	return s.cfg.Notifications, q, err
}

// notificationsPaged returns the service (through get: s.notifications,
// or s.outboxAdmin for admins only) and a listing's ?after= and ?limit=
// (1..100, default 20).
func (s *Server) notificationsPaged(r *http.Request, get func(*http.Request, ...string) (*notify.Service, url.Values, error)) (*notify.Service, string, int, error) {
	ns, q, err := get(r, "limit", "after")
	if err != nil {
		return nil, "", 0, err
	}
	limit, err := input.IntParam(q, "limit", 20, 1, 100)
	return ns, q.Get("after"), int(limit), err
}

// listNotifications lists the caller's own notifications, newest first,
// with the count of the unread ones: ?limit= (1..100, default 20) and
// ?after= (the next of the page before).
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	ns, after, limit, err := s.notificationsPaged(r, s.notifications)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := ns.List(r.Context(), actorOf(r).Subject, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if page.Notifications == nil {
		page.Notifications = []notify.Notification{}
	}
	writeJSON(w, http.StatusOK, notificationsJSON{Notifications: page.Notifications, Next: page.Next, Unread: page.Unread})
}

// markNotificationRead marks one of the caller's notifications read and
// returns it. Another person's notification is 404, as one that does not
// exist.
func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) {
	ns, _, err := s.notifications(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := ns.MarkRead(r.Context(), actorOf(r).Subject, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// readAllJSON is the answer of markAllNotificationsRead.
type readAllJSON struct {
	// Marked is how many notifications this call marked read.
	Marked int `json:"marked"`
	// Unread is how many are unread after it (new ones may have come).
	Unread int `json:"unread"`
}

// markAllNotificationsRead marks every unread notification of the caller
// read. It names nobody: only the caller's own are touched.
func (s *Server) markAllNotificationsRead(w http.ResponseWriter, r *http.Request) {
	ns, _, err := s.notifications(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	me := actorOf(r).Subject
	n, err := ns.MarkAllRead(r.Context(), me)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := ns.List(r.Context(), me, "", 1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, readAllJSON{Marked: n, Unread: page.Unread})
}
