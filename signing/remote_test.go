package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

func (e *testEnv) cscURL() string { return e.srv.URL + "/csc/v2" }

var testPIN = StaticAuthorization(pki.CSCTestPIN, "")

// TestCSCSign signs through the test PKI's CSC service (the key stays on the
// service), RSA and ECDSA, at B-B and B-T: pdfsig says valid, Verify passes.
func TestCSCSign(t *testing.T) {
	e := getEnv(t)
	for _, name := range []string{pki.Personal, pki.ECDSA} {
		t.Run(name, func(t *testing.T) {
			k, err := NewCSCClient(context.Background(), e.cscURL(), pki.CSCTestToken, name, CSCOptions{Authorize: testPIN, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			id := e.pki.Identity(name)
			if !k.Certificate().Equal(id.Cert) || len(k.Chain()) != 1 || !k.Chain()[0].Equal(id.Chain[1]) {
				t.Fatalf("credential: %q with %d issuers", k.Certificate().Subject.CommonName, len(k.Chain()))
			}
			signBBAndBT(t, e, k)
		})
	}
}

// signBBAndBT signs a PDF with k at B-B and at B-T: pdfsig must say valid
// and Verify TOTAL-PASSED, with a time-stamp only at B-T.
func signBBAndBT(t *testing.T, e *testEnv, k KeySource) {
	t.Helper()
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}
	for _, level := range []Level{LevelBB, LevelBT} {
		s, err := New(k, Options{Level: level, TSAURL: e.tsaURL, Checker: e.checker()})
		if err != nil {
			t.Fatal(err)
		}
		signed := signBytes(t, s, makePDF(1))
		if rep := runPdfsig(t, signed); len(rep.signatures) != 1 || rep.signatures[0].validation != "Signature is Valid." {
			t.Fatalf("%s pdfsig:\n%s", level, rep.out)
		}
		rep := verifyBytes(t, signed, opts)
		wantVerdicts(t, rep, TotalPassed, "", k.Certificate().Subject.CommonName)
		if got := rep.Signatures[0].Timestamp.Present; got != (level == LevelBT) {
			t.Fatalf("%s: timestamp present %v", level, got)
		}
	}
}

// faulty serves the test CSC service, except that method (e.g.
// "signatures/signHash") answers with fault.
func faulty(t *testing.T, e *testEnv, method string, fault http.HandlerFunc) string {
	t.Helper()
	real := e.pki.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+method) {
			fault(w, r)
			return
		}
		real.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/csc/v2"
}

