package signing

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

// offlineChecker trusts the test roots and requires revocation, but every
// OCSP and CRL request fails: only the DSS can answer.
func offlineChecker(e *testEnv) *Checker {
	return &Checker{Roots: e.pki.Roots(), Timeout: time.Second, HTTPClient: &http.Client{Transport: failingTransport{}}}
}

func extendBytes(t *testing.T, e *testEnv, doc []byte, level Level) ([]byte, ExtendResult) {
	t.Helper()
	var out bytes.Buffer
	res, err := Extend(context.Background(), bytes.NewReader(doc), int64(len(doc)), &out, level, ExtendOptions{Checker: e.checker(), TSAURL: e.tsaURL})
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if !bytes.HasPrefix(out.Bytes(), doc) || res.Size != int64(out.Len()) || res.Level != level {
		t.Fatalf("Extend result %+v for %d bytes", res, out.Len())
	}
	return out.Bytes(), res
}

func TestVerifyLevels(t *testing.T) {
	e := getEnv(t)
	personal := e.pki.Identity(pki.Personal).Cert
	tsaName := e.pki.Identity(pki.TSA).Cert.Subject.CommonName
	sign := func(level Level) []byte {
		return signBytes(t, e.signer(t, pki.Personal, Options{Level: level, TSAURL: e.tsaURL}), makePDF(1))
	}
	bt := sign(LevelBT)
	extendedLT, _ := extendBytes(t, e, bt, LevelBLT)
	extendedLTA, _ := extendBytes(t, e, bt, LevelBLTA)
	ltThenLTA, _ := extendBytes(t, e, extendedLT, LevelBLTA)
	later := func() time.Time { return personal.NotAfter.Add(24 * time.Hour) }

	type want struct {
		verdict Verdict
		sub     string
		level   string
		source  string
		changes []string // kinds after the signature
	}
	cases := []struct {
		name  string
		doc   []byte
		opts  VerifyOptions
		sig   want
		docTS bool // a document time-stamp follows, TOTAL-PASSED
	}{
		{"B-B online", sign(LevelBB), VerifyOptions{Checker: e.checker()}, want{TotalPassed, "", "B-B", "online", nil}, false},
		{"B-T online", bt, VerifyOptions{Checker: e.checker()}, want{TotalPassed, "", "B-T", "online", nil}, false},
		{"B-T offline", bt, VerifyOptions{Checker: offlineChecker(e)}, want{Indeterminate, SubTryLater, "B-T", "", nil}, false},
		{"B-LT online", sign(LevelBLT), VerifyOptions{Checker: e.checker()}, want{TotalPassed, "", "B-LT", "dss", []string{ChangeDSS}}, false},
		{"B-LT offline", sign(LevelBLT), VerifyOptions{Checker: offlineChecker(e)}, want{TotalPassed, "", "B-LT", "dss", []string{ChangeDSS}}, false},
		{"B-LTA offline", sign(LevelBLTA), VerifyOptions{Checker: offlineChecker(e)}, want{TotalPassed, "", "B-LTA", "dss", []string{ChangeDSS, ChangeDocTimestamp}}, true},
		{"B-LTA offline after expiry", sign(LevelBLTA), VerifyOptions{Checker: offlineChecker(e), Now: later}, want{TotalPassed, "", "B-LTA", "dss", []string{ChangeDSS, ChangeDocTimestamp}}, true},
		{"B-LTA without revocation checks", sign(LevelBLTA), VerifyOptions{}, want{TotalPassed, "", "B-LTA", "dss", []string{ChangeDSS, ChangeDocTimestamp}}, true},
		{"B-T extended to B-LT", extendedLT, VerifyOptions{Checker: offlineChecker(e)}, want{TotalPassed, "", "B-LT", "dss", []string{ChangeDSS}}, false},
		{"B-T extended to B-LTA", extendedLTA, VerifyOptions{Checker: offlineChecker(e)}, want{TotalPassed, "", "B-LTA", "dss", []string{ChangeDSS, ChangeDocTimestamp}}, true},
		{"B-LT extended to B-LTA", ltThenLTA, VerifyOptions{Checker: offlineChecker(e)}, want{TotalPassed, "", "B-LTA", "dss", []string{ChangeDSS, ChangeDSS, ChangeDocTimestamp}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Roots = e.pki.Roots()
			rep := verifyBytes(t, c.doc, c.opts)
			n := 1
			if c.docTS {
				n = 2
			}
			if len(rep.Signatures) != n {
				t.Fatalf("%d entries, want %d", len(rep.Signatures), n)
			}
			s := rep.Signatures[0]
			if s.Kind != KindSignature || s.Verdict != c.sig.verdict || s.SubIndication != c.sig.sub || s.Level != c.sig.level || s.RevocationSource != c.sig.source {
				t.Fatalf("signature: kind %s, %s/%s (%s), level %q, revocation %s from %q; want %+v", s.Kind, s.Verdict, s.SubIndication, s.Detail, s.Level, s.Revocation, s.RevocationSource, c.sig)
			}
			var kinds []string
			for _, ch := range s.Changes {
				kinds = append(kinds, ch.Kind)
				if !ch.Allowed {
					t.Fatalf("change %+v not allowed", ch)
				}
			}
			if len(kinds) != len(c.sig.changes) || (len(kinds) > 0 && kinds[len(kinds)-1] != c.sig.changes[len(c.sig.changes)-1]) {
				t.Fatalf("changes %v, want %v", kinds, c.sig.changes)
			}
			for i := range kinds {
				if kinds[i] != c.sig.changes[i] {
					t.Fatalf("changes %v, want %v", kinds, c.sig.changes)
				}
			}
			if s.Timestamp.Present && c.sig.verdict == TotalPassed && (!s.Timestamp.Valid || s.Timestamp.TSA != tsaName) {
				t.Fatalf("signature time-stamp %+v", s.Timestamp)
			}
			if (c.sig.level == "B-LT" || c.sig.level == "B-LTA") && (s.Timestamp.RevocationSource != "dss" || rep.DSS == nil || rep.DSS.OCSPs == 0) {
				t.Fatalf("TSA revocation from %q, DSS %+v", s.Timestamp.RevocationSource, rep.DSS)
			}
			if c.docTS {
				d := rep.Signatures[1]
				if d.Kind != KindDocTimestamp || d.Verdict != TotalPassed || d.Level != "" || !d.Timestamp.Valid || d.Timestamp.TSA != tsaName ||
					d.Timestamp.Time.IsZero() || d.SigningTimeSource != "timestamp" || !d.CoversWholeDocument || d.Revocation != "good" || d.RevocationSource != "dss" {
					t.Fatalf("document time-stamp: %+v %+v", d, d.Timestamp)
				}
			}
		})
	}

	// The JSON carries the new fields.
	rep := verifyBytes(t, extendedLTA, VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
	js, _ := json.Marshal(rep)
	for _, k := range []string{`"level":"B-LTA"`, `"revocationSource":"dss"`, `"kind":"document_timestamp"`, `"kind":"dss"`, `"dss":{"certs":`} {
		if !bytes.Contains(js, []byte(k)) {
			t.Fatalf("JSON lacks %s: %s", k, js)
		}
	}
}

// TestLTATampered: a byte changed in the page content of a B-LTA file is
// caught by both the signature and the document time-stamp, and by pdfsig.
func TestLTATampered(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBLTA, TSAURL: e.tsaURL}), makePDF(1))
	i := bytes.Index(signed, []byte("Kho test page 1"))
	tampered := bytes.Clone(signed)
	copy(tampered[i:], "Kho TEST page 1")
	rep := verifyBytes(t, tampered, VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
	if len(rep.Signatures) != 2 {
		t.Fatalf("%d entries", len(rep.Signatures))
	}
	for _, s := range rep.Signatures {
		if s.Verdict != TotalFailed || s.SubIndication != SubHashFailure {
			t.Fatalf("%s: %s/%s", s.Kind, s.Verdict, s.SubIndication)
		}
	}
	ps := runPdfsig(t, tampered)
	if len(ps.signatures) != 2 || ps.signatures[0].validation == "Signature is Valid." || ps.signatures[0].validation == "" {
		t.Fatalf("pdfsig on a tampered B-LTA:\n%s", ps.out)
	}
}

