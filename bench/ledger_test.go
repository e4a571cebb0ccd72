package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage"
)

// ledgerEntries is the length of the owner's ledger the readers meet.
const ledgerEntries = 10_000

// BenchmarkLedger measures what recording reads costs as an owner's
// ledger grows (issue 9 item 3): two processes — two archive.Service
// over one metadata store, as two `kho serve` would share it — serve
// staff reads of one citizen's paper, each read appending to the
// citizen's ledger.
//
//   - alternate-N: one reader at a time, alternating between the two
//     processes, with N entries in the ledger (N = 100, then 10,000): the
//     cost of one append should not depend on N;
//   - readers12: twelve readers at once, each alternating between the two
//     processes, with 10,000 entries: an organisation's officers reading
//     one owner must not queue behind each other.
//
// The reads are service calls (Service.Get), not HTTP requests: the
// ledger's cost is what is measured. Run with -benchtime=Nx: the owner's
// ledger is seeded once per deployment, before the sub-benchmarks.
func BenchmarkLedger(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			ctx := context.Background()
			d, st := dep.open(b)
			bucket := storage.NewBucket(d)
			b.Cleanup(func() { bucket.Close() })
			procs := []*archive.Service{
				archive.New(st, bucket, archive.Config{DefaultQuotaBytes: -1}, nil, nil),
				archive.New(st, bucket, archive.Config{DefaultQuotaBytes: -1}, nil, nil),
			}
			admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
			if _, _, err := procs[0].LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
				b.Fatal(err)
			}
			citizen := archive.Actor{Subject: "001099000777", Role: archive.RoleCitizen}
			doc, err := procs[0].Put(ctx, citizen, archive.NewDocument{
				Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Giấy tờ được đọc nhiều"},
				Upload:   archive.Upload{Body: bytes.NewReader(pdfBytes(7, 4096)), Size: 4096, FileName: "a.pdf"},
			})
			if err != nil {
				b.Fatal(err)
			}
			entries := 1 // the upload's own entry
			read := func(p *archive.Service, who string) error {
				_, err := p.Get(ctx, archive.Actor{Subject: who, Role: archive.RoleStaff}, doc.ID, archive.Access{Purpose: "thẩm định hồ sơ"})
				return err
			}
			seedTo := func(n int) {
				b.Helper()
				start := time.Now()
				for ; entries < n; entries++ {
					if err := read(procs[0], "canbo.seed"); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("seeded the ledger to %d entries in %v", n, time.Since(start).Round(time.Millisecond))
			}
			alternate := func(b *testing.B) {
				var ts []time.Duration
				for i := 0; b.Loop(); i++ {
					t0 := time.Now()
					if err := read(procs[i%2], "canbo.mot"); err != nil {
						b.Fatal(err)
					}
					ts = append(ts, time.Since(t0))
				}
				entries += len(ts)
				reportLatencies(b, ts, 0)
			}
			seedTo(100)
			b.Run("alternate-100", alternate)
			seedTo(ledgerEntries)
			b.Run(fmt.Sprintf("alternate-%d", ledgerEntries), alternate)
			b.Run(fmt.Sprintf("readers12-%d", ledgerEntries), func(b *testing.B) {
				const readers = 12
				var (
					next atomic.Int64
					mu   sync.Mutex
					ts   []time.Duration
					wg   sync.WaitGroup
				)
				total := int64(b.N)
				b.ResetTimer()
				start := time.Now()
				for w := range readers {
					wg.Go(func() {
						var mine []time.Duration
						for k := 0; next.Add(1) <= total; k++ {
							t0 := time.Now()
							if err := read(procs[(w+k)%2], fmt.Sprint("canbo.", w)); err != nil {
								b.Error(err)
								return
							}
							mine = append(mine, time.Since(t0))
						}
						mu.Lock()
						ts = append(ts, mine...)
						mu.Unlock()
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				entries += len(ts)
				reportLatencies(b, ts, elapsed)
			})
		})
	}
}

// reportLatencies reports the median, 99th percentile and largest of ts
// in milliseconds and, when elapsed is given, the reads per second.
func reportLatencies(b *testing.B, ts []time.Duration, elapsed time.Duration) {
	if len(ts) == 0 {
		return
	}
	slices.Sort(ts)
	at := func(q float64) float64 {
		return float64(ts[min(len(ts)-1, int(q*float64(len(ts))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(ts[len(ts)-1].Microseconds())/1000, "max-ms")
	if elapsed > 0 {
		b.ReportMetric(float64(len(ts))/elapsed.Seconds(), "reads/s")
	}
}
