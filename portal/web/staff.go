package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// staffPage is an officer's desk: the counts of 2025 item 20 for each
// position they hold, each a link to its list, and the list of the
// chosen bucket, one page at a time.
type staffPage struct {
	Counts workflow.Counts
	// Bucket is the chosen bucket ("" = none chosen yet) and BucketLabel
	// its label.
	Bucket      string
	BucketLabel string
	Rows        []staffRow
	// NextURL is the next page of the list ("" on the last).
	NextURL string
	// FirstURL is the list's first page when this is a later one.
	FirstURL string
	// Sign is the form that signs dossiers of the leader's list of
	// dossiers waiting for their signature (nil elsewhere).
	Sign *signManyForm
}

// staffRow is one dossier of a list as an officer reads it.
type staffRow struct {
	Code, URL, Procedure, Applicant, Status string
	ReceivedAt, DueAt                       time.Time
	Late                                    string
	Overdue                                 bool
	// Rev is the revision listed: the sign many form sends it back.
	Rev int64
}

// bucketParam and cursorParam are the desk's query parameters.
const (
	bucketParam = "nhom"
	cursorParam = "trang"
)

// staffPageSize is how many dossiers a list shows at a time.
const staffPageSize = 20

// signedIn is who is signed in; a visitor who is not is sent to sign in,
// with the way back (ok false: the answer is written).
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	if h.cfg.Identify != nil {
		if a, ok := h.cfg.Identify(r); ok {
			return a, true
		}
	}
	http.Redirect(w, r, SignInURL(r.URL.RequestURI()), http.StatusSeeOther)
	return archive.Actor{}, false
}

// staffActor is the signed-in officer: a citizen or an admin gets the 403
// page (the pages under /can-bo are staff's), nobody the sign-in.
func (h *Handler) staffActor(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return a, false
	}
	if a.Role != archive.RoleStaff {
		h.renderError(w, r, kerr.New(kerr.Permission, "staff_only", "Trang này dành cho cán bộ xử lý hồ sơ.", "role %q is not staff", a.Role))
		return a, false
	}
	return a, true
}

// staffDesk is GET /can-bo: the counts, and with ?nhom=KEY the list of
// that bucket (?trang= its next pages).
func (h *Handler) staffDesk(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffActor(w, r)
	if !ok {
		return
	}
	p, err := h.deskPage(r, a, r.URL.Query().Get(bucketParam), r.URL.Query().Get(cursorParam))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if p.Bucket == signBucket {
		p.Sign = h.signManyFormOf(r.Context(), a, p.Rows, nil)
	}
	h.render(w, r, http.StatusOK, "staff", "Hồ sơ cần xử lý", "staff", p)
}

// deskPage is the desk of a: the counts, and the page of bucket's list
// from cursor ("" = none chosen).
func (h *Handler) deskPage(r *http.Request, a archive.Actor, bucket, cursor string) (*staffPage, error) {
	wf := h.cfg.Workflow
	counts, err := wf.Counts(r.Context(), a)
	if err != nil {
		return nil, err
	}
	p := &staffPage{Counts: counts, Bucket: bucket}
	if p.Bucket != "" {
		for _, g := range counts.Groups {
			for _, b := range g.Buckets {
				if b.Key == p.Bucket {
					p.BucketLabel = g.Label + ": " + b.Label
				}
			}
		}
		page, err := wf.List(r.Context(), a, workflow.ListQuery{Bucket: p.Bucket, Cursor: cursor, Limit: staffPageSize})
		if err != nil {
			return nil, err
		}
		for _, v := range page.Dossiers {
			p.Rows = append(p.Rows, staffRowOf(v))
		}
		if page.Next != "" {
			p.NextURL = bucketURL(p.Bucket) + "&" + cursorParam + "=" + url.QueryEscape(page.Next)
		}
		if cursor != "" {
			p.FirstURL = bucketURL(p.Bucket)
		}
	}
	return p, nil
}

// bucketURL is the address of a bucket's list.
func bucketURL(key string) string { return PathStaff + "?" + bucketParam + "=" + url.QueryEscape(key) }

// dossierURL is the address of a dossier's staff page.
func dossierURL(code string) string { return PathStaff + "/ho-so/" + url.PathEscape(code) }

// staffRowOf is v as a row of a list: the lateness as the deadline scan
// found it, or as the display says now.
func staffRowOf(v workflow.View) staffRow {
	row := staffRow{Code: v.Code, URL: dossierURL(v.Code), Procedure: v.ProcedureName, Applicant: v.Applicant.Name,
		Status: strings.TrimSpace(v.Display.Label + " " + v.Display.Stage), Rev: v.Rev}
	row.ReceivedAt, row.DueAt = v.ReceivedAt, v.DueAt
	state := workflow.LateOnTime
	switch {
	case v.Display.Late:
		state = workflow.LateOverdue
	case v.Display.Near:
		state = workflow.LateNear
	case v.Lateness != nil:
		state = v.Lateness.State
	}
	row.Late, row.Overdue = state.Label(), state == workflow.LateOverdue
	return row
}
