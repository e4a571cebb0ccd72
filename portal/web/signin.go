package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/oidc"
	"github.com/kho-vn/kho/portal/internal/edge"
)

// maxSignInForm bounds the body of the sign-in and session forms.
const maxSignInForm = 16 << 10

// sessionActor is Config.Identify over Auth's middleware: the signed-in
// account's actor (an API token's too: pages accept both).
func sessionActor(r *http.Request) (Actor, bool) {
	p, err := auth.PrincipalFrom(r.Context())
	if err != nil {
		return Actor{}, false
	}
	return p.Actor, true
}

// authCSRF is the CSRF seam over Auth's sessions: the token of the
// session, checked with Origin and Sec-Fetch-Site by auth.CheckCSRF.
type authCSRF struct{ svc *auth.Service }

func (c authCSRF) Token(r *http.Request) string {
	p, err := auth.PrincipalFrom(r.Context())
	if err != nil {
		return ""
	}
	return p.CSRFToken()
}

// Check reads the pages' field "csrf" (the handler parsed the form) and
// hands it to auth.CheckCSRF as its header, which it reads first.
func (c authCSRF) Check(r *http.Request) error {
	p, err := auth.PrincipalFrom(r.Context())
	if err != nil {
		return err
	}
	if tok := r.PostForm.Get(CSRFField); tok != "" && r.Header.Get(auth.CSRFHeader) == "" {
		r = r.Clone(r.Context())
		r.Header.Set(auth.CSRFHeader, tok)
	}
	return c.svc.CheckCSRF(r, p)
}

// errNoAuth answers the sign-in pages of a portal run without sign-in.
var errNoAuth = kerr.New(kerr.Unavailable, "sign_in_unavailable", "Chức năng đăng nhập chưa được bật trên cổng này.", "web.Config.Auth is nil")

// localPath returns next if it is a path of this portal ("/…", not
// "//host" or "/\\host", no scheme or host), else def.
func localPath(next, def string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	return next
}

// SignInURL is the sign-in page that returns to path afterwards: where a
// page sends a signed-out visitor (303).
func SignInURL(path string) string {
	return PathSignIn + "?tiep=" + url.QueryEscape(path)
}

// signInPage is the sign-in page's data.
type signInPage struct {
	Username string
	Next     string
	Error    string // the message beside the form
	Field    string // the field the error is about ("" for the form)
	// Challenge is shown after a failed attempt: its question, token and
	// the honeypot's name.
	Challenge *auth.Challenge
	Fields    map[string]string
	// OIDC is the address of the OpenID Connect sign-in ("" = none).
	OIDC string
	// Ended are the sessions the limit ended at this sign-in; the page
	// then says so and links on to Next.
	Ended []auth.Session
}

var challengeFields = map[string]string{"Token": auth.ChallengeTokenField, "Answer": auth.ChallengeAnswerField, "Honeypot": auth.HoneypotField}

// defaultNext is where a sign-in goes without tiep=, and the header's
// link from the person's name: their own part of the portal.
func defaultNext(a Actor) string {
	switch a.Role {
	case "citizen":
		return PathMyVault
	case "staff":
		return PathStaff
	case "admin":
		return PathAdmin
	}
	return PathHome
}

// signInForm is GET /dang-nhap: the form, or straight on when already
// signed in.
func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Auth == nil {
		h.renderError(w, r, errNoAuth)
		return
	}
	if p, err := auth.PrincipalFrom(r.Context()); err == nil && p.Session != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("tiep"), defaultNext(p.Actor)), http.StatusSeeOther)
		return
	}
	page := signInPage{Next: localPath(r.URL.Query().Get("tiep"), "")}
	page.OIDC = h.oidcURL(page.Next)
	h.render(w, r, http.StatusOK, "signin", "Đăng nhập", "", page)
}

