package web

// Reports — EMC feed (st-emc): the admins' page of the feed to the
// national monitoring system EMC, /bao-cao/emc.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/internal/kerr"
)

// EMCFeed is what the EMC page reads and does of the feed (*emc.Service
// is one). Every method is for admins: Permission "admin_only" for anyone
// else; Invalid for a bad cursor; Retry's NotFound "emc_event_not_found"
// and Conflict "emc_event_not_failed"; the store's errors otherwise.
type EMCFeed interface {
	Status(ctx context.Context, a archive.Actor) (emc.FeedStatus, error)
	Log(ctx context.Context, a archive.Actor, before string, limit int) (emc.LogPage, error)
	Failed(ctx context.Context, a archive.Actor, before string, limit int) (emc.FailedPage, error)
	Retry(ctx context.Context, a archive.Actor, id string) (emc.Record, error)
}

var _ EMCFeed = (*emc.Service)(nil)

// How many lines of the log and events given up the page shows.
const (
	emcPageAttempts = 50
	emcPageFailed   = 50
)

// emcPage is what templates/reports_emc.html shows.
type emcPage struct {
	Status   emc.FeedStatus
	Failed   []emcFailedRow
	Attempts []emcAttemptRow
	// Next is the link to the log's next page ("" on the last).
	Next string
	// Done is the event just put back in the queue.
	Done string
	// Errors are the refusal of a retry, each linked to its button.
	Errors []fieldError
}

type emcFailedRow struct {
	ID, Button, Dossier   string
	Seq, Attempts         int
	At, AtMachine, Reason string
}

type emcAttemptRow struct {
	At, AtMachine, EventID string
	Status                 string
	OK                     bool
	Error, Took            string
}

// errEMCOff is the page's answer when the server has no feed.
func errEMCOff() error {
	return kerr.New(kerr.Unavailable, "emc_not_configured", "Máy chủ chưa được cấu hình kết nối Hệ thống EMC.", "no EMC feed")
}

// reportsEMC is GET /bao-cao/emc: the feed's state (on or off, pending
// and failed counts), the events given up with a "Gửi lại" button each,
// the delivery log newest first (?truoc= pages it). Admins only.
func (h *Handler) reportsEMC(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, false, h.cfg.EMC == nil, errEMCOff())
	if !ok {
		return
	}
	h.showEMC(w, r, a, http.StatusOK, &emcPage{Done: r.URL.Query().Get("da")})
}

// showEMC renders the page into p with status.
func (h *Handler) showEMC(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, p *emcPage) {
	ctx := r.Context()
	var err error
	if p.Status, err = h.cfg.EMC.Status(ctx, a); err != nil {
		h.renderError(w, r, err)
		return
	}
	failed, err := h.cfg.EMC.Failed(ctx, a, "", emcPageFailed)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	for _, e := range failed.Events {
		p.Failed = append(p.Failed, emcFailedRow{ID: e.ID, Button: "gui-lai-" + strconv.Itoa(len(p.Failed)), Dossier: e.Dossier, Seq: e.Seq,
			Attempts: e.Attempts, At: DateTime(e.NextAt), AtMachine: MachineTime(e.NextAt), Reason: e.LastError})
	}
	log, err := h.cfg.EMC.Log(ctx, a, r.URL.Query().Get("truoc"), emcPageAttempts)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	for _, at := range log.Attempts {
		row := emcAttemptRow{At: DateTime(at.At), AtMachine: MachineTime(at.At), EventID: at.EventID, OK: at.Error == "",
			Error: at.Error, Took: viDuration(at.Duration), Status: "không có phản hồi"}
		if at.Status != 0 {
			row.Status = strconv.Itoa(at.Status)
		}
		p.Attempts = append(p.Attempts, row)
	}
	if log.Next != "" {
		p.Next = PathEMC + "?" + url.Values{"truoc": {log.Next}}.Encode()
	}
	h.render(w, r, status, "reports_emc", "Kết nối Hệ thống EMC", "reports", p)
}

// reportsEMCRetry is POST /bao-cao/emc: "Gửi lại" on an event given up
// puts it (and the events of its dossier behind it) back in the queue.
func (h *Handler) reportsEMCRetry(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, true, h.cfg.EMC == nil, errEMCOff())
	if !ok {
		return
	}
	id := r.PostForm.Get("su-kien")
	if _, _, valid := emc.ParseEventID(id); !valid {
		h.renderError(w, r, kerr.New(kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ.", "event %.60q", id))
		return
	}
	if _, err := h.cfg.EMC.Retry(r.Context(), a, id); err != nil {
		if !kerr.IsKind(err, kerr.Conflict) && !kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return
		}
		_, msg := kerr.Public(err)
		p := &emcPage{Errors: []fieldError{{Field: r.PostForm.Get("nut"), Message: "Chưa gửi lại được sự kiện " + id + ": " + msg}}}
		h.showEMC(w, r, a, statusOf(err), p)
		return
	}
	http.Redirect(w, r, PathEMC+"?"+url.Values{"da": {id}}.Encode(), http.StatusSeeOther)
}
