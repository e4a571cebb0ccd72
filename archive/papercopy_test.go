package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/papertest"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
)

// archivist is a staff member of agency A printing paper copies.
var (
	archivist = archive.Actor{Subject: "luutru.a", Role: archive.RoleStaff, Agency: agencyA}
	officer   = archive.PaperOfficer{Name: "Trần Thị Lưu Trữ", Position: "Cán bộ lưu trữ", Agency: "Trung tâm Lưu trữ lịch sử tỉnh"}
)

// paperVault is a vault that verifies against the test PKI, with a paper
// copier over the test Gotenberg.
func paperVault(t *testing.T, maxPages int) (*vault, *archive.PaperCopier) {
	t.Helper()
	v := newVault(t, archive.Config{Verifier: papertest.Verifier(t), BlobGrace: time.Hour})
	cfg := papertest.Config(t)
	cfg.MaxPages = maxPages
	pc, err := archive.NewPaperCopier(v.Service, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v, pc
}

// decodeQR reads the QR code on page n of pdf (pdftoppm, then zbarimg).
func decodeQR(t *testing.T, pdf []byte, n int) string {
	t.Helper()
	zbar := testenv.Tool(t, "zbarimg", "zbar-tools")
	var buf bytes.Buffer
	if err := png.Encode(&buf, testenv.RenderPage(t, pdf, n, 150)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "page.png")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", file).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code on page %d: %v", n, err)
	}
	return strings.TrimSpace(string(out))
}

// TestPaperCopy (issue 12 item 3): a result signed with the test PKI's
// seal, issued into a citizen's vault, printed as a paper copy: every page
// carries the mark, the officer, the time, the verdict and a QR code that
// decodes to the public verification of the copy's code; the original's
// pages are in it; the original is unchanged and still verifies; the copy
// is a blob and a record, kept by the collector, and the owner's ledger
// says who printed it. Printing again is a new record with a new code.
func TestPaperCopy(t *testing.T) {
	ctx := context.Background()
	v, pc := paperVault(t, 0)
	signed := papertest.Sign(t, pki.Seal, papertest.Document(t, 2))
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "21/2026/KS", signed))
	wantCode(t, err, "")
	if d.Current.Signature == nil || d.Current.Signature.Verdict != signing.TotalPassed {
		t.Fatalf("the issued result does not verify: %+v", d.Current.Signature)
	}

	c, rc, err := pc.Print(ctx, archivist, archive.PaperCopyRequest{DocumentID: d.ID, Officer: officer})
	wantCode(t, err, "")
	pdf, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !archive.ValidPaperCode(c.Code) || c.DocumentID != d.ID || c.Version != 1 || c.Pages != 2 || c.Verdict != signing.TotalPassed ||
		c.By != archivist.Subject || c.Officer != officer || c.Original != d.Current.Blob {
		t.Fatalf("record %+v", c)
	}
	sum := sha256.Sum256(pdf)
	if c.Blob != hex.EncodeToString(sum[:]) || c.Size != int64(len(pdf)) {
		t.Fatalf("record's blob %s/%d, the PDF handed out is %x/%d", c.Blob, c.Size, sum, len(pdf))
	}

	// What it says: on each of the 3 pages (2 of the original, then the
	// summary) the mark, the officer, the time; the original's text; the
	// signer and the verdict in the summary.
	text := testenv.PDFText(t, pdf)
	when := c.At.In(time.FixedZone("ICT", 7*3600)).Format("15:04:05 ngày 02/01/2006")
	for phrase, n := range map[string]int{
		"BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ":                                 3,
		"Người chuyển đổi: " + officer.Name:                                 3,
		"Thời gian chuyển đổi: " + when:                                     3,
		"Mã xác thực: " + c.Code:                                            3,
		papertest.PagePhrase(1):                                             1,
		papertest.PagePhrase(2):                                             1,
		"Kết luận: Hợp lệ":                                                  1,
		"Hợp lệ; " + papertest.SignerName(t, pki.Seal) + " (Hợp lệ, ký lúc": 3, // each band
		"1 " + papertest.SignerName(t, pki.Seal) + " ":                      1, // the summary's table
		"KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ CỦA BẢN GỐC ĐIỆN TỬ":                    1,
	} {
		if got := strings.Count(text, phrase); got != n {
			t.Errorf("the copy's text has %q %d times, want %d; text:\n%s", phrase, got, n, text)
		}
	}
	if !strings.Contains(text, "Có, hợp lệ, lúc") {
		t.Errorf("the summary does not show the signature's time-stamp:\n%s", text)
	}
	for page := 1; page <= 3; page++ {
		if got := decodeQR(t, pdf, page); got != pc.VerifyURL(c.Code) {
			t.Errorf("QR code of page %d = %q, want %q", page, got, pc.VerifyURL(c.Code))
		}
	}
	if !strings.HasPrefix(pc.VerifyURL(c.Code), papertest.PublicURL+"/xac-thuc?ban-sao=") {
		t.Errorf("verification URL %q", pc.VerifyURL(c.Code))
	}

	// The original: byte for byte, and it still verifies.
	orig, err := v.Open(ctx, citizenA, d.ID, 1, archive.Access{})
	wantCode(t, err, "")
	if got := readAll(t, orig); !bytes.Equal(got, signed) {
		t.Fatal("the original's bytes changed")
	}
	rep, err := papertest.Verifier(t).VerifyPDF(ctx, bytes.NewReader(signed), int64(len(signed)))
	if err != nil || len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != signing.TotalPassed {
		t.Fatalf("the original no longer verifies: %v %+v", err, rep)
	}

	// The record, by its code; the public check verifies the original.
	got, err := v.store.PaperCopyByCode(ctx, c.Code)
	wantCode(t, err, "")
	if got.ID != c.ID || got.Blob != c.Blob {
		t.Fatalf("stored record %+v, printed %+v", got, c)
	}
	chk, err := pc.Check(ctx, strings.ToLower(c.Code))
	wantCode(t, err, "")
	if chk.SHA256 != d.Current.Blob || chk.Paper == nil || chk.Paper.Number != "21/2026/KS" || len(chk.Report.Signatures) != 1 ||
		chk.Report.Signatures[0].Verdict != signing.TotalPassed {
		t.Fatalf("Check = %+v", chk)
	}
	_, err = pc.Check(ctx, "ABCDEFGHJK")
	wantCode(t, err, "paper_copy_not_found")
	_, err = pc.Check(ctx, "../../etc")
	wantCode(t, err, "paper_copy_not_found")

	// The ledger: a "paper_copy" entry by the archivist, with the purpose.
	if e := ledgerEntry(t, v, citizenA.Subject, archive.ActionPaperCopy); e.Actor != archivist.Subject || e.DocumentID != d.ID || e.Version != 1 || e.Purpose == "" {
		t.Fatalf("ledger entry %+v", e)
	}

	// Printed again: a new record and code.
	c2, rc2, err := pc.Print(ctx, archivist, archive.PaperCopyRequest{DocumentID: d.ID, Version: 1, Officer: officer, Purpose: "cấp bản giấy lần hai"})
	wantCode(t, err, "")
	rc2.Close()
	if c2.ID == c.ID || c2.Code == c.Code {
		t.Fatalf("a second print reused the record: %+v", c2)
	}

	// The collector keeps the copies' blobs past the grace period, and
	// collects a blob nothing references.
	stray, _, err := v.bucket.Put(ctx, bytes.NewReader([]byte("không ai dùng")), 100)
	wantCode(t, err, "")
	v.clock.Set(time.Now().Add(3 * time.Hour))
	_, err = v.CollectGarbageWith(ctx, archive.GCOptions{Full: true})
	wantCode(t, err, "")
	if _, err := v.bucket.Stat(ctx, stray); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("the collector did not run: the stray blob is still there (%v)", err)
	}
	for _, h := range []string{c.Blob, c2.Blob} {
		if _, err := v.bucket.Stat(ctx, h); err != nil {
			t.Errorf("the collector deleted a paper copy's blob: %v", err)
		}
	}
}

