package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzPaperCopyStamp: any PDF the vault accepts on store (checkPDFAt, the
// check every stored PDF passed) is either counted and stamped into a
// paper copy's frame — a PDF of the frame's two pages — or refused with
// an Invalid or Internal kerr error; pdfcpu never panics through it.
//
//	go test -run '^$' -fuzz FuzzPaperCopyStamp -fuzztime 60s ./archive
func FuzzPaperCopyStamp(f *testing.F) {
	frame, err := os.ReadFile("testdata/paper-frame.pdf") // the shipped template, one frame page and the summary
	if err != nil {
		f.Fatal(err)
	}
	seeds, _ := filepath.Glob("../signing/testdata/*.pdf")
	hostile, _ := filepath.Glob("../signing/testdata/hostile/*.pdf")
	for _, name := range append(seeds, hostile...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(frame)
	s := &Service{}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 2<<20 || s.checkPDFAt(context.Background(), bytes.NewReader(b), int64(len(b))) != nil {
			return // the vault stores no such file
		}
		n, err := guardPDF(func() (int, error) { return pageCount(context.Background(), bytes.NewReader(b)) })
		if err != nil {
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("page count: %v is not Invalid", err)
			}
			return
		}
		if n < 1 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := stampWithin(ctx, frame, bytes.NewReader(b), 1)
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.Internal {
				t.Fatalf("stamp: %v (%v)", err, k)
			}
			return
		}
		if got, err := pageCount(context.Background(), bytes.NewReader(out)); err != nil || got != 2 {
			t.Fatalf("the copy has %d pages (%v), want the frame's 2", got, err)
		}
	})
}

// TestPaperCopyDamaged: a file that is not a PDF, or only its header, is
// refused by the paper copy's own reading with Invalid pdf_damaged (the
// vault refuses such files on store; a blob damaged since is caught here
// too). pdfcpu rebuilds a PDF merely cut short, as viewers do; the vault
// refuses that one on store (checkPDF: its end must be a PDF's end).
func TestPaperCopyDamaged(t *testing.T) {
	b, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"header only": []byte("%PDF-1.7\n%%EOF\n"), "not a PDF": []byte("GIF89a không phải PDF")} {
		_, err := guardPDF(func() (int, error) { return pageCount(context.Background(), bytes.NewReader(in)) })
		if ke := kerr.Outer(err); ke == nil || ke.Kind != kerr.Invalid || ke.Code != "pdf_damaged" {
			t.Errorf("%s: %v, want Invalid pdf_damaged", name, err)
		}
	}
	if n, err := pageCount(context.Background(), bytes.NewReader(b)); err != nil || n != 1 {
		t.Fatalf("the intact PDF: %d pages, %v", n, err)
	}
}
