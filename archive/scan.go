package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/kho-vn/kho/internal/kerr"
)

// Limits of a digitisation batch.
const (
	// MaxScanPages is the most pages one batch makes into one PDF (a
	// TIFF counts its pages).
	MaxScanPages = 500
	// MaxScanFileBytes is the largest page image file.
	MaxScanFileBytes = 200 << 20
	// maxScanPDFBytes bounds a batch's merged PDF (Tesseract's pages are
	// the images recompressed, a few MB each at most).
	maxScanPDFBytes = 4 << 30
	// maxScanTextBytes bounds the OCR text a batch keeps.
	maxScanTextBytes = 1 << 20
	// maxDeviceRunes bounds the scanner's name.
	maxDeviceRunes = 200
	// ScanTTL is how long a pending batch waits for its review.
	ScanTTL = 7 * 24 * time.Hour
	// defaultScanBudget bounds a whole batch's OCR when the request does
	// not say: about 20 s a page for MaxScanPages pages.
	defaultScanBudget = 3 * time.Hour
)

// CertifiedCopyReason is the reason of the archivist's signature on a
// digitised paper: a certified electronic copy of the original.
const CertifiedCopyReason = "Bản sao điện tử được chứng thực từ bản chính"

// ScanFile is one page image file of a batch (JPEG, PNG or TIFF, whose
// pages all count). Open is called once, when its turn comes, so that a
// batch never holds more than one file open.
type ScanFile struct {
	FileName string
	Open     func() (io.ReadCloser, error)
}

// ScanProgress reports one file of a batch done: Index files were done
// before it (files finish in any order; File names it), of Files; the
// pages made so far, and its error (nil: its pages are in).
type ScanProgress struct {
	File         string
	Index, Files int
	Pages        int
	Err          error
}

// ScanRequest is a batch of scanned pages of one paper of the type
// TypeCode for the vault of Owner, scanned by staff of Agency on the
// scanner Device. OCR recognises each page; Budget bounds the whole
// batch (zero: 3 hours); Progress, when set, is called after each file;
// TempDir holds the work files ("" : the system's). Purpose, when set,
// is why the paper is digitised (at most 500 characters): kept on the
// batch and written into the owner's ledger at confirmation.
type ScanRequest struct {
	Owner    string
	Agency   Agency
	TypeCode string
	Device   string
	Purpose  string
	Files    []ScanFile
	OCR      Tesseract
	Budget   time.Duration
	Progress func(ScanProgress)
	TempDir  string
}

