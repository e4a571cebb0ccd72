package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/signing"
)

// The test PKI with its OCSP, CRL and TSA responders, generated once per
// test binary (RSA key generation dominates), and its files (PKCS#12).
var (
	pkiOnce sync.Once
	pkiSrv  *pki.Server
	pkiDir  string
	pkiErr  error
)

func testPKI(t *testing.T) (*pki.Server, string) {
	t.Helper()
	pkiOnce.Do(func() {
		pkiSrv, pkiErr = pki.StartServer(context.Background(), pki.Options{})
		if pkiErr != nil {
			return
		}
		pkiDir, pkiErr = os.MkdirTemp("", "kho-portal-pki-")
		if pkiErr == nil {
			pkiErr = pkiSrv.PKI.WriteDir(pkiDir)
		}
	})
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiSrv, pkiDir
}

// p12Key loads a test identity's PKCS#12 file as a key source.
func p12Key(t *testing.T, dir, name string) signing.KeySource {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name+".p12"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := signing.LoadPKCS12(f, pki.TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// switchableNet is a real HTTP transport for OCSP and CRL requests that can
// be cut off, as when the revocation services are down.
type switchableNet struct{ down atomic.Bool }

func (n *switchableNet) client() *http.Client {
	var d net.Dialer
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if n.down.Load() {
				return nil, errors.New("revocation services unreachable (test)")
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// signingEnv is an API server whose vault verifies stored PDFs against the
// test PKI and whose signing API holds the keys "canbo" (personal), "dau"
// (organisation seal) and "thuhoi" (revoked).
type signingEnv struct {
	*env
	pki *pki.Server
	net *switchableNet
}

func newSigningEnv(t *testing.T, opts ...func(*envOptions)) *signingEnv {
	t.Helper()
	srv, dir := testPKI(t)
	p := srv.PKI
	sn := &switchableNet{}
	checker := &signing.Checker{Roots: p.Roots(), Timeout: 3 * time.Second, HTTPClient: sn.client()}
	verifier := archive.NewVerifier(signing.VerifyOptions{Roots: p.Roots(), Checker: checker})
	keys := map[string]signing.KeySource{
		"canbo":  p12Key(t, dir, pki.Personal),
		"dau":    p12Key(t, dir, pki.Seal),
		"thuhoi": p12Key(t, dir, pki.Revoked),
	}
	all := append([]func(*envOptions){func(o *envOptions) {
		o.vault.Verifier = verifier
		o.portal.Verifier = verifier
		o.portal.Signing = &portal.Signing{Keys: keys, TSAURL: srv.URL + "/tsa", TSATimeout: 10 * time.Second,
			Checker: &signing.Checker{Roots: p.Roots(), Timeout: 3 * time.Second}}
	}}, opts...)
	return &signingEnv{env: newEnv(t, all...), pki: srv, net: sn}
}

// onePage is a real one-page PDF (the signing package's fixture).
func onePage(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signLocally signs pdf with a test identity, outside the API.
func (e *signingEnv) signLocally(t *testing.T, name string, level signing.Level, pdf []byte) []byte {
	t.Helper()
	_, dir := testPKI(t)
	s, err := signing.New(p12Key(t, dir, name), signing.Options{Level: level, TSAURL: e.pki.URL + "/tsa",
		Checker: &signing.Checker{Roots: e.pki.PKI.Roots(), Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return out.Bytes()
}

// report is the verification report as the tests read it.
type report struct {
	Signatures []struct {
		Kind          string `json:"kind"`
		Level         string `json:"level"`
		Verdict       string `json:"verdict"`
		SubIndication string `json:"subIndication"`
		Reason        string `json:"reason"`
		Location      string `json:"location"`
		DocMDP        int    `json:"docmdp"`
		Signer        struct {
			CommonName string `json:"commonName"`
		} `json:"signer"`
		Timestamp struct {
			Present bool `json:"present"`
			Valid   bool `json:"valid"`
		} `json:"timestamp"`
	} `json:"signatures"`
}

func (e *signingEnv) upload(t *testing.T, token, name string, data []byte) document {
	t.Helper()
	var d document
	q := url.Values{"type": {"KHAC"}, "name": {name}}
	e.uploadRaw(rawUpload{token: token, query: q, contentType: "application/pdf", disposition: `attachment; filename="quyet-dinh.pdf"`, data: data}).
		want(t, 201, "").json(t, &d)
	return d
}

// TestVerifyOnStore: the vault verifies each PDF it stores; listings and
// reads show the summary, ?signed= filters, the report is kept, and a
// verifier that cannot reach OCSP/CRL never fails the upload.
func TestVerifyOnStore(t *testing.T) {
	e := newSigningEnv(t)
	plain := onePage(t)
	signed := e.signLocally(t, pki.Personal, signing.LevelBT, plain)

	// OCSP and CRL down (before any verification: the checker caches
	// CRLs): the upload succeeds, INDETERMINATE/TRY_LATER; re-verification
	// once they are back gives TOTAL-PASSED.
	e.net.down.Store(true)
	signed2 := e.signLocally(t, pki.Seal, signing.LevelBB, plain)
	start := time.Now()
	d := e.upload(t, e.citizenA, "Quyết định đóng dấu", signed2)
	if time.Since(start) > 15*time.Second {
		t.Errorf("upload with revocation down took %v", time.Since(start))
	}
	if got := d.Signature; got == nil || !got.Signed || got.Verdict != "INDETERMINATE" || got.SubIndication != "TRY_LATER" {
		t.Errorf("revocation down: signature = %+v, want INDETERMINATE/TRY_LATER", got)
	}
	e.net.down.Store(false)
	// A metadata change since: version 2 has the same content and summary.
	var patched document
	e.do(call{method: "PATCH", path: "/api/v1/documents/" + d.ID, token: e.citizenA, contentType: "application/json", body: []byte(`{"summary":"Đã đóng dấu"}`)}).
		want(t, 200, "").json(t, &patched)
	if patched.Signature == nil || patched.Signature.SubIndication != "TRY_LATER" {
		t.Errorf("metadata version: %+v", patched.Signature)
	}
	var v version
	e.do(call{method: "POST", path: "/api/v1/documents/" + d.ID + "/versions/1/verify", token: e.citizenA}).want(t, 200, "").json(t, &v)
	if v.Signature == nil || v.Signature.Verdict != "TOTAL-PASSED" || v.Signature.Level != "B-B" {
		t.Errorf("re-verified: %+v", v.Signature)
	}
	var again document
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID, token: e.citizenA}).want(t, 200, "").json(t, &again)
	if again.Signature == nil || again.Signature.Verdict != "TOTAL-PASSED" || again.Rev != patched.Rev {
		t.Errorf("after re-verification the document says %+v (rev %d, was %d)", again.Signature, again.Rev, patched.Rev)
	}

	u := e.upload(t, e.citizenA, "Tờ khai chưa ký", plain)
	if u.Signature == nil || u.Signature.Signed || u.Signature.Count != 0 || u.Signature.Verdict != "" {
		t.Errorf("unsigned PDF: signature = %+v", u.Signature)
	}
	s := e.upload(t, e.citizenA, "Quyết định đã ký", signed)
	want := signature{Signed: true, Count: 1, Verdict: "TOTAL-PASSED", Signers: []string{"Nguyễn Văn An"}, Level: "B-T"}
	if got := s.Signature; got == nil || got.Report == "" || !sameSummary(*got, want) {
		t.Errorf("signed PDF: signature = %+v, want %+v", got, want)
	}
	if s.Current.Signature == nil || s.Current.Signature.Verdict != "TOTAL-PASSED" {
		t.Errorf("current version's signature = %+v", s.Current.Signature)
	}
	img := pngImage(t)
	var p document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Ảnh"}}, contentType: "image/png", disposition: `attachment; filename="anh.png"`, data: img}).
		want(t, 201, "").json(t, &p)
	if p.Signature != nil {
		t.Errorf("PNG: signature = %+v, want none", p.Signature)
	}

	// Listings carry the summary and filter on it.
	var pg page
	e.do(call{method: "GET", path: "/api/v1/documents?signed=true", token: e.citizenA}).want(t, 200, "").json(t, &pg)
	if len(pg.Documents) != 2 || pg.Documents[0].ID != s.ID || pg.Documents[1].ID != d.ID ||
		pg.Documents[0].Signature == nil || pg.Documents[0].Signature.Verdict != "TOTAL-PASSED" {
		t.Errorf("?signed=true: %+v", pg.Documents)
	}
	e.do(call{method: "GET", path: "/api/v1/documents?signed=false", token: e.citizenA}).want(t, 200, "").json(t, &pg)
	if len(pg.Documents) != 2 {
		t.Errorf("?signed=false: %d documents, want 2 (the unsigned PDF and the image)", len(pg.Documents))
	}
	e.do(call{method: "GET", path: "/api/v1/documents?signed=maybe", token: e.citizenA, expect: specInvalid}).want(t, 400, "invalid_signed")

	// The report: JSON and Vietnamese HTML; the read is in the ledger.
	rp := "/api/v1/documents/" + s.ID + "/versions/1/signature-report"
	var rep report
	e.do(call{method: "GET", path: rp + "?purpose=" + url.QueryEscape("kiểm tra"), token: e.citizenA}).want(t, 200, "").json(t, &rep)
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-PASSED" || rep.Signatures[0].Signer.CommonName != "Nguyễn Văn An" || !rep.Signatures[0].Timestamp.Valid {
		t.Errorf("report = %+v", rep)
	}
	e.do(call{method: "GET", path: rp, token: e.staff, header: map[string]string{"Accept": "text/html"}}).want(t, 400, "purpose_required")
	r := e.do(call{method: "GET", path: rp + "?purpose=" + url.QueryEscape("thẩm định"), token: e.staff, header: map[string]string{"Accept": "text/html"}}).want(t, 200, "")
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(string(r.body), "Kết quả kiểm tra chữ ký số") || !strings.Contains(string(r.body), "Nguyễn Văn An") {
		t.Errorf("HTML report: %s %s", ct, truncate(r.body))
	}
	var ur report
	e.do(call{method: "GET", path: "/api/v1/documents/" + u.ID + "/versions/1/signature-report", token: e.citizenA}).want(t, 200, "").json(t, &ur)
	if len(ur.Signatures) != 0 {
		t.Errorf("unsigned PDF's report has %d signatures", len(ur.Signatures))
	}
	e.do(call{method: "GET", path: "/api/v1/documents/" + p.ID + "/versions/1/signature-report", token: e.citizenA}).want(t, 404, "signature_report_not_found")
	e.do(call{method: "GET", path: "/api/v1/documents/" + s.ID + "/versions/9/signature-report", token: e.citizenA}).want(t, 404, "version_not_found")
	var lp ledgerPage
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + s.ID, token: e.citizenA}).want(t, 200, "").json(t, &lp)
	if n := len(lp.Entries); n < 2 || lp.Entries[n-1].Action != "read" || lp.Entries[n-1].Actor != "canbo01" {
		t.Errorf("ledger after reading the report: %+v", lp.Entries)
	}

	e.do(call{method: "POST", path: "/api/v1/documents/" + p.ID + "/versions/1/verify", token: e.citizenA}).want(t, 400, "not_pdf")
}

func sameSummary(got, want signature) bool {
	return got.Signed == want.Signed && got.Count == want.Count && got.Verdict == want.Verdict &&
		strings.Join(got.Signers, "|") == strings.Join(want.Signers, "|") && got.Level == want.Level
}

// TestVerifyOnStoreWithoutVerifier: a vault without trust anchors stores
// PDFs unchecked and says so.
func TestVerifyOnStoreWithoutVerifier(t *testing.T) {
	e := newEnv(t)
	var d document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"x"}}, contentType: "application/pdf", data: pdf("x"), disposition: `attachment; filename="x.pdf"`}).
		want(t, 201, "").json(t, &d)
	if d.Signature != nil {
		t.Errorf("signature = %+v without a verifier", d.Signature)
	}
	e.do(call{method: "POST", path: "/api/v1/documents/" + d.ID + "/versions/1/verify", token: e.citizenA}).want(t, 503, "verifier_not_configured")
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/versions/1/signature-report", token: e.citizenA}).want(t, 404, "signature_report_not_found")
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: pdf("x")}).want(t, 503, "verifier_not_configured")
	body, ct := multipartBody(t, part{name: "file", fileName: "x.pdf", contentType: "application/pdf", data: pdf("x")})
	e.do(call{method: "POST", path: "/api/v1/signing/sign", token: e.staff, contentType: ct, body: body}).want(t, 503, "signing_not_configured")
}