// TestCSCErrors: each failure of the service gives its own kerr error,
// quickly, never a hang.
func TestCSCErrors(t *testing.T) {
	e := getEnv(t)
	hang := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	status := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write([]byte(body))
		}
	}
	// A service signing with another key than the credential's.
	otherKey := func(w http.ResponseWriter, r *http.Request) {
		body := `{"signatures":["` + strings.Repeat("QUFB", 86) + `"]}`
		status(200, body)(w, r)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	otp := httptest.NewServer(e.pki.CSCHandler(pki.CSCOptions{OTP: "246810"}))
	defer otp.Close()

	for _, c := range []struct {
		name, url, token, cred string
		auth                   func(context.Context, string) (CSCAuthorization, error)
		kind                   kerr.Kind
		code                   string
	}{
		{"wrong token", e.cscURL(), "nope", pki.Personal, testPIN, kerr.Unauthenticated, "csc_unauthorized"},
		{"unknown credential", e.cscURL(), pki.CSCTestToken, "nobody", testPIN, kerr.NotFound, "csc_credential_not_found"},
		{"wrong PIN", e.cscURL(), pki.CSCTestToken, pki.Personal, StaticAuthorization("0000", ""), kerr.Invalid, "csc_pin_wrong"},
		{"no PIN", e.cscURL(), pki.CSCTestToken, pki.Personal, nil, kerr.Invalid, "csc_pin_wrong"},
		{"missing OTP", otp.URL + "/csc/v2", pki.CSCTestToken, pki.Personal, testPIN, kerr.Invalid, "csc_otp_wrong"},
		{"unreachable", closed.URL + "/csc/v2", pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_unreachable"},
		{"info 500", faulty(t, e, "credentials/info", status(500, `{"error":"server_error"}`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_server_error"},
		{"info hangs", faulty(t, e, "credentials/info", hang), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_timeout"},
		{"info malformed", faulty(t, e, "credentials/info", status(200, `{"cert": {"certificates": [`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_bad_response"},
		{"info not base64", faulty(t, e, "credentials/info", status(200, `{"cert": {"certificates": ["!!"]}}`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_bad_response"},
		{"sign 503", faulty(t, e, "signatures/signHash", status(503, `maintenance`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_server_error"},
		{"sign hangs", faulty(t, e, "signatures/signHash", hang), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_timeout"},
		{"sign malformed", faulty(t, e, "signatures/signHash", status(200, `<html>`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_bad_response"},
		{"sign none", faulty(t, e, "signatures/signHash", status(200, `{"signatures":[]}`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unavailable, "csc_bad_response"},
		{"sign wrong key", faulty(t, e, "signatures/signHash", otherKey), pki.CSCTestToken, pki.Personal, testPIN, kerr.Integrity, "remote_bad_signature"},
		{"authorize 401", faulty(t, e, "credentials/authorize", status(401, `{"error":"invalid_token"}`)), pki.CSCTestToken, pki.Personal, testPIN, kerr.Unauthenticated, "csc_unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			opts := CSCOptions{Authorize: c.auth, Timeout: 500 * time.Millisecond}
			k, err := NewCSCClient(context.Background(), c.url, c.token, c.cred, opts)
			if err == nil {
				digest := sha256.Sum256([]byte("một văn bản"))
				_, err = k.Sign(nil, digest[:], crypto.SHA256)
			}
			wantCode(t, err, c.kind, c.code)
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestCSCErrorThroughSigner: a remote failure while signing a PDF reaches
// the caller of Signer.Sign with its code, and nothing is written.
func TestCSCErrorThroughSigner(t *testing.T) {
	e := getEnv(t)
	k, err := NewCSCClient(context.Background(), e.cscURL(), pki.CSCTestToken, pki.Personal, CSCOptions{Authorize: StaticAuthorization("0000", "")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(k, Options{Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	pdf := makePDF(1)
	var out bytes.Buffer
	_, err = s.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out)
	wantCode(t, err, kerr.Invalid, "csc_pin_wrong")
	if out.Len() != 0 {
		t.Fatal("output written on error")
	}
}

// answerTransport answers every CSC request with status and body, without
// a network.
type answerTransport struct {
	status int
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// FuzzCSCAnswer feeds arbitrary answers of a CSC service to the client, as
// credentials/info and as signatures/signHash answers, with a 200 and an
// error status: it must return a kerr error (or, for a well-formed answer,
// succeed), never panic. Seeds are in testdata/fuzz/FuzzCSCAnswer.
func FuzzCSCAnswer(f *testing.F) {
	e := getEnv(f)
	cert := base64.StdEncoding.EncodeToString(e.pki.Identity(pki.ECDSA).Cert.Raw)
	f.Add([]byte(`{"cert":{"certificates":["` + cert + `"]},"key":{"status":"enabled"},"authMode":"explicit"}`))
	f.Add([]byte(`{"SAD":"x","signatures":["AAAA"]}`))
	f.Add([]byte(`{"error":"invalid_pin","error_description":"The PIN is invalid"}`))
	good := NewCSC("http://csc.invalid/csc/v2", "t", "c", CSCOptions{HTTPClient: &http.Client{Transport: answerTransport{200, []byte(
		`{"cert":{"certificates":["` + cert + `"]}}`)}}})
	cred, err := good.Credential(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{200, 400, 503} {
			c := NewCSC("http://csc.invalid/csc/v2", "t", "c", CSCOptions{HTTPClient: &http.Client{Transport: answerTransport{status, body}}})
			if _, err := c.Credential(context.Background()); err != nil && kerr.Outer(err) == nil {
				t.Fatalf("not a kerr error: %v", err)
			}
			k := &RemoteKey{rs: c, cert: cred.Certificate, timeout: time.Second}
			c.pub = cred.Certificate.PublicKey
			digest := sha256.Sum256(body)
			if _, err := k.Sign(nil, digest[:], crypto.SHA256); err == nil {
				t.Fatal("a fuzzed answer made a valid signature")
			} else if kerr.Outer(err) == nil {
				t.Fatalf("not a kerr error: %v", err)
			}
		}
	})
}

// TestCSCConcurrent signs from many goroutines through one RemoteKey.
func TestCSCConcurrent(t *testing.T) {
	e := getEnv(t)
	k, err := NewCSCClient(context.Background(), e.cscURL(), pki.CSCTestToken, pki.Seal, CSCOptions{Authorize: testPIN, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16)
	for i := 0; i < cap(errs); i++ {
		go func() {
			digest := sha256.Sum256([]byte{byte(i)})
			_, err := k.Sign(nil, digest[:], crypto.SHA256) // checked against the certificate inside
			errs <- err
		}()
	}
	for i := 0; i < cap(errs); i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
