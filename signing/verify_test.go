package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

func verifyBytes(t testing.TB, pdf []byte, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func wantVerdicts(t *testing.T, rep *Report, verdict Verdict, sub string, signers ...string) {
	t.Helper()
	if len(rep.Signatures) != len(signers) {
		t.Fatalf("%d signatures, want %d: %+v", len(rep.Signatures), len(signers), rep.Signatures)
	}
	for i, s := range rep.Signatures {
		if s.Verdict != verdict || s.SubIndication != sub {
			t.Fatalf("signature %d: %s/%s (%s), want %s/%s", i, s.Verdict, s.SubIndication, s.Detail, verdict, sub)
		}
		if s.Signer == nil || s.Signer.CommonName != signers[i] {
			t.Fatalf("signature %d: signer %+v, want %q", i, s.Signer, signers[i])
		}
	}
}

func TestVerifyOurSignatures(t *testing.T) {
	e := getEnv(t)
	personal := e.pki.Identity(pki.Personal).Cert.Subject.CommonName
	seal := e.pki.Identity(pki.Seal).Cert.Subject
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}

	bb := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	rep := verifyBytes(t, bb, opts)
	wantVerdicts(t, rep, TotalPassed, "", personal)
	s := rep.Signatures[0]
	if !s.Integrity || !s.CryptoValid || !s.ChainTrusted || s.Revocation != "good" || !s.CoversWholeDocument || s.ModifiedAfterSigning || s.Timestamp.Present {
		t.Fatalf("B-B report: %+v", s)
	}
	if s.Signer.SerialNumber != "CCCD:001099012345" || s.SigningTime.IsZero() || s.SubFilter != "ETSI.CAdES.detached" {
		t.Fatalf("B-B identity/time: %+v %+v", s, s.Signer)
	}

	// B-T, then a second signer (B-B): both pass; the first was followed by
	// an allowed later signature.
	bt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(2))
	rep = verifyBytes(t, bt, opts)
	wantVerdicts(t, rep, TotalPassed, "", personal)
	if ts := rep.Signatures[0].Timestamp; !ts.Present || !ts.Valid || rep.Signatures[0].SigningTimeSource != "timestamp" {
		t.Fatalf("B-T timestamp: %+v", rep.Signatures[0])
	}
	two := signBytes(t, e.signer(t, pki.Seal, Options{}), bt)
	rep = verifyBytes(t, two, opts)
	wantVerdicts(t, rep, TotalPassed, "", personal, seal.CommonName)
	first := rep.Signatures[0]
	if !first.ModifiedAfterSigning || first.CoversWholeDocument || len(first.Changes) != 1 || !first.Changes[0].Allowed || first.Changes[0].Kind != "later_signature" {
		t.Fatalf("first of two: %+v", first)
	}
	if !rep.Signatures[1].CoversWholeDocument || rep.Signatures[1].Signer.Organization != seal.Organization[0] {
		t.Fatalf("second of two: %+v", rep.Signatures[1])
	}
	if len(runPdfsig(t, two).signatures) != 2 {
		t.Fatal("pdfsig does not see two signatures")
	}

	// Something else appended after the last signature: not classified yet.
	appended := append(append([]byte{}, two...), []byte("\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")...)
	rep = verifyBytes(t, appended, opts)
	if rep.Signatures[1].Verdict != Indeterminate || rep.Signatures[1].SubIndication != SubChangesNotClassified {
		t.Fatalf("appended: %+v", rep.Signatures[1])
	}

	// JSON has English keys.
	js, err := json.Marshal(rep)
	if err != nil || !bytes.Contains(js, []byte(`"verdict":"INDETERMINATE"`)) || !bytes.Contains(js, []byte(`"coversWholeDocument"`)) {
		t.Fatalf("JSON: %v %s", err, js)
	}
}

func TestVerifyTampered(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	// Flip one byte inside the page content, in the first signed range.
	i := bytes.Index(signed, []byte("Tj"))
	if i < 0 {
		t.Fatal("no text operator in the test PDF")
	}
	bad := append([]byte{}, signed...)
	bad[i-2] ^= 0x01
	rep := verifyBytes(t, bad, VerifyOptions{Roots: e.pki.Roots()})
	wantVerdicts(t, rep, TotalFailed, SubHashFailure, e.pki.Identity(pki.Personal).Cert.Subject.CommonName)
	if rep.Signatures[0].Integrity {
		t.Fatal("integrity reported true")
	}
	// ... and poppler agrees.
	ps := runPdfsig(t, bad)
	if len(ps.signatures) != 1 || ps.signatures[0].validation == "Signature is Valid." {
		t.Fatalf("pdfsig on a tampered file:\n%s", ps.out)
	}
}

