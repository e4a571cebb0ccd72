package pdfguard

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// hostileDir holds the hostile fixtures: each of them crashed kho verify
// (out of memory, stack overflow) or hung it before this check existed.
const hostileDir = "../../signing/testdata/hostile"

// TestCheckHostile: every hostile fixture is refused with a stable code,
// before anything is allocated for what it declares.
func TestCheckHostile(t *testing.T) {
	want := map[string]string{
		"xref-stream-size-2e36.pdf":  "pdf_invalid",
		"xref-subsection-4e9.pdf":    "pdf_invalid",
		"xref-stream-index-4e9.pdf":  "pdf_invalid",
		"xref-stream-w-2e40.pdf":     "pdf_invalid",
		"objstm-columns-2e40.pdf":    "pdf_invalid",
		"objstm-container-cycle.pdf": "pdf_invalid",
		"objstm-extends-self.pdf":    "pdf_invalid",
		"objstm-n-1e12.pdf":          "pdf_invalid",
	}
	files, _ := filepath.Glob(filepath.Join(hostileDir, "*.pdf"))
	if len(files) != len(want) {
		t.Fatalf("%d fixtures in %s, the test knows %d", len(files), hostileDir, len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Check(bytes.NewReader(in), int64(len(in)), Limits{})
			if code, msg := kerr.Public(err); code != want[filepath.Base(f)] || msg == "" {
				t.Fatalf("code %q message %q (%v), want %s", code, msg, err, want[filepath.Base(f)])
			}
		})
	}
}

// TestCheckValid: real files pass, with a small estimate; the same files
// rewritten by qpdf with object streams (an xref stream, objects
// compressed) pass too.
func TestCheckValid(t *testing.T) {
	for _, f := range []string{"../../signing/testdata/one-page.pdf", "../../signing/testdata/one-page-xref-stream.pdf"} {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Check(bytes.NewReader(in), int64(len(in)), Limits{})
		if err != nil || res.Memory <= 0 || res.Memory > 1<<20 || res.Encrypted {
			t.Fatalf("%s: %v %+v", f, err, res)
		}
		out := filepath.Join(t.TempDir(), "objstm.pdf")
		if b, err := exec.Command("qpdf", "--object-streams=generate", "--compress-streams=y", f, out).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v %s", err, b)
		}
		conv, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(conv, []byte("/ObjStm")) {
			t.Fatal("qpdf wrote no object stream")
		}
		res2, err := Check(bytes.NewReader(conv), int64(len(conv)), Limits{})
		if err != nil || res2.Memory <= 0 {
			t.Fatalf("%s with object streams: %v %+v", f, err, res2)
		}
	}
	// 10,000 pages (3 MB, 20,000 objects): within the work budget (each
	// object is lexed once, not a buffer per object) and the memory one.
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids strings.Builder
	for i := range 10000 {
		kids.WriteString(strconv.Itoa(4+2*i) + " 0 R ")
		text := "BT /F1 18 Tf 72 760 Td (page " + strconv.Itoa(i) + ") Tj ET"
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents "+strconv.Itoa(5+2*i)+" 0 R >>",
			"<< /Length "+strconv.Itoa(len(text))+" >>\nstream\n"+text+"\nendstream")
	}
	objs[1] = "<< /Type /Pages /Kids [" + kids.String() + "] /Count 10000 >>"
	pages := build(objs)
	if res, err := Check(bytes.NewReader(pages), int64(len(pages)), Limits{}); err != nil || res.Memory > DefaultMemory {
		t.Fatalf("10,000 pages: %v %+v", err, res)
	}

	enc, err := os.ReadFile("../../signing/testdata/encrypted-aes256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Check(bytes.NewReader(enc), int64(len(enc)), Limits{}); err != nil || !res.Encrypted {
		t.Fatalf("encrypted: %v %+v", err, res)
	}
}

// TestCheckLimits: the memory estimate and the work budget refuse a file
// with pdf_too_complex; an array of a million empty arrays (2 MB, that a
// reader would turn into about a gigabyte of objects) is over the default.
func TestCheckLimits(t *testing.T) {
	in := build([]string{"<< /Type /Catalog /Pages 2 0 R /X 3 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>", "[" + strings.Repeat("[]", 1_000_000) + "]"})
	_, err := Check(bytes.NewReader(in), int64(len(in)), Limits{})
	if code, _ := kerr.Public(err); code != "pdf_too_complex" || kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("%v", err)
	}
	small := build([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"})
	if _, err := Check(bytes.NewReader(small), int64(len(small)), Limits{Work: 10}); kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("work 10: %v", err)
	}
	if _, err := Check(bytes.NewReader(small), int64(len(small)), Limits{Memory: 100}); kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("memory 100: %v", err)
	}
	if _, err := Check(bytes.NewReader(small), int64(len(small)), Limits{}); err != nil {
		t.Fatal(err)
	}
	// A startxref per ten bytes: candidates are bounded too.
	many := append(bytes.Clone(small), strings.Repeat("startxref 9\n", maxStartxrefs+1)...)
	if _, err := Check(bytes.NewReader(many), int64(len(many)), Limits{}); kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("%d startxref: %v", maxStartxrefs+1, err)
	}
}

// build writes objs as objects 1, 2, … with a classic xref table.
func build(objs []string) []byte { return pdfobj.Assemble("%PDF-1.7\n", objs...) }

// FuzzCheck: arbitrary bytes give a result or a kerr error, never a panic,
// within the work budget. The kept corpus (testdata/fuzz/FuzzCheck) holds
// the hostile fixtures and a file with object streams.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(hostileDir, "*.pdf"))
	files = append(files, "../../signing/testdata/one-page.pdf", "../../signing/testdata/one-page-xref-stream.pdf")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := Check(bytes.NewReader(in), int64(len(in)), Limits{})
		if err != nil && kerr.Outer(err) == nil {
			t.Fatalf("not a kerr error: %v", err)
		}
		if err == nil && res.Memory < 0 {
			t.Fatalf("negative estimate %+v", res)
		}
	})
}
