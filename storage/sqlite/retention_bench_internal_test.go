package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// seedRetention fills a new store with n retention records whose last
// days are spread over 2000–2099, one in a hundred of them held, and
// returns it; the rows go in one transaction (seeding is not measured).
func seedRetention(b *testing.B, n int) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "kho.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	err = s.inTx(ctx, "seed", func(tx *txn) error {
		for i := range n {
			st := archive.RetentionKept
			if i%100 == 7 {
				st = archive.RetentionHeld
			}
			day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7919)%36500)
			r := archive.RetentionRecord{DocumentID: archive.NewID(time.Unix(int64(1_700_000_000+i), 0)), OwnerID: fmt.Sprintf("%012d", i%1000),
				TypeCode: "KHAC", Source: archive.SourceComponent, Name: "Tài liệu", Base: archive.DateOf(day.AddDate(-10, 0, 0)),
				RetainUntil: archive.DateOf(day), State: st, Rev: 1}
			body, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO retention (document_id, state, retain_until, rev, body) VALUES (?, ?, ?, 1, ?)`,
				r.DocumentID, string(st), retainUntilKey(r), body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkDueRetention reads the retention job's batch of what is due (500
// records, on 01/01/2050: about half of each store is due) from stores
// of 10,000 and 200,000 records: one range of the index, so the time does
// not grow with the store. The reference, in the same run: the same
// query with its terms made unusable by the index (unary +), which reads
// the whole table and sorts what is due — what a store without the index
// would do.
func BenchmarkDueRetention(b *testing.B) {
	day := archive.Date{Year: 2050, Month: 1, Day: 1}
	for _, n := range []int{10_000, 200_000} {
		s := seedRetention(b, n)
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				rs, err := s.DueRetention(ctx, day, archive.DueCursor{}, 500)
				if err != nil || len(rs) != 500 {
					b.Fatalf("%d, %v", len(rs), err)
				}
			}
		})
		b.Run(fmt.Sprintf("records=%d/scan", n), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				rows, err := s.r.QueryContext(ctx, `SELECT body FROM retention
					WHERE +state = ? AND +retain_until <= ? ORDER BY +retain_until, +document_id LIMIT 500`, string(archive.RetentionKept), day.String())
				if err != nil {
					b.Fatal(err)
				}
				rs, err := jsonRows[archive.RetentionRecord](s, rows, "scan", "retention")
				if err != nil || len(rs) != 500 {
					b.Fatalf("%d, %v", len(rs), err)
				}
			}
		})
	}
}
