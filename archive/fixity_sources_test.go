package archive_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/papertest"
	"github.com/kho-vn/kho/certs-test/pki"
)

// TestCheckFixitySources (issue 12 item 5): fixity re-hashes every blob
// the archive keeps, not only the versions'. A rendition (an image
// converted by pdfcpu), a paper copy (printed through the test Gotenberg)
// and a pending batch's PDF are checked in a clean pass with the
// versions' blobs, each blob once — one a version and a rendition share
// is read once. Then the rendition's and the copy's blobs are changed on
// disk, the shared one too, and the batch's PDF deleted: each is a
// finding naming the paper and owner it belongs to and the record that
// holds it (Via, RecordID). Runs bounded to 2 blobs walk the same union
// from their cursor.
func TestCheckFixitySources(t *testing.T) {
	ctx := context.Background()
	v := newFixityVaultWith(t, archive.Config{Verifier: papertest.Verifier(t), BlobGrace: time.Hour})

	// A rendition of an image.
	img := putPaper(t, v.vault, "ban-quet.png", scanPNG(t))
	conv, err := v.Convert(ctx, convertArchivist, img.ID, 0, archive.TargetPDF, convertAccess)
	wantCode(t, err, "")
	rend := conv.Rendition

	// A paper copy of a signed result.
	pc, err := archive.NewPaperCopier(v.Service, papertest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Issue(ctx, staffA, result(citizenA.Subject, "31/2026/KS", papertest.Sign(t, pki.Seal, papertest.Document(t, 1))))
	wantCode(t, err, "")
	cp, rc, err := pc.Print(ctx, archivist, archive.PaperCopyRequest{DocumentID: res.ID, Officer: officer})
	wantCode(t, err, "")
	rc.Close()

	// A pending batch of citizen B's, its PDF stored.
	scanPDF := pdfBytes("bản quét chờ xác nhận")
	scanHash, _, err := v.bucket.Put(ctx, bytes.NewReader(scanPDF), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	now := v.clock.Now()
	sc := archive.Scan{ID: archive.NewID(now), Rev: 1, Status: archive.ScanPending, OwnerID: citizenB.Subject, TypeCode: "KHAI_SINH",
		Agency: ubndA, Operator: staffA.Subject, Device: "Fujitsu fi-7160", Blob: scanHash, Size: int64(len(scanPDF)), PageCount: 1,
		CreatedAt: now, ExpiresAt: now.Add(archive.ScanTTL)}
	if err := v.store.PutScan(ctx, sc); err != nil {
		t.Fatal(err)
	}

	// A version of citizen B's whose blob a rendition record shares.
	shared := pdfBytes("một bản PDF chung")
	e, err := v.Put(ctx, citizenB, birthCert("", shared))
	wantCode(t, err, "")
	sharedRend := archive.Rendition{Key: archive.RenditionKey(e.ID, 1, archive.TargetPDF), DocumentID: e.ID, OwnerID: citizenB.Subject,
		Version: 1, Source: e.Current.Blob, Target: archive.TargetPDF, Blob: e.Current.Blob, Size: int64(len(shared)),
		MediaType: "application/pdf", FileName: "khai-sinh.pdf", Converter: "pdfcpu", CreatedBy: convertArchivist.Subject, CreatedAt: now}
	if _, _, err := v.store.AddRendition(ctx, sharedRend); err != nil {
		t.Fatal(err)
	}

	// Every stored blob is referenced by something: the clean pass reads
	// each of them exactly once.
	stored := map[string]int64{}
	if err := v.bucket.List(ctx, func(h string, size int64, _ time.Time) error { stored[h] = size; return nil }); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range stored {
		total += n
	}
	for _, h := range []string{rend.Blob, cp.Blob, scanHash, e.Current.Blob} {
		if _, ok := stored[h]; !ok {
			t.Fatalf("blob %s is not stored", h[:8])
		}
	}
	run, _, err := v.CheckFixity(ctx, archive.FixityOptions{Trigger: "command"})
	wantCode(t, err, "")
	if run.Checked != len(stored) || run.Bytes != total || run.Mismatches != 0 || run.Missing != 0 || !run.PassDone {
		t.Fatalf("clean pass %+v; want the %d stored blobs (%d bytes) each read once, nothing wrong", run, len(stored), total)
	}

	// Bounded runs of 2 blobs from the saved cursor walk the same union,
	// in hash order, each blob once, the last run finishing the pass.
	want := make([]string, 0, len(stored))
	for h := range stored {
		want = append(want, h)
	}
	slices.Sort(want)
	var walked []string
	cur := archive.FixityCursor{}
	for i := 0; ; i++ {
		if i > len(stored) {
			t.Fatalf("bounded runs never finish the pass (walked %d)", len(walked))
		}
		r, next, err := v.CheckFixity(ctx, archive.FixityOptions{Trigger: "job", Cursor: cur, MaxBlobs: 2,
			Progress: func(_ archive.FixityRun, c archive.FixityCursor) { walked = append(walked, c.After) }})
		wantCode(t, err, "")
		if r.Checked > 2 {
			t.Fatalf("a run bounded to 2 blobs read %d", r.Checked)
		}
		if r.PassDone {
			break
		}
		cur = next
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("bounded runs walked %d blobs %v; want the %d stored, in order, each once", len(walked), walked, len(want))
	}

	// Damage: a byte changed in the rendition, the copy and the shared
	// blob; the batch's PDF gone.
	for _, h := range []string{rend.Blob, cp.Blob, e.Current.Blob} {
		b, err := os.ReadFile(v.file(h))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		if err := os.WriteFile(v.file(h), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(v.file(scanHash)); err != nil {
		t.Fatal(err)
	}
	run, _, err = v.CheckFixity(ctx, archive.FixityOptions{Trigger: "command"})
	wantCode(t, err, "")
	if run.Checked != len(stored) || run.Mismatches != 3 || run.Missing != 1 || !run.PassDone {
		t.Fatalf("damaged pass %+v; want %d checked, 3 mismatches, 1 missing", run, len(stored))
	}
	fs := findingsOf(t, v.vault)
	for h, want := range map[string]struct {
		kind  string
		users []archive.BlobUser
	}{
		rend.Blob: {archive.FixityMismatch, []archive.BlobUser{{DocumentID: img.ID, OwnerID: citizenA.Subject, Via: archive.ViaRendition, RecordID: rend.Key}}},
		cp.Blob:   {archive.FixityMismatch, []archive.BlobUser{{DocumentID: res.ID, OwnerID: citizenA.Subject, Via: archive.ViaPaperCopy, RecordID: cp.ID}}},
		scanHash:  {archive.FixityMissing, []archive.BlobUser{{OwnerID: citizenB.Subject, Via: archive.ViaScan, RecordID: sc.ID}}},
		e.Current.Blob: {archive.FixityMismatch, []archive.BlobUser{{DocumentID: e.ID, OwnerID: citizenB.Subject},
			{DocumentID: e.ID, OwnerID: citizenB.Subject, Via: archive.ViaRendition, RecordID: sharedRend.Key}}},
	} {
		f, ok := fs[h]
		if !ok {
			t.Errorf("blob %s has no finding; want %s naming %v", h[:8], want.kind, want.users)
			continue
		}
		if f.Kind != want.kind || !slices.Equal(f.Documents, want.users) {
			t.Errorf("blob %s: finding %s naming %v; want %s naming %v", h[:8], f.Kind, f.Documents, want.kind, want.users)
		}
	}
	if len(fs) != 4 {
		t.Errorf("%d findings, want 4", len(fs))
	}
	logged := v.logs.blobs()
	if len(logged) != 4 {
		t.Errorf("logged at error level %v, want the 4 damaged blobs", logged)
	}
}