// TestChangesAfterDSS: an update that touches more than the DSS is not
// classified; a DSS update after a P=1 certification is allowed.
func TestChangesAfterDSS(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)}
	lt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBLT, TSAURL: e.tsaURL}), makePDF(1))
	appended := append(bytes.Clone(lt), []byte("\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")...)
	rep := verifyBytes(t, appended, opts)
	s := rep.Signatures[0]
	if s.Verdict != Indeterminate || s.SubIndication != SubChangesNotClassified || len(s.Changes) != 2 || s.Changes[0].Kind != ChangeDSS || s.Changes[1].Kind != ChangeUnclassified {
		t.Fatalf("appended after DSS: %s/%s %+v", s.Verdict, s.SubIndication, s.Changes)
	}

	// A DSS update that also changes the catalog otherwise: not a DSS update.
	i := bytes.LastIndex(lt, []byte("/Pages 2 0 R"))
	if i < bytes.LastIndex(lt, []byte("/Type /DSS")) {
		t.Fatal("no catalog after the DSS")
	}
	sneaky := bytes.Clone(lt)
	copy(sneaky[i:], "/Pages 3 0 R")
	rep = verifyBytes(t, sneaky, opts)
	if s := rep.Signatures[0]; s.Verdict != Indeterminate || len(s.Changes) != 1 || s.Changes[0].Kind != ChangeUnclassified {
		t.Fatalf("catalog changed besides /DSS: %s/%s %+v", s.Verdict, s.SubIndication, s.Changes)
	}

	// DocMDP P=1: DSS and document time-stamps are not changes.
	certified := signBytes(t, e.signer(t, pki.Seal, Options{Level: LevelBT, TSAURL: e.tsaURL, Certification: CertifyNoChanges}), makePDF(1))
	lta, _ := extendBytes(t, e, certified, LevelBLTA)
	rep = verifyBytes(t, lta, opts)
	if s := rep.Signatures[0]; s.Verdict != TotalPassed || s.DocMDP != 1 || s.Level != "B-LTA" {
		t.Fatalf("P=1 then B-LTA: %s/%s %s level %s %+v", s.Verdict, s.SubIndication, s.Detail, s.Level, s.Changes)
	}
}