func TestVerifyUntrustedRoot(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	rep := verifyBytes(t, signed, VerifyOptions{Roots: x509.NewCertPool()})
	wantVerdicts(t, rep, Indeterminate, SubNoCertificateChain, e.pki.Identity(pki.Personal).Cert.Subject.CommonName)
	if s := rep.Signatures[0]; !s.Integrity || !s.CryptoValid || s.ChainTrusted || s.Revocation != "not_checked" {
		t.Fatalf("untrusted: %+v", s)
	}
}

func TestVerifyUnsignedAndBadInput(t *testing.T) {
	rep := verifyBytes(t, makePDF(1), VerifyOptions{Roots: x509.NewCertPool()})
	if len(rep.Signatures) != 0 {
		t.Fatalf("unsigned PDF: %d signatures", len(rep.Signatures))
	}
	for name, in := range map[string][]byte{
		"text":      []byte("this is not a PDF file at all, only some words"),
		"truncated": makePDF(1)[:60],
		"short":     []byte("%PDF-1.7"),
	} {
		_, err := Verify(context.Background(), bytes.NewReader(in), int64(len(in)), VerifyOptions{})
		if kerr.KindOf(err) != kerr.Invalid {
			t.Fatalf("%s: got %v, want an invalid-input error", name, err)
		}
	}

	// Garbage /Contents: a FORMAT_FAILURE entry, not a panic.
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	i := bytes.Index(signed, []byte("/Contents<"))
	if i < 0 {
		t.Fatal("no /Contents")
	}
	bad := append([]byte{}, signed...)
	copy(bad[i+len("/Contents<"):], "zz3082")
	rep = verifyBytes(t, bad, VerifyOptions{Roots: e.pki.Roots()})
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict == TotalPassed {
		t.Fatalf("garbage contents: %+v", rep.Signatures)
	}
	copy(bad[i+len("/Contents<"):], "308200")
	rep = verifyBytes(t, bad, VerifyOptions{Roots: e.pki.Roots()})
	if len(rep.Signatures) != 1 || rep.Signatures[0].SubIndication != SubFormatFailure {
		t.Fatalf("broken CMS: %+v", rep.Signatures)
	}
}

func TestVerifyHTML(t *testing.T) {
	rep := &Report{Size: 10, DSS: &DSSSummary{Certs: 5, OCSPs: 2, CRLs: 1}, Signatures: []*SignatureReport{
		{Kind: KindSignature, Level: "B-LTA", Verdict: TotalPassed, Signer: &SignerIdentity{CommonName: "Nguyễn Văn An"}, Revocation: "good", RevocationSource: "dss",
			ModifiedAfterSigning: true, Changes: []Change{{Kind: ChangeDSS, Allowed: true}, {Kind: ChangeFormFilling, Allowed: true, Fields: []string{"hoTen", "ngaySinh"}}, {Kind: ChangeDocTimestamp, Allowed: true}}},
		{Kind: KindDocTimestamp, Verdict: TotalPassed, Signer: &SignerIdentity{CommonName: "Kho Test TSA"}, Timestamp: Timestamp{Present: true, Valid: true, TSA: "Kho Test TSA", Time: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)}},
		{Verdict: TotalFailed, SubIndication: SubHashFailure, Signer: &SignerIdentity{CommonName: `<script>alert("x")</script>`}},
		{Verdict: Indeterminate, SubIndication: SubNoCertificateChain},
	}}
	var b strings.Builder
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{"Chữ ký hợp lệ", "Chữ ký không hợp lệ", "Không xác định được", "Nguyễn Văn An",
		"đã bị thay đổi sau khi ký", "&lt;script&gt;", "PAdES B-LTA", "theo dữ liệu lưu kèm tệp PDF (DSS)", "Dấu thời gian của tệp 2",
		"Đơn vị cấp dấu thời gian", "23/11/2026 20:00:00", "bổ sung dữ liệu kiểm tra dài hạn (DSS) (được phép)", "điền biểu mẫu (hoTen, ngaySinh) (được phép)", "5 chứng thư, 2 phản hồi OCSP, 1 danh sách thu hồi"} {
		if !strings.Contains(h, want) {
			t.Fatalf("HTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "<script>") {
		t.Fatal("hostile signer name not escaped")
	}
}

func TestParsePDFDate(t *testing.T) {
	tm, ok := parsePDFDate("D:20261123193600+07'00'")
	if !ok || tm.UTC().Hour() != 12 || tm.Minute() != 36 {
		t.Fatalf("%v %v", tm, ok)
	}
	if _, ok := parsePDFDate("D:2026"); ok {
		t.Fatal("short date accepted")
	}
}

// FuzzVerify: arbitrary bytes give a report or a kerr error, never a panic.
// Its kept corpus (testdata/fuzz/FuzzVerify) holds, besides what the
// fuzzer found, a B-LT and a B-LTA file to mutate the DSS and document
// time-stamp code paths.
func FuzzVerify(f *testing.F) {
	f.Add(makePDF(1))
	e := getEnv(f)
	one := signBytes(f, e.signer(f, pki.Personal, Options{}), makePDF(1))
	f.Add(one)
	// Two signatures: the fuzzer reaches the later-signature classifier.
	f.Add(signBytes(f, e.signer(f, pki.Seal, Options{}), one))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Sig /ByteRange [0 10 20 5] /Contents <3082> >> endobj trailer << /Root 1 0 R >>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Verify(context.Background(), bytes.NewReader(data), int64(len(data)), VerifyOptions{Roots: x509.NewCertPool()})
		if err == nil && rep == nil {
			t.Fatal("nil report without error")
		}
		if err != nil && kerr.Outer(err) == nil {
			t.Fatalf("not a kerr error: %v", err)
		}
	})
}