// ScanBatch makes a batch of scanned pages into one searchable PDF — each
// page image checked from its header (InspectPageImage) and hashed, then
// recognised by Tesseract (image and invisible text, and each word's
// confidence), the pages merged in order by pdfcpu — and keeps it as a
// pending batch (Scan) for the archivist's review: the PDF as a blob, the
// record with the page hashes, resolutions, the OCR text and the key
// fields of the type read from it with their confidences. Nothing goes
// into the vault until ConfirmScan. Files are staged one at a time and
// recognised two at a time (scanFiles): the memory and the disk in use do
// not grow with the number of pages, except the recognised pages' PDFs on
// disk and the merge, which holds the finished PDF's objects.
//
// A file that is refused — not an image (Invalid "scan_page_type"),
// corrupt ("scan_page_corrupt"), too large (TooLarge
// "scan_page_too_large", "scan_file_too_large"), past MaxScanPages
// ("scan_too_many_pages"), or that OCR cannot read or times out on — is
// left out with its own error in Scan.Errors, and the batch goes on.
// Errors of the batch: the checks of Digitise (Permission "staff_only",
// "not_agency_staff"; Invalid "type_required", "unknown_document_type",
// "owner_required"), Invalid "scan_device_required" or
// "scan_device_too_long", "purpose_too_long", "scan_no_files",
// "scan_no_pages" when every file
// was refused (the first file's error is wrapped), Unavailable
// "ocr_budget" when the batch passes its budget, "ocr_unavailable"
// without Tesseract; store errors.
func (s *Service) ScanBatch(ctx context.Context, a Actor, r ScanRequest) (Scan, error) {
	if err := canIssue(a, r.Agency.Code); err != nil {
		return Scan{}, err
	}
	r.Agency.Name = strings.TrimSpace(r.Agency.Name)
	if r.Agency.Name == "" {
		return Scan{}, invalid("agency_name_required", "Cần ghi tên cơ quan số hoá giấy tờ.", "no agency name")
	}
	ownerID := strings.TrimSpace(r.Owner)
	if err := canOwner(a, ownerID); err != nil {
		return Scan{}, err
	}
	if !ValidIdentityNumber(ownerID) && !ValidOrganizationCode(ownerID) {
		if _, err := s.getOwner(ctx, ownerID); err != nil {
			return Scan{}, err
		}
	}
	_, def, err := s.docType(ctx, r.TypeCode)
	if err != nil {
		return Scan{}, err
	}
	r.Device = strings.TrimSpace(r.Device)
	if r.Device == "" {
		return Scan{}, invalid("scan_device_required", "Cần ghi tên máy quét.", "no scanner name")
	}
	if err := checkText("device", r.Device, maxDeviceRunes, "scan_device_too_long", "Tên máy quét quá dài (tối đa 200 ký tự)."); err != nil {
		return Scan{}, err
	}
	r.Purpose = strings.TrimSpace(r.Purpose)
	if err := checkText("purpose", r.Purpose, maxPurposeRunes, "purpose_too_long", "Mục đích số hoá quá dài (tối đa 500 ký tự)."); err != nil {
		return Scan{}, err
	}
	if len(r.Files) == 0 {
		return Scan{}, invalid("scan_no_files", "Cần chọn ít nhất một ảnh trang quét.", "no files")
	}
	budget := r.Budget
	if budget <= 0 {
		budget = defaultScanBudget
	}
	bctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	dir, err := os.MkdirTemp(r.TempDir, "kho-scan-")
	if err != nil {
		return Scan{}, kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	defer os.RemoveAll(dir)

	now := s.nowUTC()
	sc := Scan{ID: NewID(now), Rev: 1, Status: ScanPending, OwnerID: ownerID, TypeCode: r.TypeCode, Agency: r.Agency,
		Operator: a.Subject, Device: r.Device, Purpose: r.Purpose, CreatedAt: now, ExpiresAt: now.Add(ScanTTL)}
	res := s.scanFiles(bctx, r, dir)
	var (
		pdfs  []string
		words []OCRWord
		first error
	)
	for i, pr := range res {
		err := pr.err
		if err != nil && bctx.Err() != nil {
			if ctx.Err() != nil {
				return Scan{}, ctx.Err()
			}
			return Scan{}, kerr.New(kerr.Unavailable, "ocr_budget", "Việc nhận dạng chữ của lô trang quét quá thời gian cho phép.",
				"the batch passed its budget of %s at file %d of %d", budget, i+1, len(r.Files))
		}
		if err != nil {
			code, msg := kerr.Public(err)
			if code == "ocr_unavailable" {
				return Scan{}, err
			}
			if first == nil {
				first = err
			}
			sc.Errors = append(sc.Errors, ScanPageError{FileName: r.Files[i].FileName, Code: code, Message: msg})
			continue
		}
		line := nextLine(words)
		for _, w := range pr.words {
			w.Line += line
			words = append(words, w)
		}
		sc.Pages = append(sc.Pages, pr.page)
		sc.PageCount += pr.page.Pages
		pdfs = append(pdfs, pr.pdf)
	}
	if len(pdfs) == 0 {
		_, msg := kerr.Public(first)
		return Scan{}, kerr.Wrap(first, kerr.Invalid, "scan_no_pages", "Không ảnh nào trong lô trang quét dùng được: "+msg)
	}
	merged := filepath.Join(dir, "scan.pdf")
	if err := mergePDFs(pdfs, merged); err != nil {
		return Scan{}, err
	}
	sc.Text = cutUTF8(ocrText(words), maxScanTextBytes)
	sc.Fields = extractFields(words, def)
	var intent string
	if sc.Blob, sc.Size, intent, err = s.putScanBlob(ctx, a, ownerID, merged); err != nil {
		return Scan{}, err
	}
	if err := s.store.PutScan(ctx, sc); err != nil {
		return Scan{}, storeErr("put scan", err)
	}
	// The record references the blob now; a failed removal leaves the
	// intent to the collector, which keeps the blob while it is pending.
	_ = s.store.DeleteUploads(ctx, intent)
	return sc, nil
}

const msgScanInternal = "Không xử lý được ảnh trang quét; vui lòng thử lại."

// nextLine is the line number after the last of words.
func nextLine(words []OCRWord) int {
	if len(words) == 0 {
		return 0
	}
	return words[len(words)-1].Line + 1
}

// scanResult is one file of a batch once recognised: its page record,
// its words (lines numbered from 0) and its PDF, or its error.
type scanResult struct {
	page  ScanPage
	words []OCRWord
	pdf   string
	err   error
}

// scanWorkers is how many pages are recognised at once: Tesseract runs
// one thread a page, so two keep both cores of a small server busy.
const scanWorkers = 2

// scanFiles stages the files one after the other (copied, hashed, checked
// from their headers, counted against MaxScanPages) and recognises them
// with at most scanWorkers Tesseract runs at once: at most that many page
// images wait on disk, whatever the batch's length. Progress is reported
// as each file is done.
func (s *Service) scanFiles(ctx context.Context, r ScanRequest, dir string) []scanResult {
	res := make([]scanResult, len(r.Files))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
		sem  = make(chan struct{}, scanWorkers)
	)
	report := func(i int) {
		if r.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		pages := 0
		for _, x := range res {
			pages += x.page.Pages
		}
		r.Progress(ScanProgress{File: r.Files[i].FileName, Index: done - 1, Files: len(r.Files), Pages: pages, Err: res[i].err})
	}
	room := MaxScanPages
	for i, f := range r.Files {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			mu.Lock()
			res[i].err = ctx.Err()
			mu.Unlock()
			continue
		}
		page, img, err := stageFile(dir, i, f, room)
		if err != nil {
			<-sem
			mu.Lock()
			res[i].err = err
			mu.Unlock()
			report(i)
			continue
		}
		room -= page.Pages
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			base := filepath.Join(dir, fmt.Sprintf("p%04d", i))
			words, err := r.OCR.Page(ctx, img, base, page.Pages, 0)
			os.Remove(img)
			mu.Lock()
			if err != nil {
				res[i].err = err
			} else {
				res[i] = scanResult{page: page, words: words, pdf: base + ".pdf"}
			}
			mu.Unlock()
			report(i)
		}()
	}
	wg.Wait()
	return res
}

