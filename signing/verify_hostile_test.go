package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

// hostileTimeout bounds every verification of hostile input: a hang is a
// failure, not a slow pass.
const hostileTimeout = 10 * time.Second

// verifyBounded runs Verify under a context deadline and fails the test
// when it does not return in time (Verify may ignore the context while it
// parses, so it runs in a goroutine and the test stops waiting).
func verifyBounded(t *testing.T, in []byte, opts VerifyOptions) (*Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Verify(ctx, bytes.NewReader(in), int64(len(in)), opts)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		if r.err == nil && r.rep == nil {
			t.Fatal("nil report without error")
		}
		if r.err != nil && kerr.Outer(r.err) == nil {
			t.Fatalf("not a kerr error: %v", r.err)
		}
		return r.rep, r.err
	case <-time.After(hostileTimeout + 2*time.Second):
		t.Fatalf("Verify did not return within %v", hostileTimeout)
		return nil, nil
	}
}

// wantKerr fails unless err is a kerr error of kind and code.
func wantKerr(t *testing.T, err error, kind kerr.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s/%s", kind, code)
	}
	if k := kerr.KindOf(err); k != kind {
		t.Fatalf("kind %s (%v), want %s/%s", k, err, kind, code)
	}
	if c, msg := kerr.Public(err); c != code || msg == "" {
		t.Fatalf("code %q message %q (%v), want %s with a message", c, msg, err, code)
	}
}