// signRequest posts a PDF with options to /api/v1/signing/sign.
func (e *signingEnv) signRequest(t *testing.T, token string, opts map[string]any, data []byte) result {
	t.Helper()
	b, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(t, part{name: "options", contentType: "application/json", data: b},
		part{name: "file", fileName: "to-trinh.pdf", contentType: "application/pdf", data: data})
	return e.do(call{method: "POST", path: "/api/v1/signing/sign", token: token, contentType: ct, body: body})
}

// verifyBytes verifies a PDF through the public endpoint.
func (e *signingEnv) verifyBytes(t *testing.T, data []byte) report {
	t.Helper()
	var rep report
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: data}).want(t, 200, "").json(t, &rep)
	return rep
}

// TestSigningAPI: staff sign with the server's keys, citizens may not,
// bad options and refused certificates get their codes, and what the API
// signs verifies.
func TestSigningAPI(t *testing.T) {
	e := newSigningEnv(t)
	plain := onePage(t)

	r := e.signRequest(t, e.staff, map[string]any{"key": "canbo", "level": "B-T", "reason": "Phê duyệt hồ sơ", "location": "TP. Hồ Chí Minh"}, plain).want(t, 200, "")
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" || r.header.Get("X-Signature-Level") != "B-T" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "to-trinh-da-ky.pdf") {
		t.Errorf("headers: %v", r.header)
	}
	rep := e.verifyBytes(t, r.body)
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-PASSED" || rep.Signatures[0].Reason != "Phê duyệt hồ sơ" ||
		rep.Signatures[0].Location != "TP. Hồ Chí Minh" || !rep.Signatures[0].Timestamp.Valid {
		t.Errorf("signed by the API: %+v", rep)
	}
	// A second signature (the seal, certifying) on top keeps the first.
	r2 := e.signRequest(t, e.admin, map[string]any{"key": "dau"}, r.body).want(t, 200, "")
	rep = e.verifyBytes(t, r2.body)
	if len(rep.Signatures) != 2 || rep.Signatures[0].Verdict != "TOTAL-PASSED" || rep.Signatures[1].Verdict != "TOTAL-PASSED" ||
		rep.Signatures[1].Signer.CommonName != "Ủy ban nhân dân Phường Bến Nghé" {
		t.Errorf("countersigned: %+v", rep)
	}
	cert := e.signRequest(t, e.staff, map[string]any{"key": "dau", "certification": "no-changes"}, plain).want(t, 200, "")
	if rep := e.verifyBytes(t, cert.body); len(rep.Signatures) != 1 || rep.Signatures[0].DocMDP != 1 {
		t.Errorf("certification signature: %+v", rep)
	}
	// The HTML report for people.
	h := e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: r2.body, header: map[string]string{"Accept": "text/html,application/xhtml+xml"}}).want(t, 200, "")
	if !strings.Contains(string(h.body), "Ủy ban nhân dân Phường Bến Nghé") || !strings.HasPrefix(h.header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML: %s", truncate(h.body))
	}

	// Refusals.
	e.signRequest(t, e.citizenA, map[string]any{"key": "canbo"}, plain).want(t, 403, "staff_only")
	e.signRequest(t, e.staff, map[string]any{}, plain).want(t, 400, "sign_key_required")
	e.signRequest(t, e.staff, map[string]any{"key": "khong-co"}, plain).want(t, 400, "sign_key_unknown")
	e.signRequest(t, e.staff, map[string]any{"key": "canbo", "level": "B-X"}, plain).want(t, 400, "level_unknown")
	e.signRequest(t, e.staff, map[string]any{"key": "canbo", "certification": "all"}, plain).want(t, 400, "invalid_certification")
	e.signRequest(t, e.staff, map[string]any{"key": "canbo", "reason": strings.Repeat("dài ", 100)}, plain).want(t, 400, "invalid_sign_option")
	e.signRequest(t, e.staff, map[string]any{"key": "thuhoi"}, plain).want(t, 403, "cert_revoked")
	e.signRequest(t, e.staff, map[string]any{"key": "canbo"}, []byte("không phải PDF")).want(t, 400, "")
	body, ct := multipartBody(t, part{name: "options", contentType: "application/json", data: []byte(`{"key":"canbo","colour":"red"}`)},
		part{name: "file", fileName: "a.pdf", contentType: "application/pdf", data: plain})
	// (The validator does not look inside multipart parts.)
	e.do(call{method: "POST", path: "/api/v1/signing/sign", token: e.staff, contentType: ct, body: body}).want(t, 400, "unknown_field")
	e.do(call{method: "POST", path: "/api/v1/signing/sign", token: e.staff, contentType: "application/pdf", body: plain, expect: specInvalid}).want(t, 400, "multipart_required")

	// Public verification: no token, bad input, size limit.
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: []byte("%PDF-1.7\nrác")}).want(t, 400, "")
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: []byte{}}).want(t, 400, "empty_file")
	tampered := bytes.Clone(r.body)
	i := bytes.Index(tampered, []byte("Kho test page"))
	tampered[i] = 'X'
	if rep := e.verifyBytes(t, tampered); len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-FAILED" {
		t.Errorf("tampered: %+v", rep)
	}
	mb, mct := multipartBody(t, part{name: "file", fileName: "a.pdf", contentType: "application/pdf", data: r.body})
	var mrep report
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: mct, body: mb}).want(t, 200, "").json(t, &mrep)
	if len(mrep.Signatures) != 1 {
		t.Errorf("multipart verify: %+v", mrep)
	}
}

