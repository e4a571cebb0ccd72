package main

import (
	"flag"
	"slices"
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
// A key is NAME=SPEC. Today SPEC is a key file: a PKCS#12 file with its
// password in --sign-key-password-file NAME=FILE, or a PEM key whose
// certificate chain is --sign-key-cert NAME=FILE. Other key sources (a
// PKCS#11 token as a "pkcs11:" URI, a remote signing service) become more
// SPEC forms in openSignKey; the API names keys only by NAME.
type serveSigning struct {
	trust        string
	noRevocation bool
	timeout      time.Duration
	tsa          string
	keys         namedValues // NAME → SPEC
	passwords    namedValues // NAME → password file
	certs        namedValues // NAME → PEM certificate chain file
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
	fs.StringVar(&c.tsa, "tsa", getenv(envTSA), "RFC 3161 time-stamp authority `URL` for signing at B-T and above [$"+envTSA+"]")
	fs.Var(&c.keys, "sign-key", "a key the signing API may use, `NAME=FILE` (.p12, or a PEM key with --sign-key-cert); repeatable")
	fs.Var(&c.passwords, "sign-key-password-file", "the PKCS#12 password of key NAME, `NAME=FILE` (first line); repeatable")
	fs.Var(&c.certs, "sign-key-cert", "the PEM certificate chain of a PEM key NAME, `NAME=FILE`; repeatable")
}

// validate checks that every password or certificate names a key.
func (c *serveSigning) validate() error {
	for _, nv := range []*namedValues{&c.passwords, &c.certs} {
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
// (nil without keys).
func (c *serveSigning) build() (archive.Verifier, *portal.Signing, error) {
	var verifier archive.Verifier
	if c.trust != "" {
		roots, err := loadRoots(c.trust)
		if err != nil {
			return nil, nil, err
		}
		opts := signing.VerifyOptions{Roots: roots}
		if !c.noRevocation {
			opts.Checker = &signing.Checker{Roots: roots, Timeout: c.timeout}
		}
		verifier = archive.NewVerifier(opts)
	}
	if len(c.keys.names) == 0 {
		return verifier, nil, nil
	}
	roots, err := loadRoots(c.trust) // the system's roots without --trust
	if err != nil {
		return nil, nil, err
	}
	checker := &signing.Checker{Roots: roots, Timeout: c.timeout}
	if c.noRevocation {
		checker.Revocation = signing.RevocationSkip
	}
	sc := &portal.Signing{Keys: map[string]signing.KeySource{}, TSAURL: c.tsa, TSATimeout: c.timeout, Checker: checker}
	for _, name := range c.keys.names {
		k, err := openSignKey(c.keys.values[name], c.passwords.values[name], c.certs.values[name])
		if err != nil {
			return nil, nil, kerr.Wrap(err, kerr.KindOf(err), "sign_key_unusable", "Không mở được khóa ký "+name+".")
		}
		sc.Keys[name] = k
	}
	return verifier, sc, nil
}

// keyNames lists the configured keys, for the start-up log.
func (c *serveSigning) keyNames() []string { return slices.Clone(c.keys.names) }

// openSignKey opens one key by its SPEC. Only key files exist so far.
func openSignKey(spec, passwordFile, certFile string) (signing.KeySource, error) {
	if scheme, _, ok := strings.Cut(spec, ":"); ok && len(scheme) > 1 && !strings.ContainsAny(scheme, `/\.`) {
		return nil, kerr.New(kerr.Invalid, "key_source_unsupported", "Nguồn khóa ký \""+scheme+":\" chưa được hỗ trợ; hãy dùng tệp .p12.", "key source %q is not supported", scheme)
	}
	return loadKey(spec, certFile, passwordFile)
}