// stageFile copies file i into dir while hashing it and checks its header
// and its pages (at most room): the page record and the image's path.
func stageFile(dir string, i int, f ScanFile, room int) (ScanPage, string, error) {
	if f.Open == nil {
		return ScanPage{}, "", pageCorrupt("file %q has no content", f.FileName)
	}
	rc, err := f.Open()
	if err != nil {
		return ScanPage{}, "", pageCorrupt("open %q: %v", f.FileName, err)
	}
	defer rc.Close()
	img := filepath.Join(dir, fmt.Sprintf("p%04d.img", i))
	out, err := os.Create(img)
	if err != nil {
		return ScanPage{}, "", kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	fail := func(err error) (ScanPage, string, error) {
		out.Close()
		os.Remove(img)
		return ScanPage{}, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(rc, MaxScanFileBytes+1))
	if err != nil {
		return fail(pageCorrupt("read %q: %v", f.FileName, err))
	}
	if n > MaxScanFileBytes {
		return fail(kerr.New(kerr.TooLarge, "scan_file_too_large", "Tệp ảnh trang quét quá lớn (tối đa 200 MB).", "%q is over %d bytes", f.FileName, MaxScanFileBytes))
	}
	p, err := InspectPageImage(out, n)
	if err != nil {
		return fail(err)
	}
	if p.Pages > room {
		return fail(kerr.New(kerr.TooLarge, "scan_too_many_pages",
			fmt.Sprintf("Lô trang quét quá nhiều trang (tối đa %d trang).", MaxScanPages), "%q adds %d pages, %d left", f.FileName, p.Pages, room))
	}
	if err := out.Close(); err != nil {
		return fail(kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal))
	}
	return ScanPage{FileName: f.FileName, SHA256: hex.EncodeToString(h.Sum(nil)), PageImage: p}, img, nil
}

// mergePDFs merges the pages' PDFs in order into out with pdfcpu, without
// its configuration folder.
func mergePDFs(in []string, out string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = kerr.New(kerr.Internal, "scan_merge_failed", msgScanInternal, "pdfcpu panicked: %v", p)
		}
	}()
	conf := &model.Configuration{
		Reader15:              true,
		ValidationMode:        model.ValidationRelaxed,
		Offline:               true,
		Eol:                   types.EolLF,
		WriteObjectStream:     true,
		WriteXRefStream:       true,
		Optimize:              true,
		OptimizeBeforeWriting: true,
		OptimizeResourceDicts: true,
		Limits:                model.DefaultResourceLimits(),
	}
	f, err := os.Create(out)
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	defer f.Close()
	if len(in) == 1 {
		src, err := os.Open(in[0])
		if err != nil {
			return kerr.Wrap(err, kerr.Internal, "scan_merge_failed", msgScanInternal)
		}
		defer src.Close()
		_, err = io.Copy(f, src)
		if err != nil {
			return kerr.Wrap(err, kerr.Internal, "scan_merge_failed", msgScanInternal)
		}
		return nil
	}
	if err := api.Merge("", in, f, conf, false); err != nil {
		return kerr.Wrap(err, kerr.Internal, "scan_merge_failed", msgScanInternal)
	}
	return f.Sync()
}

// putScanBlob stores the batch's PDF under an upload intent that names
// it, as every write does (see collectGarbage), and returns the intent,
// which the caller removes once the batch's record references the blob.
// A crash between leaves the intent: the collector then frees the blob
// unless a pending batch references it.
func (s *Service) putScanBlob(ctx context.Context, a Actor, ownerID, path string) (hash string, size int64, intent string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, "", kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	defer f.Close()
	in := s.newIntent(a, ownerID, "", 0)
	if err := s.store.BeginUpload(ctx, in, -1); err != nil {
		return "", 0, "", storeErr("begin upload", err)
	}
	hash, size, err = s.blobs.PutClaimed(ctx, f, maxScanPDFBytes, func(ctx context.Context, hash string) error {
		return s.store.ClaimBlob(ctx, in.ID, hash)
	})
	if err != nil {
		return "", 0, "", storeErr("put scan blob", err)
	}
	return hash, size, in.ID, nil
}

// cutUTF8 cuts s to at most n bytes at a rune boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