func TestExtendRefusals(t *testing.T) {
	e := getEnv(t)
	in := makePDF(1)
	var out bytes.Buffer
	_, err := Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, LevelBLT, ExtendOptions{Checker: e.checker()})
	wantCode(t, err, kerr.Invalid, "pdf_not_signed")
	_, err = Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, LevelBT, ExtendOptions{Checker: e.checker()})
	wantCode(t, err, kerr.Invalid, "level_unsupported")
	_, err = Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, LevelBLTA, ExtendOptions{Checker: e.checker()})
	wantCode(t, err, kerr.Invalid, "tsa_required")
	bt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(1))
	_, err = Extend(context.Background(), bytes.NewReader(bt), int64(len(bt)), &out, LevelBLT, ExtendOptions{Checker: offlineChecker(e)})
	wantCode(t, err, kerr.Unavailable, CodeRevocationUnavailable)
	if out.Len() != 0 {
		t.Fatal("output written on error")
	}
}

// TestDSSLimits: the DSS parser refuses (and Verify then ignores) a DSS
// over its count or size limits, Flate bombs included, and skips entries
// that are not what they claim.
func TestDSSLimits(t *testing.T) {
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
	doc := func(dss string, extra ...string) []byte {
		return assemblePDF(append([]string{"<< /Type /Catalog /Pages 2 0 R /DSS " + dss + " >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page}, extra...))
	}
	var zeros bytes.Buffer
	zw := zlib.NewWriter(&zeros)
	zw.Write(make([]byte, maxDSSItemBytes+1))
	zw.Close()
	bomb := fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", zeros.Len(), zeros.Bytes())
	garbage := "<< /Length 5 >>\nstream\nhello\nendstream"
	cases := []struct {
		name    string
		pdf     []byte
		tooMany bool
		certs   int
	}{
		{"too many entries", doc("<< /Certs ["+strings.Repeat(" 4 0 R", maxDSSItems+1)+"] >>", garbage), true, 0},
		{"flate bomb", doc("<< /OCSPs [4 0 R] >>", bomb), true, 0},
		{"garbage entries, loops and wrong types", doc("<< /Certs [4 0 R 1 0 R 99 0 R (x)] /OCSPs 4 0 R /CRLs [[4 0 R]] /VRI 1 0 R >>", garbage), false, 0},
		{"DSS not a dictionary", doc("[1 2 3]"), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rdr, err := pdf.NewReader(bytes.NewReader(c.pdf), int64(len(c.pdf)))
			if err != nil {
				t.Fatal(err)
			}
			d, err := readDSS(rdr)
			if c.tooMany {
				if ke := kerr.Outer(err); ke == nil || ke.Code != "dss_too_large" {
					t.Fatalf("got %v, want dss_too_large", err)
				}
				rep := verifyBytes(t, c.pdf, VerifyOptions{})
				if rep.DSS == nil || rep.DSS.Error == "" {
					t.Fatalf("Verify's DSS summary: %+v", rep.DSS)
				}
				return
			}
			if err != nil || len(d.certs) != c.certs || len(d.crls) != 0 {
				t.Fatalf("got %v, %d certs %d OCSPs %d CRLs", err, len(d.certs), len(d.ocsps), len(d.crls))
			}
		})
	}
}

// TestLTAWithAnotherTSA: a document time-stamp from a TSA of another PKI
// than the signature's gets its own DSS update after it, so that the whole
// file still verifies offline.
func TestLTAWithAnotherTSA(t *testing.T) {
	e := getEnv(t)
	other, err := pki.StartServer(context.Background(), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	roots := x509.NewCertPool()
	roots.AddCert(e.pki.Identity(pki.Root).Cert)
	roots.AddCert(other.PKI.Identity(pki.Root).Cert)
	bt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(1))
	var out bytes.Buffer
	if _, err := Extend(context.Background(), bytes.NewReader(bt), int64(len(bt)), &out, LevelBLTA,
		ExtendOptions{Checker: &Checker{Roots: roots, Timeout: 5 * time.Second}, TSAURL: other.URL + "/tsa"}); err != nil {
		t.Fatal(err)
	}
	offline := &Checker{Roots: roots, Timeout: time.Second, HTTPClient: &http.Client{Transport: failingTransport{}}}
	rep := verifyBytes(t, out.Bytes(), VerifyOptions{Roots: roots, Checker: offline})
	if len(rep.Signatures) != 2 {
		t.Fatalf("%d entries", len(rep.Signatures))
	}
	s, d := rep.Signatures[0], rep.Signatures[1]
	if s.Verdict != TotalPassed || s.Level != "B-LTA" || d.Verdict != TotalPassed || d.RevocationSource != "dss" ||
		d.Timestamp.TSA != other.PKI.Identity(pki.TSA).Cert.Subject.CommonName || d.CoversWholeDocument ||
		len(d.Changes) != 1 || d.Changes[0].Kind != ChangeDSS || !d.Changes[0].Allowed {
		t.Fatalf("signature %s/%s %s level %s; time-stamp %s/%s %s from %q, changes %+v", s.Verdict, s.SubIndication, s.Detail, s.Level, d.Verdict, d.SubIndication, d.Detail, d.RevocationSource, d.Changes)
	}
}

// TestLTARenewal: extending a B-LTA file again (as an archive does before
// the time-stamp's certificate expires) adds DSS data for the first
// document time-stamp and a second one; everything verifies offline.
func TestLTARenewal(t *testing.T) {
	e := getEnv(t)
	lta := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBLTA, TSAURL: e.tsaURL}), makePDF(1))
	renewed, res := extendBytes(t, e, lta, LevelBLTA)
	if res.Signatures != 2 || res.Certs+res.OCSPs+res.CRLs != 0 {
		t.Fatalf("renewal result %+v: the DSS already had everything", res)
	}
	rep := verifyBytes(t, renewed, VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
	if len(rep.Signatures) != 3 {
		t.Fatalf("%d entries", len(rep.Signatures))
	}
	kinds := []string{KindSignature, KindDocTimestamp, KindDocTimestamp}
	for i, s := range rep.Signatures {
		if s.Kind != kinds[i] || s.Verdict != TotalPassed {
			t.Fatalf("entry %d: %s %s/%s %s", i, s.Kind, s.Verdict, s.SubIndication, s.Detail)
		}
	}
	if s := rep.Signatures[0]; s.Level != "B-LTA" || len(s.Changes) != 4 {
		t.Fatalf("signature: level %s, changes %+v", s.Level, s.Changes)
	}
	if d := rep.Signatures[1]; len(d.Changes) != 2 || d.Changes[0].Kind != ChangeDSS || d.Changes[1].Kind != ChangeDocTimestamp {
		t.Fatalf("first time-stamp: changes %+v", d.Changes)
	}
	if !rep.Signatures[2].CoversWholeDocument {
		t.Fatal("the last time-stamp does not cover the file")
	}
}

