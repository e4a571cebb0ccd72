package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAdminPages: kho serve gives the administration pages what
// they call — sign-in, the vault, the workflow, the eForm registry and
// the calendars: an admin made by kho admin user add signs in and every
// section's page answers with the store's data, none a 503.
func TestServeAdminPages(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"KHO_DATA": data}
	if code, _, errs := runKhoIn(t, env, "mật khẩu quản trị 2026\n", "admin", "user", "add", "--username", "quantri", "--name", "Phạm Quản Trị",
		"--role", "admin"); code != 0 {
		t.Fatalf("admin user add: %d %s", code, errs)
	}
	k := startServe(t, env)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(k.base+"/dang-nhap", url.Values{"username": {"quantri"}, "password": {"mật khẩu quản trị 2026"}, "tiep": {"/quan-tri"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/quan-tri" {
		t.Fatalf("sign-in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	for path, want := range map[string]string{
		"/quan-tri":                           "Quản trị hệ thống",
		"/quan-tri/tai-khoan":                 "<td>quantri</td>",
		"/quan-tri/ma-truy-cap":               "Cấp mã truy cập",
		"/quan-tri/co-quan":                   "Ủy ban nhân dân phường Bến Nghé",
		"/quan-tri/thu-tuc/DANG_KY_KHAI_SINH": "<svg",
		"/quan-tri/loai-giay-to":              "KHAI_SINH",
		"/quan-tri/bieu-mau":                  "TK_KHAI_SINH",
		"/quan-tri/ngay-nghi?nam=2026":        "Quốc khánh",
		"/quan-tri/co-quan/000.00.31.H29":     "Bộ phận Một cửa",
		"/quan-tri/bieu-mau/TK_KHAI_SINH":     "Tờ khai đăng ký khai sinh",
		"/quan-tri/loai-giay-to/KHAI_SINH":    "Sửa tên và mô tả",
		"/quan-tri/thu-tuc":                   "Đăng ký khai sinh",
	} {
		res, err := c.Get(k.base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, want %q in the page", path, res.StatusCode, want)
		}
	}
}
