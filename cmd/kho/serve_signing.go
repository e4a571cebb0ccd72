package main

import (
	"context"
	"flag"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/signing"
)

// Environment variables of the signing settings of `kho serve`.
const (
	envTrust = "KHO_TRUST"
	envTSA   = "KHO_TSA"
)

// serveSigning is the signing configuration of `kho serve`: the trust
// anchors the vault verifies stored PDFs against, and the keys the signing
// API may use.
//
// A key is NAME=SPEC (see openSignKey): a key file, a key on a PKCS#11
// token (an RFC 7512 "pkcs11:" URI), or a credential on a remote signing
// service ("csc:" and the CSC API URL). The secrets each needs come from
// files named per key (--sign-key-password-file, --sign-key-pin-file,
// --sign-key-token-file NAME=FILE). The API names keys only by NAME.
type serveSigning struct {
	trust        string
	noRevocation bool
	timeout      time.Duration
	cache        config.RevocationCache // reuse of the checks before signing
	tsa          string
	keys         namedValues // NAME → SPEC
	passwords    namedValues // NAME → PKCS#12 password file
	certs        namedValues // NAME → PEM certificate chain file
	pins         namedValues // NAME → PIN file (token or remote credential)
	tokens       namedValues // NAME → OAuth access token file (remote service)
	images       namedValues // NAME → image of visible signatures (PNG/JPEG)
	// transport, when set, fetches OCSP answers and CRLs (the demo
	// answers its own CA's CRL from memory); nil: the default.
	transport http.RoundTripper
}

// namedValues is a repeatable NAME=VALUE flag.
type namedValues struct {
	names  []string
	values map[string]string
}

func (n *namedValues) String() string {
	var parts []string
	for _, k := range n.names {
		parts = append(parts, k+"="+n.values[k])
	}
	return strings.Join(parts, ",")
}

func (n *namedValues) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || value == "" || strings.ContainsAny(name, " \t/") {
		return kerr.New(kerr.Invalid, "invalid_named_value", "Giá trị phải có dạng TÊN=GIÁ_TRỊ.", "%q is not NAME=VALUE", s)
	}
	if n.values == nil {
		n.values = map[string]string{}
	}
	if _, dup := n.values[name]; dup {
		return kerr.New(kerr.Invalid, "duplicate_name", "Tên "+name+" được khai báo hai lần.", "%q is given twice", name)
	}
	n.names = append(n.names, name)
	n.values[name] = value
	return nil
}

// bind registers the flags.
func (c *serveSigning) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.trust, "trust", getenv(envTrust), "PEM `FILE` of trust anchors: the vault verifies the signatures of every stored PDF against them (none: PDFs are stored unchecked) [$"+envTrust+"]")
	fs.BoolVar(&c.noRevocation, "no-revocation", false, "do not check revocation (OCSP/CRL) when verifying or before signing (offline demos only)")
	fs.DurationVar(&c.timeout, "revocation-timeout", 5*time.Second, "timeout of each OCSP, CRL or TSA request")
	c.cache.Bind(fs, getenv)
	fs.StringVar(&c.tsa, "tsa", getenv(envTSA), "RFC 3161 time-stamp authority `URL` for signing at B-T and above [$"+envTSA+"]")
	fs.Var(&c.keys, "sign-key", "a key the signing API may use, `NAME=FILE` (.p12, or a PEM key with --sign-key-cert); repeatable")
	fs.Var(&c.passwords, "sign-key-password-file", "the PKCS#12 password of key NAME, `NAME=FILE` (first line); repeatable")
	fs.Var(&c.certs, "sign-key-cert", "the PEM certificate chain of key NAME (a PEM key, or a token key whose certificate is not on the token), `NAME=FILE`; repeatable")
	fs.Var(&c.pins, "sign-key-pin-file", "the PIN of key NAME on a PKCS#11 token or remote service, `NAME=FILE` (first line); repeatable")
	fs.Var(&c.tokens, "sign-key-token-file", "the OAuth access token of remote key NAME, `NAME=FILE` (first line); repeatable")
	fs.Var(&c.images, "sign-key-image", "the image visible signatures with key NAME show (signature or seal, PNG/JPEG), `NAME=FILE`; repeatable")
}

// validate checks that every password or certificate names a key, and
// the revocation cache.
func (c *serveSigning) validate() error {
	if err := c.cache.Validate(); err != nil {
		return err
	}
	for _, nv := range []*namedValues{&c.passwords, &c.certs, &c.pins, &c.tokens, &c.images} {
		for _, n := range nv.names {
			if _, ok := c.keys.values[n]; !ok {
				return kerr.New(kerr.Invalid, "sign_key_unknown", "Không có khóa ký tên "+n+" (--sign-key "+n+"=…).", "a password or certificate names key %q, which --sign-key does not define", n)
			}
		}
	}
	return nil
}

