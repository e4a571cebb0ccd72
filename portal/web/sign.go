package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathSignMany is POST: sign the chosen dossiers of the leader's
// "waiting for signature" list one after the other (field ho-so, each
// CODE@REV; field key, the key chosen).
const PathSignMany = PathStaff + "/ky-nhieu"

// maxSignMany bounds the dossiers one request signs.
const maxSignMany = 50

// signBucket is the leader's list of approved dossiers waiting for their
// signature (workflow.Counts).
var signBucket = string(workflow.RoleLeader) + ".to_sign"

// keyOption is one of the leader's keys as a choice of the sign forms.
type keyOption struct {
	Value, Label string
	Selected     bool
}

// keyOptions are keys as choices, chosen marking one.
func keyOptions(keys []workflow.KeyChoice, chosen string) []keyOption {
	out := make([]keyOption, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyOption{Value: k.Name, Label: k.Name + " — " + k.SourceLabel, Selected: k.Name == chosen})
	}
	return out
}

// keyField is the key control of a sign form with id: a choice among
// several keys, the one key shown as text (sent by default), or nothing
// when the caller has none (the sign action then says so).
func keyField(id string, keys []workflow.KeyChoice) (actionField, bool) {
	switch len(keys) {
	case 0:
		return actionField{}, false
	case 1:
		return actionField{ID: id, Name: "key", Label: "Khóa ký số", Kind: "fixed", Value: keys[0].Name + " — " + keys[0].SourceLabel}, true
	}
	return actionField{ID: id, Name: "key", Label: "Khóa ký số", Kind: "select", Required: true,
		Hint: "Chọn khóa dùng để ký: tệp chứng thư trên máy chủ, thiết bị ký số hoặc dịch vụ ký số từ xa.", Options: keyOptions(keys, "")}, true
}

// withSignKey puts the caller's key choice first in the sign action's
// form f; chosen is the key posted with a refused action.
func (h *Handler) withSignKey(ctx context.Context, a archive.Actor, f actionForm) actionForm {
	keys, err := h.cfg.Workflow.SignKeys(ctx, a)
	if err != nil {
		return f
	}
	kf, ok := keyField(string(f.Action)+"-key", keys)
	if !ok {
		return f
	}
	f.Fields = slices.Insert(f.Fields, 0, kf)
	return f
}

// signManyForm is the form under the leader's list: the dossiers listed,
// each a checkbox, and the key choice.
type signManyForm struct {
	Rows []signChoice
	Key  *actionField
	// Errors are the messages of a refused request (Field: the control).
	Errors []formError
	// Error is the message beside the list of dossiers.
	Error string
}

// signChoice is one dossier that can be chosen.
type signChoice struct {
	ID, Value, Label string
	Checked          bool
}

// signManyFormOf is the form over rows for a, with what was posted
// (nil: nothing yet).
func (h *Handler) signManyFormOf(ctx context.Context, a archive.Actor, rows []staffRow, posted url.Values) *signManyForm {
	keys, err := h.cfg.Workflow.SignKeys(ctx, a)
	if err != nil || len(rows) == 0 {
		return nil
	}
	f := &signManyForm{}
	chosen := map[string]bool{}
	for _, v := range posted["ho-so"] {
		code, _, _ := strings.Cut(v, "@")
		chosen[code] = true
	}
	for _, r := range rows {
		f.Rows = append(f.Rows, signChoice{ID: "ho-so-" + r.Code, Value: r.Code + "@" + strconv.FormatInt(r.Rev, 10),
			Label: r.Code + " — " + r.Procedure + " — " + r.Applicant, Checked: chosen[r.Code]})
	}
	if kf, ok := keyField("ky-nhieu-key", keys); ok {
		if kf.Kind == "select" {
			kf.Options = keyOptions(keys, posted.Get("key"))
		}
		f.Key = &kf
	}
	return f
}

// signOutcome is what became of one chosen dossier.
type signOutcome struct {
	Code, URL string
	Signed    bool
	Number    string
	Reason    string
}

// signManyPage is the result page of POST /can-bo/ky-nhieu.
type signManyPage struct {
	Rows          []signOutcome
	Signed, Other int
	BackURL       string
}

// chosenDossier is one CODE@REV of the form.
type chosenDossier struct {
	code string
	rev  int64
}