// TestLTADSSTampered: the document time-stamp covers the DSS. A byte
// changed in it breaks the time-stamp (and the level falls to B-LT), while
// the signature, which does not cover the DSS, still verifies.
func TestLTADSSTampered(t *testing.T) {
	e := getEnv(t)
	lta := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBLTA, TSAURL: e.tsaURL}), makePDF(1))
	i := bytes.Index(lta, []byte("/TU (D:"))
	if i < 0 {
		t.Fatal("no VRI /TU")
	}
	bad := bytes.Clone(lta)
	bad[i+len("/TU (D:")] ^= 1 // a digit of the VRI's time
	rep := verifyBytes(t, bad, VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
	s, d := rep.Signatures[0], rep.Signatures[1]
	if s.Verdict != TotalPassed || s.Level != "B-LT" || d.Verdict != TotalFailed || d.SubIndication != SubHashFailure {
		t.Fatalf("signature %s/%s level %s; time-stamp %s/%s", s.Verdict, s.SubIndication, s.Level, d.Verdict, d.SubIndication)
	}
}

// TestDSSUpdateThatRewritesContent: an update dressed as a DSS update —
// the catalog changes only in /DSS — that rewrites the page's content
// stream and lists it in /Certs is not a DSS update.
func TestDSSUpdateThatRewritesContent(t *testing.T) {
	e := getEnv(t)
	bt := signBytes(t, e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(1))
	rdr, err := pdf.NewReader(bytes.NewReader(bt), int64(len(bt)))
	if err != nil {
		t.Fatal(err)
	}
	u := newIncUpdate(rdr, int64(len(bt)), bt[len(bt)-1])
	text := "BT /F1 18 Tf 72 760 Td (Forged page) Tj ET"
	u.set(5, 0, []byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text)))
	dss := u.add([]byte("<< /Type /DSS /Certs [5 0 R] >>"))
	root := rdr.Trailer().Key("Root")
	var cat bytes.Buffer
	cat.WriteString("<<")
	if err := writeEntries(&cat, root, func(k string) bool { return k == "DSS" }); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&cat, " /DSS %d 0 R >>", dss)
	u.set(root.GetPtr().GetID(), 0, cat.Bytes())
	update, err := u.finish(root.GetPtr())
	if err != nil {
		t.Fatal(err)
	}
	forged := append(bytes.Clone(bt), update...)
	if !bytes.Contains(forged, []byte("Forged page")) {
		t.Fatal("no forgery")
	}
	rep := verifyBytes(t, forged, VerifyOptions{Roots: e.pki.Roots()})
	if s := rep.Signatures[0]; s.Verdict != Indeterminate || s.SubIndication != SubChangesNotClassified || s.Changes[0].Kind != ChangeUnclassified {
		t.Fatalf("forged DSS update: %s/%s %+v", s.Verdict, s.SubIndication, s.Changes)
	}
}

