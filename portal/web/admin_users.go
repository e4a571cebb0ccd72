package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// adminUsersPageSize is how many accounts the list shows at a time.
const adminUsersPageSize = 50

// usersPage is the list of accounts with the forms that change them.
type usersPage struct {
	Accounts []accountRow
	// NextURL is the list's next page ("" on the last), FirstURL its
	// first when this is a later one.
	NextURL, FirstURL string
	// Add is the add form as sent (refused: its messages).
	Add       adminForm
	AddFields []adminField
	// Row is the username whose row form was refused, with the form.
	Row     string
	RowForm adminForm
	// Secret is a password made or set just now, shown this once.
	Secret *shownSecret
	// Done is the notice of a change made.
	Done string
}

// accountRow is one account as the list shows it.
type accountRow struct {
	auth.Account
	RoleLabel string
}

// shownSecret is a secret shown once: a new password or API token.
type shownSecret struct{ Heading, Who, Value, Hint string }

// adminUsers is GET /quan-tri/tai-khoan: the accounts in username order
// (?sau= the page after that username), and the add form.
func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, false)
	if !ok {
		return
	}
	p := &usersPage{}
	switch r.URL.Query().Get("da") {
	case "khoa":
		p.Done = "Đã khoá tài khoản; các phiên đăng nhập của tài khoản đã kết thúc."
	case "mo-khoa":
		p.Done = "Đã mở khoá tài khoản."
	}
	h.showUsers(w, r, a, svc, http.StatusOK, p)
}

// showUsers renders the accounts page p with status, its list read now.
func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, a archive.Actor, svc *auth.Service, status int, p *usersPage) {
	after := r.URL.Query().Get("sau")
	list, err := svc.Accounts(r.Context(), a, after, adminUsersPageSize+1)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if len(list) > adminUsersPageSize {
		list = list[:adminUsersPageSize]
		p.NextURL = PathAdminUsers + "?sau=" + url.QueryEscape(list[len(list)-1].Username)
	}
	if after != "" {
		p.FirstURL = PathAdminUsers
	}
	for _, acct := range list {
		p.Accounts = append(p.Accounts, accountRow{Account: acct, RoleLabel: roleLabel(acct.Role)})
	}
	if p.Add.Values == nil {
		p.Add.Values = url.Values{"role": {string(archive.RoleStaff)}}
	}
	p.AddFields = p.Add.fields(
		adminField{ID: "tk-username", Name: "username", Label: "Tên đăng nhập", Hint: "3–64 ký tự: chữ cái không dấu, chữ số và các dấu . _ -", Kind: "text", Required: true, Max: 64},
		adminField{ID: "tk-name", Name: "name", Label: "Họ và tên", Kind: "text", Required: true, Max: 200},
		adminField{ID: "tk-role", Name: "role", Label: "Vai trò", Kind: "select", Options: roleOptions},
		adminField{ID: "tk-agency", Name: "agency", Label: "Mã định danh cơ quan (cán bộ, quản trị viên)", Hint: "Dạng 000.00.31.H29; để trống với tài khoản công dân.", Kind: "text", Max: 20},
		adminField{ID: "tk-citizen-id", Name: "citizen-id", Label: "Số định danh cá nhân (công dân)", Hint: "12 chữ số; bắt buộc với tài khoản công dân.", Kind: "text", Max: 12},
		adminField{ID: "tk-password", Name: "password", Label: "Mật khẩu", Hint: "Ít nhất 10 ký tự. Để trống: hệ thống tạo mật khẩu và hiện một lần.", Kind: "password", Max: 1024},
	)
	h.render(w, r, status, "admin_users", "Tài khoản đăng nhập", "admin", p)
}

// addUserFields maps an account's refusals to the add form's controls.
var addUserFields = map[string]string{
	"invalid_username": "tk-username", "account_exists": "tk-username", "invalid_display_name": "tk-name",
	"invalid_role": "tk-role", "agency_for_citizen": "tk-agency", "invalid_agency_code": "tk-agency",
	"invalid_citizen_id": "tk-citizen-id", "citizen_id_required": "tk-citizen-id",
}