// TestSigningLevels: every level name goes through signing.ParseLevel and
// signs; what the API signed verifies TOTAL-PASSED at that level, and the
// vault's summary of a stored copy says the same level.
func TestSigningLevels(t *testing.T) {
	e := newSigningEnv(t)
	plain := onePage(t)
	for _, level := range []string{"B-B", "B-T", "B-LT", "B-LTA", "pades-b-t"} {
		t.Run(level, func(t *testing.T) {
			want := strings.ToUpper(strings.TrimPrefix(level, "pades-"))
			r := e.signRequest(t, e.staff, map[string]any{"key": "canbo", "level": level}, plain).want(t, 200, "")
			if got := r.header.Get("X-Signature-Level"); got != want {
				t.Errorf("X-Signature-Level = %q", got)
			}
			rep := e.verifyBytes(t, r.body)
			if len(rep.Signatures) == 0 {
				t.Fatalf("no signature: %+v", rep)
			}
			for _, s := range rep.Signatures {
				if s.Verdict != "TOTAL-PASSED" {
					t.Errorf("%+v", rep)
				}
			}
			if rep.Signatures[0].Level != want {
				t.Errorf("verified level %q, want %q", rep.Signatures[0].Level, want)
			}
			d := e.upload(t, e.citizenA, "Quyết định "+level, r.body)
			if d.Signature == nil || d.Signature.Level != want || d.Signature.Verdict != "TOTAL-PASSED" || d.Signature.Signers[0] != "Nguyễn Văn An" {
				t.Errorf("stored: %+v", d.Signature)
			}
		})
	}
}