// TestLaterSignatureThatRewritesContent: a later signature whose update
// also rewrites the page's content is no mere later signature: the first
// signature becomes INDETERMINATE, while the later one (which covers the
// change) passes.
func TestLaterSignatureThatRewritesContent(t *testing.T) {
	e := getEnv(t)
	first := signBytes(t, e.signer(t, pki.Seal, Options{}), makePDF(1))
	rdr, err := pdf.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	key := e.key(t, pki.Personal)
	text := "BT /F1 18 Tf 72 760 Td (Forged page) Tj ET"
	sd := sign.SignData{Signer: key, Certificate: key.Certificate(), SubFilter: sign.SubFilterETSICAdESDetached,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{key.Certificate()}, key.Chain()...)},
		Updates:           map[uint32][]byte{5: []byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))}}
	sd.Signature.CertType = sign.ApprovalSignature
	var out bytes.Buffer
	//nolint:staticcheck // the engine our Signer uses
	if err := sign.SignWithData(bytes.NewReader(first), &out, rdr, int64(len(first)), sd); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("Forged page")) {
		t.Fatal("no forgery")
	}
	rep := verifyBytes(t, out.Bytes(), VerifyOptions{Roots: e.pki.Roots()})
	s1, s2 := rep.Signatures[0], rep.Signatures[1]
	if s1.Verdict != Indeterminate || s1.SubIndication != SubChangesNotClassified || s1.Changes[0].Kind != ChangeUnclassified || s2.Verdict != TotalPassed {
		t.Fatalf("first %s/%s %+v; second %s/%s", s1.Verdict, s1.SubIndication, s1.Changes, s2.Verdict, s2.SubIndication)
	}
}

