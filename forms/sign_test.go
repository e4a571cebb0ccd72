package forms

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
)

var (
	pkiOnce sync.Once
	pkiSrv  *pki.Server
	pkiErr  error
)

// testPKI serves the test PKI (OCSP, CRLs, TSA) for the whole test binary.
func testPKI(t testing.TB) *pki.Server {
	t.Helper()
	pkiOnce.Do(func() { pkiSrv, pkiErr = pki.StartServer(context.Background(), pki.Options{}) })
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiSrv
}

// testKey is the test PKI's "personal" signer as a KeySource.
func testKey(t testing.TB, srv *pki.Server) signing.KeySource {
	t.Helper()
	certs, key, err := srv.PKI.Identity(pki.Personal).PEM()
	if err != nil {
		t.Fatal(err)
	}
	k, err := signing.LoadPEM(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certChecker(srv *pki.Server) *signing.Checker {
	return &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}
}

// TestSignData: the signed canonical JSON verifies TOTAL-PASSED; one
// changed byte is HASH_FAILURE.
func TestSignData(t *testing.T) {
	srv := testPKI(t)
	_, v := birthValues(t)
	ctx := context.Background()
	data, sig, err := SignData(ctx, testKey(t, srv), v, signing.DataOptions{Checker: certChecker(srv), TSAURL: srv.URL + "/tsa"})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := v.CanonicalJSON(); !bytes.Equal(data, want) {
		t.Fatal("signed bytes are not the canonical JSON")
	}
	opts := signing.VerifyOptions{Roots: srv.PKI.Roots(), Checker: certChecker(srv)}
	rep, err := signing.VerifyData(ctx, bytes.NewReader(data), sig, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != signing.TotalPassed {
		t.Fatalf("verdict %s %s: %s", rep.Verdict, rep.SubIndication, rep.Detail)
	}
	tampered := bytes.Replace(data, []byte("Nguyễn Thị Ngọc Ánh"), []byte("Nguyễn Thị Ngọc Anh"), 1)
	rep, err = signing.VerifyData(ctx, bytes.NewReader(tampered), sig, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != signing.TotalFailed || rep.SubIndication != "HASH_FAILURE" {
		t.Fatalf("tampered: %s %s", rep.Verdict, rep.SubIndication)
	}
}

// TestSignPDF: the PDF/A-3 rendering with its data is PAdES-signed; pdfsig
// and Verify find the signature valid, the data is still attached, and qpdf
// still reads the file.
func TestSignPDF(t *testing.T) {
	srv := testPKI(t)
	d, v := birthValues(t)
	ctx := context.Background()
	s, err := signing.New(testKey(t, srv), signing.Options{Level: signing.LevelBT, TSAURL: srv.URL + "/tsa", Checker: certChecker(srv), Reason: "Ký tờ khai"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := SignPDF(ctx, s, d, v, &out, RenderOptions{Now: func() time.Time { return testNow }}); err != nil {
		t.Fatal(err)
	}
	signed := out.Bytes()
	qpdfCheck(t, signed)
	res, err := exec.Command(testenv.Tool(t, "pdfsig", "poppler-utils"), writeTemp(t, "signed.pdf", signed)).CombinedOutput()
	if err != nil || !strings.Contains(string(res), "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig: %v\n%s", err, res)
	}
	rep, err := signing.Verify(ctx, bytes.NewReader(signed), int64(len(signed)), signing.VerifyOptions{Roots: srv.PKI.Roots(), Checker: certChecker(srv)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != signing.TotalPassed {
		t.Fatalf("Verify: %+v", rep.Signatures[0])
	}
	want, _ := v.CanonicalJSON()
	if got := extractAttachment(t, signed, "tk_khai_sinh.json"); !bytes.Equal(got, want) {
		t.Error("the signed PDF's attached JSON differs")
	}
}

// TestSignPDFVisible: a visible signature anchored on SignatureHint lands
// in the signature block's blank space, between the hint and the name.
func TestSignPDFVisible(t *testing.T) {
	srv := testPKI(t)
	d, v := birthValues(t)
	ctx := context.Background()
	vis := &signing.Appearance{Anchor: &signing.Anchor{Text: SignatureHint, Place: signing.AnchorBelow, Width: 170, Height: 56}}
	s, err := signing.New(testKey(t, srv), signing.Options{Checker: certChecker(srv), Visible: vis})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := SignPDF(ctx, s, d, v, &out, RenderOptions{Now: func() time.Time { return testNow }}); err != nil {
		t.Fatal(err)
	}
	res, err := exec.Command(testenv.Tool(t, "pdfsig", "poppler-utils"), writeTemp(t, "signed.pdf", out.Bytes())).CombinedOutput()
	if err != nil || !strings.Contains(string(res), "Signature is Valid.") {
		t.Fatalf("pdfsig: %v\n%s", err, res)
	}
	// The unsigned page 2 is blank between the hint and the name; signed,
	// that band has ink.
	unsigned := testenv.RenderPage(t, renderBytes(t, d, v, RenderOptions{PDFA: true}), 2, 72)
	signed := testenv.RenderPage(t, out.Bytes(), 2, 72)
	_, n := imageDiff(unsigned, signed)
	if n < 200 {
		t.Fatalf("only %d pixels changed by the visible signature", n)
	}
}