// TestSignVaultDocument: staff sign a vault document's current version;
// the result is a new version (source result, change signed) verified on
// store; citizens may not sign.
func TestSignVaultDocument(t *testing.T) {
	e := newSigningEnv(t)
	d := e.upload(t, e.citizenA, "Tờ trình", onePage(t))
	path := "/api/v1/documents/" + d.ID + "/sign"
	e.do(call{method: "POST", path: path, token: e.citizenA, contentType: "application/json", body: []byte(`{"key":"dau"}`)}).want(t, 403, "staff_only")
	e.do(call{method: "POST", path: path, token: e.staff, contentType: "application/json", body: []byte(`{"key":"dau","level":"B-Q"}`)}).want(t, 400, "level_unknown")
	e.do(call{method: "POST", path: path, token: e.staff, contentType: "application/json", header: map[string]string{"If-Match": `"7"`}, body: []byte(`{"key":"dau"}`)}).want(t, 409, "document_changed")

	var s document
	r := e.do(call{method: "POST", path: path, token: e.staff, contentType: "application/json",
		body: []byte(`{"key":"dau","level":"B-T","reason":"Trả kết quả","certification":"form-filling"}`)}).want(t, 201, "")
	r.json(t, &s)
	if s.VersionCount != 2 || s.Current.Change != "signed" || s.Current.Source != "result" || s.Rev != 2 {
		t.Errorf("signed document: %+v", s)
	}
	want := signature{Signed: true, Count: 1, Verdict: "TOTAL-PASSED", Signers: []string{"Ủy ban nhân dân Phường Bến Nghé"}, Level: "B-T"}
	if s.Signature == nil || !sameSummary(*s.Signature, want) {
		t.Errorf("signature = %+v, want %+v", s.Signature, want)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/documents/"+d.ID+"/versions/2/content" {
		t.Errorf("Location = %q", loc)
	}
	// The owner downloads the signed version; it verifies with the reason.
	got := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/content", token: e.citizenA}).want(t, 200, "")
	rep := e.verifyBytes(t, got.body)
	if len(rep.Signatures) != 1 || rep.Signatures[0].Reason != "Trả kết quả" || rep.Signatures[0].DocMDP != 2 {
		t.Errorf("downloaded signed version: %+v", rep)
	}
	// Version 1 is unchanged and unsigned.
	var vl struct {
		Versions []version `json:"versions"`
	}
	e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/versions", token: e.citizenA}).want(t, 200, "").json(t, &vl)
	if len(vl.Versions) != 2 || vl.Versions[0].Signature == nil || vl.Versions[0].Signature.Signed || vl.Versions[1].Signature == nil || !vl.Versions[1].Signature.Signed {
		t.Errorf("versions: %+v", vl.Versions)
	}
	// Not a PDF: refused.
	var img document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Ảnh"}}, contentType: "image/png", disposition: `attachment; filename="anh.png"`, data: pngImage(t)}).
		want(t, 201, "").json(t, &img)
	e.do(call{method: "POST", path: "/api/v1/documents/" + img.ID + "/sign", token: e.staff, contentType: "application/json", body: []byte(`{"key":"dau"}`)}).want(t, 400, "not_pdf")
}