// build opens the trust anchors and the keys: the verifier for the vault
// and the portal (nil without --trust) and the signing API's settings
// (nil without keys). close releases the keys (token sessions).
//
// budget bounds every parse of a PDF the server verifies or signs.
func (c *serveSigning) build(ctx context.Context, budget signing.ParseBudget) (verifier archive.Verifier, sc *portal.Signing, close func(), err error) {
	close = func() {}
	if c.trust != "" {
		roots, err := loadRoots(c.trust)
		if err != nil {
			return nil, nil, close, err
		}
		opts := signing.VerifyOptions{Roots: roots, Budget: budget}
		if !c.noRevocation {
			opts.Checker = &signing.Checker{Roots: roots, Timeout: c.timeout, HTTPClient: c.httpClient()}
		}
		verifier = archive.NewVerifier(opts)
	}
	if len(c.keys.names) == 0 {
		return verifier, nil, close, nil
	}
	roots, err := loadRoots(c.trust) // the system's roots without --trust
	if err != nil {
		return nil, nil, close, err
	}
	checker := &signing.Checker{Roots: roots, Timeout: c.timeout, CacheFor: c.cache.CheckerCacheFor(), HTTPClient: c.httpClient()}
	if c.noRevocation {
		checker.Revocation = signing.RevocationSkip
	}
	sc = &portal.Signing{Keys: map[string]signing.KeySource{}, TSAURL: c.tsa, TSATimeout: c.timeout, Checker: checker, Images: map[string][]byte{}, Budget: budget}
	for _, name := range c.images.names {
		img, err := os.ReadFile(c.images.values[name])
		if err != nil {
			return nil, nil, close, kerr.Wrap(err, kerr.Invalid, "sign_key_image_unreadable", "Không đọc được hình ảnh chữ ký của khóa "+name+".")
		}
		sc.Images[name] = img
	}
	var closers []func()
	close = func() {
		for _, f := range closers {
			f()
		}
	}
	for _, name := range c.keys.names {
		k, kclose, err := c.openSignKey(ctx, name)
		if err != nil {
			close()
			return nil, nil, func() {}, kerr.Wrap(err, kerr.KindOf(err), "sign_key_unusable", "Không mở được khóa ký "+name+".")
		}
		closers = append(closers, kclose)
		sc.Keys[name] = k
	}
	return verifier, sc, close, nil
}

// httpClient is the revocation checks' client over c.transport; nil
// (the Checker's own) without one.
func (c *serveSigning) httpClient() *http.Client {
	if c.transport == nil {
		return nil
	}
	return &http.Client{Timeout: c.timeout, Transport: c.transport}
}

// keyNames lists the configured keys, for the start-up log.
func (c *serveSigning) keyNames() []string { return slices.Clone(c.keys.names) }

// openSignKey opens key name by its SPEC:
//
//   - a file: a PKCS#12 file (--sign-key-password-file) or a PEM key
//     (--sign-key-cert with its chain);
//   - "pkcs11:token=LABEL;object=KEYLABEL?module-path=LIB" (RFC 7512; also
//     id=%4b%01 for CKA_ID, slot-id=N instead of token): a key on a
//     PKCS#11 token, PIN from --sign-key-pin-file or pin-source=FILE,
//     certificate from the token or --sign-key-cert;
//   - "csc:URL#CREDENTIAL": a credential on a remote signing service
//     speaking the CSC API v2 at URL, access token from
//     --sign-key-token-file, PIN from --sign-key-pin-file.
func (c *serveSigning) openSignKey(ctx context.Context, name string) (signing.KeySource, func(), error) {
	spec := c.keys.values[name]
	scheme, rest, _ := strings.Cut(spec, ":")
	switch {
	case scheme == "pkcs11":
		return c.openPKCS11(ctx, name, rest)
	case scheme == "csc":
		return c.openCSC(ctx, name, rest)
	case len(scheme) > 1 && len(rest) > 0 && !strings.ContainsAny(scheme, `/\.`):
		return nil, nil, kerr.New(kerr.Invalid, "key_source_unsupported", "Nguồn khóa ký \""+scheme+":\" không được hỗ trợ; hãy dùng tệp .p12, pkcs11: hoặc csc:.", "key source %q is not supported", scheme)
	}
	k, err := loadKey(spec, c.certs.values[name], c.passwords.values[name])
	return k, func() {}, err
}

