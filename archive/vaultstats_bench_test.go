package archive_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
)

// BenchmarkVaultStats answers the twelve-month vault statistics from the
// aggregates over vaults of 2,000 and 20,000 papers (spread over twelve
// months, 200 owners, 4 types), beside the reference it replaces: the
// per-type counts computed from the documents themselves (SystemStats,
// a read of every document's index entry).
func BenchmarkVaultStats(b *testing.B) {
	for _, n := range []int{2_000, 20_000} {
		v := newVault(b, archive.Config{})
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)) // the months are Vietnam's
		for o := range 200 {
			if err := v.store.CreateOwner(ctx, archive.Owner{ID: fmt.Sprintf("0010990%05d", o), Kind: archive.Individual, CreatedAt: start}); err != nil {
				b.Fatal(err)
			}
		}
		types := []string{"KHAI_SINH", "CAN_CUOC", "HO_CHIEU", "KHAC"}
		for i := range n {
			at := start.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n)))
			owner := fmt.Sprintf("0010990%05d", i%200)
			d := archivetest.SampleDocument(rng, at, owner, types[i%len(types)], "Giấy tờ")
			if i%3 == 0 {
				d.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: fmt.Sprintf("000.00.%02d.H29", i%7), Dossier: "HS", Procedure: fmt.Sprintf("1.%03d", i%40), IssuedAt: at}
			}
			if err := v.store.CreateDocument(ctx, d); err != nil {
				b.Fatal(err)
			}
			if err := v.store.AddUsage(ctx, owner, d.Current.Size, 1, 0); err != nil {
				b.Fatal(err)
			}
		}
		v.clock.Set(start.AddDate(1, 0, 1))
		for { // the backlog, run after run (a run stops at each month's end)
			c, err := v.CountVaultStats(ctx, 1000, 0)
			if err != nil {
				b.Fatal(err)
			}
			if c == 0 {
				break
			}
		}
		q := archive.VaultStatsQuery{From: "2026-01", To: "2026-12", Top: 10}
		if st, err := v.VaultStats(ctx, admin, q); err != nil || st.Months[11].TotalPapers != int64(n) {
			b.Fatalf("counted %+v, %v; want %d papers", st.Months, err, n)
		}
		b.Run(fmt.Sprintf("aggregates/papers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := v.VaultStats(ctx, admin, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("scan-reference/papers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := v.SystemStats(ctx, admin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