// TestVerifySizeLimit: the public verifier refuses files over its limit.
func TestVerifySizeLimit(t *testing.T) {
	e := newSigningEnv(t, func(o *envOptions) { o.portal.MaxVerifyBytes = 4096 })
	big := append(onePage(t), bytes.Repeat([]byte("%padding\n"), 1000)...)
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: big}).want(t, 413, "file_too_large")
	e.do(call{method: "POST", path: "/api/v1/signing/verify", contentType: "application/pdf", body: big, chunked: true}).want(t, 413, "file_too_large")
	var lim struct {
		MaxVerifyBytes int64 `json:"maxVerifyBytes"`
	}
	e.do(call{method: "GET", path: "/api/v1/limits"}).want(t, 200, "").json(t, &lim)
	if lim.MaxVerifyBytes != 4096 {
		t.Errorf("maxVerifyBytes = %d", lim.MaxVerifyBytes)
	}
}

// TestVerifyOnStoreBrokenSignature: a PDF that claims a signature the
// verifier cannot read is stored all the same, INDETERMINATE with
// FORMAT_FAILURE and a Vietnamese reason.
func TestVerifyOnStoreBrokenSignature(t *testing.T) {
	e := newSigningEnv(t)
	for _, c := range []struct {
		name   string
		data   []byte
		report int // the signature report's status
	}{
		{"a /ByteRange in no signature", append(onePage(t), "\n1 0 obj\n<< /Type /Sig /ByteRange [0 10 20 30] /Contents <00> >>\nendobj\n"...), 200},
		// A sound PDF (so the vault keeps it) that the verifier refuses:
		// its reader would hold gigabytes for its million empty arrays.
		{"too complex to verify", tooComplexPDF(), 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := e.upload(t, e.citizenA, "Giấy tờ lỗi chữ ký", c.data)
			if d.Signature == nil || !d.Signature.Signed || d.Signature.Verdict != "INDETERMINATE" || d.Signature.SubIndication != "FORMAT_FAILURE" {
				t.Fatalf("signature = %+v", d.Signature)
			}
			r := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/versions/1/signature-report", token: e.citizenA})
			if r.status != c.report {
				t.Fatalf("report: %d, want %d: %s", r.status, c.report, truncate(r.body))
			}
			switch r.status {
			case 200: // a report with the unreadable signature in it
				var rep report
				r.json(t, &rep)
				if len(rep.Signatures) != 1 || rep.Signatures[0].SubIndication != "FORMAT_FAILURE" {
					t.Errorf("report: %+v", rep)
				}
			case 404: // the verifier refused the file: its reason is the message
				r.want(t, 404, "signature_report_not_found")
				if d.Signature.Message == "" {
					t.Error("no message says why")
				}
			}
		})
	}
}

