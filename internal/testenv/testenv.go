// Package testenv gives integration tests the addresses of the real servers
// that `make test` (scripts/test.sh) starts: MinIO for S3, FerretDB (a
// MongoDB-wire server on PostgreSQL), Mailpit (an SMTP server with an
// HTTP API that shows what it received), Gotenberg and a small OpenID Connect
// provider (internal/testenv/oidcprovider). Tests find them through
// environment variables:
//
//	KHO_TEST_S3_ENDPOINT    host:port, plain http
//	KHO_TEST_S3_ACCESS_KEY
//	KHO_TEST_S3_SECRET_KEY
//	KHO_TEST_MONGO_URI      mongodb://127.0.0.1:PORT/
//	KHO_TEST_POSTGRES_URL   postgres://…/ferretdb, the database FerretDB keeps its data in
//	KHO_TEST_SOFTHSM_MODULE /usr/lib/softhsm/libsofthsm2.so (PKCS#11 tests)
//	KHO_TEST_SMTP_ADDR      host:port of Mailpit's SMTP (see Mailpit)
//	KHO_TEST_MAILPIT_API    http://host:port of Mailpit's API
//	KHO_TEST_SMTP_CA        the certificate of Mailpit's STARTTLS (PEM)
//	KHO_TEST_GOTENBERG_URL  http://127.0.0.1:PORT, Gotenberg 8 (HTML and office files to PDF)
//	KHO_TEST_OIDC_ISSUER    http://127.0.0.1:PORT, the test OpenID Connect provider (see OIDCProvider)
//	KHO_TEST_OIDC_CLIENT_ID, KHO_TEST_OIDC_CLIENT_SECRET  its one client
//
// When they are missing the test is skipped under `go test -short` (unless
// CI is set), and fails otherwise: an integration test that cannot reach its
// server must not pass silently. Each test names its own buckets and
// databases with UniqueName, so tests run in parallel and repeatedly against
// the same servers.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The environment variables set by scripts/testenv.sh.
const (
	EnvS3Endpoint  = "KHO_TEST_S3_ENDPOINT"
	EnvS3AccessKey = "KHO_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "KHO_TEST_S3_SECRET_KEY"
	EnvMongoURI    = "KHO_TEST_MONGO_URI"
	// EnvPostgresURL is the PostgreSQL database behind the test FerretDB
	// (the URL FerretDB was started with).
	EnvPostgresURL = "KHO_TEST_POSTGRES_URL"
	// EnvSoftHSMModule is the path of SoftHSM2's PKCS#11 library
	// (libsofthsm2.so); softhsm2-util must be on PATH too.
	EnvSoftHSMModule = "KHO_TEST_SOFTHSM_MODULE"
	// EnvGotenbergURL is the base URL of the test Gotenberg server (with
	// LibreOffice and Chromium), plain http on loopback.
	EnvGotenbergURL = "KHO_TEST_GOTENBERG_URL"
)

// S3Config is how to reach the test S3 server (MinIO) with minio-go.
type S3Config struct {
	Endpoint  string // host:port, plain http (minio.Options.Secure = false)
	AccessKey string
	SecretKey string
}

// S3 returns the test S3 server's address and credentials, or skips or fails
// t when they are not set (see the package comment).
func S3(t testing.TB) S3Config {
	t.Helper()
	v := lookup(t, EnvS3Endpoint, EnvS3AccessKey, EnvS3SecretKey)
	if strings.Contains(v[0], "://") {
		t.Fatalf("testenv: %s=%q must be host:port without a scheme", EnvS3Endpoint, v[0])
	}
	return S3Config{Endpoint: v[0], AccessKey: v[1], SecretKey: v[2]}
}

// MongoURI returns the test MongoDB-wire server's URI (FerretDB), or skips or
// fails t when it is not set (see the package comment).
func MongoURI(t testing.TB) string {
	t.Helper()
	uri := lookup(t, EnvMongoURI)[0]
	if !strings.HasPrefix(uri, "mongodb://") {
		t.Fatalf("testenv: %s=%q is not a mongodb:// URI", EnvMongoURI, uri)
	}
	return uri
}

