package portal

// Reports — EMC feed (st-emc): the admins' API of the feed to the
// national monitoring system EMC.

import (
	"context"
	"net/http"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// EMCFeed is what the API reads and does of the EMC feed (*emc.Service
// is one). Every method is for admins: Permission "admin_only" for anyone
// else; Invalid for a bad page size or cursor; Retry's NotFound
// "emc_event_not_found" and Conflict "emc_event_not_failed"; the store's
// errors otherwise.
type EMCFeed interface {
	Status(ctx context.Context, a archive.Actor) (emc.FeedStatus, error)
	Log(ctx context.Context, a archive.Actor, before string, limit int) (emc.LogPage, error)
	Failed(ctx context.Context, a archive.Actor, before string, limit int) (emc.FailedPage, error)
	Retry(ctx context.Context, a archive.Actor, id string) (emc.Record, error)
}

var _ EMCFeed = (*emc.Service)(nil)

// emcAttemptJSON is one line of the delivery log.
type emcAttemptJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	EventID    string    `json:"eventId"`
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
	DurationMs int64     `json:"durationMs"`
}

// emcEventJSON is an event of the outbox, without its body.
type emcEventJSON struct {
	ID        string    `json:"id"`
	Dossier   string    `json:"dossier"`
	Seq       int       `json:"seq"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"nextAt"`
	CreatedAt time.Time `json:"createdAt"`
	LastError string    `json:"lastError,omitempty"`
}

func toEMCEventJSON(r emc.Record) emcEventJSON {
	return emcEventJSON{ID: r.ID, Dossier: r.Dossier, Seq: r.Seq, State: string(r.State), Attempts: r.Attempts,
		NextAt: r.NextAt, CreatedAt: r.CreatedAt, LastError: r.LastError}
}

// emcService returns the configured feed, or Unavailable.
func (s *Server) emcService() (EMCFeed, error) {
	if s.cfg.EMC == nil {
		return nil, kerr.New(kerr.Unavailable, "emc_not_configured", "Máy chủ chưa được cấu hình kết nối Hệ thống EMC.", "no EMC service")
	}
	return s.cfg.EMC, nil
}

// listEMCDeliveries is the feed's state, the delivery log newest first
// (?limit= 1..200, default 50; ?before= the next of the page before)
// and the newest events given up (admins only).
func (s *Server) listEMCDeliveries(w http.ResponseWriter, r *http.Request) {
	svc, err := s.emcService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "limit", "before")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := input.IntParam(q, "limit", 50, 1, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r)
	st, err := svc.Status(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := svc.Log(r.Context(), a, q.Get("before"), int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	failed, err := svc.Failed(r.Context(), a, "", 50)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Enabled      bool             `json:"enabled"`
		SiteID       string           `json:"siteId,omitempty"`
		Pending      int64            `json:"pending"`
		Failed       int64            `json:"failed"`
		Attempts     []emcAttemptJSON `json:"attempts"`
		Next         string           `json:"next,omitempty"`
		FailedEvents []emcEventJSON   `json:"failedEvents"`
	}{Enabled: st.Enabled, SiteID: st.SiteID, Pending: st.Pending, Failed: st.Failed, Attempts: []emcAttemptJSON{}, Next: page.Next,
		FailedEvents: []emcEventJSON{}}
	for _, at := range page.Attempts {
		out.Attempts = append(out.Attempts, emcAttemptJSON{ID: at.ID, At: at.At, EventID: at.EventID, Status: at.Status, Error: at.Error,
			DurationMs: at.Duration.Milliseconds()})
	}
	for _, e := range failed.Events {
		out.FailedEvents = append(out.FailedEvents, toEMCEventJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// retryEMCEvent puts an event given up back in the outbox, due now, with
// the events of its dossier given up behind it (admins only).
func (s *Server) retryEMCEvent(w http.ResponseWriter, r *http.Request) {
	svc, err := s.emcService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := svc.Retry(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toEMCEventJSON(rec))
}
