package web

import (
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// The administration pages (/quan-tri): an admin's only. A visitor not
// signed in is sent to sign in (303); a citizen or an officer gets the
// 403 page and nothing of the data. They call the services the API and
// 'kho admin' call, as the signed-in admin, whose own checks apply too.
const (
	// PathAdmin is the administration's index: a card per section.
	PathAdmin = "/quan-tri"
	// PathAdminUsers lists the portal's accounts (?sau= the next page);
	// POST adds one, POST …/{username}/mat-khau sets or makes a new
	// password, POST …/{username}/khoa disables or enables it.
	PathAdminUsers = PathAdmin + "/tai-khoan"
	// PathAdminTokens lists the API tokens; POST creates one (its secret
	// shown once), POST …/{id}/thu-hoi revokes it.
	PathAdminTokens = PathAdmin + "/ma-truy-cap"
)

// errAdminOnly is the 403 of a signed-in person who is not an admin.
func errAdminOnly(a archive.Actor) error {
	return kerr.New(kerr.Permission, "admin_only", "Trang này dành cho quản trị viên hệ thống.", "role %q is not admin", a.Role)
}

// adminActor is the signed-in admin: a citizen or an officer gets the 403
// page, a visitor not signed in the sign-in page (ok false: the answer is
// written).
func (h *Handler) adminActor(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, ok := h.signedIn(w, r)
	if !ok {
		return a, false
	}
	if a.Role != archive.RoleAdmin {
		h.renderError(w, r, errAdminOnly(a))
		return a, false
	}
	return a, true
}

// adminReady is the signed-in admin of a page over a service; post: a
// POST form, parsed and its CSRF token checked; missing: the service is
// not configured, answered with off (ok false: the answer is written).
func (h *Handler) adminReady(w http.ResponseWriter, r *http.Request, post, missing bool, off error) (archive.Actor, bool) {
	a, ok := h.adminActor(w, r)
	if ok && post {
		ok = h.postForm(w, r)
	}
	if ok && missing {
		h.renderError(w, r, off)
		ok = false
	}
	return a, ok
}

// adminAccounts is adminReady over the sign-in service (the accounts and
// tokens pages).
func (h *Handler) adminAccounts(w http.ResponseWriter, r *http.Request, post bool) (archive.Actor, *auth.Service, bool) {
	a, ok := h.adminReady(w, r, post, h.cfg.Auth == nil, errNoAuth)
	return a, h.cfg.Auth, ok
}

// shownAgain reports whether a refusal err is shown on the form again
// (the person can fix it); else it is the error page (a permission, a
// missing record, a failure of the system).
func shownAgain(err error) bool {
	return kerr.IsKind(err, kerr.Invalid) || kerr.IsKind(err, kerr.Conflict)
}

// adminCard is one section of the index.
type adminCard struct{ Title, Text, URL string }

// adminIndex is GET /quan-tri: a card per section.
func (h *Handler) adminIndex(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.adminActor(w, r); !ok {
		return
	}
	cards := []adminCard{
		{"Tài khoản đăng nhập", "Thêm tài khoản, đặt lại mật khẩu, khoá hoặc mở khoá tài khoản của cổng.", PathAdminUsers},
		{"Mã truy cập API", "Cấp mã truy cập cho hệ thống kết nối, xem và thu hồi mã đã cấp.", PathAdminTokens},
		{"Cơ quan, phòng ban và cán bộ", "Thêm, sửa cơ quan và phòng, ban; cán bộ với chức danh và phòng, ban của họ.", PathAdminAgencies},
		{"Thủ tục và quy trình", "Danh mục thủ tục hành chính, quy trình xử lý kèm sơ đồ; nạp danh mục từ tệp.", PathAdminProcedures},
		{"Loại giấy tờ", "Danh mục loại giấy tờ của kho dữ liệu: xem, sửa tên và mô tả.", PathAdminTypes},
		{"Biểu mẫu điện tử", "Các biểu mẫu đã công bố, xem định nghĩa, công bố phiên bản mới.", PathAdminForms},
		{"Ngày nghỉ, ngày làm bù", "Lịch làm việc dùng để tính thời hạn: ngày nghỉ lễ, nghỉ bù và ngày làm bù của từng năm.", PathAdminCalendar},
	}
	h.render(w, r, http.StatusOK, "admin", "Quản trị hệ thống", "admin", cards)
}

// roleOption is a role as a choice of a form.
type roleOption struct{ Value, Label string }

// roleOptions are the roles of accounts and tokens, as people read them.
var roleOptions = []roleOption{
	{string(archive.RoleCitizen), "Công dân"},
	{string(archive.RoleStaff), "Cán bộ"},
	{string(archive.RoleAdmin), "Quản trị viên"},
}

// roleLabel is role as people read it.
func roleLabel(role archive.Role) string {
	for _, o := range roleOptions {
		if o.Value == string(role) {
			return o.Label
		}
	}
	return string(role)
}

// adminForm is a form of the admin pages as it was sent: its values, to
// fill it again, and the messages of a refusal, one per control, for
// the error summary and beside each control.
type adminForm struct {
	Values url.Values
	Errors []formError
}

// Get is the value of field name as sent.
func (f adminForm) Get(name string) string { return f.Values.Get(name) }

// Err is the message about the control with that ID ("" for none).
func (f adminForm) Err(id string) string {
	for _, e := range f.Errors {
		if e.Field == id {
			return e.Message
		}
	}
	return ""
}

// refuse is f with err's Vietnamese message about the control id.
func refuse(values url.Values, id string, err error) adminForm {
	_, msg := kerr.Public(err)
	return adminForm{Values: values, Errors: []formError{{Field: id, Message: msg}}}
}

// adminField is one control of an admin form: Kind is an input type,
// "select" (Options) or "textarea". Value and Error come from the form
// as sent (a password is never sent back).
type adminField struct {
	ID, Name, Label, Hint, Kind string
	Value, Error                string
	Required                    bool
	Options                     []roleOption
	// Max is the input's maxlength (0: none).
	Max int
}

// fields are specs filled from f: the values sent and the messages of a
// refusal.
func (f adminForm) fields(specs ...adminField) []adminField {
	for i := range specs {
		c := &specs[i]
		if c.Kind != "password" && c.Kind != "file" {
			c.Value = f.Get(c.Name)
		}
		c.Error = f.Err(c.ID)
	}
	return specs
}
