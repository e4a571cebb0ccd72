package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestServeWebDraft: kho serve gives the draft page the drafts the API
// keeps — a citizen signed in on the pages saves a half-filled
// declaration with "Lưu nháp" and finds it again on reload.
func TestServeWebDraft(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	k := startServe(t, map[string]string{"KHO_DATA": data}, "--demo")
	var citizen demoAccount
	for _, acc := range readDemoState(t, data).Accounts {
		if acc.Role == archive.RoleCitizen && citizen.Username == "" {
			citizen = acc
		}
	}
	c, code := demoSignIn(t, k, citizen.Username, citizen.Password)
	if code != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d", citizen.Username, code)
	}
	csrfRE, revRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`), regexp.MustCompile(`name="rev" value="(\d+)"`)
	_, body := demoGet(t, c, k, "/dich-vu/DANG_KY_KHAI_SINH")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the procedure's page has no CSRF token:\n%s", body)
	}
	res, err := c.PostForm(k.base+"/dich-vu/DANG_KY_KHAI_SINH", url.Values{"csrf": {m[1]}, "ho-ten": {citizen.Name}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	draft := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(draft, "/soan") {
		t.Fatalf("start: %d %q", res.StatusCode, draft)
	}
	_, body = demoGet(t, c, k, draft)
	rev := revRE.FindStringSubmatch(body)
	if rev == nil {
		t.Fatalf("the draft page has no rev:\n%s", body)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for _, f := range [][2]string{{"csrf", m[1]}, {"rev", rev[1]}, {"lenh", "luu"}, {"bm-TO_KHAI-hoTen", "Nguyễn Minh Khôi"}, {"bm-TO_KHAI-ngaySinh", "31/02/2026"}} {
		_ = mw.WriteField(f[0], f[1])
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", k.base+draft, &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "Đã lưu bản nháp của tờ khai") {
		t.Fatalf("the half-filled save: %d\n%s", res.StatusCode, b)
	}
	if _, body = demoGet(t, c, k, draft); !strings.Contains(body, `value="31/02/2026"`) || !strings.Contains(body, "Đang hiện bản nháp của tờ khai lưu lúc") {
		t.Errorf("the reloaded draft page does not show the draft:\n%s", body)
	}
}
