package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/signing"
)

// The scanned test page: a Vietnamese birth certificate
// (testdata/scan/giay-khai-sinh.html printed by Chromium, then
// `pdftoppm -r 200 -gray`), with the KHAI_SINH type's field labels.
const scanPagePath = "testdata/scan/giay-khai-sinh.png"

var (
	scanPKIOnce sync.Once
	scanPKI     *pki.Server
	scanPKIErr  error
)

// scanKey is the test PKI's personal signer as an archivist's key.
func scanKey(t testing.TB) (archive.ScanKey, *pki.Server) {
	t.Helper()
	scanPKIOnce.Do(func() { scanPKI, scanPKIErr = pki.StartServer(context.Background(), pki.Options{}) })
	if scanPKIErr != nil {
		t.Fatalf("test PKI: %v", scanPKIErr)
	}
	certs, key, err := scanPKI.PKI.Identity(pki.Personal).PEM()
	if err != nil {
		t.Fatal(err)
	}
	k, err := signing.LoadPEM(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	return archive.ScanKey{Key: k, Checker: &signing.Checker{Roots: scanPKI.PKI.Roots(), Timeout: 5 * time.Second}}, scanPKI
}

// pageTop is the top rows of a PNG page, as a PNG.
func pageTop(t testing.TB, data []byte, rows int) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	r.Max.Y = r.Min.Y + rows
	var b bytes.Buffer
	if err := png.Encode(&b, img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func scanFile(name string, data []byte) archive.ScanFile {
	return archive.ScanFile{FileName: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func scanPage(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(scanPagePath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// needTesseract fails (never skips) when Tesseract with Vietnamese is not
// installed: scripts/testenv.sh installs it.
func needTesseract(t testing.TB) {
	t.Helper()
	out, err := exec.Command("tesseract", "--list-langs").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vie") {
		t.Fatalf("tesseract with Vietnamese (tesseract-ocr-vie) is needed: %v %s", err, out)
	}
}

func scanRequest(files ...archive.ScanFile) archive.ScanRequest {
	return archive.ScanRequest{Owner: citizenA.Subject, Agency: ubndA, TypeCode: "KHAI_SINH", Device: "Fujitsu fi-7160", Files: files}
}

func field(sc archive.Scan, code string) archive.ScanField {
	for _, f := range sc.Fields {
		if f.Code == code {
			return f
		}
	}
	return archive.ScanField{}
}

// TestScanDigitise: a scanned page with Vietnamese text and a file that
// is not an image make a pending batch — the page in (its hash, size and
// 200 DPI recorded, its text recognised, the key fields read with their
// confidences), the other file left out with its own error — which only
// staff of the agency see; nothing is in the vault until the archivist
// confirms. Confirmed, it is a digitised paper signed as a certified
// electronic copy: the signature verifies, pdftotext of the stored PDF
// and vault search find the page's words, the ledger names the
// archivist, and confirming again gives the same paper.
func TestScanDigitise(t *testing.T) {
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	page := scanPage(t)
	sc, err := v.ScanBatch(ctx, staffA, scanRequest(scanFile("trang-1.png", page), scanFile("ghi-chu.txt", []byte("không phải ảnh"))))
	wantCode(t, err, "")
	if sc.Status != archive.ScanPending || sc.PageCount != 1 || len(sc.Pages) != 1 || sc.Operator != staffA.Subject || sc.Device != "Fujitsu fi-7160" {
		t.Fatalf("batch %+v", sc)
	}
	p := sc.Pages[0]
	if p.SHA256 != sha256Hex(page) || p.Format != archive.ScanPNG || p.DPI != 200 || p.Width < 1000 {
		t.Fatalf("page record %+v", p)
	}
	if len(sc.Errors) != 1 || sc.Errors[0].FileName != "ghi-chu.txt" || sc.Errors[0].Code != "scan_page_type" || sc.Errors[0].Message == "" {
		t.Fatalf("errors %+v", sc.Errors)
	}
	for _, w := range []string{"GIẤY KHAI SINH", "NGUYỄN THỊ HƯƠNG", "Láng Hạ"} {
		if !strings.Contains(sc.Text, w) {
			t.Errorf("OCR text lacks %q:\n%s", w, sc.Text)
		}
	}
	for _, c := range []struct{ code, value string }{
		{"", "125/2019"}, {"hoTen", "NGUYỄN THỊ HƯƠNG"}, {"ngaySinh", "2019-03-12"}, {"gioiTinh", "nu"},
		{"danToc", "Kinh"}, {"hoTenCha", "NGUYỄN VĂN MINH"}, {"ngayDangKy", "2019-03-20"},
	} {
		f := field(sc, c.code)
		if !f.Found || f.Value != c.value || f.Confidence < 50 || f.Confidence > 100 {
			t.Errorf("field %q = %+v; want %q with a confidence", c.code, f, c.value)
		}
	}
	// Pending: only the agency's staff see it; the vault has nothing yet.
	for _, a := range []archive.Actor{citizenA, staffB, {Subject: "001203099999", Role: archive.RoleCitizen}} {
		_, err := v.GetScan(ctx, a, sc.ID)
		wantCode(t, err, "scan_not_found")
	}
	if _, err := v.GetScan(ctx, staffA2, sc.ID); err != nil {
		t.Fatalf("a colleague of the agency: %v", err)
	}
	if pending, err := v.store.ScanBlobPending(ctx, sc.Blob); err != nil || !pending {
		t.Fatalf("the pending batch's blob: pending %v, %v", pending, err)
	}
	if pg, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{}); err != nil || len(pg.Documents) != 0 {
		t.Fatalf("before the confirmation the vault holds %d papers (%v)", len(pg.Documents), err)
	}

	key, srv := scanKey(t)
	conf := archive.ScanConfirmation{ID: sc.ID, Rev: sc.Rev, Key: key, Metadata: archive.Metadata{
		Name: "Giấy khai sinh (bản số hoá)", Number: field(sc, "").Value, Issuer: "UBND phường Láng Hạ",
		Summary: archive.ScanTextPreview(sc.Text, 2000),
		Fields:  map[string]any{"hoTen": field(sc, "hoTen").Value, "ngaySinh": field(sc, "ngaySinh").Value, "gioiTinh": "nu"}}}
	stale := conf
	stale.Rev++
	_, err = v.ConfirmScan(ctx, staffA, stale)
	wantCode(t, err, "scan_changed")
	_, err = v.ConfirmScan(ctx, staffB, conf)
	wantCode(t, err, "scan_not_found")
	d, err := v.ConfirmScan(ctx, staffA, conf)
	wantCode(t, err, "")
	if d.Source != archive.SourceDigitised || d.IssuedBy == nil || d.IssuedBy.Kind != archive.IssueDigitised || d.IssuedBy.By != staffA.Subject ||
		d.OwnerID != citizenA.Subject || d.Number != "125/2019" || d.Fields["hoTen"] != "NGUYỄN THỊ HƯƠNG" {
		t.Fatalf("the digitised paper %+v, issuedBy %+v", d, d.IssuedBy)
	}
	again, err := v.ConfirmScan(ctx, staffA, conf)
	if err != nil || again.ID != d.ID {
		t.Fatalf("confirming again: %s, %v; want %s", again.ID, err, d.ID)
	}
	got, err := v.GetScan(ctx, staffA, sc.ID)
	if err != nil || got.Status != archive.ScanConfirmed || got.DocumentID != d.ID || got.ConfirmedBy != staffA.Subject {
		t.Fatalf("the batch after: %+v, %v", got, err)
	}
	if pending, _ := v.store.ScanBlobPending(ctx, sc.Blob); pending {
		t.Fatal("the confirmed batch's blob is still pending")
	}

	c, err := v.Open(ctx, citizenA, d.ID, 0, archive.Access{})
	wantCode(t, err, "")
	pdf := readAll(t, c)
	rep, err := signing.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{Roots: srv.PKI.Roots(), Checker: key.Checker})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != signing.TotalPassed || rep.Signatures[0].Reason != archive.CertifiedCopyReason {
		t.Fatalf("the signature: %+v", rep.Signatures)
	}
	f := t.TempDir() + "/ban-so-hoa.pdf"
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, w := range []string{"HƯƠNG", "Đông Hưng", "Thái Bình"} {
		if !strings.Contains(string(text), w) {
			t.Errorf("pdftotext of the stored PDF lacks %q:\n%s", w, text)
		}
	}
	// Vault search finds a word of the page that only the OCR text holds,
	// with and without its diacritics.
	for _, q := range []string{"Đông Hưng", "dong hung"} {
		pg, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Text: q}, archive.Access{})
		if err != nil || len(pg.Documents) != 1 || pg.Documents[0].ID != d.ID {
			t.Errorf("search %q: %d papers, %v", q, len(pg.Documents), err)
		}
	}
	found := false
	for _, e := range ledger(t, v, citizenA.Subject) {
		found = found || (e.Action == archive.ActionCreate && e.DocumentID == d.ID && e.Actor == staffA.Subject && strings.Contains(e.Purpose, "chứng thực"))
	}
	if !found {
		t.Fatal("the owner's ledger does not name the archivist")
	}
}

// TestScanConfirmAfterCrash: a batch marked confirmed by a write that
// died before its document (the claim made, the document not written) is
// committed under the document ID it names by the next confirmation.
func TestScanConfirmAfterCrash(t *testing.T) {
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	sc, err := v.ScanBatch(ctx, staffA, scanRequest(scanFile("a.png", pageTop(t, scanPage(t), 700))))
	wantCode(t, err, "")
	lost := archive.NewID(v.clock.Now())
	if _, err := v.store.ConfirmScan(ctx, sc.ID, sc.Rev, lost, staffA.Subject, v.clock.Now()); err != nil {
		t.Fatal(err)
	}
	key, _ := scanKey(t)
	d, err := v.ConfirmScan(ctx, staffA, archive.ScanConfirmation{ID: sc.ID, Rev: sc.Rev, Key: key,
		Metadata: archive.Metadata{Name: "Giấy khai sinh (bản số hoá)", Fields: map[string]any{"hoTen": "Nguyễn Thị Hương", "ngaySinh": "2019-03-12"}}})
	wantCode(t, err, "")
	if d.ID != lost || d.Source != archive.SourceDigitised {
		t.Fatalf("recommitted %s (%s); want %s", d.ID, d.Source, lost)
	}
	again, err := v.ConfirmScan(ctx, staffA, archive.ScanConfirmation{ID: sc.ID, Rev: sc.Rev, Key: key})
	if err != nil || again.ID != lost {
		t.Fatalf("confirming once more: %s, %v", again.ID, err)
	}
}

// TestScanRefusals: a batch with no usable page stores nothing; a batch
// without a scanner name, of no files or for another agency is refused.
func TestScanRefusals(t *testing.T) {
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	huge := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00"), make([]byte, 64)...)
	for _, c := range []struct {
		name string
		who  archive.Actor
		req  archive.ScanRequest
		code string
	}{
		{"no usable page", staffA, scanRequest(scanFile("a.png", huge), scanFile("b.txt", []byte("x"))), "scan_no_pages"},
		{"no files", staffA, scanRequest(), "scan_no_files"},
		{"no scanner", staffA, func() archive.ScanRequest { r := scanRequest(scanFile("a.png", scanPage(t))); r.Device = " "; return r }(), "scan_device_required"},
		{"another agency", staffB, scanRequest(scanFile("a.png", scanPage(t))), "not_agency_staff"},
		{"a citizen", citizenA, scanRequest(scanFile("a.png", scanPage(t))), "staff_only"},
	} {
		_, err := v.ScanBatch(ctx, c.who, c.req)
		wantCode(t, err, c.code)
	}
	if n := v.blobCount(t); n != 0 {
		t.Fatalf("refused batches left %d blobs", n)
	}
}

// TestScanExpiry: an abandoned batch is deleted once it expires, in
// bounded steps, and its PDF is then collected; before, the collector
// keeps it.
func TestScanExpiry(t *testing.T) {
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	sc, err := v.ScanBatch(ctx, staffA, scanRequest(scanFile("a.png", scanPage(t))))
	wantCode(t, err, "")
	v.clock.Set(v.clock.Now().Add(2 * time.Hour))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := v.ExpireScans(ctx, 10); err != nil || n != 0 {
		t.Fatalf("ExpireScans before the expiry = %d, %v", n, err)
	}
	if _, err := v.bucket.Stat(ctx, sc.Blob); err != nil {
		t.Fatalf("the pending batch's PDF is gone: %v", err)
	}
	v.clock.Set(v.clock.Now().Add(archive.ScanTTL))
	if n, err := v.ExpireScans(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ExpireScans after the expiry = %d, %v", n, err)
	}
	_, err = v.GetScan(ctx, staffA, sc.ID)
	wantCode(t, err, "scan_not_found")
	v.clock.Set(v.clock.Now().Add(2 * time.Hour))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.bucket.Stat(ctx, sc.Blob); err == nil {
		t.Fatal("the expired batch's PDF is still stored after the collection")
	}
}

// TestScan300Pages: item 8's 300-page scan — 300 page images in one
// batch make one 300-page PDF (staged one at a time, recognised two at a
// time), each page recognised and reported. The page is the top of the
// scanned test page (1700 × 700 px at 200 DPI: the national motto, the
// title and the first lines), so that the run costs a third of the whole
// page's; it still takes minutes.
func TestScan300Pages(t *testing.T) {
	if testing.Short() {
		t.Skip("300 pages of OCR take minutes; run without -short (make test does)")
	}
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	page := pageTop(t, scanPage(t), 700)
	files := make([]archive.ScanFile, 300)
	for i := range files {
		files[i] = scanFile("trang.png", page)
	}
	progress := 0
	req := scanRequest(files...)
	req.Progress = func(archive.ScanProgress) { progress++ }
	start := time.Now()
	sc, err := v.ScanBatch(ctx, staffA, req)
	wantCode(t, err, "")
	t.Logf("300 pages in %s", time.Since(start).Round(time.Second))
	if sc.PageCount != 300 || len(sc.Pages) != 300 || len(sc.Errors) != 0 || progress != 300 {
		t.Fatalf("batch of %d pages, %d records, errors %v, %d progress reports", sc.PageCount, len(sc.Pages), sc.Errors, progress)
	}
	rc, err := v.bucket.Open(ctx, sc.Blob)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(rc)
	rc.Close()
	f := t.TempDir() + "/scan.pdf"
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", f).Output()
	if err != nil || !strings.Contains(strings.Join(strings.Fields(string(out)), " "), "Pages: 300 ") {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if n := strings.Count(sc.Text, "GIẤY KHAI SINH"); n < 290 {
		t.Fatalf("the OCR text holds the title %d times; want about 300", n)
	}
}

// TestScanBlobInUse: the collector keeps a blob that a pending batch
// references even when a dead write's intent names it (a crash between
// storing the batch's PDF and removing its intent), and frees it once
// the batch is confirmed or gone.
func TestScanBlobInUse(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	hash, _, err := v.bucket.Put(ctx, bytes.NewReader(pdfBytes("bản quét chờ xác nhận")), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	now := v.clock.Now()
	in := archive.UploadIntent{ID: archive.NewID(now), OwnerID: citizenA.Subject, Actor: staffA.Subject, CreatedAt: now.UTC()}
	if err := v.store.BeginUpload(ctx, in, -1); err != nil {
		t.Fatal(err)
	}
	if err := v.store.ClaimBlob(ctx, in.ID, hash); err != nil {
		t.Fatal(err)
	}
	sc := archive.Scan{ID: archive.NewID(now), Rev: 1, Status: archive.ScanPending, OwnerID: citizenA.Subject, TypeCode: "KHAI_SINH",
		Agency: ubndA, Operator: staffA.Subject, Device: "x", Blob: hash, CreatedAt: now, ExpiresAt: now.Add(archive.ScanTTL)}
	if err := v.store.PutScan(ctx, sc); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(now.Add(2 * time.Hour))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.bucket.Stat(ctx, hash); err != nil {
		t.Fatalf("the collector deleted a pending batch's PDF: %v", err)
	}
	v.clock.Set(now.Add(archive.ScanTTL + time.Hour))
	if n, err := v.ExpireScans(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ExpireScans = %d, %v", n, err)
	}
	v.clock.Set(now.Add(archive.ScanTTL + 3*time.Hour))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.bucket.Stat(ctx, hash); err == nil {
		t.Fatal("the expired batch's PDF is still stored")
	}
}

// TestScanFormats: a JPEG page and a TIFF page (the top of the test page
// encoded by Go's encoders) make one two-page batch, each recognised, its
// format recorded.
func TestScanFormats(t *testing.T) {
	needTesseract(t)
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	top := pageTop(t, scanPage(t), 700)
	img, err := png.Decode(bytes.NewReader(top))
	if err != nil {
		t.Fatal(err)
	}
	var jb, tb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tb, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	sc, err := v.ScanBatch(ctx, staffA, scanRequest(scanFile("trang-1.jpg", jb.Bytes()), scanFile("trang-2.tif", tb.Bytes())))
	wantCode(t, err, "")
	if sc.PageCount != 2 || len(sc.Errors) != 0 || sc.Pages[0].Format != archive.ScanJPEG || sc.Pages[1].Format != archive.ScanTIFF ||
		sc.Pages[0].Width != 1700 || sc.Pages[1].Height != 700 {
		t.Fatalf("batch: %+v, errors %+v", sc.Pages, sc.Errors)
	}
	if n := strings.Count(sc.Text, "GIẤY KHAI SINH"); n != 2 {
		t.Fatalf("the title recognised %d times; want once a page:\n%s", n, sc.Text)
	}
}
