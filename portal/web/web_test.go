package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/portal/web"
)

func newHandler(t *testing.T, cfg web.Config) *web.Handler {
	t.Helper()
	h, err := web.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestHomeLayout(t *testing.T) {
	h := newHandler(t, web.Config{Body: web.Body{Agency: "Sở Khoa học và Công nghệ tỉnh Thử", Address: "1 Đường Thử, Hà Nội",
		Phone: "1900 0000", Email: "hotro@example.gov.vn", Licence: "Giấy phép số 1/GP-TTĐT"}})
	res, body := get(t, h, "/")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		`<html lang="vi">`, `class="skip-link" href="#noi-dung"`, `<main id="noi-dung"`,
		web.DefaultBody.PortalName, "Sở Khoa học và Công nghệ tỉnh Thử", "1 Đường Thử, Hà Nội", "1900 0000",
		`mailto:hotro@example.gov.vn`, "Giấy phép số 1/GP-TTĐT", `href="/dang-nhap"`, `href="/tra-cuu"`, `href="/xac-thuc"`,
		`aria-current="page">Trang chủ`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if got := res.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy || strings.Contains(got, "unsafe-inline") {
		t.Errorf("CSP %q", got)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if res.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, res.Header.Get(k), v)
		}
	}
	// No inline script or style: every <script> has a src, no style attribute or element.
	if regexp.MustCompile(`<script(\s[^>]*)?>[^<]`).MatchString(body) || strings.Contains(body, "<style") || strings.Contains(body, " style=") {
		t.Error("the page has inline script or style")
	}
}

func TestIdentifySeam(t *testing.T) {
	h := newHandler(t, web.Config{Identify: func(r *http.Request) (a web.Actor, ok bool) {
		if r.Header.Get("X-Test-User") == "" {
			return a, false
		}
		a.Subject = r.Header.Get("X-Test-User")
		return a, true
	}})
	_, anon := get(t, h, "/")
	_, signed := get(t, h, "/", "X-Test-User", "Nguyễn Thị Lan")
	signIn := `class="button-link" href="/dang-nhap">Đăng nhập</a>`
	if !strings.Contains(anon, signIn) || strings.Contains(anon, "Nguyễn Thị Lan") {
		t.Error("anonymous header does not offer Đăng nhập")
	}
	if strings.Contains(signed, signIn) || !strings.Contains(signed, `class="account-name" href="/">Nguyễn Thị Lan</a>`) {
		t.Error("signed-in header does not show the person")
	}
}

func TestStaticAssets(t *testing.T) {
	h := newHandler(t, web.Config{})
	_, body := get(t, h, "/")
	m := regexp.MustCompile(`href="(/static/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no hashed stylesheet link")
	}
	res, css := get(t, h, m[1])
	if res.StatusCode != 200 || !strings.Contains(css, ".skip-link") {
		t.Fatalf("stylesheet: %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	res, _ = get(t, h, m[1], "If-None-Match", res.Header.Get("ETag"))
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", res.StatusCode)
	}
	res, _ = get(t, h, "/static/style.css")
	if res.StatusCode != 404 {
		t.Errorf("unhashed name: %d", res.StatusCode)
	}
}

func TestErrorPages(t *testing.T) {
	h := newHandler(t, web.Config{})
	res, body := get(t, h, "/khong-co-trang-nay", "X-Request-Id", "")
	if res.StatusCode != 404 {
		t.Fatalf("status %d", res.StatusCode)
	}
	id := res.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(body, id) || !strings.Contains(body, "Không tìm thấy trang") {
		t.Errorf("404 page lacks its heading or request ID %q", id)
	}
	if strings.Contains(body, "no page") {
		t.Error("404 page shows the English detail")
	}
	// Without the workflow, the lookup is a Vietnamese 503, not a crash.
	res, body = get(t, h, "/tra-cuu?ma=000.00.31.H29-260828-0001")
	if res.StatusCode != 503 || !strings.Contains(body, "Máy chủ chưa được cấu hình") || strings.Contains(body, "web.Config") {
		t.Errorf("lookup without workflow: %d", res.StatusCode)
	}
}
