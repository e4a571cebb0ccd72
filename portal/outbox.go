package portal

import (
	"net/http"
	"net/url"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

// deliveryJSON is an outbox delivery as admins see it: the attachments
// by name only.
type deliveryJSON struct {
	ID          string    `json:"id"`
	Channel     string    `json:"channel"`
	To          string    `json:"to"`
	Kind        string    `json:"kind"`
	Ref         string    `json:"ref,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	Attachments []string  `json:"attachments,omitempty"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"lastError,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	Due         time.Time `json:"due"`
	DoneAt      time.Time `json:"doneAt,omitzero"`
}

func toDeliveryJSON(d notify.Delivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, Channel: string(d.Channel), To: d.To, Kind: string(d.Kind), Ref: d.Ref, Subject: d.Subject,
		State: string(d.State), Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt, Due: d.Due, DoneAt: d.DoneAt}
	for _, a := range d.Attachments {
		j.Attachments = append(j.Attachments, a.Name)
	}
	return j
}

// outboxAdmin returns the notification service and r's query (which may
// hold only params) for an admin; Permission admin_only for anyone else.
func (s *Server) outboxAdmin(r *http.Request, params ...string) (*notify.Service, url.Values, error) {
	if actorOf(r).Role != archive.RoleAdmin {
		return nil, nil, kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị viên được xem và gửi lại thông báo bị bỏ gửi.", "the outbox needs the admin role")
	}
	return s.notifications(r, params...)
}

// listFailedDeliveries lists the e-mail and SMS deliveries given up, the
// latest first (admin): ?limit= (1..100, default 20), ?after=.
func (s *Server) listFailedDeliveries(w http.ResponseWriter, r *http.Request) {
	ns, after, limit, err := s.notificationsPaged(r, s.outboxAdmin)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := ns.Failed(r.Context(), after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Deliveries []deliveryJSON `json:"deliveries"`
		Next       string         `json:"next,omitempty"`
	}{Deliveries: []deliveryJSON{}, Next: page.Next}
	for _, d := range page.Deliveries {
		out.Deliveries = append(out.Deliveries, toDeliveryJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
}

// retryDelivery puts a delivery given up back in the queue (admin), due
// now with its attempts counted afresh.
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	ns, _, err := s.outboxAdmin(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := ns.Retry(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDeliveryJSON(d))
}
