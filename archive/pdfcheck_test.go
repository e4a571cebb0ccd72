package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/storagetest"
)

// framedPDF is a valid one-page PDF of n bytes whose bulk is random data.
func framedPDF(seed uint64, n int) []byte {
	head, tail := pdfobj.Frame(int64(n))
	doc := storagetest.Random(seed, n)
	copy(doc, head)
	copy(doc[n-len(tail):], tail)
	return doc
}

// validPDFs are the repository's valid PDF fixtures, the same rewritten
// by qpdf with object streams, and framed PDFs of 1 KB to 40 MB (past the
// size above which pdfcpu is not run).
func validPDFs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, _ := filepath.Glob("../signing/testdata/*.pdf")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
		if bytes.Contains(b, []byte("/Encrypt")) {
			continue
		}
		conv := filepath.Join(t.TempDir(), "os.pdf")
		if msg, err := exec.Command("qpdf", "--object-streams=generate", f, conv).CombinedOutput(); err != nil {
			t.Fatalf("qpdf %s: %v %s", f, err, msg)
		}
		if out["qpdf-"+filepath.Base(f)], err = os.ReadFile(conv); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{1 << 10, 1 << 20, 40 << 20} {
		out[fmt.Sprintf("framed-%d", n)] = framedPDF(uint64(n), n)
	}
	return out
}

// TestPDFCheck: every valid PDF fixture is stored; PDFs cut short, with a
// broken cross-reference table or objects, and the hostile fixtures of
// signing/testdata/hostile are refused with pdf_damaged, leaving no
// document and no charged quota.
func TestPDFCheck(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{MaxUploadBytes: 64 << 20})
	for name, doc := range validPDFs(t) {
		t.Run("valid/"+name, func(t *testing.T) {
			if _, err := v.Put(ctx, citizenA, birthCert("", doc)); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
	before, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	listed := func() int {
		p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Limit: 100}, archive.Access{})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Documents)
	}
	docsBefore := listed()

	one, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	big := framedPDF(9, 2<<20)
	huge := framedPDF(10, 40<<20)
	xref := bytes.Index(one, []byte("\nxref\n")) + 1
	damaged := map[string][]byte{
		"cut-in-half":         one[:len(one)/2],
		"cut-before-eof":      one[:len(one)-7],
		"cut-in-xref":         one[:xref+30],
		"big-cut-short":       big[:len(big)-4096],
		"huge-cut-short":      huge[:len(huge)-100],
		"startxref-past-end":  bytes.Replace(one, fmt.Appendf(nil, "startxref\n%d", xref), []byte("startxref\n999999"), 1),
		"catalog-not-an-obj":  bytes.Replace(one, []byte("1 0 obj\n<< /Type /Catalog"), []byte("1 0 jbo\n<< /Type /Catalog"), 1),
		"unclosed-dictionary": bytes.Replace(one, []byte("/Type /Catalog /Pages 2 0 R >>"), []byte("/Type /Catalog /Pages 2 0 R  ("), 1),
	}
	hostile, _ := filepath.Glob("../signing/testdata/hostile/*.pdf")
	for _, f := range hostile {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		damaged["hostile-"+filepath.Base(f)] = b
	}
	for name, doc := range damaged {
		t.Run("damaged/"+name, func(t *testing.T) {
			_, err := v.Put(ctx, citizenA, birthCert("", doc))
			if code, msg := kerr.Public(err); code != "pdf_damaged" || kerr.KindOf(err) != kerr.Invalid || msg == "" {
				t.Fatalf("code %q kind %v (%v), want pdf_damaged", code, kerr.KindOf(err), err)
			}
			after, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
			if after.UsedBytes != before.UsedBytes || after.DocumentCount != before.DocumentCount || listed() != docsBefore {
				t.Fatalf("a refused PDF changed the owner: %d/%d → %d/%d", before.UsedBytes, before.DocumentCount, after.UsedBytes, after.DocumentCount)
			}
		})
	}
	// A cross-reference table overwritten with garbage, objects intact: the
	// reader rebuilds the table from the objects, as viewers do, so the
	// file is kept (relaxed mode).
	repairable := append(append(bytes.Clone(one[:xref]), bytes.Repeat([]byte("\x00\xff"), 20)...), one[xref+40:]...)
	if _, err := v.Put(ctx, citizenA, birthCert("", repairable)); err != nil {
		t.Fatalf("repairable xref: %v", err)
	}

	// A new version of a document is checked the same way.
	d, err := v.Put(ctx, citizenA, birthCert("", framedPDF(11, 4096)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.AddVersion(ctx, citizenA, d.ID, d.Rev, upload("b.pdf", one[:len(one)/2]))
	if code, _ := kerr.Public(err); code != "pdf_damaged" {
		t.Fatalf("new version cut short: %v", err)
	}
}

// BenchmarkPDFCheck measures what the check adds to an upload of a 1 MB
// and a 20 MB PDF (pdfcpu runs on both): a whole upload of the PDF, against
// the upload of a PNG of the same size (no check) and SHA-256 of the same
// bytes, in the same run. Each upload is a new document with new bytes.
func BenchmarkPDFCheck(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1 << 20, 20 << 20} {
		doc := framedPDF(uint64(n), n)
		png := append(bytes.Clone(pngBytes), doc[len(pngBytes):]...)
		put := func(b *testing.B, content []byte, name string) {
			v := newVault(b, archive.Config{MaxUploadBytes: 64 << 20})
			b.SetBytes(int64(n))
			i := 0
			for b.Loop() {
				i++
				copy(content[600:], fmt.Sprintf("%08d", i)) // new bytes, a new blob
				nd := birthCert("", content)
				nd.Upload = upload(name, content)
				if _, err := v.Put(ctx, citizenA, nd); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("upload-pdf-%dMB", n>>20), func(b *testing.B) { put(b, doc, "a.pdf") })
		b.Run(fmt.Sprintf("upload-png-%dMB", n>>20), func(b *testing.B) { put(b, png, "a.png") })
		b.Run(fmt.Sprintf("sha256-%dMB", n>>20), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				sha256.Sum256(doc)
			}
		})
	}
}

