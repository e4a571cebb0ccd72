package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
)

// The signing benchmarks of issue 3 item 12; scripts/bench.sh runs them on
// one core (-cpu 1) next to `openssl speed rsa2048`, and docs/benchmarks.md
// ("Signing and verification") has the results and the goals: B-B signing
// of a one-page PDF >= 300/s on one core, verification >= 500/s.
//
// Each Sign includes the certificate check before signing (chain, OCSP for
// the signer from the in-process test responder, the CRL cache), as a real
// signing call does; SignBatch checks once per batch. The signer is the
// test PKI's RSA-2048 personal key. The OCSP responder and the TSA (B-T,
// RSA-2048) are the test PKI's, on loopback: in this process, so that
// their RSA signing shares the core being measured, or with
// KHO_BENCH_PKI=external in a process of their own (see benchEnv).

func benchSign(b *testing.B, pages int, opts Options) { benchSignAs(b, pki.Personal, pages, opts) }

func benchSignAs(b *testing.B, who string, pages int, opts Options) {
	e := benchEnv(b)
	s := e.signer(b, who, opts)
	in := makePDF(pages)
	ctx := context.Background()
	if _, err := s.Sign(ctx, bytes.NewReader(in), int64(len(in)), io.Discard); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Sign(ctx, bytes.NewReader(in), int64(len(in)), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

// BenchmarkSignBB1Page signs a one-page PDF at B-B (certificate check included).
func BenchmarkSignBB1Page(b *testing.B) { benchSign(b, 1, Options{}) }

// BenchmarkSignBB100Pages signs a 100-page PDF at B-B.
func BenchmarkSignBB100Pages(b *testing.B) { benchSign(b, 100, Options{}) }

// BenchmarkSignBT1Page signs a one-page PDF at B-T against the loopback TSA.
func BenchmarkSignBT1Page(b *testing.B) {
	benchSign(b, 1, Options{Level: LevelBT, TSAURL: benchEnv(b).tsaURL})
}

// BenchmarkSignBT100Pages signs a 100-page PDF at B-T against the loopback TSA.
func BenchmarkSignBT100Pages(b *testing.B) {
	benchSign(b, 100, Options{Level: LevelBT, TSAURL: benchEnv(b).tsaURL})
}

// BenchmarkSignBBNoCheck1Page signs a one-page PDF at B-B with the check
// before signing reduced to what needs no network (revocation skipped):
// the cost of the PDF work and the RSA signature alone.
func BenchmarkSignBBNoCheck1Page(b *testing.B) {
	benchSign(b, 1, Options{Checker: &Checker{Roots: benchEnv(b).pki.Roots(), Revocation: RevocationSkip}})
}

// BenchmarkSignBBECDSA1Page signs a one-page PDF at B-B with the test
// PKI's ECDSA P-256 key: what the pipeline costs when the signature itself
// is cheap (the chain above it is still RSA-3072).
func BenchmarkSignBBECDSA1Page(b *testing.B) { benchSignAs(b, pki.ECDSA, 1, Options{}) }

// BenchmarkSignBatchBB signs 20 one-page PDFs in one SignBatch call: one
// certificate check for the whole batch.
func BenchmarkSignBatchBB(b *testing.B) {
	e := benchEnv(b)
	s := e.signer(b, pki.Personal, Options{})
	in := makePDF(1)
	b.ResetTimer()
	for b.Loop() {
		jobs := make([]Job, 20)
		for i := range jobs {
			jobs[i] = Job{In: bytes.NewReader(in), Size: int64(len(in)), Out: io.Discard}
		}
		for _, r := range s.SignBatch(context.Background(), jobs) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(20*b.N)/b.Elapsed().Seconds(), "signatures/s")
}

// benchVerify verifies a signed PDF of the given pages and level, without
// revocation (no network: the figure is the verifier's own work) or with
// the in-process OCSP responder.
func benchVerify(b *testing.B, pages int, opts Options, revocation bool) {
	e := benchEnv(b)
	signed := signBytes(b, e.signer(b, pki.Personal, opts), makePDF(pages))
	vo := VerifyOptions{Roots: e.pki.Roots()}
	if revocation {
		vo.Checker = e.checker()
	}
	ctx := context.Background()
	b.SetBytes(int64(len(signed)))
	b.ResetTimer()
	for b.Loop() {
		rep, err := Verify(ctx, bytes.NewReader(signed), int64(len(signed)), vo)
		if err != nil || len(rep.Signatures) == 0 || slices.ContainsFunc(rep.Signatures, func(s *SignatureReport) bool { return s.Verdict != TotalPassed }) {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerifyBB1Page verifies a B-B one-page PDF (no revocation check).
func BenchmarkVerifyBB1Page(b *testing.B) { benchVerify(b, 1, Options{}, false) }

// BenchmarkVerifyBB100Pages verifies a B-B 100-page PDF.
func BenchmarkVerifyBB100Pages(b *testing.B) { benchVerify(b, 100, Options{}, false) }

// BenchmarkVerifyTwoSignatures1000Pages verifies a 1000-page PDF signed
// twice (B-B, no revocation check): the second signature's update is
// classified, which walks every object of the document once.
func BenchmarkVerifyTwoSignatures1000Pages(b *testing.B) {
	e := benchEnv(b)
	one := signBytes(b, e.signer(b, pki.Personal, Options{}), makePDF(1000))
	two := signBytes(b, e.signer(b, pki.Seal, Options{}), one)
	vo := VerifyOptions{Roots: e.pki.Roots()}
	b.SetBytes(int64(len(two)))
	for b.Loop() {
		rep, err := Verify(context.Background(), bytes.NewReader(two), int64(len(two)), vo)
		if err != nil || len(rep.Signatures) != 2 || rep.Signatures[0].Verdict != TotalPassed || rep.Signatures[1].Verdict != TotalPassed {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkVerifyBT1Page verifies a B-T one-page PDF (its time-stamp too).
func BenchmarkVerifyBT1Page(b *testing.B) {
	benchVerify(b, 1, Options{Level: LevelBT, TSAURL: benchEnv(b).tsaURL}, false)
}

// BenchmarkSignBLT1Page signs a one-page PDF at B-LT: B-T, then the DSS
// update (OCSP for the signer and the TSA, the CRL for the intermediate,
// from the loopback responders).
func BenchmarkSignBLT1Page(b *testing.B) {
	benchSign(b, 1, Options{Level: LevelBLT, TSAURL: benchEnv(b).tsaURL})
}

// BenchmarkSignBLTA1Page signs a one-page PDF at B-LTA: B-LT, then a
// document time-stamp.
func BenchmarkSignBLTA1Page(b *testing.B) {
	benchSign(b, 1, Options{Level: LevelBLTA, TSAURL: benchEnv(b).tsaURL})
}

// BenchmarkVerifyBLTA1Page verifies a B-LTA one-page PDF — the signature
// and the document time-stamp, revocation from the DSS, the updates
// classified — without network.
func BenchmarkVerifyBLTA1Page(b *testing.B) {
	benchVerify(b, 1, Options{Level: LevelBLTA, TSAURL: benchEnv(b).tsaURL}, false)
}

// BenchmarkVerifyBB1PageOCSP verifies a B-B one-page PDF and asks the
// loopback OCSP responder about the signer.
func BenchmarkVerifyBB1PageOCSP(b *testing.B) { benchVerify(b, 1, Options{}, true) }

// BenchmarkPdfsigVerify1Page runs poppler's pdfsig on a signed one-page PDF
// per iteration (process start included, as a user or script sees it).
func BenchmarkPdfsigVerify1Page(b *testing.B) {
	bin := pdfsigPath(b)
	e := benchEnv(b)
	f := b.TempDir() + "/signed.pdf"
	if err := os.WriteFile(f, signBytes(b, e.signer(b, pki.Personal, Options{}), makePDF(1)), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if out, err := exec.Command(bin, f).CombinedOutput(); !bytes.Contains(out, []byte("Signature is Valid")) {
			b.Fatalf("pdfsig: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkRSA2048SignGo is Go's own RSA-2048 PKCS#1 v1.5 signing of a
// SHA-256 digest: the floor of every signature here, to compare with
// `openssl speed rsa2048`.
func BenchmarkRSA2048SignGo(b *testing.B) {
	key := benchEnv(b).pki.Identity(pki.Personal).Key.(*rsa.PrivateKey)
	d := sha256.Sum256([]byte("Kho"))
	for b.Loop() {
		if _, err := key.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}

// BenchmarkSignData signs 2 KB of eForm JSON (detached CMS, B-B, with the
// certificate check).
func BenchmarkSignData(b *testing.B) {
	e := benchEnv(b)
	k, c := e.key(b, pki.Personal), e.checker()
	data := bytes.Repeat(eFormJSON, 2048/len(eFormJSON)+1)
	for b.Loop() {
		if _, err := SignData(context.Background(), k, bytes.NewReader(data), DataOptions{Checker: c}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

// BenchmarkVerifyData verifies a detached CMS signature over 2 KB of JSON
// (no revocation check).
func BenchmarkVerifyData(b *testing.B) {
	e := benchEnv(b)
	data := bytes.Repeat(eFormJSON, 2048/len(eFormJSON)+1)
	sig := signDataBytes(b, e.key(b, pki.Personal), data, DataOptions{Checker: e.checker()})
	opts := VerifyOptions{Roots: e.pki.Roots()}
	for b.Loop() {
		rep, err := VerifyData(context.Background(), bytes.NewReader(data), sig, opts)
		if err != nil || rep.Verdict != TotalPassed {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// BenchmarkCheckCertificate is the check before signing alone: chain to
// the roots, OCSP for the signer, the cached root CRL for the intermediate.
func BenchmarkCheckCertificate(b *testing.B) {
	e := benchEnv(b)
	k, c := e.key(b, pki.Personal), e.checker()
	for b.Loop() {
		if err := c.CheckCertificate(context.Background(), k.Certificate(), k.Chain(), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
