package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// The retention pages (archive/retention*.go), for archivists and admins.
const (
	// PathRetention lists the document types with their retention
	// periods, the papers under a legal hold, and places and lifts holds.
	PathRetention = PathArchive + "/thoi-han"
	// PathDisposal lists the disposal lists; PathDisposal+"/{id}" shows
	// one with its actions.
	PathDisposal = PathArchive + "/huy"
)

// retentionPage is the data of /luu-tru/thoi-han.
type retentionPage struct {
	Types []retentionType
	Held  []heldRow
	// Hold is the hold form as sent (refused), Release the lift form.
	Hold, Release adminForm
	// ReleaseDoc is the paper the refused lift form was about.
	ReleaseDoc string
	HoldFields []adminField
	// Period is the admin's form that sets a type's period (nil for
	// archivists: admins set periods).
	Period       *adminForm
	PeriodFields []adminField
	Done         string
}

type retentionType struct{ Code, Name, Period string }

type heldRow struct {
	Doc, Name, Type, Owner, Reason, Reference, By, At, Until string
}

// retention is GET /luu-tru/thoi-han.
func (h *Handler) retention(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	p := &retentionPage{}
	switch r.URL.Query().Get("da") {
	case "phong-toa":
		p.Done = "Đã phong tỏa giấy tờ."
	case "go":
		p.Done = "Đã gỡ phong tỏa giấy tờ."
	case "thoi-han":
		p.Done = "Đã lưu thời hạn lưu trữ của loại giấy tờ."
	}
	h.showRetention(w, r, a, http.StatusOK, p)
}

