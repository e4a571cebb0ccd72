package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/auth"
)

// TestServeSignIn: kho serve signs in an account made by kho admin user
// add through the web pages (a plain-HTTP loopback server: the cookie is
// not Secure), keeps the key it made in DIR/auth.key (0600), ends the
// oldest session past --max-sessions, and the JSON API still takes
// bearer tokens only — the session cookie proves nothing there.
func TestServeSignIn(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"KHO_DATA": data}
	if code, _, errs := runKhoIn(t, env, "mật khẩu công dân An\n", "admin", "user", "add", "--username", "an.tran", "--name", "Trần Thị An",
		"--role", "citizen", "--citizen-id", "001090012345"); code != 0 {
		t.Fatalf("admin user add: %d %s", code, errs)
	}
	k := startServe(t, env, "--max-sessions", "1")
	fi, err := os.Stat(filepath.Join(data, authKeyName))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 64 {
		t.Fatalf("auth key: %v %v", fi, err)
	}
	signIn := func() (*http.Client, *http.Response, string) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.PostForm(k.base+"/dang-nhap", url.Values{"username": {"an.tran"}, "password": {"mật khẩu công dân An"}, "tiep": {"/tai-khoan/phien"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return c, res, string(b)
	}
	c1, res, _ := signIn()
	cs := res.Cookies()
	if res.StatusCode != http.StatusSeeOther || len(cs) != 1 || cs[0].Name != auth.CookieName(false) || cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("sign-in: %d %+v", res.StatusCode, cs)
	}
	get := func(c *http.Client, path string) (int, string) {
		res, err := c.Get(k.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(c1, "/tai-khoan/phien"); code != 200 || !strings.Contains(body, "(phiên này)") || !strings.Contains(body, ">Trần Thị An</a>") {
		t.Fatalf("sessions page: %d\n%s", code, body)
	}
	if code, body := get(c1, "/api/v1/documents"); code != http.StatusUnauthorized {
		t.Errorf("the API with a session cookie only: %d %s", code, body)
	}
	// --max-sessions 1: the second sign-in ends the first and says so.
	c2, res, body := signIn()
	if res.StatusCode != 200 || !strings.Contains(body, "đã kết thúc") {
		t.Fatalf("second sign-in: %d\n%s", res.StatusCode, body)
	}
	if code, _ := get(c1, "/tai-khoan/phien"); code != http.StatusSeeOther {
		t.Errorf("first session alive past --max-sessions 1: %d", code)
	}
	if code, _ := get(c2, "/tai-khoan/phien"); code != 200 {
		t.Errorf("second session: %d", code)
	}
}

// TestServeAuthConfig: the Secure choice by listen address and flag, a
// bad flag refused, and no key with MongoDB turns sign-in off.
func TestServeAuthConfig(t *testing.T) {
	for _, c := range []struct {
		flag, addr string
		want       bool
	}{
		{"auto", "127.0.0.1:8080", false}, {"auto", "[::1]:0", false}, {"auto", "localhost:8080", false},
		{"auto", "0.0.0.0:8080", true}, {"auto", ":8080", true}, {"auto", "10.1.2.3:443", true},
		{"true", "127.0.0.1:8080", true}, {"false", "0.0.0.0:8080", false},
	} {
		got, err := (&serveAuth{secure: c.flag}).secureCookie(c.addr)
		if err != nil || got != c.want {
			t.Errorf("--cookie-secure %s --addr %s: %v %v, want %v", c.flag, c.addr, got, err, c.want)
		}
	}
	if _, err := (&serveAuth{secure: "có"}).secureCookie("127.0.0.1:1"); err == nil {
		t.Error("--cookie-secure có accepted")
	}
	cfg := &config.Serve{Addr: "127.0.0.1:0"}
	cfg.Store.MongoURI = "mongodb://127.0.0.1:1"
	svc, err := (&serveAuth{secure: "auto", maxSessions: 5}).service(nil, cfg, slog.New(slog.DiscardHandler))
	if svc != nil || err != nil {
		t.Errorf("MongoDB without a key: %v %v, want sign-in off", svc, err)
	}
	if _, err := (&serveAuth{secure: "auto", maxSessions: 0}).service(nil, cfg, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("--max-sessions 0 accepted")
	}
	short := filepath.Join(t.TempDir(), "short.key")
	os.WriteFile(short, []byte("abc"), 0o600)
	if _, err := readAuthKey(short); err == nil {
		t.Error("a 3-byte key accepted")
	}
}

// TestServeSignInOIDC: kho serve with --oidc-issuer signs a citizen in
// through the real local OpenID Connect provider (the callback on the
// listen address) and makes their account on first sign-in.
func TestServeSignInOIDC(t *testing.T) {
	p := testenv.OIDCProvider(t)
	data := filepath.Join(t.TempDir(), "data")
	secret := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := startServe(t, map[string]string{"KHO_DATA": data}, "--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID,
		"--oidc-client-secret-file", secret)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	step := func(method, u string, form url.Values) *url.URL {
		t.Helper()
		var res *http.Response
		var err error
		if form != nil {
			res, err = c.PostForm(u, form)
		} else {
			res, err = c.Get(u)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			t.Fatalf("%s %s: %d, no redirect\n%s", method, u, res.StatusCode, b)
		}
		return loc
	}
	authorize := step("GET", k.base+"/dang-nhap/oidc?tiep=%2Ftai-khoan%2Fphien", nil)
	login := step("GET", authorize.String(), nil)
	back := step("POST", login.Scheme+"://"+login.Host+"/login", url.Values{"id": {login.Query().Get("authRequestID")}, "user": {"cd-002"}})
	callback := step("GET", back.String(), nil)
	if !strings.HasPrefix(callback.String(), k.base+"/dang-nhap/oidc/callback?") {
		t.Fatalf("the provider called back %s", callback)
	}
	if done := step("GET", callback.String(), nil); done.String() != "/tai-khoan/phien" && done.String() != k.base+"/tai-khoan/phien" {
		t.Fatalf("after the callback: %s", done)
	}
	res, err := c.Get(k.base + "/tai-khoan/phien")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), ">Trần Thị Bình</a>") || !strings.Contains(string(b), "(phiên này)") {
		t.Fatalf("sessions page after the OIDC sign-in: %d\n%s", res.StatusCode, b)
	}
}