// TestLTARenewalLater: renewing a B-LTA file after the OCSP responses in
// its DSS went stale fetches fresh ones for the new time-stamp's TSA, so
// the renewed file still verifies offline at that later time.
func TestLTARenewalLater(t *testing.T) {
	var mu sync.Mutex
	offset := time.Duration(0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	}
	srv, err := pki.StartServer(context.Background(), pki.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := srv.PKI
	id := p.Identity(pki.Personal)
	key, err := newFileKey(id.Key, id.Cert, id.Chain[1:])
	if err != nil {
		t.Fatal(err)
	}
	checker := &Checker{Roots: p.Roots(), Timeout: 5 * time.Second}
	s, err := New(key, Options{Level: LevelBLTA, TSAURL: srv.URL + "/tsa", Checker: checker})
	if err != nil {
		t.Fatal(err)
	}
	lta := signBytes(t, s, makePDF(1))

	mu.Lock()
	offset = 3 * pki.OCSPValidity
	mu.Unlock()
	var out bytes.Buffer
	res, err := Extend(context.Background(), bytes.NewReader(lta), int64(len(lta)), &out, LevelBLTA, ExtendOptions{Checker: checker, TSAURL: srv.URL + "/tsa", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != LevelBLTA || res.OCSPs == 0 {
		t.Fatalf("renewal fetched no fresh OCSP response: %+v", res)
	}
	offline := &Checker{Roots: p.Roots(), Timeout: time.Second, HTTPClient: &http.Client{Transport: failingTransport{}}}
	rep := verifyBytes(t, out.Bytes(), VerifyOptions{Roots: p.Roots(), Checker: offline, Now: clock})
	if len(rep.Signatures) != 3 {
		t.Fatalf("%d entries", len(rep.Signatures))
	}
	for i, s := range rep.Signatures {
		if s.Verdict != TotalPassed {
			t.Fatalf("entry %d (%s): %s/%s %s", i, s.Kind, s.Verdict, s.SubIndication, s.Detail)
		}
	}
	// The fresh OCSP response for the new time-stamp's TSA came in a DSS
	// update after it.
	if last := rep.Signatures[2]; last.CoversWholeDocument || len(last.Changes) != 1 || last.Changes[0].Kind != ChangeDSS || last.RevocationSource != "dss" {
		t.Fatalf("renewal time-stamp: %+v", last)
	}
}