// parseChosen reads the chosen dossiers: at least one, at most
// maxSignMany, each CODE@REV (a code twice counts once).
func parseChosen(vals []string) ([]chosenDossier, error) {
	if len(vals) == 0 {
		return nil, kerr.New(kerr.Invalid, "dossiers_required", "Hãy chọn ít nhất một hồ sơ để ký.", "no dossier chosen")
	}
	if len(vals) > maxSignMany {
		return nil, kerr.New(kerr.Invalid, "too_many_dossiers", "Mỗi lần chỉ ký được tối đa "+strconv.Itoa(maxSignMany)+" hồ sơ; hãy bỏ chọn bớt.",
			"%d dossiers chosen", len(vals))
	}
	out := make([]chosenDossier, 0, len(vals))
	seen := map[string]bool{}
	for _, v := range vals {
		i := strings.LastIndexByte(v, '@')
		rev, err := strconv.ParseInt(v[i+1:], 10, 64)
		if i <= 0 || err != nil || rev <= 0 || len(v) > 200 {
			return nil, kerr.New(kerr.Invalid, "invalid_dossier_choice", "Danh sách hồ sơ đã chọn không hợp lệ; hãy tải lại trang.", "choice %q", v)
		}
		if code := v[:i]; !seen[code] {
			seen[code] = true
			out = append(out, chosenDossier{code: code, rev: rev})
		}
	}
	return out, nil
}

// signMany is POST /can-bo/ky-nhieu: each chosen dossier is signed in
// turn with the key chosen, guarded by the revision the leader saw, and
// the page lists what became of each — its result number, or why it was
// not signed. One refusal does not stop the others; signing again is
// harmless (a dossier already signed answers as signed). When the
// request's time runs out, the dossiers not yet begun are listed as not
// signed, to be chosen again; the one in hand is finished.
func (h *Handler) signMany(w http.ResponseWriter, r *http.Request) {
	a, ok := h.staffPost(w, r)
	if !ok {
		return
	}
	chosen, err := parseChosen(r.PostForm["ho-so"])
	if err != nil {
		h.deskWithSignError(w, r, a, err)
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	p := &signManyPage{BackURL: bucketURL(signBucket)}
	for _, c := range chosen {
		row := signOutcome{Code: c.code, URL: dossierURL(c.code)}
		if r.Context().Err() != nil {
			row.Reason = "Chưa ký: hết thời gian xử lý của lần gửi này; hãy chọn lại hồ sơ này để ký."
			p.Rows, p.Other = append(p.Rows, row), p.Other+1
			continue
		}
		// The dossier in hand is finished even if the request's time runs
		// out meanwhile: a half-signed dossier would only be retried.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.RequestTimeout)
		v, err := h.cfg.Workflow.Act(ctx, a, c.code, workflow.ActInput{Action: workflow.ActionSign, Rev: c.rev, Key: key})
		cancel()
		if err == nil && v.Result != nil && v.Result.DocumentID != "" {
			row.Signed, row.Number = true, v.Result.Number
			p.Signed++
		} else {
			if err == nil {
				err = kerr.New(kerr.Internal, "not_issued", "Hồ sơ chưa được cấp kết quả.", "act returned no result")
			}
			_, row.Reason = kerr.Public(err)
			if statusOf(err) >= 500 {
				h.log.Warn("sign many: one dossier not signed", "requestId", requestID(r), "code", c.code, "err", err.Error())
			}
			p.Other++
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, "staffsign", "Kết quả ký các hồ sơ đã chọn", "staff", p)
}

// deskWithSignError shows the leader's list again with the sign form's
// error, what was chosen kept.
func (h *Handler) deskWithSignError(w http.ResponseWriter, r *http.Request, a archive.Actor, err error) {
	p, derr := h.deskPage(r, a, signBucket, "")
	if derr != nil {
		h.renderError(w, r, derr)
		return
	}
	if p.Sign = h.signManyFormOf(r.Context(), a, p.Rows, r.PostForm); p.Sign == nil {
		h.renderError(w, r, err)
		return
	}
	_, msg := kerr.Public(err)
	field := "ho-so"
	if len(p.Sign.Rows) > 0 {
		field = p.Sign.Rows[0].ID
	}
	p.Sign.Errors, p.Sign.Error = []formError{{Field: field, Message: msg}}, msg
	h.render(w, r, statusOf(err), "staff", "Hồ sơ cần xử lý", "staff", p)
}
