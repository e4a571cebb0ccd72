package archive_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// BenchmarkScanOCR: OCR pages per minute on the scanned test page (200
// DPI, Vietnamese). Each iteration runs, one after the other so that the
// machine's load falls on both alike, the reference — the tesseract
// program called directly on the image (pdf and tsv outputs, one thread)
// — and a one-page batch through ScanBatch (staged, hashed, recognised,
// stored as a pending batch in SQLite and a memory bucket). It reports
// both rates and kho's time over tesseract's.
func BenchmarkScanOCR(b *testing.B) {
	needTesseract(b)
	page := scanPage(b)
	img := filepath.Join(b.TempDir(), "trang.png")
	if err := os.WriteFile(img, page, 0o600); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out")
	v := newVault(b, archive.Config{})
	var direct, kho time.Duration
	for b.Loop() {
		t0 := time.Now()
		cmd := exec.Command("tesseract", img, out, "-l", "vie+eng", "pdf", "tsv")
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tesseract: %v %s", err, o)
		}
		t1 := time.Now()
		if _, err := v.ScanBatch(context.Background(), staffA, scanRequest(scanFile("trang.png", page))); err != nil {
			b.Fatal(err)
		}
		direct, kho = direct+t1.Sub(t0), kho+time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/direct.Minutes(), "tesseract-pages/min")
	b.ReportMetric(float64(b.N)/kho.Minutes(), "kho-pages/min")
	b.ReportMetric(kho.Seconds()/direct.Seconds(), "kho/tesseract")
}