// openPKCS11 opens a token key from the path and query of an RFC 7512 URI.
func (c *serveSigning) openPKCS11(ctx context.Context, name, uri string) (signing.KeySource, func(), error) {
	bad := func(detail string, args ...any) error {
		return kerr.New(kerr.Invalid, "invalid_pkcs11_uri", "Địa chỉ khóa PKCS#11 của "+name+" không hợp lệ (pkcs11:token=…;object=…?module-path=…).", detail, args...)
	}
	path, query, _ := strings.Cut(uri, "?")
	var cfg signing.PKCS11Config
	// pairs splits attributes "k=v" separated by sep, unescaping values.
	pairs := func(s, sep string) ([][2]string, error) {
		var out [][2]string
		for _, part := range strings.Split(s, sep) {
			if part == "" {
				continue
			}
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				return nil, bad("attribute %q has no value", part)
			}
			u, err := url.PathUnescape(v)
			if err != nil {
				return nil, bad("attribute %q: %v", k, err)
			}
			out = append(out, [2]string{k, u})
		}
		return out, nil
	}
	pinFile := c.pins.values[name]
	attrs, err := pairs(path, ";")
	if err != nil {
		return nil, nil, err
	}
	for _, a := range attrs {
		switch k, v := a[0], a[1]; k {
		case "token":
			cfg.TokenLabel = v
		case "object":
			cfg.KeyLabel = v
		case "id":
			cfg.KeyID = []byte(v)
		case "slot-id":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, nil, bad("slot-id %q is not a number", v)
			}
			cfg.Slot = &n
		case "type", "manufacturer", "model", "serial", "library-description", "library-manufacturer", "library-version", "slot-description", "slot-manufacturer":
			// Attributes that select nothing here.
		default:
			return nil, nil, bad("unknown attribute %q", k)
		}
	}
	queries, err := pairs(query, "&")
	if err != nil {
		return nil, nil, err
	}
	for _, q := range queries {
		switch k, v := q[0], q[1]; k {
		case "module-path":
			cfg.Module = v
		case "pin-source":
			pinFile = strings.TrimPrefix(v, "file:")
		default:
			return nil, nil, bad("unknown query attribute %q", k)
		}
	}
	if cfg.Module == "" {
		return nil, nil, bad("no module-path")
	}
	if pinFile == "" {
		return nil, nil, kerr.New(kerr.Invalid, "pin_file_required", "Khóa "+name+" trên token cần tệp mã PIN (--sign-key-pin-file "+name+"=…).", "key %q needs a PIN file", name)
	}
	if cfg.PIN, err = readFirstLine(pinFile); err != nil {
		return nil, nil, kerr.Wrap(err, kerr.Invalid, "pin_file_unreadable", "Không đọc được tệp mã PIN.")
	}
	if f := c.certs.values[name]; f != "" {
		if cfg.CertPEM, err = os.ReadFile(f); err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "cert_file_unreadable", "Không đọc được tệp chứng thư số.")
		}
	}
	k, err := signing.OpenPKCS11(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return k, func() { k.Close() }, nil
}

// openCSC connects to a credential on a remote signing service: "URL#ID".
func (c *serveSigning) openCSC(ctx context.Context, name, spec string) (signing.KeySource, func(), error) {
	base, cred, _ := strings.Cut(spec, "#")
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || cred == "" {
		return nil, nil, kerr.New(kerr.Invalid, "invalid_csc_key", "Khóa "+name+" trên dịch vụ ký số từ xa phải có dạng csc:https://…/csc/v2#MÃ_CHỨNG_THƯ.", "%q is not csc:URL#CREDENTIAL", spec)
	}
	tokenFile := c.tokens.values[name]
	if tokenFile == "" {
		return nil, nil, kerr.New(kerr.Invalid, "csc_token_file_required", "Khóa "+name+" cần tệp mã truy cập dịch vụ ký số từ xa (--sign-key-token-file "+name+"=…).", "key %q needs a token file", name)
	}
	token, err := readFirstLine(tokenFile)
	if err != nil {
		return nil, nil, kerr.Wrap(err, kerr.Invalid, "csc_token_file_unreadable", "Không đọc được tệp mã truy cập dịch vụ ký số từ xa.")
	}
	var pin string
	if f := c.pins.values[name]; f != "" {
		if pin, err = readFirstLine(f); err != nil {
			return nil, nil, kerr.Wrap(err, kerr.Invalid, "pin_file_unreadable", "Không đọc được tệp mã PIN.")
		}
	}
	k, err := signing.NewCSCClient(ctx, base, token, cred, signing.CSCOptions{Authorize: signing.StaticAuthorization(pin, ""), Timeout: c.timeout})
	if err != nil {
		return nil, nil, err
	}
	return k, func() {}, nil
}