// sigRect returns the /Rect of the last signature widget in a signed PDF
// (all zero for an invisible signature).
func sigRect(t *testing.T, pdf []byte) string {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("/FT /Sig"))
	if i < 0 {
		t.Fatal("no signature field")
	}
	obj := pdf[bytes.LastIndex(pdf[:i], []byte(" obj")):]
	obj = obj[:bytes.Index(obj, []byte("endobj"))]
	j := bytes.Index(obj, []byte("/Rect"))
	if j < 0 {
		t.Fatalf("no /Rect in %s", obj)
	}
	return string(obj[j : j+bytes.IndexByte(obj[j:], ']')+1])
}

// TestSigningVisible: visible signatures through the API, placed by
// rectangle or by anchor text, with the key's configured image.
func TestSigningVisible(t *testing.T) {
	img := pngImage(t)
	e := newSigningEnv(t, func(o *envOptions) { o.portal.Signing.Images = map[string][]byte{"dau": img} })
	plain := onePage(t)
	invisible := e.signRequest(t, e.staff, map[string]any{"key": "dau"}, plain).want(t, 200, "")
	if r := sigRect(t, invisible.body); r != "/Rect [0 0 0 0]" {
		t.Errorf("invisible signature: %s", r)
	}
	byRect := e.signRequest(t, e.staff, map[string]any{"key": "dau", "visible": map[string]any{"page": 1, "rect": []float64{350, 80, 520, 150}, "kind": "seal"}}, plain).want(t, 200, "")
	if r := sigRect(t, byRect.body); r != "/Rect [350.000000 80.000000 520.000000 150.000000]" {
		t.Errorf("by rectangle: %s", r)
	}
	byAnchor := e.signRequest(t, e.staff, map[string]any{"key": "canbo", "visible": map[string]any{"anchor": map[string]any{"text": "Kho test page", "place": "below"}, "lines": []string{"Nguyễn Văn An", "Chuyên viên"}}}, plain).want(t, 200, "")
	var x1, y1, x2, y2 float64
	if _, err := fmt.Sscanf(sigRect(t, byAnchor.body), "/Rect [%f %f %f %f]", &x1, &y1, &x2, &y2); err != nil || x2-x1 != 170 || y2-y1 != 70 || y2 > 760 || y2 < 700 {
		t.Errorf("below the anchor (text at y 760): %v %v %v %v %v", x1, y1, x2, y2, err)
	}
	for _, pdf := range [][]byte{byRect.body, byAnchor.body} {
		if rep := e.verifyBytes(t, pdf); len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != "TOTAL-PASSED" {
			t.Errorf("visible signature: %+v", rep)
		}
	}
	// The same on a vault document.
	d := e.upload(t, e.citizenA, "Quyết định", plain)
	var s document
	e.do(call{method: "POST", path: "/api/v1/documents/" + d.ID + "/sign", token: e.staff, contentType: "application/json",
		body: []byte(`{"key":"dau","visible":{"anchor":{"text":"Kho test page","place":"right"},"kind":"seal"}}`)}).want(t, 201, "").json(t, &s)
	if s.Signature == nil || s.Signature.Verdict != "TOTAL-PASSED" {
		t.Errorf("signed vault document: %+v", s.Signature)
	}
	// Refusals.
	for _, v := range []map[string]any{
		{"rect": []float64{1, 2, 3, 4}, "anchor": map[string]any{"text": "Kho"}},
		{"rect": []float64{1, 2, 3}},
		{},
		{"page": -1, "rect": []float64{1, 2, 3, 4}},
		{"anchor": map[string]any{"text": "Kho", "place": "left"}},
		{"rect": []float64{1, 2, 3, 4}, "kind": "stamp"},
		{"anchor": map[string]any{"text": "không có trên trang"}},
		{"rect": []float64{1, 2, 3, 4}, "lines": []string{"a", "b", "c", "d", "e", "f", "g"}},
	} {
		r := e.signRequest(t, e.staff, map[string]any{"key": "dau", "visible": v}, plain)
		if r.status != 400 {
			t.Errorf("visible %v: %d %s", v, r.status, truncate(r.body))
		}
	}
}