// TestVerifyHostileFiles: encrypted, too large, deeply nested and cyclic
// PDFs and a cross-reference pointing past the end give a kerr error with a
// stable code, or a report that passes nothing, quickly and without a panic.
func TestVerifyHostileFiles(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	opts := VerifyOptions{Roots: e.pki.Roots()}

	for _, f := range []string{"testdata/encrypted-aes256.pdf", "testdata/encrypted-owner-only.pdf"} {
		t.Run(f, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = verifyBounded(t, in, opts)
			wantKerr(t, err, kerr.Invalid, "pdf_encrypted")
		})
	}
	t.Run("encrypted-rc4", func(t *testing.T) {
		_, err := verifyBounded(t, makeEncryptedPDF(), opts)
		wantKerr(t, err, kerr.Invalid, "pdf_encrypted")
	})
	t.Run("too-large", func(t *testing.T) {
		o := opts
		o.MaxSize = int64(len(signed) - 1)
		_, err := verifyBounded(t, signed, o)
		wantKerr(t, err, kerr.TooLarge, "pdf_too_large")
		o.MaxSize = int64(len(signed))
		if rep, err := verifyBounded(t, signed, o); err != nil || len(rep.Signatures) != 1 {
			t.Fatalf("at exactly MaxSize: %v %+v", err, rep)
		}
	})

	// The signed file's signature dictionary, to plant in hostile trees.
	// The nested value is the form's field list, which Verify reads.
	deep := func(open, close string, n int) []byte {
		objs := []string{"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>", "<< /Type /Pages /Kids [] /Count 0 >>",
			strings.Repeat(open, n) + strings.Repeat(close, n)}
		return assemblePDF(objs)
	}
	one := makePDF(1)
	cases := []struct {
		name string
		in   []byte
	}{
		{"nested-arrays-100000", deep("[", "]", 100000)},
		{"nested-dicts-100000", deep("<< /A ", ">>", 100000)},
		{"nested-arrays-unclosed", deep("[", "", 100000)},
		{"nested-arrays-1000000", deep("[", "]", 1000000)},
		{"nested-mixed-1001", deep("[<< /A ", ">>]", 501)},
		// A page whose /Parent is itself, and a page tree whose Kids loop.
		{"parent-self", assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>"})},
		{"kids-loop", assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
			"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>"})},
		// A form field tree that loops, with a signature field inside the loop.
		{"field-kids-loop", assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>", "<< /Type /Pages /Kids [] /Count 0 >>",
			"<< /T (a) /Kids [4 0 R] >>", "<< /T (b) /Parent 3 0 R /Kids [3 0 R 4 0 R] /FT /Sig /V 5 0 R >>",
			"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 5] /Contents <3082> >>"})},
		// An object that is its own value (1 0 R inside 1 0 obj), and a
		// reference chain 3 → 4 → 3.
		{"self-reference", assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R /Self 1 0 R /AcroForm 3 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>",
			"4 0 R", "3 0 R"})},
		{"prev-loop", prevLoop(one)},
		{"startxref-past-eof", bytes.Replace(one, []byte(fmt.Sprintf("startxref\n%d\n", bytes.LastIndex(one, []byte("xref\n0 ")))), []byte("startxref\n99999999\n"), 1)},
		{"xref-entry-past-eof", xrefEntryPastEOF(one)},
		{"signed-startxref-past-eof", startxrefPastEOF(signed)},
	}
	// At the nesting limit a file is still read; one level more is refused,
	// by the signer too (the same prescan).
	if rep, err := verifyBounded(t, deep("[", "]", maxNesting), opts); err != nil || len(rep.Signatures) != 0 {
		t.Fatalf("%d levels: %v", maxNesting, err)
	}
	var out bytes.Buffer
	tooDeep := deep("[", "]", 1000000)
	_, err := quickSigner(t).Sign(context.Background(), bytes.NewReader(tooDeep), int64(len(tooDeep)), &out)
	wantKerr(t, err, kerr.Invalid, "pdf_invalid")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			rep, err := verifyBounded(t, c.in, opts)
			if err != nil {
				if k := kerr.KindOf(err); k != kerr.Invalid {
					t.Fatalf("kind %s: %v", k, err)
				}
				if code, msg := kerr.Public(err); !strings.HasPrefix(code, "pdf_") || msg == "" {
					t.Fatalf("code %q message %q", code, msg)
				}
			} else {
				for _, s := range rep.Signatures {
					if s.Verdict == TotalPassed {
						t.Fatalf("hostile input passed: %+v", s)
					}
				}
			}
			t.Logf("%v in %v: %v", c.name, time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// prevLoop appends an incremental update to pdf whose xref section's /Prev
// points at itself.
func prevLoop(pdf []byte) []byte {
	b := bytes.NewBuffer(bytes.Clone(pdf))
	off := b.Len()
	fmt.Fprintf(b, "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", off, off)
	return b.Bytes()
}

// xrefEntryPastEOF makes the catalog's xref entry point far past the end.
func xrefEntryPastEOF(pdf []byte) []byte {
	i := bytes.Index(pdf, []byte("0000000000 65535 f \n"))
	out := bytes.Clone(pdf)
	copy(out[i+20:], "0099999999 00000 n \n")
	return out
}

// startxrefPastEOF points the last startxref of pdf past the end of the file.
func startxrefPastEOF(pdf []byte) []byte {
	i := bytes.LastIndex(pdf, []byte("startxref"))
	j := bytes.Index(pdf[i:], []byte("%%EOF"))
	out := bytes.Clone(pdf[:i])
	out = append(out, "startxref\n99999999\n"...)
	return append(out, pdf[i+j:]...)
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[([^\]]*)\]`)

// withByteRange rewrites the (only) /ByteRange array of signed to body,
// padded with spaces to the same length so that no offset moves.
func withByteRange(t *testing.T, signed []byte, body func(a, b, c, d int64) string) []byte {
	t.Helper()
	m := byteRangeRE.FindSubmatchIndex(signed)
	if m == nil {
		t.Fatal("no /ByteRange")
	}
	var a, b, c, d int64
	if _, err := fmt.Sscan(string(signed[m[2]:m[3]]), &a, &b, &c, &d); err != nil {
		t.Fatalf("ByteRange %q: %v", signed[m[2]:m[3]], err)
	}
	s := body(a, b, c, d)
	if len(s) > m[3]-m[2] {
		t.Fatalf("ByteRange %q longer than the %d bytes available", s, m[3]-m[2])
	}
	out := bytes.Clone(signed)
	copy(out[m[2]:m[3]], s+strings.Repeat(" ", m[3]-m[2]-len(s)))
	return out
}

// TestVerifyWrongByteRange rewrites the ByteRange of a real signed file in
// place: every variant is a FORMAT_FAILURE or a HASH_FAILURE, never
// TOTAL-PASSED, never said to cover the whole document — and pdfsig does
// not call any of them valid either.
func TestVerifyWrongByteRange(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(1))
	size := int64(len(signed))
	opts := VerifyOptions{Roots: e.pki.Roots()}
	cases := []struct {
		name    string
		br      func(a, b, c, d int64) string
		verdict Verdict
		sub     string
	}{
		// The gap is wider than /Contents: it starts inside the signed
		// dictionary, so it is no longer exactly the hex string.
		{"gap-bigger-than-contents", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b-40, c, d) }, Indeterminate, SubFormatFailure},
		{"gap-bigger-after-contents", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c+8, d-8) }, Indeterminate, SubFormatFailure},
		// The ranges stop before the end of the file: the tail is not signed.
		{"not-to-end", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, d-20) }, TotalFailed, SubHashFailure},
		{"first-range-not-from-0", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", 10, b-10, c, d) }, Indeterminate, SubFormatFailure},
		{"overlapping", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, c+10, c, d) }, Indeterminate, SubFormatFailure},
		{"second-before-first", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, 0, d) }, Indeterminate, SubFormatFailure},
		{"beyond-file-size", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, d+1000) }, Indeterminate, SubFormatFailure},
		{"huge", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, int64(1)<<62) }, Indeterminate, SubFormatFailure},
		{"overflow", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, int64(math.MaxInt64)) }, Indeterminate, SubFormatFailure},
		{"negative-length", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, -5) }, Indeterminate, SubFormatFailure},
		{"negative-start", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", -1, b+1, c, d) }, Indeterminate, SubFormatFailure},
		{"three-entries", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d", a, b, c) }, Indeterminate, SubFormatFailure},
		{"five-entries", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d 0", a, b, c, d) }, Indeterminate, SubFormatFailure},
		{"empty", func(a, b, c, d int64) string { return "" }, Indeterminate, SubFormatFailure},
		{"real-number", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d.0", a, b, c, d) }, Indeterminate, SubFormatFailure},
		{"name", func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d /D", a, b, c) }, Indeterminate, SubFormatFailure},
		{"string", func(a, b, c, d int64) string { return fmt.Sprintf("%d (%d) %d %d", a, b, c, d) }, Indeterminate, SubFormatFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := withByteRange(t, signed, c.br)
			rep, err := verifyBounded(t, bad, opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(rep.Signatures) != 1 {
				t.Fatalf("%d signatures: %+v", len(rep.Signatures), rep.Signatures)
			}
			s := rep.Signatures[0]
			if s.Verdict != c.verdict || s.SubIndication != c.sub || s.Message == "" {
				t.Fatalf("%s/%s %q (%s), want %s/%s", s.Verdict, s.SubIndication, s.Message, s.Detail, c.verdict, c.sub)
			}
			if s.CoversWholeDocument || s.Integrity {
				t.Fatalf("covers_whole_document %v integrity %v for ByteRange %v of a %d-byte file", s.CoversWholeDocument, s.Integrity, s.ByteRange, size)
			}
			ps := runPdfsig(t, bad)
			for _, sig := range ps.signatures {
				if sig.validation == "Signature is Valid." {
					t.Fatalf("pdfsig calls it valid:\n%s", ps.out)
				}
			}
		})
	}
	// The untouched file, through the same rewrite, still passes.
	same := withByteRange(t, signed, func(a, b, c, d int64) string { return fmt.Sprintf("%d %d %d %d", a, b, c, d) })
	if rep, err := verifyBounded(t, same, opts); err != nil || rep.Signatures[0].Verdict != TotalPassed || !rep.Signatures[0].CoversWholeDocument {
		t.Fatalf("rewritten with the same ranges: %v %+v", err, rep)
	}
}

// unhandledHidden presents a certificate whose unknown critical extensions
// are hidden from the pre-signing check, while its DER (what goes into the
// signature) keeps them: the way to make a signature that Kho's signer
// would refuse to make.
type unhandledHidden struct {
	KeySource
	cert *x509.Certificate
}

func hideUnhandled(k KeySource) KeySource {
	c := *k.Certificate()
	c.UnhandledCriticalExtensions = nil
	return unhandledHidden{KeySource: k, cert: &c}
}

func (u unhandledHidden) Certificate() *x509.Certificate { return u.cert }

// TestUnknownCriticalExtension: a signer certificate with an extension
// marked critical that nobody knows is refused before signing with
// cert_unknown_critical_extension; a PDF or data signature made with it
// anyway verifies INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE. ETSI EN 319
// 102-1 (5.2.6, X.509 certificate validation) gives INDETERMINATE with
// CHAIN_CONSTRAINTS_FAILURE when the chain violates a constraint of X.509
// validation — RFC 5280 4.2 makes an unrecognised critical extension one —
// and keeps TOTAL-FAILED for a signature proven wrong (hash, signature
// value, revocation): here the bytes and the signature value are sound.
func TestUnknownCriticalExtension(t *testing.T) {
	e := getEnv(t)
	id := e.pki.Identity(pki.CriticalExt)
	who := id.Cert.Subject.CommonName
	if len(id.Cert.UnhandledCriticalExtensions) != 1 {
		t.Fatalf("the test identity has unhandled critical extensions %v", id.Cert.UnhandledCriticalExtensions)
	}

	// Before signing: refused, in Vietnamese, naming the signer.
	s := e.signer(t, pki.CriticalExt, Options{})
	err := s.Check(context.Background())
	wantKerr(t, err, kerr.Permission, CodeCertUnknownCriticalExt)
	if _, msg := kerr.Public(err); !strings.Contains(msg, "phần mở rộng bắt buộc") || !strings.Contains(msg, who) {
		t.Fatalf("message %q", msg)
	}
	var out bytes.Buffer
	in := makePDF(1)
	_, err = s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out)
	wantKerr(t, err, kerr.Permission, CodeCertUnknownCriticalExt)
	if out.Len() != 0 {
		t.Fatal("output written on refusal")
	}
	_, err = SignData(context.Background(), e.key(t, pki.CriticalExt), strings.NewReader(`{"a":1}`), DataOptions{Checker: e.checker()})
	wantKerr(t, err, kerr.Permission, CodeCertUnknownCriticalExt)
	// An intermediate with such an extension is named too.
	inter := *e.pki.Identity(pki.Intermediate).Cert
	inter.UnhandledCriticalExtensions = id.Cert.UnhandledCriticalExtensions
	_, err = e.checker().chainOf(e.pki.Identity(pki.Personal).Cert, []*x509.Certificate{&inter}, time.Now())
	wantKerr(t, err, kerr.Permission, CodeCertUnknownCriticalExt)

	// Signed anyway (the check bypassed): the signature carries the
	// certificate's DER with the extension.
	key := hideUnhandled(e.key(t, pki.CriticalExt))
	bypass, err := New(key, Options{Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	signed := signBytes(t, bypass, in)
	for name, opts := range map[string]VerifyOptions{
		"roots":      {Roots: e.pki.Roots()},
		"revocation": {Roots: e.pki.Roots(), Checker: e.checker()},
	} {
		t.Run("pdf-"+name, func(t *testing.T) {
			rep, err := verifyBounded(t, signed, opts)
			if err != nil {
				t.Fatal(err)
			}
			wantVerdicts(t, rep, Indeterminate, SubChainConstraintsFailed, who)
			r := rep.Signatures[0]
			if !r.Integrity || !r.CryptoValid || r.ChainTrusted || !strings.Contains(r.Message, "phần mở rộng bắt buộc") {
				t.Fatalf("report %+v", r)
			}
		})
	}

	sig, err := SignData(context.Background(), key, strings.NewReader(`{"a":1}`), DataOptions{Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	drep, err := VerifyData(context.Background(), strings.NewReader(`{"a":1}`), sig, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
	if err != nil {
		t.Fatal(err)
	}
	if drep.Verdict != Indeterminate || drep.SubIndication != SubChainConstraintsFailed || !drep.Integrity || !drep.CryptoValid || drep.ChainTrusted ||
		!strings.Contains(drep.Message, "phần mở rộng bắt buộc") {
		t.Fatalf("data report %+v", drep)
	}
}
