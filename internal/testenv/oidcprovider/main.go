// Command oidcprovider is a small OpenID Connect provider for Kho's tests
// only, built on github.com/zitadel/oidc/v3's op package: discovery, the
// authorization code flow with PKCE, signed ID tokens, userinfo. It knows one
// confidential client and three test people, and its login page signs in
// whoever the form names, without a password (tests POST to it; a person
// picks from a list). scripts/testenv.sh builds and starts it; tests reach
// it through internal/testenv.OIDCProvider. Never run it outside tests.
//
//	oidcprovider -addr 127.0.0.1:PORT [-client-id kho-test]
//
// The client's secret comes from the environment variable
// KHO_OIDCPROVIDER_CLIENT_SECRET, never from a flag.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// EnvClientSecret names the environment variable that holds the client secret.
const EnvClientSecret = "KHO_OIDCPROVIDER_CLIENT_SECRET"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "oidcprovider:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	clientID := flag.String("client-id", "kho-test", "the one client's ID")
	flag.Parse()
	secret := os.Getenv(EnvClientSecret)
	if secret == "" {
		return fmt.Errorf("%s is not set", EnvClientSecret)
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: the test provider listens on loopback only", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()
	handler, err := newHandler(issuer, *clientID, secret)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	slog.Info("oidcprovider: serving", "issuer", issuer, "client", *clientID)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler returns the provider's routes under issuer: op's endpoints
// and the login page at /login.
func newHandler(issuer, clientID, secret string) (http.Handler, error) {
	st, err := newStorage(clientID, secret)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	cfg := &op.Config{
		CryptoKey:          key,
		CryptoKeyId:        "k1",
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.Vietnamese},
		SupportedScopes:    []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		SupportedClaims:    []string{"sub", "name", "email", "email_verified", "nonce", CitizenIDClaim},
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	l := &login{storage: st, provider: provider, callback: op.AuthCallbackURL(provider)}
	mux := http.NewServeMux()
	mux.Handle("/login", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(l.serve))
	mux.Handle("/", provider)
	return mux, nil
}

// login is the non-interactive login page: GET shows the test people and a
// cancel button; POST with id (the sign-in) and user (a test person's ID)
// signs that person in, and POST with cancel=1 answers the client with
// error=access_denied, as a person who declines does.
type login struct {
	storage  *storage
	provider *op.Provider
	callback func(context.Context, string) string
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="vi"><meta charset="utf-8"><title>Nhà cung cấp định danh thử nghiệm</title>
<h1>Đăng nhập (chỉ dùng để kiểm thử)</h1>
<form method="post" action="/login"><input type="hidden" name="id" value="{{.ID}}">
<fieldset><legend>Chọn người dùng thử</legend>
{{range .Users}}<label><input type="radio" name="user" value="{{.ID}}"> {{.Name}}</label><br>{{end}}
</fieldset>
<button type="submit">Đăng nhập</button> <button type="submit" name="cancel" value="1">Huỷ</button>
</form></html>`))

func (l *login) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		id := r.URL.Query().Get("authRequestID")
		if _, err := l.storage.AuthRequestByID(r.Context(), id); err != nil {
			http.Error(w, "unknown sign-in", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, struct {
			ID    string
			Users []user
		}{id, testUsers})
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		id := r.PostForm.Get("id")
		if r.PostForm.Get("cancel") != "" {
			req, err := l.storage.complete(id, "")
			if err != nil {
				http.Error(w, "unknown sign-in", http.StatusBadRequest)
				return
			}
			op.AuthRequestError(w, r, req, oidc.ErrAccessDenied().WithDescription("the user declined"), l.provider)
			return
		}
		u, ok := userByID(r.PostForm.Get("user"))
		if !ok {
			http.Error(w, "unknown test user", http.StatusBadRequest)
			return
		}
		if _, err := l.storage.complete(id, u.ID); err != nil {
			http.Error(w, "unknown sign-in", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