// fieldOf is the control a refusal is about: by its code in fields, else
// def.
func fieldOf(err error, fields map[string]string, def string) string {
	if ke := kerr.Outer(err); ke != nil {
		if f, ok := fields[ke.Code]; ok {
			return f
		}
	}
	return def
}

// adminAddUser is POST /quan-tri/tai-khoan: adds an account with the
// password typed, or a made one shown once.
func (h *Handler) adminAddUser(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, true)
	if !ok {
		return
	}
	f := r.PostForm
	acct := auth.Account{Username: f.Get("username"), DisplayName: strings.TrimSpace(f.Get("name")), Role: archive.Role(f.Get("role")),
		Agency: strings.TrimSpace(f.Get("agency")), CitizenID: strings.TrimSpace(f.Get("citizen-id"))}
	acct, pw, err := svc.AddAccount(r.Context(), a, acct, f.Get("password"))
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		form := refuse(f, fieldOf(err, addUserFields, "tk-password"), err)
		form.Values.Del("password")
		h.showUsers(w, r, a, svc, statusOf(err), &usersPage{Add: form})
		return
	}
	p := &usersPage{Done: "Đã thêm tài khoản " + acct.Username + " (" + roleLabel(acct.Role) + ")."}
	if f.Get("password") == "" {
		p.Secret = &shownSecret{Heading: "Mật khẩu của tài khoản mới", Who: acct.Username, Value: pw,
			Hint: "Mật khẩu chỉ hiện một lần này. Hãy trao cho người dùng qua kênh an toàn; họ nên đổi sau khi đăng nhập."}
	}
	h.showUsers(w, r, a, svc, http.StatusOK, p)
}

// rowRev is the revision a row form was made at (0: none or malformed).
func rowRev(f url.Values) int64 {
	n, err := strconv.ParseInt(f.Get("rev"), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// rowRefused shows the accounts page with a row form's refusal about the
// control id: the list read again (after a conflict, the account as it
// is now).
func (h *Handler) rowRefused(w http.ResponseWriter, r *http.Request, a archive.Actor, svc *auth.Service, username, id string, err error) {
	if !shownAgain(err) {
		h.renderError(w, r, err)
		return
	}
	form := refuse(r.PostForm, id, err)
	form.Values.Del("password")
	h.showUsers(w, r, a, svc, statusOf(err), &usersPage{Row: username, RowForm: form})
}

// adminResetPassword is POST /quan-tri/tai-khoan/{username}/mat-khau: the
// password typed, or a made one shown once; the account's sessions end.
func (h *Handler) adminResetPassword(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, true)
	if !ok {
		return
	}
	username := r.PathValue("username")
	typed := r.PostForm.Get("password")
	acct, pw, err := svc.ResetPassword(r.Context(), a, username, rowRev(r.PostForm), typed)
	if err != nil {
		h.rowRefused(w, r, a, svc, username, "mk-"+username, err)
		return
	}
	p := &usersPage{Done: "Đã đặt mật khẩu mới cho " + acct.Username + "; các phiên đăng nhập của tài khoản đã kết thúc."}
	if typed == "" {
		p.Secret = &shownSecret{Heading: "Mật khẩu mới", Who: acct.Username, Value: pw,
			Hint: "Mật khẩu chỉ hiện một lần này. Hãy trao cho người dùng qua kênh an toàn."}
	}
	h.showUsers(w, r, a, svc, http.StatusOK, p)
}

// adminDisableUser is POST /quan-tri/tai-khoan/{username}/khoa: field
// "khoa" 1 disables the account (its sessions end), 0 enables it.
func (h *Handler) adminDisableUser(w http.ResponseWriter, r *http.Request) {
	a, svc, ok := h.adminAccounts(w, r, true)
	if !ok {
		return
	}
	username := r.PathValue("username")
	disable := r.PostForm.Get("khoa") == "1"
	if _, err := svc.SetAccountDisabled(r.Context(), a, username, rowRev(r.PostForm), disable); err != nil {
		h.rowRefused(w, r, a, svc, username, "khoa-"+username, err)
		return
	}
	done := "mo-khoa"
	if disable {
		done = "khoa"
	}
	http.Redirect(w, r, PathAdminUsers+"?da="+done, http.StatusSeeOther)
}