// signIn is POST /dang-nhap: the Origin checks (no session yet, so no
// token), the challenge when the form carries one, then auth's SignIn.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	svc := h.cfg.Auth
	if svc == nil {
		h.renderError(w, r, errNoAuth)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ."))
		return
	}
	if err := svc.CheckOrigin(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	page := signInPage{Username: strings.TrimSpace(r.PostFormValue("username")), Next: localPath(r.PostFormValue("tiep"), "")}
	fail := func(status int, err error, field string) {
		_, page.Error = kerr.Public(err)
		page.Field = field
		page.OIDC = h.oidcURL(page.Next)
		if c, cerr := svc.NewChallenge(); cerr == nil {
			page.Challenge, page.Fields = &c, challengeFields
		}
		h.render(w, r, status, "signin", "Đăng nhập", "", page)
	}
	solved := false
	if r.PostForm.Has(auth.ChallengeTokenField) {
		if err := svc.CheckChallenge(r.Context(), r.PostForm); err != nil {
			fail(statusOf(err), err, "cau-hoi")
			return
		}
		solved = true
	}
	in, err := svc.SignIn(r.Context(), auth.SignInInput{Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
		IP: h.clientIP(r), UserAgent: r.UserAgent(), ChallengeSolved: solved})
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		w.Header().Set("Retry-After", strconv.Itoa(te.RetryAfterSeconds()))
		fail(http.StatusTooManyRequests, err, "")
		return
	case kerr.IsKind(err, kerr.Unauthenticated):
		fail(http.StatusUnauthorized, err, "password")
		return
	case errors.Is(err, &kerr.Error{Code: "challenge_required"}):
		fail(statusOf(err), err, "cau-hoi")
		return
	case err != nil && statusOf(err) < 500:
		fail(statusOf(err), err, "")
		return
	case err != nil:
		h.renderError(w, r, err)
		return
	}
	http.SetCookie(w, in.Cookie)
	next := localPath(page.Next, defaultNext(in.Account.Actor()))
	if len(in.Ended) == 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	// The account was at its limit: say which sessions ended before going on.
	page = signInPage{Next: next, Ended: in.Ended}
	h.render(w, r, http.StatusOK, "signin", "Đã đăng nhập", "", page)
}

// oidcURL is the OpenID Connect sign-in returning to next ("" without a
// provider).
func (h *Handler) oidcURL(next string) string {
	if h.cfg.OIDC == nil {
		return ""
	}
	if next == "" {
		return oidc.LoginPath
	}
	return oidc.LoginPath + "?" + oidc.ReturnParam + "=" + url.QueryEscape(next)
}

// clientIP is the address of the client: the peer's, or the one a
// trusted reverse proxy names in X-Forwarded-For (Config.TrustedProxies).
func (h *Handler) clientIP(r *http.Request) string { return edge.ClientIP(r, h.cfg.TrustedProxies) }

// signedInSession is the session of a page that needs one: ok false when the
// answer (a redirect to the sign-in page or an error page) is written.
func (h *Handler) signedInSession(w http.ResponseWriter, r *http.Request, back string) (auth.Principal, bool) {
	if h.cfg.Auth == nil {
		h.renderError(w, r, errNoAuth)
		return auth.Principal{}, false
	}
	p, err := auth.PrincipalFrom(r.Context())
	switch {
	case kerr.IsKind(err, kerr.Unauthenticated):
		http.Redirect(w, r, SignInURL(back), http.StatusSeeOther)
		return p, false
	case err != nil:
		h.renderError(w, r, err)
		return p, false
	}
	return p, true
}

// postForm parses a signed-in page's POST form and checks its CSRF token.
func (h *Handler) postForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, kerr.Wrap(err, kerr.Invalid, "bad_form", "Biểu mẫu gửi lên không hợp lệ."))
		return false
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return false
	}
	return true
}

// signOut is POST /dang-xuat: ends this session and clears the cookie.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	p, ok := h.signedInSession(w, r, PathHome)
	if !ok || !h.postForm(w, r) {
		return
	}
	if err := h.cfg.Auth.SignOut(r.Context(), p); err != nil {
		h.renderError(w, r, err)
		return
	}
	http.SetCookie(w, h.cfg.Auth.ClearCookie())
	http.Redirect(w, r, PathHome, http.StatusSeeOther)
}