// TestSigningKeys: staff see each key's certificate and whether it may sign
// now; a revoked key says why.
func TestSigningKeys(t *testing.T) {
	e := newSigningEnv(t, func(o *envOptions) { o.portal.Signing.Images = map[string][]byte{"dau": pngImage(t)} })
	var kl struct {
		Keys []struct {
			Name       string `json:"name"`
			CommonName string `json:"commonName"`
			HasImage   bool   `json:"hasImage"`
			Usable     bool   `json:"usable"`
			Problem    *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"problem"`
		} `json:"keys"`
	}
	e.do(call{method: "GET", path: "/api/v1/signing/keys", token: e.staff}).want(t, 200, "").json(t, &kl)
	if len(kl.Keys) != 3 {
		t.Fatalf("keys: %+v", kl.Keys)
	}
	for _, k := range kl.Keys {
		switch k.Name {
		case "canbo":
			if k.CommonName != "Nguyễn Văn An" || !k.Usable || k.Problem != nil || k.HasImage {
				t.Errorf("canbo: %+v", k)
			}
		case "dau":
			if !k.Usable || !k.HasImage {
				t.Errorf("dau: %+v", k)
			}
		case "thuhoi":
			if k.Usable || k.Problem == nil || k.Problem.Code != "cert_revoked" || !vietnamese(k.Problem.Message) {
				t.Errorf("thuhoi: %+v %+v", k, k.Problem)
			}
		default:
			t.Errorf("unexpected key %q", k.Name)
		}
	}
	e.do(call{method: "GET", path: "/api/v1/signing/keys", token: e.citizenA}).want(t, 403, "staff_only")
	plain := newEnv(t)
	plain.do(call{method: "GET", path: "/api/v1/signing/keys", token: plain.admin}).want(t, 503, "signing_not_configured")
}

// TestSignBatch: many vault documents signed in one call, each with its
// own outcome.
func TestSignBatch(t *testing.T) {
	e := newSigningEnv(t)
	a := e.upload(t, e.citizenA, "Giấy phép 1", onePage(t))
	b := e.upload(t, e.citizenA, "Giấy phép 2", append(onePage(t), "\n% bản 2\n"...))
	var img document
	e.uploadRaw(rawUpload{token: e.citizenA, query: url.Values{"type": {"KHAC"}, "name": {"Ảnh"}}, contentType: "image/png", disposition: `attachment; filename="anh.png"`, data: pngImage(t)}).
		want(t, 201, "").json(t, &img)
	missing := "01m8000000000000000000000z"
	body := fmt.Sprintf(`{"documents":[%q,%q,%q,%q,%q],"options":{"key":"dau","level":"B-T","reason":"Trả kết quả"}}`, a.ID, img.ID, missing, b.ID, a.ID)
	var res struct {
		Results []struct {
			ID       string    `json:"id"`
			OK       bool      `json:"ok"`
			Document *document `json:"document"`
			Error    *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"results"`
	}
	e.do(call{method: "POST", path: "/api/v1/signing/batch", token: e.staff, contentType: "application/json", body: []byte(body)}).want(t, 200, "").json(t, &res)
	want := []string{"", "not_pdf", "document_not_found", "", "duplicate_document"}
	if len(res.Results) != len(want) {
		t.Fatalf("results: %+v", res.Results)
	}
	for i, r := range res.Results {
		switch {
		case want[i] == "" && (!r.OK || r.Document == nil || r.Document.Current.Change != "signed" || r.Document.Signature == nil || r.Document.Signature.Verdict != "TOTAL-PASSED"):
			t.Errorf("result %d: %+v", i, r)
		case want[i] != "" && (r.OK || r.Error == nil || r.Error.Code != want[i] || !vietnamese(r.Error.Message)):
			t.Errorf("result %d: %+v %+v, want %s", i, r, r.Error, want[i])
		}
	}
	// Refusals of the whole call.
	e.do(call{method: "POST", path: "/api/v1/signing/batch", token: e.citizenA, contentType: "application/json", body: []byte(body)}).want(t, 403, "staff_only")
	e.do(call{method: "POST", path: "/api/v1/signing/batch", token: e.staff, contentType: "application/json", body: []byte(`{"documents":[],"options":{"key":"dau"}}`), expect: specInvalid}).want(t, 400, "invalid_batch")
	e.do(call{method: "POST", path: "/api/v1/signing/batch", token: e.staff, contentType: "application/json", body: []byte(fmt.Sprintf(`{"documents":[%q],"options":{"key":"nope"}}`, a.ID))}).want(t, 400, "sign_key_unknown")
	// A citizen's document signed by staff lands in the citizen's ledger.
	var lp ledgerPage
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + b.ID, token: e.citizenA}).want(t, 200, "").json(t, &lp)
	if n := len(lp.Entries); n == 0 || lp.Entries[n-1].Action != "version" || lp.Entries[n-1].Actor != "canbo01" {
		t.Errorf("ledger: %+v", lp.Entries)
	}
}

// tooComplexPDF is a valid 2 MB PDF with a /ByteRange mark whose form
// field list holds a million empty arrays: sound, but over the verifier's
// memory budget (pdf_too_complex).
func tooComplexPDF() []byte {
	return pdfobj.Assemble("%PDF-1.7\n%ByteRange\n", "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>",
		"<< /Type /Pages /Kids [] /Count 0 >>", "["+strings.Repeat("[]", 1_000_000)+"]")
}