// gatedDriver is a blob driver whose commits wait until the staged bytes
// have been read back (storage.Rereader), or fail after gateWait: an
// upload of a PDF succeeds on it only if its check reads the staged bytes
// while the blob is being committed, not after.
type gatedDriver struct{ storage.Driver }

const gateWait = 5 * time.Second

func (d gatedDriver) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := d.Driver.Stage(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedStaged{Staged: st, read: make(chan struct{})}, nil
}

type gatedStaged struct {
	storage.Staged
	read chan struct{}
	once sync.Once
}

func (s *gatedStaged) Reread() (storage.ReaderAtCloser, bool, error) {
	r, ok, err := s.Staged.(storage.Rereader).Reread()
	if !ok || err != nil {
		return r, ok, err
	}
	return gatedReader{r, s}, true, nil
}

func (s *gatedStaged) Commit(ctx context.Context, key string) error {
	select {
	case <-s.read:
		return s.Staged.Commit(ctx, key)
	case <-time.After(gateWait):
		s.Staged.Abort(ctx)
		return errors.New("commit before the staged bytes were read")
	}
}

type gatedReader struct {
	storage.ReaderAtCloser
	s *gatedStaged
}

func (r gatedReader) ReadAt(p []byte, off int64) (int, error) {
	r.s.once.Do(func() { close(r.s.read) })
	return r.ReaderAtCloser.ReadAt(p, off)
}

// plainDriver hides the staged write's optional methods (storage.Rereader,
// storage.Flusher): a PDF is then checked after its blob is committed.
type plainDriver struct{ storage.Driver }

func (d plainDriver) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := d.Driver.Stage(ctx)
	return struct{ storage.Staged }{st}, err
}

// TestPDFCheckWhileCommitting: a PDF's check reads the staged bytes while
// the blob is committed (the commit waits for it here), so its CPU overlaps
// the wait for the disk; a PDF it refuses leaves no document, no charge
// and a blob that an intent names, which the collector deletes — as when
// the check runs after the commit, on a driver that cannot read staged
// bytes back.
func TestPDFCheckWhileCommitting(t *testing.T) {
	ctx := context.Background()
	one, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    storage.Driver
	}{{"staged", gatedDriver{memory.New()}}, {"after-commit", plainDriver{memory.New()}}} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVaultOn(t, archive.Config{BlobGrace: time.Hour}, tc.d)
			if _, err := v.Put(ctx, citizenA, birthCert("", framedPDF(21, 300_000))); err != nil {
				t.Fatalf("valid PDF: %v", err)
			}
			before, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
			cut := one[:len(one)-7]
			_, err := v.Put(ctx, citizenA, birthCert("", cut))
			wantCode(t, err, "pdf_damaged")
			after, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
			if after.UsedBytes != before.UsedBytes || after.DocumentCount != before.DocumentCount {
				t.Fatalf("a refused PDF changed the owner: %d/%d → %d/%d", before.UsedBytes, before.DocumentCount, after.UsedBytes, after.DocumentCount)
			}
			hash := storagetest.SHA256(cut)
			if _, err := v.bucket.Stat(ctx, hash); err != nil {
				t.Fatalf("the refused PDF's blob: %v; want it committed, for the collector", err)
			}
			ins := intents(t, v)
			if len(ins) != 1 || len(ins[0].Blobs) != 1 || ins[0].Blobs[0] != hash {
				t.Fatalf("intents after the refusal: %+v; want one naming the blob", ins)
			}
			v.clock.Set(time.Now().Add(2 * time.Hour))
			if _, err := v.CollectGarbage(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := v.bucket.Stat(ctx, hash); !kerr.IsKind(err, kerr.NotFound) {
				t.Fatalf("the refused PDF's blob after a collection: %v", err)
			}
		})
	}
}
