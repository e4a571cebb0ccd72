package auth

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// CSRFField is the name of the hidden form field that carries the CSRF
// token; CSRFHeader the header a script may send it in instead.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// csrfToken is the synchronizer token of the session stored under hash:
// HMAC-SHA256 under the service key of the session's hash, unpadded
// base64url. It needs no storage, differs for every session, and dies
// with the session: a token copied from one session (or from before a
// sign-out) is worth nothing in another.
func (s *Service) csrfToken(sessionHash string) string {
	return b64url.EncodeToString(s.mac("kho-csrf", sessionHash))
}

// errCSRF is the one answer to a form that fails the CSRF checks.
func errCSRF(detail string) error {
	return kerr.New(kerr.Permission, "csrf_failed",
		"Biểu mẫu đã hết hạn hoặc không gửi từ trang của Kho. Vui lòng tải lại trang và gửi lại.", "%s", detail)
}

// CheckCSRF checks a state-changing request of p (a POST form) against
// cross-site request forgery. Safe methods (GET, HEAD, OPTIONS) pass. For
// the others:
//   - Sec-Fetch-Site, when the browser sends it, must be same-origin (or
//     none: typed by the user);
//   - Origin, when sent, must be the portal's origin (Config.Origin, or
//     the request's own Host);
//   - a session's request must carry its token in the form field
//     CSRFField (or the header CSRFHeader), compared in constant time.
//
// A request made with an API token (no cookie involved) needs no token;
// it still passes the header checks. Call it after the handler parsed
// the form (r.ParseForm, or r.ParseMultipartForm for uploads, under its
// own size limit): it reads r.PostForm and never the body itself, so an
// unparsed form fails. Permission "csrf_failed" when a check fails.
func (s *Service) CheckCSRF(r *http.Request, p Principal) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := s.CheckOrigin(r); err != nil {
		return err
	}
	if p.Session == nil {
		if p.Token != nil {
			return nil
		}
		return errCSRF("no session")
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		// r.PostForm only: reading the body is the handler's (with its
		// own size limit), never this check's.
		got = r.PostForm.Get(CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.csrf)) != 1 {
		return errCSRF("missing or wrong CSRF token")
	}
	return nil
}

// CheckOrigin is the header half of CheckCSRF, for a public form that has
// no session (sign-in itself, the challenge forms): Sec-Fetch-Site must be
// same-origin or none when sent, and Origin the portal's when sent.
// Permission "csrf_failed".
func (s *Service) CheckOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCSRF("Sec-Fetch-Site is " + site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if origin == "null" || !strings.EqualFold(origin, s.origin(r)) {
		return errCSRF("Origin " + origin + " is not the portal's")
	}
	return nil
}

// origin is the portal's origin as a browser writes it.
func (s *Service) origin(r *http.Request) string {
	if s.cfg.Origin != "" {
		return s.cfg.Origin
	}
	scheme := "http"
	if s.cfg.Secure || r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String()
}
