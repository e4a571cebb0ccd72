package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/authtest"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage/sqlite"
)

// signInSite is the pages with the sign-in service over a real embedded
// store holding two citizens' accounts, made as kho admin user add does.
type signInSite struct {
	url   string
	store *sqlite.Store
}

const (
	userA, passA = "nguyen.lan", "mật khẩu của Lan 2026"
	userB, passB = "tran.binh", "mật khẩu của Bình 2026"
)

// displayNames are the test accounts' names as the header shows them.
var displayNames = map[string]string{userA: "Nguyễn Thị Lan", userB: "Trần Văn Bình"}

func newSignInSite(t *testing.T, maxSessions int) *signInSite {
	return newSignInSiteWith(t, maxSessions, nil)
}

// newSignInSiteWith lets edit add to the pages' configuration once the
// server's URL is known (the OpenID Connect client needs it).
func newSignInSiteWith(t *testing.T, maxSessions int, edit func(cfg *web.Config, base string)) *signInSite {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	for _, u := range []struct{ name, pw, id string }{{userA, passA, "001099000111"}, {userB, passB, "001099000222"}} {
		a, err := auth.NewAccount(auth.Account{Username: u.name, DisplayName: displayNames[u.name], Role: archive.RoleCitizen, CitizenID: u.id}, u.pw, auth.DefaultArgon2, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := auth.NewService(auth.Config{Store: store, Tokens: store, Key: []byte("khóa thử nghiệm của trang đăng nhập, đủ 32 byte"), MaxSessions: maxSessions,
		ChallengeMinAge: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	cfg := web.Config{Auth: svc}
	if edit != nil {
		edit(&cfg, hs.URL)
	}
	if h, err = web.New(cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return &signInSite{url: hs.URL, store: store}
}

// browser is one client with its own cookies that does not follow
// redirects.
type browser struct {
	t  *testing.T
	c  *http.Client
	ua string
	// xff, when set, is sent as X-Forwarded-For (a reverse proxy's).
	xff string
}

func (s *signInSite) browser(t *testing.T, ua string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, ua: ua, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", b.ua)
	if b.xff != "" {
		req.Header.Set("X-Forwarded-For", b.xff)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	s, _ := io.ReadAll(res.Body)
	return res, string(s)
}

func (b *browser) signIn(base, user, pw, next string) (*http.Response, string) {
	return b.do("POST", base+web.PathSignIn, url.Values{"username": {user}, "password": {pw}, "tiep": {next}})
}

var (
	csrfRE         = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	sessionIDRE    = regexp.MustCompile(`name="id" value="([^"]+)"`)
	regexpOIDCLink = regexp.MustCompile(`<a class="button-link" href="(/dang-nhap/oidc[^"]*)">`)
	dateTimeRE     = regexp.MustCompile(`\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}`)
)

var (
	challengeTokenRE    = regexp.MustCompile(`name="` + auth.ChallengeTokenField + `" value="([^"]+)"`)
	challengeQuestionRE = regexp.MustCompile(`<label for="cau-hoi">([^<]+)</label>`)
)

// solved is the sign-in form of a page that shows the challenge, with
// the challenge answered as a person would.
func solved(t *testing.T, page, user, pw string) url.Values {
	t.Helper()
	tok, q := firstMatch(challengeTokenRE, page), html.UnescapeString(firstMatch(challengeQuestionRE, page))
	n, err := authtest.AnswerChallenge(q)
	if tok == "" || err != nil {
		t.Fatalf("the page shows no challenge to answer (token %q): %v", tok, err)
	}
	return url.Values{"username": {user}, "password": {pw}, auth.ChallengeTokenField: {tok}, auth.ChallengeAnswerField: {strconv.Itoa(n)}}
}

func firstMatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// TestSignInPages: sign in with an account of the store, the wrong
// password's message, the return path kept local, the list of one's
// sessions (device, address, times), revoking one and the others, CSRF
// on every POST, the limit's notice, sign-out; another account can
// neither see nor end A's sessions.
func TestSignInPages(t *testing.T) {
	s := newSignInSite(t, 2)
	a1 := s.browser(t, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")

	res, body := a1.do("GET", s.url+web.PathSessions, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dang-nhap?tiep=%2Ftai-khoan%2Fphien" {
		t.Fatalf("signed out, sessions page: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = a1.do("GET", s.url+"/dang-nhap?tiep=%2Ftai-khoan%2Fphien", nil)
	for _, want := range []string{`<label for="username">Tên đăng nhập</label>`, `<label for="password">Mật khẩu</label>`,
		`autocomplete="current-password"`, `name="tiep" value="/tai-khoan/phien"`, `name="csrf"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in form lacks %q", want)
		}
	}

	res, body = a1.signIn(s.url, userA, "sai mật khẩu", "/tai-khoan/phien")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Tên đăng nhập hoặc mật khẩu không đúng.") ||
		!strings.Contains(body, `role="alert"`) || !strings.Contains(body, `aria-invalid="true"`) || len(res.Cookies()) != 0 {
		t.Fatalf("wrong password: %d, cookies %v\n%s", res.StatusCode, res.Cookies(), body)
	}
	if !strings.Contains(body, `name="`+auth.ChallengeTokenField+`"`) || !strings.Contains(body, `value="`+userA+`"`) {
		t.Error("after a failure the form does not keep the name or show the challenge")
	}

	// After a failure the right password alone is not enough: the page
	// asks for the challenge (and shows it again); answered, it gets in.
	res, body = a1.signIn(s.url, userA, passA, "/tai-khoan/phien")
	if res.StatusCode != http.StatusBadRequest || len(res.Cookies()) != 0 || !strings.Contains(body, "vui lòng trả lời câu hỏi kiểm tra") {
		t.Fatalf("right password without the challenge after a failure: %d, cookies %v\n%s", res.StatusCode, res.Cookies(), body)
	}
	form := solved(t, body, userA, passA)
	form.Set("tiep", "/tai-khoan/phien")
	res, _ = a1.do("POST", s.url+web.PathSignIn, form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tai-khoan/phien" {
		t.Fatalf("sign-in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	c := res.Cookies()
	if len(c) != 1 || c[0].Name != auth.CookieName(false) || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", c)
	}
	res, body = a1.do("GET", s.url+web.PathSessions, nil)
	if !strings.Contains(body, `class="account-name" href="/kho-cua-toi">Nguyễn Thị Lan</a>`) {
		t.Error("the header does not name the signed-in account by its display name")
	}
	if res.StatusCode != 200 || !strings.Contains(body, "Chrome trên Windows (phiên này)") || !strings.Contains(body, "127.0.0.1") ||
		len(dateTimeRE.FindAllString(body, -1)) < 2 || !strings.Contains(body, `>Đăng xuất</button>`) {
		t.Fatalf("sessions page: %d\n%s", res.StatusCode, body)
	}
	a1ID, a1CSRF := firstMatch(sessionIDRE, body), firstMatch(csrfRE, body)
	if a1CSRF == "" {
		t.Fatal("no CSRF token on the sessions page")
	}

	// A return path to another site goes to the default page instead;
	// with the limit of 2, a2's second sign-in ends a1's session and the
	// third a2's first, and each says which ended before going on.
	a2 := s.browser(t, "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0")
	continueRE := regexp.MustCompile(`<a class="button-link" href="([^"]*)">Tiếp tục</a>`)
	for i, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
		res, body = a2.signIn(s.url, userA, passA, next)
		got := res.Header.Get("Location")
		if res.StatusCode == 200 {
			got = firstMatch(continueRE, body)
		}
		if got != web.PathMyVault {
			t.Errorf("tiep=%q: %d, goes on to %q", next, res.StatusCode, got)
		}
		ended := map[int]string{1: "Chrome trên Windows", 2: "Firefox trên Android"}[i]
		if (ended == "") != (res.StatusCode == http.StatusSeeOther) || ended != "" && (!strings.Contains(body, "đã kết thúc") ||
			!strings.Contains(body, ended) || !dateTimeRE.MatchString(body) || !strings.Contains(body, "127.0.0.1")) {
			t.Errorf("sign-in %d past the limit: %d, want %q announced\n%s", i+1, res.StatusCode, ended, body)
		}
	}
	if res, _ = a1.do("GET", s.url+web.PathSessions, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a1's session outlived the limit: %d", res.StatusCode)
	}
	a1.signIn(s.url, userA, passA, "")
	_, body = a1.do("GET", s.url+web.PathSessions, nil)
	a1ID, a1CSRF = firstMatch(sessionIDRE, body), firstMatch(csrfRE, body)
	if n := strings.Count(body, `<li class="session`); n != 2 {
		t.Fatalf("a1 sees %d sessions, want 2", n)
	}

	// B cannot see A's sessions nor end them: 404, A still signed in.
	b := s.browser(t, "curl/8")
	b.signIn(s.url, userB, passB, "")
	_, bBody := b.do("GET", s.url+web.PathSessions, nil)
	if strings.Contains(bBody, a1ID) || strings.Count(bBody, `<li class="session`) != 1 {
		t.Error("B's list shows A's sessions")
	}
	res, _ = b.do("POST", s.url+web.PathSessions+"/thu-hoi", url.Values{"csrf": {firstMatch(csrfRE, bBody)}, "id": {a1ID}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("B ending A's session: %d, want 404", res.StatusCode)
	}
	// A POST without the token, or with B's, ends nothing.
	for _, tok := range []string{"", firstMatch(csrfRE, bBody)} {
		res, body = a2.do("POST", s.url+web.PathSessions+"/thu-hoi-khac", url.Values{"csrf": {tok}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "csrf_failed") {
			t.Errorf("revoke others with token %q: %d", tok, res.StatusCode)
		}
	}
	if res, _ = a1.do("GET", s.url+web.PathSessions, nil); res.StatusCode != 200 {
		t.Fatalf("A's session ended by B or by a forged form: %d", res.StatusCode)
	}

	// a2 ends the others: a1 is signed out, a2 not.
	_, body = a2.do("GET", s.url+web.PathSessions, nil)
	res, _ = a2.do("POST", s.url+web.PathSessions+"/thu-hoi-khac", url.Values{"csrf": {firstMatch(csrfRE, body)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tai-khoan/phien?da=thu-hoi-khac" {
		t.Fatalf("revoke others: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ = a1.do("GET", s.url+web.PathSessions, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a1 still signed in after revoke-others: %d", res.StatusCode)
	}
	res, body = a2.do("GET", s.url+"/tai-khoan/phien?da=thu-hoi-khac", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Đã kết thúc mọi phiên đăng nhập khác.") || strings.Count(body, `<li class="session`) != 1 {
		t.Fatalf("after revoke others: %d\n%s", res.StatusCode, body)
	}

	// One session ended from the list: a1 signs in again, a2 ends it.
	a1.signIn(s.url, userA, passA, "")
	_, body = a2.do("GET", s.url+web.PathSessions, nil)
	var other string
	for _, m := range sessionIDRE.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, m[1]+`">`+"\n"+`<button class="button button-secondary" type="submit">Đăng xuất phiên này`) {
			other = m[1]
		}
	}
	res, _ = a2.do("POST", s.url+web.PathSessions+"/thu-hoi", url.Values{"csrf": {firstMatch(csrfRE, body)}, "id": {other}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tai-khoan/phien?da=thu-hoi" {
		t.Fatalf("revoke one: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ = a1.do("GET", s.url+web.PathSessions, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a1 still signed in after its session was ended: %d", res.StatusCode)
	}

	// Sign-out: needs the token, then ends the session and clears the cookie.
	res, _ = a2.do("POST", s.url+web.PathSignOut, url.Values{"csrf": {"sai"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a wrong token: %d", res.StatusCode)
	}
	res, _ = a2.do("POST", s.url+web.PathSignOut, url.Values{"csrf": {firstMatch(csrfRE, body)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" || len(res.Cookies()) != 1 || res.Cookies()[0].MaxAge >= 0 {
		t.Fatalf("sign-out: %d %q %v", res.StatusCode, res.Header.Get("Location"), res.Cookies())
	}
	if res, _ = a2.do("GET", s.url+web.PathSessions, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed in after sign-out: %d", res.StatusCode)
	}
	left, err := s.store.ListSessions(context.Background(), userA, 10)
	if err != nil || len(left) != 0 {
		t.Errorf("A's sessions left in the store: %v %v", left, err)
	}
}

// TestSignInThrottle: past the free failures the page says when to try
// again (429, Retry-After) and even the right password waits; a wrong
// answer to the challenge shown after a failure is refused before the
// password is checked.
func TestSignInThrottle(t *testing.T) {
	s := newSignInSite(t, 5)
	a := s.browser(t, "Mozilla/5.0 Firefox/133.0")
	res, body := a.signIn(s.url, userA, "sai", "")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failure 1: %d", res.StatusCode)
	}
	// Each further try answers the challenge its failure page showed.
	for i := 1; i < auth.DefaultThrottlePolicy.AccountFree; i++ {
		res, body = a.do("POST", s.url+web.PathSignIn, solved(t, body, userA, "sai"))
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	// The challenge of the last failure, answered wrong.
	tok := firstMatch(challengeTokenRE, body)
	if tok == "" {
		t.Fatal("no challenge after failures")
	}
	res, body = a.do("POST", s.url+web.PathSignIn, url.Values{"username": {userB}, "password": {passB},
		auth.ChallengeTokenField: {tok}, auth.ChallengeAnswerField: {"-1"}})
	if res.StatusCode < 400 || res.StatusCode >= 500 || len(res.Cookies()) != 0 || !strings.Contains(body, `role="alert"`) {
		t.Errorf("wrong challenge answer: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	res, body = a.do("POST", s.url+web.PathSignIn, solved(t, body, userA, passA))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ") || len(res.Cookies()) != 0 {
		t.Fatalf("throttled sign-in: %d %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	// Another account from the same address is not held up by A's wait;
	// past the address's third failure it answers the challenge.
	res, _ = a.do("POST", s.url+web.PathSignIn, solved(t, body, userB, passB))
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("B throttled by A's failures: %d", res.StatusCode)
	}
}

// TestSignInBehindProxy: behind a trusted reverse proxy the session
// records the address the proxy names; a peer that is not trusted cannot
// name one (its X-Forwarded-For is ignored).
func TestSignInBehindProxy(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
		notWant string
	}{
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, "198.51.100.7", "127.0.0.1"},
		{"not trusted", nil, "127.0.0.1", "198.51.100.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSignInSiteWith(t, 5, func(cfg *web.Config, _ string) { cfg.TrustedProxies = c.trusted })
			b := s.browser(t, "Mozilla/5.0 Firefox/133.0")
			b.xff = "203.0.113.66, 198.51.100.7"
			if res, _ := b.signIn(s.url, userA, passA, ""); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", res.StatusCode)
			}
			res, body := b.do("GET", s.url+web.PathSessions, nil)
			if res.StatusCode != 200 || !strings.Contains(body, c.want) || strings.Contains(body, c.notWant) || strings.Contains(body, "203.0.113.66") {
				t.Errorf("sessions page: %d, want address %s and not %s or the client's own entry:\n%s", res.StatusCode, c.want, c.notWant, body)
			}
		})
	}
}

// TestSignInAccessible: the sign-in page passes axe at both widths; in
// a browser, a wrong password focuses the error summary (axe again), and
// the keyboard alone signs in and lands on the sessions page (axe again).
func TestSignInAccessible(t *testing.T) {
	s := newSignInSite(t, 5)
	b := browsertest.New(t)
	b.CheckAccessible(t, s.url+"/dang-nhap?tiep=%2Ftai-khoan%2Fphien")
	tab := b.Tab(t, browsertest.PhoneWidth)
	form := s.url + "/dang-nhap?tiep=%2Ftai-khoan%2Fphien"
	tab.Do(t, chromedp.Navigate(form), chromedp.WaitReady(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), userA), chromedp.SendKeys(chromedp.ID("password"), "sai mật khẩu"+kb.Enter),
		chromedp.WaitReady(chromedp.CSS(".error-summary")))
	if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
		t.Errorf("after a wrong password the focus is on %q, want the error summary", got)
	}
	for _, v := range browsertest.Serious(tab.Axe(t)) {
		t.Errorf("axe, wrong password: %s", v)
	}
	// The failure page keeps the name and asks the challenge: the keyboard
	// answers it with the right password.
	question := browsertest.Eval[string](t, tab, `document.querySelector('label[for="cau-hoi"]').textContent`)
	n, err := authtest.AnswerChallenge(strings.TrimSpace(question))
	if err != nil {
		t.Fatal(err)
	}
	tab.Do(t, chromedp.SendKeys(chromedp.ID("password"), passA), chromedp.SendKeys(chromedp.ID("cau-hoi"), strconv.Itoa(n)+kb.Enter),
		chromedp.WaitReady(chromedp.CSS("li.session-current")))
	for _, v := range browsertest.Serious(tab.Axe(t)) {
		t.Errorf("axe, sessions page: %s", v)
	}
	if o := browsertest.Eval[int](t, tab, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); o > 0 {
		t.Errorf("at 360 px the sessions page is %d px wider than the viewport", o)
	}
}
