package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/oidc"
	"github.com/kho-vn/kho/portal/web"
)

// TestSignInOIDC: against the real local OpenID Connect provider, the
// sign-in page's VNeID link signs a citizen in by their citizen ID: the
// account is made on the first sign-in and found again on the next; its
// session acts as that citizen's vault; a person without a citizen ID
// claim gets the error page and no session.
func TestSignInOIDC(t *testing.T) {
	p := testenv.OIDCProvider(t)
	s := newSignInSiteWith(t, 5, func(cfg *web.Config, base string) {
		c, err := oidc.New(oidc.Config{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			RedirectURL: base + oidc.CallbackPath, CookieKey: []byte("khóa luồng OIDC thử nghiệm, đủ 32 byte"), InsecureCookie: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg.OIDC = c
	})
	follow := func(b *browser, res *http.Response, body string) (*http.Response, string) {
		t.Helper()
		if res.StatusCode/100 != 3 {
			t.Fatalf("%s: %d, want a redirect\n%s", res.Request.URL, res.StatusCode, body)
		}
		loc, _ := res.Location()
		return b.do("GET", loc.String(), nil)
	}
	// signIn walks from the sign-in page's link to Kho's answer to the callback.
	signIn := func(b *browser, user string) (*http.Response, string) {
		t.Helper()
		_, page := b.do("GET", s.url+"/dang-nhap?tiep=%2Ftai-khoan%2Fphien", nil)
		link := firstMatch(regexpOIDCLink, page)
		if link != "/dang-nhap/oidc?tiep=%2ftai-khoan%2fphien" && link != "/dang-nhap/oidc?tiep=%2Ftai-khoan%2Fphien" {
			t.Fatalf("sign-in page's VNeID link %q", link)
		}
		res, body := b.do("GET", s.url+strings.ReplaceAll(link, "&amp;", "&"), nil)
		res, body = follow(b, res, body) // the provider's authorize → its login page
		loc, _ := res.Location()
		id := loc.Query().Get("authRequestID")
		if id == "" {
			t.Fatalf("the provider sent the browser to %s", loc)
		}
		res, body = b.do("POST", loc.Scheme+"://"+loc.Host+"/login", url.Values{"id": {id}, "user": {user}})
		res, body = follow(b, res, body) // the provider's callback issues the code
		return follow(b, res, body)      // Kho's callback
	}
	b := s.browser(t, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
	res, body := signIn(b, "cd-001")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tai-khoan/phien" {
		t.Fatalf("OIDC sign-in: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	res, body = b.do("GET", s.url+"/tai-khoan/phien", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "(phiên này)") || !strings.Contains(body, `class="account-name" href="/kho-cua-toi">Nguyễn Văn An</a>`) {
		t.Fatalf("sessions page after OIDC: %d\n%s", res.StatusCode, body)
	}
	acct, err := s.store.AccountByUsername(context.Background(), auth.ExternalUsername("001090012345"))
	if err != nil || acct.CitizenID != "001090012345" || acct.DisplayName != "Nguyễn Văn An" || acct.Role != "citizen" {
		t.Fatalf("account made by the first OIDC sign-in: %+v %v", acct, err)
	}
	// The second sign-in finds the same account: two sessions of it.
	b2 := s.browser(t, "Mozilla/5.0 (Android 14) Firefox/133.0")
	if res, _ = signIn(b2, "cd-001"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second OIDC sign-in: %d", res.StatusCode)
	}
	if list, err := s.store.ListSessions(context.Background(), acct.Username, 10); err != nil || len(list) != 2 {
		t.Errorf("sessions of the OIDC account: %d %v, want 2", len(list), err)
	}
	// A disabled account is refused, with no session.
	if _, err := auth.SetDisabled(context.Background(), s.store, acct.Username, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	b4 := s.browser(t, "curl/8")
	res, body = signIn(b4, "cd-001")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Tài khoản đã bị khoá") {
		t.Errorf("OIDC sign-in of a disabled account: %d\n%s", res.StatusCode, body)
	}
	if res, _ = b4.do("GET", s.url+"/tai-khoan/phien", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a disabled account signed in by OIDC: %d", res.StatusCode)
	}
	// No citizen ID claim: the error page, no session.
	b3 := s.browser(t, "curl/8")
	res, body = signIn(b3, "cd-003")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "số định danh cá nhân") || len(res.Cookies()) != 1 {
		t.Errorf("OIDC without a citizen ID: %d %v\n%s", res.StatusCode, res.Cookies(), body)
	}
	if res, _ = b3.do("GET", s.url+"/tai-khoan/phien", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed in without a citizen ID: %d", res.StatusCode)
	}
}
