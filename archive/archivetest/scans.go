package archivetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// scanRecord is a pending batch of two pages with Vietnamese text and
// fields, expiring at exp.
func scanRecord(id, blob string, exp time.Time) archive.Scan {
	return archive.Scan{ID: id, Rev: 1, Status: archive.ScanPending, OwnerID: ownerA, TypeCode: "KHAI_SINH",
		Agency: archive.Agency{Code: "000.00.31.H29", Name: "UBND phường Láng Hạ"}, Operator: "luutru01", Device: "Fujitsu fi-7160",
		Blob: blob, Size: 1234, PageCount: 2,
		Pages: []archive.ScanPage{
			{FileName: "trang-1.png", SHA256: fmt.Sprintf("%064x", 1), PageImage: archive.PageImage{Format: archive.ScanPNG, Width: 1654, Height: 2339, Pages: 1, DPI: 200}},
			{FileName: "trang-2.tif", SHA256: fmt.Sprintf("%064x", 2), PageImage: archive.PageImage{Format: archive.ScanTIFF, Width: 2480, Height: 3508, Pages: 1, DPI: 300}},
		},
		Errors:    []archive.ScanPageError{{FileName: "hong.jpg", Code: "scan_page_corrupt", Message: "Ảnh trang quét bị hỏng hoặc không đọc được."}},
		Text:      "GIẤY KHAI SINH\nHọ, chữ đệm và tên: NGUYỄN THỊ HƯƠNG",
		Fields:    []archive.ScanField{{Code: "hoTen", Label: "Họ, chữ đệm và tên", Type: "text", Text: "NGUYỄN THỊ HƯƠNG", Value: "NGUYỄN THỊ HƯƠNG", Confidence: 93, Found: true}},
		CreatedAt: exp.Add(-archive.ScanTTL), ExpiresAt: exp}
}

// testScans: a batch comes back as stored; a second insert of its ID is a
// Conflict; a confirmation at the wrong revision or of a confirmed batch
// is a Conflict and changes nothing; a confirmed batch is neither expired
// nor deleted, nor does it keep its blob pending.
func testScans(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	exp := time.Date(2026, 12, 14, 3, 4, 5, 6e6, time.UTC)
	sc := scanRecord(ids.New(), fmt.Sprintf("%064x", 0xa1), exp)
	if err := s.PutScan(ctx, sc); err != nil {
		t.Fatal(err)
	}
	isKind(t, "PutScan again", s.PutScan(ctx, sc), kerr.Conflict, "")
	got, err := s.GetScan(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetScan", got, sc)
	_, err = s.GetScan(ctx, ids.New())
	isKind(t, "GetScan of none", err, kerr.NotFound, "")
	if p, err := s.ScanBlobPending(ctx, sc.Blob); err != nil || !p {
		t.Fatalf("ScanBlobPending of a pending batch's blob = %v, %v", p, err)
	}
	if p, err := s.ScanBlobPending(ctx, fmt.Sprintf("%064x", 0xa2)); err != nil || p {
		t.Fatalf("ScanBlobPending of another blob = %v, %v", p, err)
	}

	_, err = s.ConfirmScan(ctx, sc.ID, 2, "doc", "luutru01", exp)
	isKind(t, "ConfirmScan at another rev", err, kerr.Conflict, "")
	_, err = s.ConfirmScan(ctx, ids.New(), 1, "doc", "luutru01", exp)
	isKind(t, "ConfirmScan of none", err, kerr.NotFound, "")
	at := exp.Add(-time.Hour)
	c, err := s.ConfirmScan(ctx, sc.ID, 1, "doc-1", "luutru02", at)
	if err != nil {
		t.Fatal(err)
	}
	want := sc
	want.Rev, want.Status, want.DocumentID, want.ConfirmedBy, want.ConfirmedAt = 2, archive.ScanConfirmed, "doc-1", "luutru02", at
	same(t, "ConfirmScan's answer", c, want)
	got, err = s.GetScan(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "confirmed", got, want)
	_, err = s.ConfirmScan(ctx, sc.ID, 2, "doc-2", "luutru02", at)
	isKind(t, "ConfirmScan of a confirmed batch", err, kerr.Conflict, "")
	isKind(t, "DeleteScan of a confirmed batch", s.DeleteScan(ctx, sc.ID, 2), kerr.Conflict, "")
	isKind(t, "DeleteScan of none", s.DeleteScan(ctx, ids.New(), 1), kerr.NotFound, "")
	if p, err := s.ScanBlobPending(ctx, sc.Blob); err != nil || p {
		t.Fatalf("ScanBlobPending of a confirmed batch's blob = %v, %v", p, err)
	}
	got, _ = s.GetScan(ctx, sc.ID)
	same(t, "after the refused changes", got, want)
}

// testScansExpired: ExpiredScans lists only pending batches expired
// before the time, oldest first, at most limit; DeleteScan removes one at
// its revision only.
func testScansExpired(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	base := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	var all []archive.Scan
	for i, h := range []int{5, 1, 3, 9, 2} { // expiry in hours after base
		sc := scanRecord(ids.New(), fmt.Sprintf("%064x", 0xb0+i), base.Add(time.Duration(h)*time.Hour))
		if err := s.PutScan(ctx, sc); err != nil {
			t.Fatal(err)
		}
		all = append(all, sc)
	}
	if _, err := s.ConfirmScan(ctx, all[4].ID, 1, "doc", "luutru01", base); err != nil { // expires at +2h, but confirmed
		t.Fatal(err)
	}
	got, err := s.ExpiredScans(ctx, base.Add(5*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != all[1].ID || got[1].ID != all[2].ID {
		t.Fatalf("ExpiredScans before +5h = %v; want the pending ones of +1h and +3h in that order", scanIDs(got))
	}
	got, err = s.ExpiredScans(ctx, base.Add(10*time.Hour), 1)
	if err != nil || len(got) != 1 || got[0].ID != all[1].ID {
		t.Fatalf("ExpiredScans limit 1 = %v, %v", scanIDs(got), err)
	}
	isKind(t, "DeleteScan at another rev", s.DeleteScan(ctx, all[1].ID, 2), kerr.Conflict, "")
	if err := s.DeleteScan(ctx, all[1].ID, 1); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetScan(ctx, all[1].ID)
	isKind(t, "GetScan of a deleted batch", err, kerr.NotFound, "")
	got, err = s.ExpiredScans(ctx, base.Add(10*time.Hour), 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("ExpiredScans after the delete = %v, %v; want 3", scanIDs(got), err)
	}
}

// testScansConfirmConcurrent: of concurrent confirmations of one batch at
// its revision, exactly one succeeds.
func testScansConfirmConcurrent(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	sc := scanRecord(ids.New(), fmt.Sprintf("%064x", 0xc1), time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC))
	if err := s.PutScan(ctx, sc); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc := fmt.Sprintf("doc-%d", i)
			_, err := s.ConfirmScan(ctx, sc.ID, 1, doc, "luutru01", sc.CreatedAt)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won = append(won, doc)
			} else if !kerr.IsKind(err, kerr.Conflict) {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 || len(errs) != 0 {
		t.Fatalf("concurrent confirmations: won %v, other errors %v; want exactly one", won, errs)
	}
	got, err := s.GetScan(ctx, sc.ID)
	if err != nil || got.DocumentID != won[0] || got.Rev != 2 {
		t.Fatalf("after the race: %+v, %v; want document %s at rev 2", got, err, won[0])
	}
}

func scanIDs(scs []archive.Scan) []string {
	out := make([]string, len(scs))
	for i, sc := range scs {
		out[i] = sc.ID
	}
	return out
}
