package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Tesseract runs the Tesseract OCR program (Debian tesseract-ocr with
// tesseract-ocr-vie) on one page image at a time: its "pdf" output (the
// image with the recognised text as an invisible layer) and its "tsv"
// output (each word with its confidence).
type Tesseract struct {
	// Bin is the program; "" is "tesseract" on PATH.
	Bin string
	// Languages are Tesseract's -l; "" is "vie+eng".
	Languages string
	// PageTimeout bounds one page; zero is 2 minutes.
	PageTimeout time.Duration
	// Threads is OMP_THREAD_LIMIT for each run; zero is 1 (the batch
	// runs pages one after the other, and other work shares the machine).
	Threads int
}

// OCRWord is a recognised word: its text, its line (numbered from 0 in
// reading order over the whole batch) and Tesseract's confidence, 0–100.
type OCRWord struct {
	Line int
	Text string
	Conf float64
}

// maxTSVBytes bounds Tesseract's word list of one page; a page of text
// at 600 DPI makes well under 1 MiB.
const maxTSVBytes = 16 << 20

func (t Tesseract) bin() string {
	if t.Bin == "" {
		return "tesseract"
	}
	return t.Bin
}

// Page recognises the image file img (all its pages, for a TIFF of
// pages pages) into outBase+".pdf" and returns its words; line numbers
// start at firstLine. Unavailable "ocr_unavailable" when the program
// cannot run, "ocr_timeout" when it passes its time, Invalid
// "ocr_failed" when it refuses the image.
func (t Tesseract) Page(ctx context.Context, img, outBase string, pages, firstLine int) ([]OCRWord, error) {
	timeout := t.PageTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	if pages < 1 {
		pages = 1
	}
	ctx, cancel := context.WithTimeout(ctx, timeout*time.Duration(pages))
	defer cancel()
	langs := t.Languages
	if langs == "" {
		langs = "vie+eng"
	}
	threads := t.Threads
	if threads <= 0 {
		threads = 1
	}
	cmd := exec.CommandContext(ctx, t.bin(), img, outBase, "-l", langs, "pdf", "tsv")
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT="+strconv.Itoa(threads))
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, max: 4096}
	err := cmd.Run()
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, kerr.New(kerr.Unavailable, "ocr_timeout", "Nhận dạng chữ (OCR) một trang quá thời gian cho phép.",
			"tesseract passed %s per page on %d page(s)", timeout, pages)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, exec.ErrNotFound):
		return nil, kerr.New(kerr.Unavailable, "ocr_unavailable", "Chưa cài chương trình nhận dạng chữ (Tesseract).", "%v", err)
	case err != nil:
		return nil, kerr.New(kerr.Invalid, "ocr_failed", "Không nhận dạng được chữ trên trang quét này.",
			"tesseract: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	f, err := os.Open(outBase + ".tsv")
	if err != nil {
		return nil, kerr.New(kerr.Internal, "ocr_failed", "Không nhận dạng được chữ trên trang quét này.", "tesseract wrote no TSV: %v", err)
	}
	defer f.Close()
	return parseTSV(io.LimitReader(f, maxTSVBytes), firstLine)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// parseTSV reads Tesseract's TSV: the words (level 5) with their
// confidence, lines numbered from first in the order they come.
func parseTSV(r io.Reader, first int) ([]OCRWord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var (
		words []OCRWord
		last  string
		line  = first - 1
	)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			continue // the header
		}
		cols := strings.SplitN(sc.Text(), "\t", 12)
		if len(cols) < 12 || cols[0] != "5" {
			continue
		}
		text := strings.TrimSpace(cols[11])
		if text == "" {
			continue
		}
		key := strings.Join(cols[1:5], "/") // page, block, paragraph, line
		if key != last {
			line, last = line+1, key
		}
		conf, err := strconv.ParseFloat(cols[10], 64)
		if err != nil || !(conf >= 0) { // -1 (no word), NaN
			conf = 0
		}
		words = append(words, OCRWord{Line: line, Text: text, Conf: min(conf, 100)})
	}
	if err := sc.Err(); err != nil {
		return nil, kerr.New(kerr.Invalid, "ocr_failed", "Không nhận dạng được chữ trên trang quét này.", "read tesseract's TSV: %v", err)
	}
	return words, nil
}

// ocrText is the words as text, one line of the page a line.
func ocrText(words []OCRWord) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if words[i-1].Line != w.Line {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.Text)
	}
	return b.String()
}
