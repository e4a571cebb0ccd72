package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/oidc"
)

const (
	envAuthKeyFile  = "KHO_AUTH_KEY_FILE"
	envMaxSessions  = "KHO_MAX_SESSIONS"
	envCookieSecure = "KHO_COOKIE_SECURE"
	envOIDCIssuer   = "KHO_OIDC_ISSUER"
	envOIDCClientID = "KHO_OIDC_CLIENT_ID"
	envOIDCSecret   = "KHO_OIDC_CLIENT_SECRET"
	envOIDCSecretF  = "KHO_OIDC_CLIENT_SECRET_FILE"
	envOIDCClaim    = "KHO_OIDC_CITIZEN_CLAIM"
	envOIDCRedirect = "KHO_OIDC_REDIRECT_URL"
	// authKeyName is the sign-in key generated in the data directory.
	authKeyName = "auth.key"
	// authKeyBytes is the size of a generated sign-in key.
	authKeyBytes = 32
)

// serveAuth is the web sign-in's part of kho serve: the key that signs
// CSRF and challenge tokens, the limit of sessions per account and
// whether the session cookie is Secure.
type serveAuth struct {
	keyFile     string
	maxSessions int
	secure      string // auto, true or false
	key         []byte // the sign-in key, once service made it
	secureOn    bool   // the resolved Secure choice
	// The OpenID Connect provider (as VNeID); none without an issuer.
	oidcIssuer, oidcClientID, oidcSecretFile, oidcCitizenClaim, oidcRedirect string
}

func (c *serveAuth) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.keyFile, "auth-key-file", getenv(envAuthKeyFile), "`FILE` of the web sign-in key (at least 32 bytes: raw, or hex) that signs CSRF and challenge tokens; default DIR/"+authKeyName+" in the data folder, made on first start; with --mongo-uri and no key file, web sign-in is off. Every process of a deployment needs the same key [$"+envAuthKeyFile+"]")
	maxS := 5
	if v := getenv(envMaxSessions); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // refused by service with the flag's message
		}
		maxS = n
	}
	fs.IntVar(&c.maxSessions, "max-sessions", maxS, "how many web sessions one account may have at once; signing in past it ends the oldest [$"+envMaxSessions+"]")
	sec := getenv(envCookieSecure)
	if sec == "" {
		sec = "auto"
	}
	fs.StringVar(&c.oidcIssuer, "oidc-issuer", getenv(envOIDCIssuer), "the OpenID Connect provider's issuer `URL` (as VNeID): the sign-in page offers it; a citizen signs in by the citizen ID claim, the account made on first sign-in [$"+envOIDCIssuer+"]")
	fs.StringVar(&c.oidcClientID, "oidc-client-id", getenv(envOIDCClientID), "Kho's client `ID` at the OpenID Connect provider [$"+envOIDCClientID+"]")
	fs.StringVar(&c.oidcSecretFile, "oidc-client-secret-file", getenv(envOIDCSecretF), "`FILE` of the client secret at the OpenID Connect provider (or $"+envOIDCSecret+") [$"+envOIDCSecretF+"]")
	fs.StringVar(&c.oidcCitizenClaim, "oidc-citizen-claim", getenv(envOIDCClaim), "the ID token's `CLAIM` holding the 12-digit citizen ID (default "+oidc.DefaultCitizenIDClaim+") [$"+envOIDCClaim+"]")
	fs.StringVar(&c.oidcRedirect, "oidc-redirect-url", getenv(envOIDCRedirect), "Kho's callback `URL` registered at the provider, https://HOST"+oidc.CallbackPath+" (default http://--addr"+oidc.CallbackPath+" on loopback) [$"+envOIDCRedirect+"]")
	fs.StringVar(&c.secure, "cookie-secure", sec, "`auto|true|false`: mark the session cookie Secure (HTTPS only, __Host- name); auto: Secure unless --addr is a loopback address (plain HTTP for tests and the demo). Behind a TLS proxy on any other address, auto is true [$"+envCookieSecure+"]")
}

