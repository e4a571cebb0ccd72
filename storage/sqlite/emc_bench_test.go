package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// BenchmarkEMCCatchUpRead: the EMC catch-up's read of the 100 dossiers
// changed since its cursor costs the same over 1,000 and 10,000 stored
// dossiers (the index of update times), while a read of the same 100
// that filters the body without the index (the reference) grows with the
// store.
func BenchmarkEMCCatchUpRead(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		ctx := context.Background()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kho.db"))
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			at := emctest.Start.Add(time.Duration(i) * time.Second)
			d := emctest.Dossier(i+1, at)
			emctest.Append(&d, workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, at)
			if err := s.CreateDossier(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		from := emc.ChangeCursor{At: emctest.Start.Add(time.Duration(n-100) * time.Second)}
		before := emctest.Start.Add(time.Duration(n+1) * time.Second)
		b.Run(fmt.Sprintf("indexed/%d", n), func(b *testing.B) {
			for b.Loop() {
				ds, err := s.DossiersChangedSince(ctx, from, before, 100)
				if err != nil || len(ds) != 100 {
					b.Fatalf("%d, %v", len(ds), err)
				}
			}
		})
		b.Run(fmt.Sprintf("reference-scan/%d", n), func(b *testing.B) {
			for b.Loop() {
				got := 0
				after := ""
				for {
					ds, _, err := s.ListDossiers(ctx, workflow.DossierQuery{Agency: emctest.Agency, After: after, Limit: 1000})
					if err != nil {
						b.Fatal(err)
					}
					for _, d := range ds {
						if !d.UpdatedAt.Before(from.At) && d.UpdatedAt.Before(before) {
							got++
						}
					}
					if len(ds) < 1000 {
						break
					}
					after = ds[len(ds)-1].SortKey()
				}
				if got != 100 {
					b.Fatalf("%d", got)
				}
			}
		})
		_ = s.Close(ctx)
	}
}
