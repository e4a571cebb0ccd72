package web

import "net/http"

// CSRFField is the hidden field of every POST form that carries the
// CSRF token.
const CSRFField = "csrf"

// CSRF guards the pages' state-changing forms: every POST form renders
// Token in a hidden field "csrf" and every POST handler calls Check before
// anything else. portal/auth's sessions plug in here (Config.CSRF, or
// Config.Auth which makes one).
type CSRF interface {
	// Token is the token of r's session, for the form's hidden field.
	Token(*http.Request) string
	// Check refuses a request whose token is missing or wrong: a kerr
	// error, shown as the page's error.
	Check(*http.Request) error
}

// noCSRF is the seam's stand-in when Config.CSRF is nil (tests): it
// renders an empty token and accepts every request.
type noCSRF struct{}

func (noCSRF) Token(*http.Request) string { return "" }
func (noCSRF) Check(*http.Request) error  { return nil }
