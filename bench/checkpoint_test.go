package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage"
)

// changedLanes is how many lanes move between two checkpoints in
// BenchmarkCheckpoint.
const changedLanes = 1000

// BenchmarkCheckpoint measures one run of the checkpoint job after
// changedLanes lanes of as many owners moved by one entry each, over a
// ledger that keeps growing run after run: the cost per changed lane
// (us/lane) and per run. Entries are appended straight to the store (the
// appends are not what is measured).
func BenchmarkCheckpoint(b *testing.B) {
	for _, dep := range deployments {
		b.Run(dep.name, func(b *testing.B) {
			ctx := context.Background()
			d, st := dep.open(b)
			bucket := storage.NewBucket(d)
			b.Cleanup(func() { bucket.Close() })
			skey, err := archive.GenerateLedgerKey("kho-bench")
			if err != nil {
				b.Fatal(err)
			}
			signer, verifier, vkey, err := archive.ParseLedgerKey(skey)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			clock := func() time.Time { return now }
			v := archive.New(st, bucket, archive.Config{Ledger: archive.LedgerSigning{Signer: signer, Verifier: verifier, VerifierKey: vkey, Blobs: bucket}}, nil, clock)
			tails := make([]archive.LedgerEntry, changedLanes)
			cursor := ""
			runs, leaves := 0, 0
			for b.Loop() {
				b.StopTimer()
				// Each run comes 5 minutes after the last: its margin
				// re-reads nothing of the previous run's entries.
				now = now.Add(5 * time.Minute)
				for i := range tails {
					e := archive.LedgerEntry{Chain: fmt.Sprintf("0010990%05d", i), Lane: "bench-0", Seq: tails[i].Seq + 1,
						At: now, Actor: "canbo", ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem", PrevHash: tails[i].Hash}
					e.Hash = archive.EntryHash(e)
					if err := st.AppendLedger(ctx, e); err != nil {
						b.Fatal(err)
					}
					tails[i] = e
				}
				b.StartTimer()
				run, err := v.Checkpoint(ctx, cursor)
				if err != nil {
					b.Fatal(err)
				}
				if run.Leaves != changedLanes || !run.Published {
					b.Fatalf("run %d: %+v", runs, run)
				}
				cursor = run.Cursor
				runs++
				leaves += run.Leaves
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(leaves), "us/lane")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(runs), "ms/run")
		})
	}
}