func (h *Handler) showRetention(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, p *retentionPage) {
	ts, err := h.cfg.Vault.DocumentTypes(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	var typeOptions []roleOption
	for _, t := range ts {
		p.Types = append(p.Types, retentionType{Code: t.Code, Name: t.Name, Period: t.Retention.Label()})
		typeOptions = append(typeOptions, roleOption{Value: t.Code, Label: t.Name + " (" + t.Code + ")"})
	}
	if a.Role == archive.RoleAdmin {
		if p.Period == nil {
			p.Period = &adminForm{}
		}
		p.PeriodFields = p.Period.fields(
			adminField{ID: "th-loai", Name: "loai", Label: "Loại giấy tờ", Kind: "select", Required: true, Options: typeOptions},
			adminField{ID: "th-so-nam", Name: "so-nam", Label: "Số năm lưu trữ", Hint: "Từ 1 đến 200 năm, tính từ ngày cấp. Để trống: lưu trữ vĩnh viễn.", Kind: "number"})
	}
	held, err := h.cfg.Vault.HeldPapers(r.Context(), a, "", 200)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	for _, rec := range held {
		row := heldRow{Doc: rec.DocumentID, Name: rec.Name, Type: rec.TypeCode, Owner: rec.OwnerID, Until: rec.RetainUntil.Vietnamese()}
		if rec.Permanent {
			row.Until = "Vĩnh viễn"
		}
		if rec.Hold != nil {
			row.Reason, row.Reference, row.By, row.At = rec.Hold.Reason, rec.Hold.Reference, rec.Hold.By, DateTime(rec.Hold.At)
		}
		p.Held = append(p.Held, row)
	}
	p.HoldFields = p.Hold.fields(
		adminField{ID: "pt-giay-to", Name: "giay-to", Label: "Mã giấy tờ", Hint: "26 ký tự, như ở trang giấy tờ hoặc danh mục hủy.", Kind: "text", Required: true, Max: 26},
		adminField{ID: "pt-ly-do", Name: "ly-do", Label: "Lý do phong tỏa", Kind: "textarea", Required: true},
		adminField{ID: "pt-so-van-ban", Name: "so-van-ban", Label: "Số quyết định yêu cầu phong tỏa (nếu có)", Hint: "Ví dụ: 12/2026/QĐ-TTr", Kind: "text", Max: 200})
	h.render(w, r, status, "archive_retention", "Thời hạn lưu trữ", "archive", p)
}

// retentionHold is POST /luu-tru/thoi-han: places a hold (action
// "phong-toa") or lifts one ("go-phong-toa").
func (h *Handler) retentionHold(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	f := r.PostForm
	var err error
	p := &retentionPage{}
	switch f.Get("action") {
	case "phong-toa":
		doc := f.Get("giay-to")
		if !archive.ValidID(doc) {
			err = kerr.New(kerr.Invalid, "document_id_invalid", "Mã giấy tờ không hợp lệ (26 ký tự).", "not a document ID")
		} else {
			_, err = h.cfg.Vault.PlaceHold(r.Context(), a, doc, f.Get("ly-do"), f.Get("so-van-ban"))
		}
		if err == nil {
			http.Redirect(w, r, PathRetention+"?da=phong-toa", http.StatusSeeOther)
			return
		}
		p.Hold = refuse(f, holdField(err), err)
	case "go-phong-toa":
		doc := f.Get("giay-to")
		_, err = h.cfg.Vault.LiftHold(r.Context(), a, doc, f.Get("ly-do"))
		if err == nil {
			http.Redirect(w, r, PathRetention+"?da=go", http.StatusSeeOther)
			return
		}
		p.Release, p.ReleaseDoc = refuse(f, "go-ly-do-"+doc, err), doc
	case "dat-thoi-han":
		var ret *archive.Retention
		if y := strings.TrimSpace(f.Get("so-nam")); y != "" {
			n, convErr := strconv.Atoi(y)
			if convErr != nil {
				n = -1
			}
			ret = &archive.Retention{Years: n}
		} else {
			ret = &archive.Retention{Permanent: true}
		}
		_, err = h.cfg.Vault.SetRetention(r.Context(), a, f.Get("loai"), ret)
		if err == nil {
			http.Redirect(w, r, PathRetention+"?da=thoi-han", http.StatusSeeOther)
			return
		}
		if kerr.IsKind(err, kerr.Permission) {
			h.renderError(w, r, err)
			return
		}
		field := "th-so-nam"
		if kerr.IsKind(err, kerr.NotFound) {
			field = "th-loai"
		}
		form := refuse(f, field, err)
		p.Period = &form
	default:
		err = kerr.New(kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ.", "unknown action")
	}
	if !shownAgain(err) && !kerr.IsKind(err, kerr.NotFound) {
		h.renderError(w, r, err)
		return
	}
	h.showRetention(w, r, a, statusOf(err), p)
}

// holdField is the control of the hold form an error is about.
func holdField(err error) string {
	code, _ := kerr.Public(err)
	switch code {
	case "reason_required", "reason_too_long":
		return "pt-ly-do"
	case "reference_too_long":
		return "pt-so-van-ban"
	}
	return "pt-giay-to"
}

// disposalPage is the data of /luu-tru/huy and /luu-tru/huy/{id}.
type disposalPage struct {
	Lists []disposalRow
	List  *disposalRow
	Items []disposalItemRow
	Form  adminForm
	Done  string
}

type disposalRow struct {
	ID, State, StateCode, URL, Submitted, Decided, Executed, Reason string
	Items                                                           int
	Rev                                                             int64
	// MaySubmit, MayDecide, MayExecute say which actions the list's state allows.
	MaySubmit, MayDecide, MayExecute bool
}

type disposalItemRow struct{ Doc, Name, Type, Owner, Until, Outcome string }

func disposalRowOf(l archive.DisposalList) disposalRow {
	who := func(by string, at string) string {
		if by == "" {
			return ""
		}
		return by + ", " + at
	}
	return disposalRow{ID: l.ID, State: l.State.Label(), StateCode: string(l.State), URL: PathDisposal + "/" + l.ID,
		Submitted: who(l.SubmittedBy, DateTime(l.SubmittedAt)), Decided: who(l.DecidedBy, DateTime(l.DecidedAt)),
		Executed: who(l.ExecutedBy, DateTime(l.ExecutedAt)), Reason: l.Reason, Items: len(l.Items), Rev: l.Rev,
		MaySubmit: l.State == archive.DisposalDraft && len(l.Items) > 0, MayDecide: l.State == archive.DisposalSubmitted,
		MayExecute: l.State == archive.DisposalApproved}
}

// disposal is GET /luu-tru/huy: the lists, newest first.
func (h *Handler) disposal(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	ls, _, err := h.cfg.Vault.DisposalLists(r.Context(), a, "", 100)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &disposalPage{}
	for _, l := range ls {
		p.Lists = append(p.Lists, disposalRowOf(l))
	}
	h.render(w, r, http.StatusOK, "archive_disposal", "Danh mục hủy giấy tờ", "archive", p)
}

// disposalList is GET /luu-tru/huy/{id}: one list, its papers and the
// actions its state allows.
func (h *Handler) disposalList(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	p := &disposalPage{}
	switch r.URL.Query().Get("da") {
	case "trinh":
		p.Done = "Đã trình phê duyệt danh mục hủy."
	case "duyet":
		p.Done = "Đã ghi nhận quyết định về danh mục hủy."
	case "huy":
		p.Done = "Đã thực hiện hủy theo danh mục."
	}
	h.showDisposalList(w, r, a, r.PathValue("id"), http.StatusOK, p)
}

func (h *Handler) showDisposalList(w http.ResponseWriter, r *http.Request, a archive.Actor, id string, status int, p *disposalPage) {
	if !archive.ValidID(id) {
		h.notFound(w, r)
		return
	}
	l, err := h.cfg.Vault.DisposalList(r.Context(), a, id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	row := disposalRowOf(l)
	p.List = &row
	for _, it := range l.Items {
		p.Items = append(p.Items, disposalItemRow{Doc: it.DocumentID, Name: it.Name, Type: it.TypeCode, Owner: it.OwnerID,
			Until: it.RetainUntil.Vietnamese(), Outcome: it.Outcome.Label()})
	}
	h.render(w, r, status, "archive_disposal_list", "Danh mục hủy "+l.ID, "archive", p)
}

// disposalAct is POST /luu-tru/huy/{id}: submit ("trinh"), approve
// ("duyet"), reject ("tu-choi") or execute ("thuc-hien").
func (h *Handler) disposalAct(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok || !h.postForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	if !archive.ValidID(id) {
		h.notFound(w, r)
		return
	}
	rev := formRev(f)
	var (
		err  error
		done string
	)
	switch f.Get("action") {
	case "trinh":
		done = "trinh"
		_, err = h.cfg.Vault.SubmitDisposal(r.Context(), a, id, rev)
	case "duyet", "tu-choi":
		done = "duyet"
		_, err = h.cfg.Vault.DecideDisposal(r.Context(), a, id, rev, f.Get("action") == "duyet", f.Get("ly-do"))
	case "thuc-hien":
		done = "huy"
		_, err = h.cfg.Vault.ExecuteDisposal(r.Context(), a, id)
	default:
		err = kerr.New(kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ.", "unknown action")
	}
	if err == nil {
		http.Redirect(w, r, PathDisposal+"/"+id+"?da="+done, http.StatusSeeOther)
		return
	}
	if !shownAgain(err) && !kerr.IsKind(err, kerr.Permission) {
		h.renderError(w, r, err)
		return
	}
	field := "huy-hanh-dong"
	if code, _ := kerr.Public(err); code == "reason_required" || code == "reason_too_long" {
		field = "huy-ly-do"
	}
	h.showDisposalList(w, r, a, id, statusOf(err), &disposalPage{Form: refuse(url.Values{"ly-do": f["ly-do"], "rev": {strconv.FormatInt(rev, 10)}}, field, err)})
}
