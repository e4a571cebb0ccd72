package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Sharing a paper with consent, the owner's side (archive/share.go,
// docs/sharing.md): on a paper's page the form that shares it with an
// agency or a person, for a purpose, until a day, and the paper's shares
// with "Thu hồi"; and "Giấy tờ tôi đã chia sẻ", every share of the
// citizen's. The vault's rules apply: only the owner shares, lists and
// revokes; another citizen gets the 404 of a paper that does not exist.

// PathMyShares lists the citizen's shares; POST …/{share}/thu-hoi
// revokes one (field ly-do: the reason, optional; tiep: the page to go
// back to). POST PathMyVault/{id}/chia-se shares paper {id}.
const PathMyShares = PathMyVault + "/chia-se"

// sharePageSize is how many shares one page lists.
const sharePageSize = 20

// The share form's controls (their IDs are the error summary's links).
const (
	fieldShareKind    = "chia-se-doi-tuong"
	fieldShareGrantee = "chia-se-ma"
	fieldSharePurpose = "chia-se-muc-dich"
	fieldShareUntil   = "chia-se-den-ngay"
)

// shareSection is a paper's sharing on its page: the form and the
// paper's shares.
type shareSection struct {
	Action string // where the form posts
	Form   shareForm
	Shares []shareRow
	Today  string // DD/MM/YYYY
	Last   string // the last day a share may run to, DD/MM/YYYY
}

// shareForm is the share form's values and, once refused, its errors.
type shareForm struct {
	Kind, Grantee, Purpose, Until string
	Errors                        []formError
	Invalid                       map[string]bool // control ID → refused
	// RevokeErrors are a refused revocation's, posted from this page.
	RevokeErrors []formError
}

// shareRow is one share as its owner reads it.
type shareRow struct {
	ID         string
	Paper      string
	PaperURL   string
	Grantee    string // "Cơ quan 000.00.31.H29", "Cá nhân 0790…"
	Purpose    string
	Until      string
	Created    string
	State      archive.ShareState
	StateLabel string
	Badge      string // the badge's class: valid, expired or revoked
	Revoked    string // when it was revoked, hh:mm:ss DD/MM/YYYY
	Reason     string
	Revoke     string // the revocation form's address, while active
	From       string // the revocation form's page: revokeFromPaper or revokeFromList
	ReasonID   string // the ID of its reason control
}

// granteeLabel is a grantee as a person reads it.
func granteeLabel(kind archive.GranteeKind, id string) string {
	if kind == archive.GranteeAgency {
		return "Cơ quan " + id
	}
	return "Cá nhân " + id
}

// shareRowOf is sh as its owner's row on day (Vietnam time); back is the
// page the revocation goes back to.
func shareRowOf(sh archive.Share, day archive.Date, back string) shareRow {
	st := sh.State(day)
	row := shareRow{ID: sh.ID, Paper: sh.DocumentName, PaperURL: PathMyVault + "/" + url.PathEscape(sh.DocumentID),
		Grantee: granteeLabel(sh.GranteeKind, sh.Grantee), Purpose: sh.Purpose, Until: sh.ValidUntil.Vietnamese(),
		Created: DateTime(sh.CreatedAt), State: st, StateLabel: st.Label(), Reason: sh.RevokeReason, ReasonID: "ly-do-" + sh.ID}
	row.Badge = map[archive.ShareState]string{archive.ShareActive: "valid", archive.ShareExpired: "expired", archive.ShareRevoked: "revoked"}[st]
	if !sh.RevokedAt.IsZero() {
		row.Revoked = DateTime(sh.RevokedAt)
	}
	if st == archive.ShareActive {
		row.Revoke = PathMyShares + "/" + url.PathEscape(sh.ID) + "/thu-hoi?tiep=" + url.QueryEscape(back)
		row.From = revokeFromList
		if back != PathMyShares {
			row.From = revokeFromPaper
		}
	}
	return row
}

// today is the day in Vietnam by the pages' clock.
func (h *Handler) today() archive.Date { return archive.DateOf(h.cfg.Now().In(Vietnam)) }

// shareSection is paper d's sharing for its page: form (nil: a fresh
// one) and the paper's newest shares (all of them are on PathMyShares).
func (h *Handler) shareSection(ctx context.Context, a archive.Actor, d archive.Document, form *shareForm) (*shareSection, error) {
	page, err := h.cfg.Vault.SharesGiven(ctx, a, d.ID, "", sharePageSize)
	if err != nil {
		return nil, err
	}
	self := PathMyVault + "/" + url.PathEscape(d.ID)
	now := h.cfg.Now().In(Vietnam)
	s := &shareSection{Action: self + "/chia-se", Today: archive.DateOf(now).Vietnamese(),
		Last: archive.DateOf(now.AddDate(archive.MaxShareYears, 0, 0)).Vietnamese()}
	if form != nil {
		s.Form = *form
	}
	day := archive.DateOf(now)
	for _, sh := range page.Shares {
		s.Shares = append(s.Shares, shareRowOf(sh, day, self+"#chia-se"))
	}
	return s, nil
}

// parseVietnameseDate reads a day written DD/MM/YYYY (D/M/YYYY too).
func parseVietnameseDate(s string) (archive.Date, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		return archive.Date{}, false
	}
	for _, layout := range []string{"02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return archive.DateOf(t), true
		}
	}
	return archive.Date{}, false
}