// failingTransport refuses every request: revocation servers unreachable.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network unreachable (test)")
}

func TestVerifyRevocationAndTime(t *testing.T) {
	e := getEnv(t)
	noRev := &Checker{Roots: e.pki.Roots(), Revocation: RevocationSkip}
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()}

	// Revoked before signing: TOTAL-FAILED/REVOKED.
	revoked := signBytes(t, e.signer(t, pki.Revoked, Options{Checker: noRev}), makePDF(1))
	rep := verifyBytes(t, revoked, opts)
	wantVerdicts(t, rep, TotalFailed, SubRevoked, e.pki.Identity(pki.Revoked).Cert.Subject.CommonName)
	if rep.Signatures[0].Revocation != "revoked" {
		t.Fatalf("revoked: %+v", rep.Signatures[0])
	}

	// OCSP and CRL unreachable: INDETERMINATE/TRY_LATER.
	personal := e.pki.Identity(pki.Personal).Cert
	bb := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	offline := &Checker{Roots: e.pki.Roots(), Timeout: time.Second, HTTPClient: &http.Client{Transport: failingTransport{}}}
	rep = verifyBytes(t, bb, VerifyOptions{Roots: e.pki.Roots(), Checker: offline})
	wantVerdicts(t, rep, Indeterminate, SubTryLater, personal.Subject.CommonName)

	// After the certificate expired: B-B has no proof of existence
	// (OUT_OF_BOUNDS_NO_POE); B-T is validated at its time-stamp and passes.
	later := func() time.Time { return personal.NotAfter.Add(24 * time.Hour) }
	rep = verifyBytes(t, bb, VerifyOptions{Roots: e.pki.Roots(), Now: later})
	wantVerdicts(t, rep, Indeterminate, SubOutOfBoundsNoPOE, personal.Subject.CommonName)
	bt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(1))
	rep = verifyBytes(t, bt, VerifyOptions{Roots: e.pki.Roots(), Now: later})
	wantVerdicts(t, rep, TotalPassed, "", personal.Subject.CommonName)
	if !rep.Signatures[0].ValidatedAt.Equal(rep.Signatures[0].Timestamp.Time) {
		t.Fatalf("B-T validated at %v, time-stamp %v", rep.Signatures[0].ValidatedAt, rep.Signatures[0].Timestamp.Time)
	}
}

func TestVerifyCertification(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots()}
	personal := e.pki.Identity(pki.Personal).Cert.Subject.CommonName
	seal := e.pki.Identity(pki.Seal).Cert.Subject.CommonName

	// P=2 (form filling): a later signature is allowed.
	certified := signBytes(t, e.signer(t, pki.Seal, Options{Certification: CertifyFormFilling}), makePDF(1))
	two := signBytes(t, e.signer(t, pki.Personal, Options{}), certified)
	rep := verifyBytes(t, two, opts)
	wantVerdicts(t, rep, TotalPassed, "", seal, personal)
	if s := rep.Signatures[0]; s.DocMDP != 2 || len(s.Changes) != 1 || !s.Changes[0].Allowed {
		t.Fatalf("P=2: %+v", s)
	}

	// P=1 (no changes): anything appended breaks the certification.
	locked := signBytes(t, e.signer(t, pki.Seal, Options{Certification: CertifyNoChanges}), makePDF(1))
	wantVerdicts(t, verifyBytes(t, locked, opts), TotalPassed, "", seal)
	appended := append(append([]byte{}, locked...), []byte("\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")...)
	rep = verifyBytes(t, appended, opts)
	wantVerdicts(t, rep, Indeterminate, SubSigConstraintsFailure, seal)
	if s := rep.Signatures[0]; s.DocMDP != 1 || !s.ModifiedAfterSigning {
		t.Fatalf("P=1: %+v", s)
	}
}
