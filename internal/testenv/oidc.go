package testenv

import (
	"strings"
	"testing"
)

// The environment variables of the test OpenID Connect provider
// (internal/testenv/oidcprovider, built and started by scripts/testenv.sh).
const (
	// EnvOIDCIssuer is the provider's issuer URL, http://127.0.0.1:PORT.
	EnvOIDCIssuer = "KHO_TEST_OIDC_ISSUER"
	// EnvOIDCClientID is the ID of its one client, a confidential web
	// client that may redirect to any http://127.0.0.1:PORT/ path.
	EnvOIDCClientID = "KHO_TEST_OIDC_CLIENT_ID"
	// EnvOIDCClientSecret is that client's secret.
	EnvOIDCClientSecret = "KHO_TEST_OIDC_CLIENT_SECRET"
)

// OIDCProviderServer is the test OpenID Connect provider and its client.
// Its login page is /login: POST id (the sign-in's ID, the authRequestID
// query parameter of the page it redirects to) with user=cd-001, cd-002 or
// cd-003 signs that test person in; with cancel=1 the client gets
// error=access_denied. The people: cd-001 Nguyễn Văn An (citizen_id
// 001090012345), cd-002 Trần Thị Bình (079195000678), cd-003 Lê Minh Châu
// (no citizen_id claim).
type OIDCProviderServer struct {
	Issuer       string // http://127.0.0.1:PORT, no trailing slash
	ClientID     string
	ClientSecret string
}

// OIDCProvider returns the test OpenID Connect provider, or skips or fails
// t when it is not set (see the package comment).
func OIDCProvider(t testing.TB) OIDCProviderServer {
	t.Helper()
	v := lookup(t, EnvOIDCIssuer, EnvOIDCClientID, EnvOIDCClientSecret)
	if !strings.HasPrefix(v[0], "http://127.0.0.1:") {
		t.Fatalf("testenv: %s=%q is not http://127.0.0.1:PORT", EnvOIDCIssuer, v[0])
	}
	return OIDCProviderServer{Issuer: strings.TrimRight(v[0], "/"), ClientID: v[1], ClientSecret: v[2]}
}