// secureCookie resolves --cookie-secure for the listen address addr.
func (c *serveAuth) secureCookie(addr string) (bool, error) {
	switch c.secure {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "auto", "":
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return true, nil
		}
		if host == "localhost" {
			return false, nil
		}
		a, err := netip.ParseAddr(host)
		return !(err == nil && a.IsLoopback()), nil
	}
	return false, kerr.New(kerr.Invalid, "invalid_cookie_secure", "Giá trị --cookie-secure phải là auto, true hoặc false.", "--cookie-secure %q", c.secure)
}

// service builds the sign-in service over store; nil (and a warning)
// with --mongo-uri and no key file.
func (c *serveAuth) service(store interface {
	auth.SignInStore
	auth.Store
}, cfg *config.Serve, log *slog.Logger) (*auth.Service, error) {
	if c.maxSessions <= 0 {
		return nil, kerr.New(kerr.Invalid, "invalid_max_sessions", "Số phiên đăng nhập tối đa của một tài khoản phải lớn hơn 0.", "--max-sessions %d", c.maxSessions)
	}
	secure, err := c.secureCookie(cfg.Addr)
	if err != nil {
		return nil, err
	}
	var key []byte
	switch {
	case c.keyFile != "":
		key, err = readAuthKey(c.keyFile)
	case !cfg.Store.UsesMongo():
		key, err = dataDirAuthKey(filepath.Join(cfg.Store.DataDir, authKeyName), log)
	default:
		log.Warn("Chưa có khóa đăng nhập (--auth-key-file): tắt đăng nhập trên trang web; mọi tiến trình dùng chung MongoDB phải dùng cùng một tệp khóa")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !secure {
		log.Warn("Cookie phiên đăng nhập KHÔNG có cờ Secure (máy chủ HTTP trên địa chỉ loopback): chỉ dùng để thử nghiệm hoặc trình diễn", "addr", cfg.Addr)
	}
	svc, err := auth.NewService(auth.Config{Store: store, Tokens: store, Key: key, Secure: secure, MaxSessions: c.maxSessions})
	if err != nil {
		return nil, err
	}
	c.key, c.secureOn = key, secure
	return svc, nil
}

// oidcClient is the OpenID Connect client of --oidc-issuer (nil without
// one, or when sign-in is off). Its flow cookie is sealed with a key
// derived from the sign-in key. listen is the address the server
// listens on (the default callback on loopback).
func (c *serveAuth) oidcClient(listen string) (*oidc.Client, error) {
	if c.oidcIssuer == "" || c.key == nil {
		return nil, nil
	}
	secret, err := oidc.LoadSecret(c.oidcSecretFile, envOIDCSecret)
	if err != nil {
		return nil, err
	}
	redirect := c.oidcRedirect
	if redirect == "" && !c.secureOn {
		redirect = "http://" + listen + oidc.CallbackPath
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("kho-oidc-flow-cookie"))
	return oidc.New(oidc.Config{Issuer: c.oidcIssuer, ClientID: c.oidcClientID, ClientSecret: secret, RedirectURL: redirect,
		CitizenIDClaim: c.oidcCitizenClaim, CookieKey: m.Sum(nil), InsecureCookie: !c.secureOn})
}

// readAuthKey reads a sign-in key file: 64 or more hex digits, or at
// least 32 raw bytes (white space around ignored).
func readAuthKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "auth_key_unreadable", "Không đọc được tệp khóa đăng nhập.")
	}
	t := bytes.TrimSpace(b)
	if k, err := hex.DecodeString(string(t)); err == nil && len(k) >= authKeyBytes {
		return k, nil
	}
	if len(t) >= authKeyBytes {
		return t, nil
	}
	return nil, kerr.New(kerr.Invalid, "auth_key_invalid", "Tệp khóa đăng nhập phải chứa ít nhất 32 byte (hoặc 64 chữ số hex).", "%s: %d bytes", path, len(b))
}

// dataDirAuthKey reads the data folder's sign-in key, making it (mode
// 0600, synced) on first start. Two processes starting at once agree: the
// file is created exclusively and the loser reads the winner's.
func dataDirAuthKey(path string, log *slog.Logger) ([]byte, error) {
	if k, err := readAuthKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	key := make([]byte, authKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "auth_key_failed", "Không tạo được khóa đăng nhập.")
	}
	err := durable.CreateFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readAuthKey(path)
	}
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "auth_key_failed", "Không ghi được khóa đăng nhập.")
	}
	log.Info("Đã tạo khóa đăng nhập trang web", "file", path)
	return key, nil
}
