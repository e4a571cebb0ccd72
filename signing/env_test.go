package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
)

// testEnv is the test PKI with its OCSP, CRL, CA and TSA responders served on
// a loopback listener. It is generated once per test binary: RSA key
// generation dominates.
type testEnv struct {
	pki    *pki.PKI
	srv    *httptest.Server
	tsaURL string
}

var (
	envOnce sync.Once
	envVal  *testEnv
	envErr  error
)

func getEnv(t testing.TB) *testEnv {
	t.Helper()
	envOnce.Do(func() {
		var h http.Handler = http.NotFoundHandler()
		var mu sync.RWMutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.RLock()
			hh := h
			mu.RUnlock()
			hh.ServeHTTP(w, r)
		}))
		p, err := pki.Generate(pki.Options{BaseURL: srv.URL})
		if err != nil {
			envErr = err
			srv.Close()
			return
		}
		mu.Lock()
		h = p.Handler()
		mu.Unlock()
		envVal = &testEnv{pki: p, srv: srv, tsaURL: srv.URL + "/tsa"}
	})
	if envErr != nil {
		t.Fatalf("test PKI: %v", envErr)
	}
	return envVal
}

// key returns the named PKI identity as a KeySource.
func (e *testEnv) key(t testing.TB, name string) KeySource {
	t.Helper()
	id := e.pki.Identity(name)
	if id == nil {
		t.Fatalf("no identity %q in the test PKI", name)
	}
	var chain []*x509.Certificate
	if len(id.Chain) > 1 {
		chain = id.Chain[1:]
	}
	k, err := newFileKey(id.Key, id.Cert, chain)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *testEnv) checker() *Checker {
	return &Checker{Roots: e.pki.Roots(), Timeout: 5 * time.Second}
}

func (e *testEnv) signer(t testing.TB, name string, opts Options) *Signer {
	t.Helper()
	if opts.Checker == nil {
		opts.Checker = e.checker()
	}
	s, err := New(e.key(t, name), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signBytes signs pdf with s and returns the signed bytes.
func signBytes(t testing.TB, s *Signer, pdf []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return out.Bytes()
}

// pdfsigPath finds poppler's pdfsig. In CI, or without -short, a missing
// pdfsig fails the test: `make test` installs poppler-utils.
func pdfsigPath(t testing.TB) string {
	t.Helper()
	return toolPath(t, "pdfsig", "poppler-utils")
}

// toolPath finds the command name from the Debian package pkg. In CI, or
// without -short, a missing tool fails the test: `make test` installs it.
func toolPath(t testing.TB, name, pkg string) string {
	t.Helper()
	return testenv.Tool(t, name, pkg)
}

// pdfsigReport is what pdfsig says of each signature.
type pdfsigReport struct {
	out        string
	signatures []pdfsigSignature
}

type pdfsigSignature struct {
	signer     string
	validation string // e.g. "Signature is Valid."
	subFilter  string // "Signature Type:" line
	whole      bool   // "Total document signed"
}

// runPdfsig runs pdfsig on pdf and parses its report.
func runPdfsig(t testing.TB, pdf []byte) pdfsigReport {
	t.Helper()
	bin := pdfsigPath(t)
	f := t.TempDir() + "/doc.pdf"
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, f)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // the exit status is not stable across poppler versions; parse the report
	rep := pdfsigReport{out: out.String()}
	var cur *pdfsigSignature
	for _, line := range strings.Split(out.String(), "\n") {
		l := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
		switch {
		case strings.HasPrefix(line, "Signature #"):
			rep.signatures = append(rep.signatures, pdfsigSignature{})
			cur = &rep.signatures[len(rep.signatures)-1]
		case cur == nil:
		case strings.HasPrefix(l, "Signer Certificate Common Name:"):
			cur.signer = strings.TrimSpace(strings.TrimPrefix(l, "Signer Certificate Common Name:"))
		case strings.HasPrefix(l, "Signature Validation:"):
			cur.validation = strings.TrimSpace(strings.TrimPrefix(l, "Signature Validation:"))
		case strings.HasPrefix(l, "Signature Type:"):
			cur.subFilter = strings.TrimSpace(strings.TrimPrefix(l, "Signature Type:"))
		case strings.Contains(l, "Total document signed"):
			cur.whole = true
		}
	}
	return rep
}
