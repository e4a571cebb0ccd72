package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// adminSite is the pages over a real embedded store: the vault's and the
// workflow's shipped catalogues, sign-in accounts and an API token. The
// signed-in person is the X-Test-User header's subject with the
// X-Test-Role header's role; the CSRF token is adminCSRFToken.
type adminSite struct {
	url   string
	h     http.Handler
	store *sqlite.Store
	auth  *auth.Service
	wf    *workflow.Service
	vault *archive.Service
	forms *forms.Registry
	cals  *calendar.Service
	token auth.Token // a live API token
}

const adminCSRFToken = "ma-csrf-dung"

// fieldCSRF is a CSRF check over the form's field: the token must be
// adminCSRFToken (as portal/auth refuses a missing or forged one).
type fieldCSRF struct{}

func (fieldCSRF) Token(*http.Request) string { return adminCSRFToken }
func (fieldCSRF) Check(r *http.Request) error {
	if r.PostForm.Get(web.CSRFField) != adminCSRFToken {
		return kerr.New(kerr.Permission, "csrf_invalid", "Phiên làm việc không hợp lệ; hãy tải lại trang.", "bad token")
	}
	return nil
}

var (
	adminActor  = archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	cheapArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
)

func newAdminSite(t *testing.T) *adminSite {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, vault, _ := openVault(t, archive.Config{}, log)
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	wf := workflow.New(workflow.Config{Store: store, Vault: vault, Forms: reg, Log: log})
	if _, err := wf.LoadCatalog(ctx, adminActor, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.NewService(auth.Config{Store: store, Tokens: store, Key: []byte(strings.Repeat("k", 32)), Argon2: cheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []auth.Account{
		{Username: "an.tran", DisplayName: "Trần Thị An", Role: archive.RoleCitizen, CitizenID: "001090012345"},
		{Username: "canbo.binh", DisplayName: "Lê Văn Bình", Role: archive.RoleStaff, Agency: ward},
		{Username: "quantri", DisplayName: "Phạm Quản Trị", Role: archive.RoleAdmin},
	} {
		if _, _, err := svc.AddAccount(ctx, adminActor, a, "mat-khau-ban-dau"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wf.PutStaff(ctx, adminActor, workflow.Staff{Subject: deskSub, Name: "Lê Văn Một", Agency: ward, Department: "MOT_CUA",
		Positions: []workflow.Role{workflow.RoleDesk}, Active: true}); err != nil {
		t.Fatal(err)
	}
	_, tok, err := svc.CreateToken(ctx, adminActor, auth.TokenInput{Subject: "may.quet", Role: archive.RoleStaff, Agency: ward, Name: "Máy quét một cửa"})
	if err != nil {
		t.Fatal(err)
	}
	cals := calendar.NewService(store, calendar.WithCacheTTL(0))
	if _, err := cals.LoadShipped(ctx); err != nil {
		t.Fatal(err)
	}
	identify := func(r *http.Request) (archive.Actor, bool) {
		sub := r.Header.Get("X-Test-User")
		return archive.Actor{Subject: sub, Role: archive.Role(r.Header.Get("X-Test-Role"))}, sub != ""
	}
	h, err := web.New(web.Config{Vault: vault, Workflow: wf, Auth: svc, Identify: identify, CSRF: fieldCSRF{}, Forms: reg, Calendars: cals}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &adminSite{url: hs.URL, h: h, store: store, auth: svc, wf: wf, vault: vault, forms: reg, cals: cals, token: tok}
}

// as is who sends a request: a subject and a role ("" for nobody).
type as struct{ user, role string }

var (
	asAdmin   = as{"quantri", "admin"}
	asCitizen = as{"001090012345", "citizen"}
	asStaff   = as{"canbo.binh", "staff"}
	asNobody  = as{}
)

// do sends a request as who, a POST form when form is not nil (with the
// right CSRF token unless it has a "csrf" of its own), without following
// redirects.
func (s *adminSite) do(t *testing.T, who as, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form != nil && !form.Has(web.CSRFField) {
		form.Set(web.CSRFField, adminCSRFToken)
	}
	return (&staffSite{url: s.url}).do(t, method, path, who.user, who.role, form)
}

func (s *adminSite) account(t *testing.T, username string) auth.Account {
	t.Helper()
	a, err := s.store.AccountByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// TestAdminIndex: the index has a card per section, and the navigation a
// "Quản trị" entry for an admin only.
func TestAdminIndex(t *testing.T) {
	s := newAdminSite(t)
	res, body := s.do(t, asAdmin, "GET", "/quan-tri", nil)
	if res.StatusCode != 200 {
		t.Fatalf("index: %d", res.StatusCode)
	}
	wantIn(t, "index", body, `<h1>Quản trị hệ thống</h1>`, `href="/quan-tri/tai-khoan">Tài khoản đăng nhập</a>`,
		`href="/quan-tri/ma-truy-cap">Mã truy cập API</a>`, `<a href="/quan-tri" aria-current="page">Quản trị</a>`)
	_, home := s.do(t, asStaff, "GET", "/", nil)
	if strings.Contains(home, `href="/quan-tri"`) {
		t.Error("an officer's navigation offers the administration")
	}
}

// adminRoutes are every admin route with a form that would change
// something if the sender were allowed, and what the page would show.
func adminRoutes(t *testing.T, s *adminSite) []struct {
	method, path string
	form         url.Values
} {
	an := s.account(t, "an.tran")
	return []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/quan-tri", nil},
		{"GET", "/quan-tri/tai-khoan", nil},
		{"POST", "/quan-tri/tai-khoan", url.Values{"username": {"ke.gian"}, "name": {"Kẻ Gian"}, "role": {"admin"}, "password": {"mat-khau-ke-gian"}}},
		{"POST", "/quan-tri/tai-khoan/an.tran/mat-khau", url.Values{"rev": {fmt.Sprint(an.Rev)}, "password": {"mat-khau-ke-gian"}}},
		{"POST", "/quan-tri/tai-khoan/an.tran/khoa", url.Values{"rev": {fmt.Sprint(an.Rev)}, "khoa": {"1"}}},
		{"GET", "/quan-tri/ma-truy-cap", nil},
		{"POST", "/quan-tri/ma-truy-cap", url.Values{"subject": {"ke.gian"}, "role": {"admin"}}},
		{"POST", "/quan-tri/ma-truy-cap/" + s.token.ID + "/thu-hoi", url.Values{}},
		{"GET", "/quan-tri/co-quan", nil},
		{"POST", "/quan-tri/co-quan", url.Values{"code": {"000.00.77.H29"}, "name": {"Cơ quan giả"}}},
		{"GET", "/quan-tri/co-quan/" + ward, nil},
		{"POST", "/quan-tri/co-quan/" + ward, url.Values{"rev": {fmt.Sprint(s.agencyRev(t, ward))}, "name": {"Tên giả"}, "departments": {"VP: Văn phòng"}}},
		{"GET", "/quan-tri/thu-tuc", nil},
		{"GET", "/quan-tri/thu-tuc/DANG_KY_KHAI_SINH", nil},
		{"POST", "/quan-tri/thu-tuc/danh-muc", url.Values{}}, // multipart for an admin: see TestAdminProcedures
		{"GET", "/quan-tri/loai-giay-to", nil},
		{"GET", "/quan-tri/loai-giay-to/KHAI_SINH", nil},
		{"POST", "/quan-tri/loai-giay-to/KHAI_SINH", url.Values{"rev": {fmt.Sprint(s.typeRev(t, "KHAI_SINH"))}, "name": {"Tên giả"}}},
		{"GET", "/quan-tri/bieu-mau", nil},
		{"GET", "/quan-tri/bieu-mau/TK_KHAI_SINH", nil},
		{"POST", "/quan-tri/bieu-mau", url.Values{}}, // multipart for an admin: see TestAdminForms
		{"GET", "/quan-tri/ngay-nghi?nam=2026", nil},
		{"POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "rev": {"1"}, "ngay": {"01/06/2026; nghỉ; Ngày giả"}}},
		{"POST", "/quan-tri/co-quan/" + ward + "/can-bo", url.Values{"subject": {"ke.gian"}, "name": {"Kẻ Gian"}, "department": {"VP"}, "positions": {"leader"}, "active": {"1"}}},
	}
}

// TestAdminPrivacy: on every admin route, GET and POST (with a right CSRF
// token), a citizen and an officer get 403 and see nothing of the
// accounts or tokens, and a visitor not signed in is sent to sign in;
// nothing changes.
func TestAdminPrivacy(t *testing.T) {
	s := newAdminSite(t)
	before := s.snapshot(t)
	for _, rt := range adminRoutes(t, s) {
		for _, who := range []as{asCitizen, asStaff, asNobody} {
			var form url.Values
			if rt.form != nil {
				form = url.Values{}
				for k, v := range rt.form {
					form[k] = v
				}
			}
			res, body := s.do(t, who, rt.method, rt.path, form)
			name := rt.method + " " + rt.path + " as " + who.role
			if who == asNobody {
				if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/dang-nhap?tiep="+url.QueryEscape(rt.path) {
					t.Errorf("%s: %d %q, want the sign-in", name, res.StatusCode, loc)
				}
				continue
			}
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Trang này dành cho quản trị viên hệ thống.") {
				t.Errorf("%s: %d, want the 403 page", name, res.StatusCode)
			}
			for _, secret := range []string{"Trần Thị An", "an.tran", s.token.ID, "may.quet", "Máy quét", "Ủy ban nhân dân phường Bến Nghé", "Lê Văn Một", "<svg", "Đăng ký khai sinh", "KHAI_SINH", "TK_KHAI_SINH"} {
				if strings.Contains(body, secret) {
					t.Errorf("%s shows %q", name, secret)
				}
			}
		}
	}
	if after := s.snapshot(t); after != before {
		t.Errorf("refused requests changed the store:\n%s", firstDiff(before, after))
	}
}

// snapshot is the accounts and tokens as text, to see that nothing
// changed.
func (s *adminSite) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	accts, err := s.store.ListAccounts(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := s.store.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, a := range accts {
		fmt.Fprintf(&b, "%s %d %v %s\n", a.Username, a.Rev, a.Disabled, a.PasswordHash)
	}
	for _, tk := range toks {
		fmt.Fprintf(&b, "%s %v\n", tk.ID, tk.Revoked)
	}
	ags, err := s.wf.Agencies(ctx, adminActor)
	if err != nil {
		t.Fatal(err)
	}
	staff, err := s.wf.ListStaff(ctx, adminActor, "")
	if err != nil {
		t.Fatal(err)
	}
	types, err := s.vault.DocumentTypes(ctx, adminActor)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.forms.ListContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal, rev, err := s.cals.Stored(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	calJSON, _ := json.Marshal(cal)
	fmt.Fprintf(&b, "%+v\n%+v\n%+v\n%+v\n%d %s\n", ags, staff, types, fs, rev, calJSON)
	return b.String()
}

// TestAdminRoutesCovered: the privacy test's list holds every admin
// route routes.go registers, so that a new one cannot go untested.
func TestAdminRoutesCovered(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{"PathAdmin": web.PathAdmin, "PathAdminUsers": web.PathAdminUsers, "PathAdminTokens": web.PathAdminTokens,
		"PathAdminAgencies": web.PathAdminAgencies, "PathAdminProcedures": web.PathAdminProcedures, "PathAdminTypes": web.PathAdminTypes,
		"PathAdminForms": web.PathAdminForms, "PathAdminCalendar": web.PathAdminCalendar}
	s := newAdminSite(t)
	routes := adminRoutes(t, s)
	found := 0
	for _, m := range regexp.MustCompile(`HandleFunc\("(GET|POST) "\+(PathAdmin\w*)(?:\+"([^"]*)")?`).FindAllStringSubmatch(string(src), -1) {
		base, ok := consts[m[2]]
		if !ok {
			t.Errorf("routes.go registers %s, unknown to this test", m[2])
			continue
		}
		found++
		pattern := strings.Split(base+m[3], "/")
		covered := false
		for _, rt := range routes {
			path, _, _ := strings.Cut(rt.path, "?")
			segs := strings.Split(path, "/")
			if rt.method != m[1] || len(segs) != len(pattern) {
				continue
			}
			covered = true
			for i := range segs {
				if segs[i] != pattern[i] && !strings.HasPrefix(pattern[i], "{") {
					covered = false
				}
			}
			if covered {
				break
			}
		}
		if !covered {
			t.Errorf("%s %s%s is not in the privacy test's routes", m[1], base, m[3])
		}
	}
	if found < 20 {
		t.Errorf("found %d admin routes in routes.go; the pattern no longer reads it", found)
	}
}

// TestAdminCSRF: every admin POST without the CSRF token, or with a wrong
// one, is refused and changes nothing.
func TestAdminCSRF(t *testing.T) {
	s := newAdminSite(t)
	before := s.snapshot(t)
	for _, rt := range adminRoutes(t, s) {
		if rt.method != "POST" || strings.HasSuffix(rt.path, "/danh-muc") || rt.path == "/quan-tri/bieu-mau" {
			continue // the catalogue's multipart form: TestAdminProcedures
		}
		for _, tok := range []string{"", "ma-sai"} {
			form := url.Values{web.CSRFField: {tok}}
			for k, v := range rt.form {
				form[k] = v
			}
			res, body := s.do(t, asAdmin, "POST", rt.path, form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Phiên làm việc không hợp lệ") {
				t.Errorf("POST %s with token %q: %d", rt.path, tok, res.StatusCode)
			}
		}
	}
	if after := s.snapshot(t); after != before {
		t.Errorf("forged forms changed the store:\n%s", firstDiff(before, after))
	}
}

var secretRE = regexp.MustCompile(`<code class="hash" id="bi-mat">([^<]+)</code>`)

// TestAdminUsers: the list shows the store's accounts with their forms
// (CSRF, rev); an account added with a made password signs in with the
// password shown once; refused input comes back in Vietnamese beside its
// control, with the summary focused and what was typed kept (never the
// password); a reset over a stale revision is refused with a notice; a
// reset and a disable take effect.
func TestAdminUsers(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/tai-khoan", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	an := s.account(t, "an.tran")
	wantIn(t, "list", body, "<td>an.tran</td>", "<td>Trần Thị An</td>", "<td>Công dân</td>", "<td>001090012345</td>",
		"<td>canbo.binh</td>", "<td>Cán bộ</td>", "<td>"+ward+"</td>", "<td>quantri</td>", "<td>Quản trị viên</td>",
		`action="/quan-tri/tai-khoan/an.tran/mat-khau"`, `action="/quan-tri/tai-khoan/an.tran/khoa"`,
		fmt.Sprintf(`<input type="hidden" name="rev" value="%d">`, an.Rev), `<input type="hidden" name="csrf" value="`+adminCSRFToken+`">`,
		`<label for="tk-username">Tên đăng nhập</label>`, "Đang hoạt động")
	if strings.Contains(body, an.PasswordHash) {
		t.Error("the list shows a password hash")
	}

	// Added with a made password, shown once, that signs in.
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan", url.Values{"username": {"CanBo.Moi"}, "name": {"Đỗ Thị Mới"}, "role": {"staff"}, "agency": {ward}})
	m := secretRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || !strings.Contains(body, "Đã thêm tài khoản canbo.moi (Cán bộ).") || !strings.Contains(body, "<td>Đỗ Thị Mới</td>") {
		t.Fatalf("add: %d, secret %v", res.StatusCode, m)
	}
	if _, err := s.auth.SignIn(ctx, auth.SignInInput{Username: "canbo.moi", Password: m[1]}); err != nil {
		t.Errorf("the password shown does not sign in: %v", err)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the password's page may be cached: %q", res.Header.Get("Cache-Control"))
	}
	_, list := s.do(t, asAdmin, "GET", "/quan-tri/tai-khoan", nil)
	if strings.Contains(list, m[1]) {
		t.Error("the password shows again")
	}

	// Refused: a citizen without an identity number, a bad username, a taken one, a short password.
	for _, c := range []struct {
		form       url.Values
		field, msg string
	}{
		{url.Values{"username": {"cong.dan"}, "name": {"Công Dân"}, "role": {"citizen"}, "password": {"mat-khau-rat-dai"}}, "tk-citizen-id", "Tài khoản công dân cần số định danh cá nhân."},
		{url.Values{"username": {"có dấu"}, "name": {"Tên"}, "role": {"staff"}, "password": {"mat-khau-rat-dai"}}, "tk-username", "Tên đăng nhập phải dài 3–64 ký tự"},
		{url.Values{"username": {"an.tran"}, "name": {"Trùng Tên"}, "role": {"staff"}, "password": {"mat-khau-rat-dai"}}, "tk-username", ""},
		{url.Values{"username": {"ngan.qua"}, "name": {"Mật Khẩu Ngắn"}, "role": {"staff"}, "password": {"ngắn"}}, "tk-password", "Mật khẩu phải có ít nhất 10 ký tự."},
		{url.Values{"username": {"co.quan.sai"}, "name": {"Cơ Quan Sai"}, "role": {"staff"}, "agency": {"H29"}}, "tk-agency", "Mã định danh cơ quan không hợp lệ"},
	} {
		res, body := s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan", c.form)
		if res.StatusCode != 400 && res.StatusCode != 409 {
			t.Errorf("%v: %d", c.form, res.StatusCode)
		}
		wantIn(t, "refused add", body, `class="error-summary" role="alert" tabindex="-1" aria-labelledby="loi-tieu-de" autofocus`,
			`<a href="#`+c.field+`">`+c.msg, `id="`+c.field+`-loi"`, `id="`+c.field+`" name=`, `aria-invalid="true"`,
			`value="`+attr(c.form.Get("name"))+`"`)
		if p := c.form.Get("password"); strings.Contains(body, `value="`+p+`"`) {
			t.Error("the refused form sends the password back")
		}
	}
	if _, err := s.store.AccountByUsername(ctx, "cong.dan"); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("a refused account was stored: %v", err)
	}

	// A reset over a stale revision: refused beside the row's control.
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan/an.tran/mat-khau", url.Values{"rev": {fmt.Sprint(an.Rev + 1)}, "password": {"mat-khau-moi-cua-an"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("stale reset: %d", res.StatusCode)
	}
	wantIn(t, "stale reset", body, `<a href="#mk-an.tran">Tài khoản vừa được người khác thay đổi`, `id="mk-an.tran-loi"`)
	if s.account(t, "an.tran").PasswordHash != an.PasswordHash {
		t.Error("a stale reset changed the password")
	}
	// A reset with a typed password.
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan/an.tran/mat-khau", url.Values{"rev": {fmt.Sprint(an.Rev)}, "password": {"mat-khau-moi-cua-an"}})
	if res.StatusCode != 200 || !strings.Contains(body, "Đã đặt mật khẩu mới cho an.tran") || secretRE.MatchString(body) {
		t.Errorf("reset: %d", res.StatusCode)
	}
	if _, err := s.auth.SignIn(ctx, auth.SignInInput{Username: "an.tran", Password: "mat-khau-moi-cua-an"}); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	// Disable, then enable.
	b := s.account(t, "canbo.binh")
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan/canbo.binh/khoa", url.Values{"rev": {fmt.Sprint(b.Rev)}, "khoa": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/quan-tri/tai-khoan?da=khoa" || !s.account(t, "canbo.binh").Disabled {
		t.Fatalf("disable: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/tai-khoan?da=khoa", nil)
	wantIn(t, "after disable", body, "Đã khoá tài khoản", "<strong>Đã khoá</strong>", `<input type="hidden" name="khoa" value="0">`)
	// Self-disable is refused on the page.
	q := s.account(t, "quantri")
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/tai-khoan/quantri/khoa", url.Values{"rev": {fmt.Sprint(q.Rev)}, "khoa": {"1"}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#khoa-quantri">Không thể tự khoá tài khoản của chính mình.`) {
		t.Errorf("self-disable: %d", res.StatusCode)
	}
}

// attr is s as html/template writes it in an attribute.
func attr(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestAdminUsersPaged: the list pages fifty accounts at a time, and its
// pages together are every account once.
func TestAdminUsersPaged(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	for i := range 60 {
		if _, _, err := s.auth.AddAccount(ctx, adminActor, auth.Account{Username: fmt.Sprintf("nguoi%03d", i), DisplayName: "Người Thử", Role: archive.RoleStaff}, "mat-khau-ban-dau"); err != nil {
			t.Fatal(err)
		}
	}
	rowRE := regexp.MustCompile(`<tr>\n<td>([a-z0-9._-]+)</td>`)
	nextRE := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	seen := map[string]bool{}
	pages := 0
	for path := "/quan-tri/tai-khoan"; path != ""; pages++ {
		_, body := s.do(t, asAdmin, "GET", strings.ReplaceAll(path, "&amp;", "&"), nil)
		for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("%s twice", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := nextRE.FindStringSubmatch(body); m != nil {
			path = m[1]
		}
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
	}
	if pages != 2 || len(seen) != 63 {
		t.Errorf("%d pages, %d accounts; want 2, 63", pages, len(seen))
	}
}

// TestAdminTokens: the list shows the tokens (never a secret); a token
// created there is shown once and authenticates; refused input comes
// back beside its control; revoking ends it.
func TestAdminTokens(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/ma-truy-cap", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	wantIn(t, "list", body, "<td><code>"+s.token.ID+"</code></td>", "<td>may.quet</td>", "<td>Máy quét một cửa</td>", "<td>Đang hiệu lực</td>",
		`action="/quan-tri/ma-truy-cap/`+s.token.ID+`/thu-hoi"`, `<label for="mt-expires">Ngày hết hạn</label>`)
	if strings.Contains(body, s.token.Hash) {
		t.Error("the list shows a token's hash")
	}
	day := time.Now().In(workflow.Vietnam).AddDate(0, 0, 30)
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/ma-truy-cap", url.Values{"subject": {"he.thong.a"}, "role": {"staff"}, "agency": {ward},
		"name": {"Hệ thống A"}, "expires": {day.Format("2006-01-02")}})
	m := secretRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d", res.StatusCode)
	}
	tok, err := auth.Authenticate(ctx, s.store, "Bearer "+m[1], time.Now())
	if err != nil || tok.Subject != "he.thong.a" || tok.Agency != ward || tok.Name != "Hệ thống A" {
		t.Fatalf("the token shown: %+v %v", tok, err)
	}
	end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, workflow.Vietnam)
	if !tok.ExpiresAt.Equal(end) {
		t.Errorf("expires %v, want %v", tok.ExpiresAt, end)
	}
	wantIn(t, "after create", body, "Hiệu lực đến 00:00:00 "+end.Format("02/01/2006"))
	_, list := s.do(t, asAdmin, "GET", "/quan-tri/ma-truy-cap", nil)
	if strings.Contains(list, m[1]) {
		t.Error("the secret shows again")
	}
	for _, c := range []struct {
		form       url.Values
		field, msg string
	}{
		{url.Values{"subject": {"he thong"}, "role": {"staff"}}, "mt-subject", "Chủ thể của mã truy cập không hợp lệ."},
		{url.Values{"subject": {"he.thong"}, "role": {"staff"}, "expires": {"2020-01-01"}}, "mt-expires", "Ngày hết hạn của mã truy cập phải ở sau thời điểm hiện tại."},
		{url.Values{"subject": {"he.thong"}, "role": {"staff"}, "expires": {"31/12/2030"}}, "mt-expires", "Ngày hết hạn không hợp lệ."},
		{url.Values{"subject": {"he.thong"}, "role": {"staff"}, "agency": {"H29"}}, "mt-agency", "Mã định danh cơ quan không hợp lệ"},
	} {
		res, body := s.do(t, asAdmin, "POST", "/quan-tri/ma-truy-cap", c.form)
		if res.StatusCode != 400 || secretRE.MatchString(body) {
			t.Errorf("%v: %d", c.form, res.StatusCode)
		}
		wantIn(t, "refused token", body, `autofocus`, `<a href="#`+c.field+`">`+c.msg, `id="`+c.field+`-loi"`, `value="`+c.form.Get("subject")+`"`)
	}
	if toks, _ := s.store.ListTokens(ctx); len(toks) != 2 {
		t.Errorf("%d tokens stored, want 2", len(toks))
	}
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ma-truy-cap/"+tok.ID+"/thu-hoi", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if _, err := auth.Authenticate(ctx, s.store, "Bearer "+m[1], time.Now()); err == nil {
		t.Error("the revoked token authenticates")
	}
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/ma-truy-cap?da=thu-hoi", nil)
	wantIn(t, "after revoke", body, "Đã thu hồi mã truy cập.", "<td>Đã thu hồi</td>")
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ma-truy-cap/khong-co/thu-hoi", url.Values{})
	if res.StatusCode != 404 {
		t.Errorf("revoke an unknown token: %d", res.StatusCode)
	}
}

// agencyRev is the revision of agency code as stored.
func (s *adminSite) agencyRev(t *testing.T, code string) int64 {
	t.Helper()
	ags, err := s.wf.Agencies(context.Background(), adminActor)
	if err != nil {
		t.Fatal(err)
	}
	for _, ag := range ags {
		if ag.Code == code {
			return workflow.Rev(ag.UpdatedAt)
		}
	}
	t.Fatalf("no agency %s", code)
	return 0
}

// TestAdminAgencies: the list shows the directory's agencies; one added
// with its departments is stored and shown; its form saves over the
// revision it carries (a stale one gets the notice and the values stored
// now); a malformed departments line is refused beside its control; a
// member of staff is added, changed over their revision, and refused
// without a position.
func TestAdminAgencies(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/co-quan", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	wantIn(t, "list", body, `<a href="/quan-tri/co-quan/`+ward+`">`+ward+`</a>`, "<td>Ủy ban nhân dân phường Bến Nghé</td>", "<td>4</td>",
		`<label for="cq-code">Mã định danh cơ quan</label>`)

	const code = "000.00.21.H29"
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/co-quan", url.Values{"code": {code}, "name": {"Ủy ban nhân dân phường Tân Định"},
		"parent": {"Ủy ban nhân dân Thành phố Hồ Chí Minh"}, "place": {"Tân Định"}, "departments": {"MOT_CUA: Bộ phận Một cửa\r\n\r\nVP: Văn phòng\r\n"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/quan-tri/co-quan/"+code+"?da=luu" {
		t.Fatalf("add: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	rev := s.agencyRev(t, code)
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/co-quan/"+code+"?da=luu", nil)
	wantIn(t, "agency", body, "<h1>Ủy ban nhân dân phường Tân Định</h1>", "Đã lưu thông tin cơ quan.", fmt.Sprintf(`name="rev" value="%d"`, rev),
		`value="Ủy ban nhân dân Thành phố Hồ Chí Minh"`, "MOT_CUA: Bộ phận Một cửa\nVP: Văn phòng\n</textarea>", "Cơ quan chưa có cán bộ nào",
		`<option value="VP">Văn phòng</option>`)
	for _, c := range []struct {
		form       url.Values
		field, msg string
	}{
		{url.Values{"code": {code}, "name": {"Trùng"}}, "cq-code", "Đã có cơ quan mang mã định danh này."},
		{url.Values{"code": {"H29"}, "name": {"Sai mã"}}, "cq-code", "Mã định danh cơ quan không hợp lệ"},
		{url.Values{"code": {"000.00.22.H29"}, "name": {"Phòng sai"}, "departments": {"VP Văn phòng"}}, "cq-departments", "Dòng 1 của danh sách phòng, ban phải có dạng «MÃ: Tên»."},
	} {
		res, body := s.do(t, asAdmin, "POST", "/quan-tri/co-quan", c.form)
		if res.StatusCode != 400 && res.StatusCode != 409 {
			t.Errorf("%v: %d", c.form, res.StatusCode)
		}
		wantIn(t, "refused agency", body, "autofocus", `<a href="#`+c.field+`">`+c.msg, `id="`+c.field+`-loi"`, `value="`+c.form.Get("name")+`"`)
	}
	// Saved over its revision; the same form again is stale.
	form := url.Values{"rev": {fmt.Sprint(rev)}, "name": {"Ủy ban nhân dân phường Tân Định (mới)"}, "departments": {"MOT_CUA: Bộ phận Một cửa\nVP: Văn phòng\nKT: Phòng Kinh tế"}}
	if res, _ := s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	form.Set("name", "Ghi đè")
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code, form)
	if res.StatusCode != http.StatusConflict {
		t.Errorf("stale save: %d", res.StatusCode)
	}
	wantIn(t, "stale save", body, "Cơ quan vừa được người khác thay đổi", `value="Ủy ban nhân dân phường Tân Định (mới)"`,
		fmt.Sprintf(`name="rev" value="%d"`, s.agencyRev(t, code)))
	if strings.Contains(body, "Ghi đè") {
		t.Error("the stale form's values are shown over the stored ones")
	}

	// Staff: added, refused without a position, changed over its revision.
	staff := url.Values{"subject": {"thamdinh9"}, "name": {"Phạm Thị Chín"}, "department": {"KT"}, "positions": {"appraiser", "head"}, "active": {"1"}}
	if res, _ := s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code+"/can-bo", staff); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add staff: %d", res.StatusCode)
	}
	m, err := s.wf.StaffMember(ctx, adminActor, "thamdinh9")
	if err != nil || m.Agency != code || !m.Holds(workflow.RoleHead) || !m.Active {
		t.Fatalf("stored %+v %v", m, err)
	}
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/co-quan/"+code, nil)
	wantIn(t, "staff list", body, "<td>thamdinh9</td>", "<td>Phạm Thị Chín</td>", "<td>Phòng Kinh tế</td>", "<td>Cán bộ thẩm định, Lãnh đạo phòng</td>",
		`href="/quan-tri/co-quan/`+code+`?can-bo=thamdinh9#can-bo-form"`)
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/co-quan/"+code+"?can-bo=thamdinh9", nil)
	srev := workflow.Rev(m.UpdatedAt)
	wantIn(t, "staff form", body, "Sửa thông tin cán bộ thamdinh9", fmt.Sprintf(`name="rev" value="%d"`, srev), `<input type="hidden" name="subject" value="thamdinh9">`,
		`value="head" checked`, `<option value="KT" selected>`)
	bad := url.Values{"subject": {"canbo10"}, "name": {"Không Chức Danh"}, "department": {"VP"}}
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code+"/can-bo", bad)
	if res.StatusCode != 400 {
		t.Errorf("no position: %d", res.StatusCode)
	}
	wantIn(t, "no position", body, `<a href="#cb-positions">Cần chọn từ 1 đến 5 chức danh`, `id="cb-positions-loi"`, `value="Không Chức Danh"`)
	edit := url.Values{"rev": {fmt.Sprint(srev)}, "subject": {"thamdinh9"}, "name": {"Phạm Thị Chín"}, "department": {"VP"}, "positions": {"appraiser"}}
	if res, _ := s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code+"/can-bo", edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit staff: %d", res.StatusCode)
	}
	if m, _ := s.wf.StaffMember(ctx, adminActor, "thamdinh9"); m.Active || m.Department != "VP" || m.Holds(workflow.RoleHead) {
		t.Errorf("after edit %+v", m)
	}
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/co-quan/"+code+"/can-bo", edit)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Thông tin cán bộ vừa được người khác thay đổi") {
		t.Errorf("stale staff edit: %d", res.StatusCode)
	}
	res, _ = s.do(t, asAdmin, "GET", "/quan-tri/co-quan/000.00.99.H29", nil)
	if res.StatusCode != 404 {
		t.Errorf("unknown agency: %d", res.StatusCode)
	}
}

// upload posts a file to path as the admin in a multipart form with
// the CSRF token tok.
func (s *adminSite) upload(t *testing.T, path, tok string, file []byte, withFile bool) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField(web.CSRFField, tok)
	if withFile {
		fw, _ := mw.CreateFormFile("file", "danh-muc.json")
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	r, err := http.NewRequest("POST", s.url+path, &b)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-Test-User", asAdmin.user)
	r.Header.Set("X-Test-Role", asAdmin.role)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestAdminProcedures: the list shows the catalogue's procedures; a
// procedure's page shows its components and its process drawn inline
// with every step and flow also as text; a catalogue file uploaded is
// loaded (its changes listed after), a malformed one or none is refused
// on the page, and a form without the right CSRF token loads nothing.
func TestAdminProcedures(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/thu-tuc", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	wantIn(t, "list", body, `<a href="/quan-tri/thu-tuc/DANG_KY_KHAI_SINH">DANG_KY_KHAI_SINH</a>`, "<td>Đăng ký khai sinh</td>",
		"<td>Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ</td>", `enctype="multipart/form-data"`, `<input class="file" type="file" id="dm-file" name="file"`)

	res, body = s.do(t, asAdmin, "GET", "/quan-tri/thu-tuc/DANG_KY_KHAI_SINH", nil)
	if res.StatusCode != 200 {
		t.Fatalf("procedure: %d", res.StatusCode)
	}
	proc, err := s.wf.Process(ctx, adminActor, "DANG_KY_KHAI_SINH", 0)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := s.wf.Diagram(ctx, adminActor, "DANG_KY_KHAI_SINH", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "procedure", body, "<h1>Đăng ký khai sinh</h1>", string(svg), "<h3 id=\"cac-buoc\">Các bước của quy trình</h3>")
	for _, st := range proc.Steps {
		wantIn(t, "steps", body, "<li><strong>"+st.Name+"</strong>", st.Role.Label())
	}
	for _, f := range proc.Flows {
		wantIn(t, "flows", body, f.Action.Label())
	}
	if res, _ := s.do(t, asAdmin, "GET", "/quan-tri/thu-tuc/KHONG_CO", nil); res.StatusCode != 404 {
		t.Errorf("unknown procedure: %d", res.StatusCode)
	}

	// A catalogue with one procedure renamed.
	var cat map[string]any
	if err := json.Unmarshal(workflow.DefaultCatalog(), &cat); err != nil {
		t.Fatal(err)
	}
	cat["procedures"].([]any)[0].(map[string]any)["name"] = "Đăng ký khai sinh (sửa đổi)"
	file, _ := json.Marshal(cat)
	before, _ := s.wf.Procedure(ctx, adminActor, "DANG_KY_KHAI_SINH")
	for _, tok := range []string{"", "ma-sai"} {
		if res, _ := s.upload(t, "/quan-tri/thu-tuc/danh-muc", tok, file, true); res.StatusCode != http.StatusForbidden {
			t.Errorf("catalogue with token %q: %d", tok, res.StatusCode)
		}
	}
	if p, _ := s.wf.Procedure(ctx, adminActor, "DANG_KY_KHAI_SINH"); p.Name != before.Name {
		t.Error("a forged form loaded the catalogue")
	}
	res, body = s.upload(t, "/quan-tri/thu-tuc/danh-muc", adminCSRFToken, []byte(`{"procedures": [`), true)
	if res.StatusCode != 400 {
		t.Errorf("malformed: %d", res.StatusCode)
	}
	wantIn(t, "malformed", body, `<a href="#dm-file">Tệp danh mục thủ tục không đúng định dạng.</a>`, `id="dm-file-loi"`, `aria-invalid="true"`)
	res, body = s.upload(t, "/quan-tri/thu-tuc/danh-muc", adminCSRFToken, nil, false)
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#dm-file">Hãy chọn tệp để tải lên.</a>`) {
		t.Errorf("no file: %d", res.StatusCode)
	}
	res, body = s.upload(t, "/quan-tri/thu-tuc/danh-muc", adminCSRFToken, file, true)
	if res.StatusCode != 200 {
		t.Fatalf("load: %d", res.StatusCode)
	}
	wantIn(t, "loaded", body, "Đã nạp danh mục: 1 cơ quan,", "3 thủ tục, 0 phiên bản quy trình mới.", "<td>Đăng ký khai sinh (sửa đổi)</td>")
	if p, _ := s.wf.Procedure(ctx, adminActor, "DANG_KY_KHAI_SINH"); p.Name != "Đăng ký khai sinh (sửa đổi)" {
		t.Errorf("stored name %q", p.Name)
	}
}

// typeRev is the revision of document type code as stored.
func (s *adminSite) typeRev(t *testing.T, code string) int64 {
	t.Helper()
	dt, err := s.vault.DocumentType(context.Background(), adminActor, code)
	if err != nil {
		t.Fatal(err)
	}
	return archive.TypeRev(dt)
}

// TestAdminTypes: the list shows the vault's document types; a type's
// page renames it over the revision it carries, a stale form gets the
// notice with the type as stored now, an empty name is refused beside its
// control.
func TestAdminTypes(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/loai-giay-to", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	ks, _ := s.vault.DocumentType(ctx, adminActor, "KHAI_SINH")
	wantIn(t, "list", body, `<a href="/quan-tri/loai-giay-to/KHAI_SINH">KHAI_SINH</a>`, "<td>"+ks.Name+"</td>")
	rev := archive.TypeRev(ks)
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/loai-giay-to/KHAI_SINH", nil)
	wantIn(t, "type", body, "<h1>"+ks.Name+"</h1>", fmt.Sprintf(`name="rev" value="%d"`, rev), `<label for="lg-name">Tên loại giấy tờ</label>`)
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/loai-giay-to/KHAI_SINH", url.Values{"rev": {fmt.Sprint(rev)}, "name": {"  "}})
	if res.StatusCode != 400 {
		t.Errorf("empty name: %d", res.StatusCode)
	}
	wantIn(t, "empty name", body, `<a href="#lg-name">`, `id="lg-name-loi"`, "autofocus")
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/loai-giay-to/KHAI_SINH", url.Values{"rev": {fmt.Sprint(rev)}, "name": {"Giấy khai sinh (điện tử)"}, "description": {"Bản điện tử."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if now, _ := s.vault.DocumentType(ctx, adminActor, "KHAI_SINH"); now.Name != "Giấy khai sinh (điện tử)" || now.Description != "Bản điện tử." {
		t.Errorf("stored %q %q", now.Name, now.Description)
	}
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/loai-giay-to/KHAI_SINH", url.Values{"rev": {fmt.Sprint(rev)}, "name": {"Ghi đè"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("stale: %d", res.StatusCode)
	}
	wantIn(t, "stale", body, "Loại giấy tờ vừa được người khác thay đổi", `value="Giấy khai sinh (điện tử)"`, fmt.Sprintf(`name="rev" value="%d"`, s.typeRev(t, "KHAI_SINH")))
	if res, _ := s.do(t, asAdmin, "GET", "/quan-tri/loai-giay-to/KHONG_CO", nil); res.StatusCode != 404 {
		t.Errorf("unknown type: %d", res.StatusCode)
	}
}

// TestAdminForms: the list shows the published eForms; a version's page
// shows its fields; a new version uploaded is published, the same file
// again changes nothing, another file under a published version or a
// malformed one is refused on the page, and a form without the right
// CSRF token publishes nothing.
func TestAdminForms(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	d, err := s.forms.GetContext(ctx, "TK_KHAI_SINH", 0)
	if err != nil {
		t.Fatal(err)
	}
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/bieu-mau", nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: %d", res.StatusCode)
	}
	wantIn(t, "list", body, fmt.Sprintf(`<a href="/quan-tri/bieu-mau/TK_KHAI_SINH?phien-ban=%d">TK_KHAI_SINH`, d.Version), "<td>"+d.Title+"</td>")
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/bieu-mau/TK_KHAI_SINH", nil)
	wantIn(t, "form", body, "<h1>"+d.Title+"</h1>", "<li>"+d.Fields[0].Label+" ("+d.Fields[0].Code)
	if res, _ := s.do(t, asAdmin, "GET", "/quan-tri/bieu-mau/TK_KHAI_SINH?phien-ban=x", nil); res.StatusCode != 400 {
		t.Errorf("bad version: %d", res.StatusCode)
	}

	var def map[string]any
	raw, _ := json.Marshal(d)
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	def["version"] = d.Version + 1
	def["title"] = d.Title + " (mẫu mới)"
	next, _ := json.Marshal(def)
	for _, tok := range []string{"", "ma-sai"} {
		if res, _ := s.upload(t, "/quan-tri/bieu-mau", tok, next, true); res.StatusCode != http.StatusForbidden {
			t.Errorf("publish with token %q: %d", tok, res.StatusCode)
		}
	}
	if _, err := s.forms.GetContext(ctx, "TK_KHAI_SINH", d.Version+1); err == nil {
		t.Fatal("a forged form published")
	}
	res, body = s.upload(t, "/quan-tri/bieu-mau", adminCSRFToken, next, true)
	if res.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf("Đã công bố biểu mẫu TK_KHAI_SINH phiên bản %d.", d.Version+1)) {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	if got, err := s.forms.GetContext(ctx, "TK_KHAI_SINH", 0); err != nil || got.Version != d.Version+1 {
		t.Errorf("latest %v %v", got, err)
	}
	_, body = s.upload(t, "/quan-tri/bieu-mau", adminCSRFToken, next, true)
	wantIn(t, "again", body, "đã được công bố với đúng nội dung này")
	def["title"] = "Khác"
	other, _ := json.Marshal(def)
	res, body = s.upload(t, "/quan-tri/bieu-mau", adminCSRFToken, other, true)
	if res.StatusCode != http.StatusConflict {
		t.Errorf("another file under a published version: %d", res.StatusCode)
	}
	wantIn(t, "conflict", body, `<a href="#bm-file">`, `id="bm-file-loi"`)
	res, body = s.upload(t, "/quan-tri/bieu-mau", adminCSRFToken, []byte("{"), true)
	if res.StatusCode != 400 {
		t.Errorf("malformed: %d", res.StatusCode)
	}
	wantIn(t, "malformed", body, `<a href="#bm-file">`, `aria-invalid="true"`)
}

// TestAdminCalendar: a year's page shows the days that apply (the
// shipped national holidays); the year's days are replaced over the
// revision the form carries and deadlines then count with them; a stale
// form gets the notice and the year as stored now; a malformed line or a
// day of another year is refused beside the control, what was typed
// kept; an agency's own days add to the national ones.
func TestAdminCalendar(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	nat, rev, err := s.cals.Effective(ctx, "")
	if err != nil || rev == 0 {
		t.Fatalf("national calendar: rev %d, %v", rev, err)
	}
	y2026 := nat.Year(2026).Days
	if len(y2026) == 0 {
		t.Fatal("the shipped calendar has no day in 2026")
	}
	res, body := s.do(t, asAdmin, "GET", "/quan-tri/ngay-nghi?nam=2026", nil)
	if res.StatusCode != 200 {
		t.Fatalf("page: %d", res.StatusCode)
	}
	d0 := y2026[0]
	date0 := fmt.Sprintf("%02d/%02d/%d", d0.Date.Day, d0.Date.Month, d0.Date.Year)
	wantIn(t, "page", body, "<h1>Ngày nghỉ, ngày làm bù năm 2026</h1>", "<td>"+date0+"</td>", "<td>"+d0.Name+"</td>",
		fmt.Sprintf(`name="rev" value="%d"`, rev), date0+"; ", `<option value="`+ward+`">`)
	if res, _ := s.do(t, asAdmin, "GET", "/quan-tri/ngay-nghi?nam=1999", nil); res.StatusCode != 400 {
		t.Errorf("year 1999: %d", res.StatusCode)
	}

	// Refused: a malformed line, a day of another year; nothing stored.
	for _, c := range []struct{ text, msg string }{
		{"02/09/2026; nghỉ; Quốc khánh\nngày mai; nghỉ; Sai", "Dòng 2: ngày không hợp lệ"},
		{"02/09/2026; nghi; Quốc khánh", "Dòng 1: loại ngày phải là «nghỉ» hoặc «làm bù»."},
		{"02/09/2027; nghỉ; Quốc khánh", "Ngày 02/09/2027 không thuộc năm 2026."},
		{"02/09/2026; nghỉ;  ", "Tên ngày là bắt buộc"},
	} {
		res, body := s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "rev": {fmt.Sprint(rev)}, "ngay": {c.text}})
		if res.StatusCode != 400 {
			t.Errorf("%q: %d", c.text, res.StatusCode)
		}
		wantIn(t, "refused", body, `<a href="#nn-ngay">`+c.msg, `id="nn-ngay-loi"`, "autofocus", attr(strings.SplitN(c.text, ";", 2)[0]))
	}
	if _, now, _ := s.cals.Effective(ctx, ""); now != rev {
		t.Fatalf("a refused form changed the calendar: rev %d → %d", rev, now)
	}

	// Saved: 2026 becomes two days only; 04/12/2026 (a Friday) is off.
	text := "02/09/2026; nghỉ; Quốc khánh\r\n04/12/2026; nghỉ; Ngày nghỉ thử\r\n"
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "rev": {fmt.Sprint(rev)}, "ngay": {text}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/quan-tri/ngay-nghi?nam=2026&da=luu" {
		t.Fatalf("save: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	got, rev2, _ := s.cals.Effective(ctx, "")
	if days := got.Year(2026).Days; len(days) != 2 || days[1].Name != "Ngày nghỉ thử" || rev2 != rev+1 {
		t.Errorf("stored %+v rev %d", days, rev2)
	}
	if len(got.Year(2025).Days) != len(nat.Year(2025).Days) {
		t.Error("another year's days changed")
	}
	cal, err := s.cals.Calendar(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if friday := time.Date(2026, 12, 4, 10, 0, 0, 0, workflow.Vietnam); cal.IsWorking(friday) {
		t.Error("deadlines still count 04/12/2026 as a working day")
	}
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/ngay-nghi?nam=2026&da=luu", nil)
	wantIn(t, "after save", body, "Đã lưu ngày nghỉ, ngày làm bù của năm 2026.", "<td>04/12/2026</td><td>Thứ Sáu</td><td>Ngày nghỉ</td><td>Ngày nghỉ thử</td>")

	// Hours the API set on a day stay when the form is saved again.
	morning := []calendar.Period{{Start: 7*60 + 30, End: 11*60 + 30}}
	if _, rev2, err = s.cals.Apply(ctx, calendar.Spec{Years: []int{2026}, Days: []calendar.Day{
		{Date: archive.Date{Year: 2026, Month: 9, Day: 2}, Kind: calendar.Holiday, Name: "Quốc khánh"},
		{Date: archive.Date{Year: 2026, Month: 12, Day: 5}, Kind: calendar.Workday, Name: "Làm buổi sáng", Hours: morning}}}, "api", rev2); err != nil {
		t.Fatal(err)
	}
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "rev": {fmt.Sprint(rev2)},
		"ngay": {"02/09/2026; nghỉ; Quốc khánh\n05/12/2026; làm bù; Làm buổi sáng (đổi tên)\n04/12/2026; nghỉ; Ngày nghỉ thử"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save over hours: %d", res.StatusCode)
	}
	got, rev2, _ = s.cals.Effective(ctx, "")
	if days := got.Year(2026).Days; len(days) != 3 || days[2].Name != "Làm buổi sáng (đổi tên)" || len(days[2].Hours) != 1 || days[2].Hours[0] != morning[0] {
		t.Errorf("after a save over a day with hours: %+v", days)
	}

	// The same form again is stale.
	res, body = s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "rev": {fmt.Sprint(rev)}, "ngay": {"02/09/2026; nghỉ; Ghi đè"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("stale: %d", res.StatusCode)
	}
	wantIn(t, "stale", body, "Lịch làm việc vừa được thay đổi từ nơi khác", fmt.Sprintf(`name="rev" value="%d"`, rev2), "04/12/2026; nghỉ; Ngày nghỉ thử")

	// An agency's own make-up day; the national days still apply to it.
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "co-quan": {ward}, "rev": {"0"}, "ngay": {"05/12/2026; làm bù; Làm bù thử"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agency save: %d", res.StatusCode)
	}
	res, _ = s.do(t, asAdmin, "POST", "/quan-tri/ngay-nghi", url.Values{"nam": {"2026"}, "co-quan": {ward}, "rev": {"0"}, "ngay": {"06/12/2026; làm bù; Ghi đè"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("a second first record: %d", res.StatusCode)
	}
	_, body = s.do(t, asAdmin, "GET", "/quan-tri/ngay-nghi?nam=2026&co-quan="+ward, nil)
	wantIn(t, "agency", body, "Ủy ban nhân dân phường Bến Nghé", "<td>05/12/2026</td><td>Thứ Bảy</td><td>Ngày làm việc (làm bù)</td>", "<td>04/12/2026</td>",
		`05/12/2026; làm bù; Làm bù thử`)
	if strings.Contains(body, "04/12/2026; nghỉ") {
		t.Error("the agency's form holds the national days")
	}
}

// firstDiff is the first line where two snapshots differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return al[i] + "\n→ " + bl[i]
		}
	}
	return fmt.Sprintf("%d lines → %d", len(al), len(bl))
}

// TestAdminWithSessions: through real sign-in sessions (no test seams):
// an admin's session reaches the pages and creates a token with the
// session's CSRF token, a form without it is refused, and a citizen's
// session gets 403.
func TestAdminWithSessions(t *testing.T) {
	s := newSignInSite(t, 0)
	ctx := context.Background()
	a, err := auth.NewAccount(auth.Account{Username: "quantri", DisplayName: "Phạm Quản Trị", Role: archive.RoleAdmin}, "mat-khau-quan-tri", auth.DefaultArgon2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	admin := s.browser(t, "Mozilla/5.0 quản trị")
	if res, _ := admin.signIn(s.url, "quantri", "mat-khau-quan-tri", "/quan-tri"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/quan-tri" {
		t.Fatalf("sign in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := admin.do("GET", s.url+"/quan-tri/ma-truy-cap", nil)
	tok := firstMatch(csrfRE, body)
	if res.StatusCode != 200 || tok == "" {
		t.Fatalf("tokens page: %d, csrf %q", res.StatusCode, tok)
	}
	res, _ = admin.do("POST", s.url+"/quan-tri/ma-truy-cap", url.Values{"subject": {"he.thong"}, "role": {"staff"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", res.StatusCode)
	}
	res, body = admin.do("POST", s.url+"/quan-tri/ma-truy-cap", url.Values{"csrf": {tok}, "subject": {"he.thong"}, "role": {"staff"}})
	if m := secretRE.FindStringSubmatch(body); res.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d", res.StatusCode)
	} else if got, err := auth.Authenticate(ctx, s.store, "Bearer "+m[1], time.Now()); err != nil || got.Subject != "he.thong" {
		t.Errorf("the token shown: %+v %v", got, err)
	}
	citizen := s.browser(t, "Mozilla/5.0 công dân")
	citizen.signIn(s.url, userA, passA, "")
	if res, body := citizen.do("GET", s.url+"/quan-tri/ma-truy-cap", nil); res.StatusCode != http.StatusForbidden || strings.Contains(body, "he.thong") {
		t.Errorf("a citizen's session: %d", res.StatusCode)
	}
}
