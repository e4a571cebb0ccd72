package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/workflow"
)

// tokensPage is the list of API tokens with the form that creates one.
type tokensPage struct {
	Tokens []tokenRow
	Add    adminForm
	Fields []adminField
	// Secret is the token created just now, shown this once.
	Secret *shownSecret
	Done   string
}

// tokenRow is one token as the list shows it (never its secret).
type tokenRow struct {
	auth.Token
	RoleLabel, State string
	// Live is whether it still authenticates (not revoked or expired).
	Live bool
}

// adminTokens is GET /quan-tri/ma-truy-cap: the tokens and the form.
func (h *Handler) adminTokens(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, false)
	if !ok {
		return
	}
	p := &tokensPage{}
	if r.URL.Query().Get("da") == "thu-hoi" {
		p.Done = "Đã thu hồi mã truy cập."
	}
	h.showTokens(w, r, a, svc, http.StatusOK, p)
}

// showTokens renders the tokens page p with status, the list read now.
func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, a archive.Actor, svc *auth.Service, status int, p *tokensPage) {
	toks, err := svc.Tokens(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	now := h.cfg.Now()
	for _, t := range toks {
		row := tokenRow{Token: t, RoleLabel: roleLabel(t.Role), State: "Đang hiệu lực", Live: true}
		switch {
		case t.Revoked:
			row.State, row.Live = "Đã thu hồi", false
		case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
			row.State, row.Live = "Đã hết hạn", false
		case !t.ExpiresAt.IsZero():
			row.State = "Hiệu lực đến " + Clock(t.ExpiresAt) + " " + Date(t.ExpiresAt)
		}
		p.Tokens = append(p.Tokens, row)
	}
	if p.Add.Values == nil {
		p.Add.Values = map[string][]string{"role": {string(archive.RoleStaff)}}
	}
	p.Fields = p.Add.fields(
		adminField{ID: "mt-subject", Name: "subject", Label: "Chủ thể", Hint: "Số định danh của công dân, hoặc tên đăng nhập của cán bộ, quản trị viên.", Kind: "text", Required: true, Max: 128},
		adminField{ID: "mt-role", Name: "role", Label: "Vai trò", Kind: "select", Options: roleOptions},
		adminField{ID: "mt-agency", Name: "agency", Label: "Mã định danh cơ quan (cán bộ, quản trị viên)", Hint: "Dạng 000.00.31.H29: cơ quan mà mã truy cập cấp, thu hồi giấy tờ thay.", Kind: "text", Max: 20},
		adminField{ID: "mt-name", Name: "name", Label: "Tên gợi nhớ", Hint: "Ví dụ: máy quét của bộ phận một cửa.", Kind: "text", Max: 200},
		adminField{ID: "mt-expires", Name: "expires", Label: "Ngày hết hạn", Hint: "Hết hiệu lực vào cuối ngày này (giờ Việt Nam). Để trống: không hết hạn.", Kind: "date"},
	)
	h.render(w, r, status, "admin_tokens", "Mã truy cập API", "admin", p)
}

// tokenFields maps a token's refusals to the form's controls.
var tokenFields = map[string]string{
	"invalid_subject": "mt-subject", "invalid_role": "mt-role", "invalid_agency_code": "mt-agency", "agency_for_citizen": "mt-agency",
	"invalid_token_name": "mt-name", "invalid_expiry": "mt-expires",
}

// adminCreateToken is POST /quan-tri/ma-truy-cap: creates a token and
// shows its secret this once (the answer is not cached: no-store).
func (h *Handler) adminCreateToken(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, true)
	if !ok {
		return
	}
	f := r.PostForm
	in := auth.TokenInput{Subject: strings.TrimSpace(f.Get("subject")), Role: archive.Role(f.Get("role")),
		Agency: strings.TrimSpace(f.Get("agency")), Name: strings.TrimSpace(f.Get("name"))}
	var err error
	if s := strings.TrimSpace(f.Get("expires")); s != "" {
		var day time.Time
		day, err = time.ParseInLocation("2006-01-02", s, workflow.Vietnam)
		if err != nil {
			err = kerr.New(kerr.Invalid, "invalid_expiry", "Ngày hết hạn không hợp lệ.", "expiry %q", s)
		}
		in.ExpiresAt = day.AddDate(0, 0, 1) // the end of that day
	}
	var secret string
	var tok auth.Token
	if err == nil {
		secret, tok, err = svc.CreateToken(r.Context(), a, in)
	}
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		h.showTokens(w, r, a, svc, statusOf(err), &tokensPage{Add: refuse(f, fieldOf(err, tokenFields, "mt-subject"), err)})
		return
	}
	h.showTokens(w, r, a, svc, http.StatusOK, &tokensPage{Done: "Đã cấp mã truy cập " + tok.ID + ".",
		Secret: &shownSecret{Heading: "Mã truy cập mới", Who: tok.Subject + " (" + roleLabel(tok.Role) + ")", Value: secret,
			Hint: "Mã chỉ hiện một lần này và không được lưu lại ở đâu: hãy sao chép ngay vào hệ thống sẽ dùng nó."}})
}

// adminRevokeToken is POST /quan-tri/ma-truy-cap/{id}/thu-hoi.
func (h *Handler) adminRevokeToken(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, true)
	if !ok {
		return
	}
	if err := svc.RevokeToken(r.Context(), a, r.PathValue("id")); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, PathAdminTokens+"?da=thu-hoi", http.StatusSeeOther)
}