// PostgresURL returns the URL of the PostgreSQL database that the test
// FerretDB keeps its data in, or skips or fails t when it is not set (see
// the package comment).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := lookup(t, EnvPostgresURL)[0]
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		t.Fatalf("testenv: %s=%q is not a postgres:// URL", EnvPostgresURL, u)
	}
	return u
}

// Gotenberg returns the base URL of the test Gotenberg server
// ("http://127.0.0.1:PORT", no trailing slash), or skips or fails t when it
// is not set (see the package comment).
func Gotenberg(t testing.TB) string {
	t.Helper()
	u := strings.TrimRight(lookup(t, EnvGotenbergURL)[0], "/")
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		t.Fatalf("testenv: %s=%q is not an http:// URL", EnvGotenbergURL, u)
	}
	return u
}

// DefaultSoftHSMModule is where Debian's softhsm2 package puts the library.
const DefaultSoftHSMModule = "/usr/lib/softhsm/libsofthsm2.so"

// SoftHSMModule returns the path of SoftHSM2's PKCS#11 library, from
// KHO_TEST_SOFTHSM_MODULE or else DefaultSoftHSMModule when that exists (a
// library, not a server: nothing needs starting). Otherwise it skips or
// fails t (see the package comment); it fails when the library or
// softhsm2-util is missing.
func SoftHSMModule(t testing.TB) string {
	t.Helper()
	module := os.Getenv(EnvSoftHSMModule)
	if module == "" {
		if _, err := os.Stat(DefaultSoftHSMModule); err == nil {
			module = DefaultSoftHSMModule
		} else {
			module = lookup(t, EnvSoftHSMModule)[0]
		}
	}
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("testenv: %s=%q: %v (Debian package softhsm2)", EnvSoftHSMModule, module, err)
	}
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Fatalf("testenv: softhsm2-util not on PATH (Debian package softhsm2): %v", err)
	}
	return module
}

// Long skips t under `go test -short` outside CI, saying why: a test too
// long for a quick run by hand (seconds to minutes of I/O). Under CI
// (`make test` with CI set) it always runs.
func Long(t testing.TB, why string) {
	t.Helper()
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skipf("%s; skipped with -short (runs under make test and CI)", why)
	}
}

// lookup returns the values of names, all non-empty, or ends the test.
func lookup(t testing.TB, names ...string) []string {
	t.Helper()
	vals := make([]string, len(names))
	var missing []string
	for i, name := range names {
		vals[i] = os.Getenv(name)
		if vals[i] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return vals
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skipf("testenv: %s not set; skipping the integration test under -short", strings.Join(missing, ", "))
	}
	t.Fatalf("testenv: %s not set. This integration test needs the real test servers: "+
		"run `make test` (starts them, runs everything, stops them), or `make test-servers` "+
		"and source the env file it prints before `go test` (use -short to skip these tests)",
		strings.Join(missing, ", "))
	return nil
}

// maxNameLen is the longest S3 bucket name; MongoDB-wire database names
// (FerretDB: [a-zA-Z0-9_-]{1,63}) allow the same.
const maxNameLen = 63

// UniqueName returns a fresh name made of prefix, the test's name and a
// random suffix, e.g. "blobs-testput-empty-3f9c2a7d1e04". It is lowercase
// ASCII letters, digits and single hyphens, starts and ends with a letter or
// digit and is at most 63 characters long, so it is valid both as an S3
// bucket name and as a MongoDB database name. Every call returns a new name.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random name suffix: %v", err)
	}
	suffix := hex.EncodeToString(b[:]) // 12 characters, 48 random bits

	p := slug(prefix, 20)
	if p == "" {
		p = "t"
	}
	room := maxNameLen - len(p) - len(suffix) - 2 // two separating hyphens
	parts := []string{p}
	if test := slug(t.Name(), room); test != "" {
		parts = append(parts, test)
	}
	return strings.Join(append(parts, suffix), "-")
}

// slug folds s to lowercase ASCII letters and digits separated by single
// hyphens (Vietnamese diacritics dropped: "Tài liệu Đất" → "tai-lieu-dat"),
// with no hyphen at either end, cut to at most max bytes.
func slug(s string, max int) string {
	var sb strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark: the base letter was written already
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			hyphen = false
			sb.WriteRune(r)
		} else {
			hyphen = true
		}
	}
	out := sb.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}
