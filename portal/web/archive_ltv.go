package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PathRenewals is the archivists' page of the signed papers whose
// long-term validation data must be renewed (archive/ltv.go).
const PathRenewals = PathArchive + "/gia-han"

// renewalsPerPage is how many papers the page lists at a time.
const renewalsPerPage = 50

// renewalsPage is the page's data.
type renewalsPage struct {
	// Days is the margin listed, in days; DaysError says why the one
	// asked for was refused.
	Days      string
	DaysError string
	Rows      []renewalRow
	// Next is the link to the next page ("" on the last).
	Next string
	// Configured says the server can renew (else no button is shown).
	Configured bool
	// Done names the paper just renewed and its new version.
	Done, DoneVersion string
	// Errors are the refusal of a renewal, each linked to its button.
	Errors []fieldError
}

// renewalRow is one paper due.
type renewalRow struct {
	ID, Owner, Type, Level, Signers string
	Version                         int
	Expires, RenewBy                string
	ExpiresMachine                  string
	Rev                             int64
	// Button is the id of the row's renew button.
	Button string
}

// archiveRenewals is GET /luu-tru/gia-han: the papers due within ?ngay=
// days (default the server's margin), earliest first, ?sau= the page.
func (h *Handler) archiveRenewals(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := &renewalsPage{Done: q.Get("da"), DoneVersion: q.Get("pb")}
	if !archive.ValidID(p.Done) {
		p.Done = ""
	}
	if _, err := strconv.Atoi(p.DoneVersion); err != nil {
		p.DoneVersion = ""
	}
	h.showRenewals(w, r, a, http.StatusOK, p, q.Get("ngay"), q.Get("sau"))
}

// showRenewals lists a page of papers due with p's notices.
func (h *Handler) showRenewals(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, p *renewalsPage, days, after string) {
	vault := h.cfg.Vault
	p.Configured = vault.RenewalConfigured()
	within := vault.RenewWithin()
	p.Days = strconv.Itoa(int(within / (24 * time.Hour)))
	if days = strings.TrimSpace(days); days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3650 {
			p.Days, p.DaysError = days, "Số ngày phải là số nguyên từ 1 đến 3650."
			status = http.StatusBadRequest
		} else {
			p.Days, within = days, time.Duration(n)*24*time.Hour
		}
	}
	cur, err := archive.ParseRenewCursor(after)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if p.DaysError == "" {
		items, more, err := vault.DueRenewals(r.Context(), a, within, cur, renewalsPerPage)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		for _, it := range items {
			p.Rows = append(p.Rows, renewalRow{ID: it.DocumentID, Owner: it.OwnerID, Type: it.TypeCode, Level: it.Level,
				Signers: strings.Join(it.Signers, ", "), Version: it.Version, Expires: Date(it.ExpiresAt), RenewBy: Date(it.RenewBy),
				ExpiresMachine: MachineTime(it.ExpiresAt), Rev: it.Rev, Button: "gh-" + it.DocumentID})
		}
		if more {
			last := items[len(items)-1]
			p.Next = PathRenewals + "?" + url.Values{"ngay": {p.Days},
				"sau": {archive.RenewCursor{ExpiresAt: last.ExpiresAt, ID: last.DocumentID}.String()}}.Encode()
		}
	}
	h.render(w, r, status, "archive_ltv", "Gia hạn chữ ký số", "archive", p)
}

// archiveRenew is POST /luu-tru/gia-han: renews one paper now (its
// document and the rev the list showed), then back to the list with a
// notice; a refusal is shown on the list, linked to the paper's button.
func (h *Handler) archiveRenew(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	id := r.PostForm.Get("document")
	rev, _ := strconv.ParseInt(r.PostForm.Get("rev"), 10, 64)
	if !archive.ValidID(id) || rev < 1 {
		h.renderError(w, r, kerr.New(kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ.", "document %.40q, rev %d", id, rev))
		return
	}
	res, err := h.cfg.Vault.Renew(r.Context(), a, id, archive.RenewOptions{ExpectedRev: rev})
	if err != nil {
		if kerr.IsKind(err, kerr.Permission) || kerr.IsKind(err, kerr.NotFound) {
			h.renderError(w, r, err)
			return
		}
		_, msg := kerr.Public(err)
		if kerr.IsKind(err, kerr.Conflict) {
			msg = "Giấy tờ " + id + " vừa được thay đổi; danh sách dưới đây đã được tải lại, hãy thử lại nếu vẫn cần."
		} else {
			msg = "Chưa gia hạn được giấy tờ " + id + ": " + msg
		}
		p := &renewalsPage{Errors: []fieldError{{Field: "gh-" + id, Message: msg}}}
		h.showRenewals(w, r, a, statusOf(err), p, r.PostForm.Get("ngay"), "")
		return
	}
	http.Redirect(w, r, PathRenewals+"?"+url.Values{"da": {id}, "pb": {strconv.Itoa(res.Version)}, "ngay": {r.PostForm.Get("ngay")}}.Encode(), http.StatusSeeOther)
}