// shareErrorField is the control a refused share is about.
func shareErrorField(err error) string {
	ke := kerr.Outer(err)
	if ke == nil {
		return fieldShareGrantee
	}
	switch ke.Code {
	case "grantee_kind_required", "invalid_grantee_kind":
		return fieldShareKind
	case "purpose_required", "purpose_too_long", "invalid_characters", "invalid_text":
		return fieldSharePurpose
	case "valid_until_required", "valid_until_past", "valid_until_too_far", "invalid_date":
		return fieldShareUntil
	}
	return fieldShareGrantee
}

// sharePaper is POST /kho-cua-toi/{id}/chia-se: shares the citizen's
// paper. Done, it goes back to the paper's shares (303); refused, the
// paper's page with the form as filled and the reason at its control
// (400); a paper not the citizen's is the 404 of one that does not exist.
func (h *Handler) sharePaper(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	form := &shareForm{Kind: f.Get("doi-tuong"), Grantee: strings.TrimSpace(f.Get("ma")), Purpose: f.Get("muc-dich"), Until: strings.TrimSpace(f.Get("den-ngay"))}
	in := archive.ShareInput{GranteeKind: archive.GranteeKind(form.Kind), Grantee: form.Grantee, Purpose: form.Purpose}
	var err error
	if form.Until != "" {
		var ok bool
		if in.ValidUntil, ok = parseVietnameseDate(form.Until); !ok {
			err = kerr.New(kerr.Invalid, "invalid_date", "Ngày hết hạn chia sẻ không hợp lệ; hãy nhập theo dạng DD/MM/YYYY, ví dụ 31/12/"+
				h.cfg.Now().In(Vietnam).Format("2006")+".", "validUntil %q is not DD/MM/YYYY", form.Until)
		}
	}
	if err == nil {
		_, err = h.cfg.Vault.ShareDocument(r.Context(), a, id, in)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, PathMyVault+"/"+url.PathEscape(id)+"#chia-se", http.StatusSeeOther)
	case kerr.IsKind(err, kerr.Invalid):
		_, msg := kerr.Public(err)
		field := shareErrorField(err)
		form.Errors = []formError{{Field: field, Message: msg}}
		form.Invalid = map[string]bool{field: true}
		h.showPaper(w, r, a, id, http.StatusBadRequest, form)
	default:
		h.renderError(w, r, err)
	}
}

// myShares is GET /kho-cua-toi/chia-se: the citizen's shares of every
// paper, newest first, active, expired and revoked.
func (h *Handler) myShares(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok {
		return
	}
	h.showMyShares(w, r, a, http.StatusOK, nil)
}

// mySharesPage is "Giấy tờ tôi đã chia sẻ".
type mySharesPage struct {
	Shares []shareRow
	Errors []formError
	Next   string
	First  string
}

// showMyShares renders the citizen's shares with status and a refused
// revocation's errors.
func (h *Handler) showMyShares(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, errs []formError) {
	after := r.URL.Query().Get("sau")
	page, err := h.cfg.Vault.SharesGiven(r.Context(), a, "", after, sharePageSize)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &mySharesPage{Errors: errs}
	day := h.today()
	for _, sh := range page.Shares {
		p.Shares = append(p.Shares, shareRowOf(sh, day, PathMyShares))
	}
	if page.Next != "" {
		p.Next = PathMyShares + "?sau=" + url.QueryEscape(page.Next)
	}
	if after != "" {
		p.First = PathMyShares
	}
	h.render(w, r, status, "share_given", "Giấy tờ tôi đã chia sẻ", "vault", p)
}

// The pages a revocation form is on (its hidden field tu), where a
// refusal is shown: the paper's page, or "Giấy tờ tôi đã chia sẻ".
const (
	revokeFromPaper = "giay-to"
	revokeFromList  = "danh-sach"
)

// revokeShare is POST /kho-cua-toi/chia-se/{share}/thu-hoi: the citizen
// takes a share back. Done, back to ?tiep (a page of this portal) or the
// list (303); refused (a reason too long, revoked already), the page the
// form was on (field tu: revokeFromPaper, else the list) with the reason
// at the control (400/409); a share not theirs is the 404 of one that
// does not exist.
func (h *Handler) revokeShare(w http.ResponseWriter, r *http.Request) {
	a, ok := h.citizen(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	id := r.PathValue("share")
	_, err := h.cfg.Vault.RevokeShare(r.Context(), a, id, r.PostForm.Get("ly-do"))
	switch {
	case err == nil:
		http.Redirect(w, r, localPath(r.URL.Query().Get("tiep"), PathMyShares), http.StatusSeeOther)
	case kerr.IsKind(err, kerr.Invalid), kerr.IsKind(err, kerr.Conflict):
		_, msg := kerr.Public(err)
		field, conflict := "ly-do-"+id, kerr.IsKind(err, kerr.Conflict)
		if r.PostForm.Get("tu") == revokeFromPaper {
			if sh, gerr := h.cfg.Vault.GetShare(r.Context(), a, id); gerr == nil {
				if conflict {
					field = "chia-se"
				}
				h.showPaper(w, r, a, sh.DocumentID, statusOf(err), &shareForm{RevokeErrors: []formError{{Field: field, Message: msg}}})
				return
			}
		}
		if conflict {
			field = "danh-sach-chia-se"
		}
		h.showMyShares(w, r, a, statusOf(err), []formError{{Field: field, Message: msg}})
	default:
		h.renderError(w, r, err)
	}
}