// TestPaperCopyRefusals: who may not print, and what cannot be printed —
// each with its own error, nothing recorded.
func TestPaperCopyRefusals(t *testing.T) {
	ctx := context.Background()
	v, pc := paperVault(t, 2)
	signed := papertest.Sign(t, pki.Seal, papertest.Document(t, 1))
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "22/2026/KS", signed))
	wantCode(t, err, "")
	long := papertest.Sign(t, pki.Seal, papertest.Document(t, 3))
	dLong, err := v.Issue(ctx, staffA, result(citizenA.Subject, "23/2026/KS", long))
	wantCode(t, err, "")
	unsigned, err := v.Put(ctx, citizenA, birthCert("", papertest.Document(t, 1)))
	wantCode(t, err, "")
	nd := birthCert("", pngBytes)
	nd.Upload = upload("anh.png", pngBytes)
	image, err := v.Put(ctx, citizenA, nd)
	wantCode(t, err, "")

	for _, tc := range []struct {
		name string
		a    archive.Actor
		r    archive.PaperCopyRequest
		code string
	}{
		{"the owner herself", citizenA, archive.PaperCopyRequest{DocumentID: d.ID, Officer: officer}, "staff_only"},
		{"another citizen", citizenB, archive.PaperCopyRequest{DocumentID: d.ID, Officer: officer}, "staff_only"},
		{"no officer", archivist, archive.PaperCopyRequest{DocumentID: d.ID}, "officer_required"},
		{"unknown paper", archivist, archive.PaperCopyRequest{DocumentID: archive.NewID(time.Now()), Officer: officer}, "document_not_found"},
		{"unknown version", archivist, archive.PaperCopyRequest{DocumentID: d.ID, Version: 7, Officer: officer}, "version_not_found"},
		{"unsigned PDF", archivist, archive.PaperCopyRequest{DocumentID: unsigned.ID, Officer: officer}, "not_signed"},
		{"not a PDF", archivist, archive.PaperCopyRequest{DocumentID: image.ID, Officer: officer}, "not_pdf"},
		{"too many pages", archivist, archive.PaperCopyRequest{DocumentID: dLong.ID, Officer: officer}, "too_many_pages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := pc.Print(ctx, tc.a, tc.r)
			wantCode(t, err, tc.code)
			_, msg := kerr.Public(err)
			if msg == "" {
				t.Errorf("no Vietnamese message for %v", err)
			}
		})
	}
	for _, e := range ledger(t, v, citizenA.Subject) {
		if e.Action == archive.ActionPaperCopy {
			t.Errorf("a refused print was recorded: %+v", e)
		}
	}
	// Without a converter: Unavailable, nothing recorded either.
	cfg := papertest.Config(t)
	cfg.Converter = nil
	off, err := archive.NewPaperCopier(v.Service, cfg)
	wantCode(t, err, "")
	_, _, err = off.Print(ctx, archivist, archive.PaperCopyRequest{DocumentID: d.ID, Officer: officer})
	wantCode(t, err, "converter_unavailable")
	_, err = archive.NewPaperCopier(v.Service, archive.PaperCopyConfig{PublicURL: "javascript:alert(1)"})
	wantCode(t, err, "invalid_public_url")
}
