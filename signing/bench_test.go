package signing

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
)

// Results, 2026-11-23, go1.27, 2-core shared Intel Xeon dev machine (other
// engineers' builds running: noisy), RSA-2048 signer, -benchtime 2s, with
// the CRL cache (each Sign still asks OCSP for the signer):
//
//	BenchmarkSignBB1Page      5.0 ms/op   200 signatures/s
//	BenchmarkSignBB100Pages   6.2 ms/op   162 signatures/s
//	BenchmarkSignBT1Page      8.5 ms/op   118 signatures/s (loopback TSA)
//	BenchmarkSignBatchBB     47.0 ms/20   426 signatures/s (one check per batch)
//
// Before the CRL cache a single Sign took 12-26 ms (a freshly signed
// RSA-3072 CRL for the intermediate on every check).

func benchSign(b *testing.B, pages int, opts Options) {
	e := getEnv(b)
	s := e.signer(b, pki.Personal, opts)
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
	benchSign(b, 1, Options{Level: LevelBT, TSAURL: getEnv(b).tsaURL})
}

// BenchmarkSignBatchBB signs 20 one-page PDFs in one SignBatch call: one
// certificate check for the whole batch.
func BenchmarkSignBatchBB(b *testing.B) {
	e := getEnv(b)
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
