package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage/sqlite"
)

// ltvBenchStore is a store of n documents, one in ten of them signed with
// a validation expiry spread evenly over the next five years.
func ltvBenchStore(b *testing.B, n int, now time.Time) *sqlite.Store {
	b.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kho.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	ids := archivetest.NewIDs()
	const batch = 5000
	for start := 0; start < n; start += batch {
		docs := make([]archive.Document, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			d := archive.Document{ID: ids.New(), OwnerID: fmt.Sprintf("0010990%05d", i%1000), Source: archive.SourceUpload,
				Metadata: archive.Metadata{TypeCode: "KS", Name: "Giấy khai sinh", Status: archive.StatusValid}, VersionCount: 1, Rev: 1,
				CreatedBy: "bench", CreatedAt: now, UpdatedAt: now}
			d.Current = archive.Version{N: 1, Blob: fmt.Sprintf("%064x", i), Size: 1000, MediaType: "application/pdf", FileName: "a.pdf",
				Change: "create", CreatedBy: "bench", CreatedAt: now, Meta: d.Metadata, Signature: &archive.SignatureSummary{VerifiedAt: now}}
			if i%10 == 0 {
				d.Current.Signature = &archive.SignatureSummary{Signed: true, Count: 1, Verdict: signing.TotalPassed, Level: "B-T", VerifiedAt: now,
					ExpiresAt: now.Add(time.Duration(i%1825) * 24 * time.Hour).Truncate(time.Second)}
			}
			docs = append(docs, d)
		}
		if err := sqlite.CreateDocuments(ctx, s, docs); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkDueForRenewal reads the first page (50) of the papers due
// within 90 days through the index, and the same page by a scan of every
// document (the reference), in stores of 10,000 and 100,000 documents.
func BenchmarkDueForRenewal(b *testing.B) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	before := now.Add(90 * 24 * time.Hour)
	for _, n := range []int{10_000, 100_000} {
		s := ltvBenchStore(b, n, now)
		ctx := context.Background()
		b.Run(fmt.Sprintf("docs=%d/index", n), func(b *testing.B) {
			for b.Loop() {
				if docs, err := s.DueForRenewal(ctx, before, archive.RenewCursor{}, 50); err != nil || len(docs) != 50 {
					b.Fatalf("%d docs, %v", len(docs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("docs=%d/scan", n), func(b *testing.B) {
			for b.Loop() {
				if docs, err := sqlite.DueForRenewalScan(ctx, s, before, 50); err != nil || len(docs) != 50 {
					b.Fatalf("%d docs, %v", len(docs), err)
				}
			}
		})
	}
}
