package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// hostileMemoryBound is the stated bound: while the hostile PDFs are
// posted, the server's peak resident memory stays under its resident
// memory before them plus this.
const hostileMemoryBound = 128 << 20

// TestHostilePDFMemory is issue 9 item 5's hostile-PDF case against the
// real binary with --trust: the PDFs of signing/testdata/hostile (each of
// which killed `kho serve` before: out of memory, stack overflow, or a
// hang), posted anonymously to /api/v1/signing/verify by eight clients at
// once and uploaded by a citizen, are refused with their codes; a 2 MB PDF
// that a reader would turn into gigabytes of objects is refused as too
// complex to verify and, uploaded, stored with an INDETERMINATE summary.
// The server's peak resident memory (VmHWM) stays under its resident
// memory before plus hostileMemoryBound, and it answers afterwards.
func TestHostilePDFMemory(t *testing.T) {
	p, err := pki.StartServer(context.Background(), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dir := t.TempDir()
	if err := p.PKI.WriteDir(filepath.Join(dir, "pki")); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	srv := startServer(t, "--data", data, "--trust", filepath.Join(dir, "pki", "roots.pem"), "--no-revocation", "--pdf-memory", "256MB")
	owner := "001099012345"
	c := &client{t: t, base: srv.url, token: createToken(t, []string{"--data", data}, owner, "citizen")}

	files, _ := filepath.Glob("../signing/testdata/hostile/*.pdf")
	if len(files) < 8 {
		t.Fatalf("%d hostile fixtures", len(files))
	}
	var hostile [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hostile = append(hostile, b)
	}
	// 2 MB of empty arrays in the form's field list; the mark makes the
	// vault verify it on upload.
	complexPDF := arraysPDF(1_000_000)

	verify := func(doc []byte) (int, string) {
		resp, err := http.Post(srv.url+"/api/v1/signing/verify", "application/pdf", bytes.NewReader(doc))
		if err != nil {
			t.Errorf("verify: %v (server log:\n%s)", err, srv.logs.String())
			return 0, ""
		}
		defer resp.Body.Close()
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code
	}

	// Warm up: a valid PDF verified and uploaded.
	if status, _ := verify(tinyPDF("khởi động")); status != http.StatusOK {
		t.Fatalf("verify of a valid PDF: %d", status)
	}
	if _, _, err := c.uploadRaw(owner, "KHAC", "khởi động", "a.pdf", tinyPDF("warm")); err != nil {
		t.Fatal(err)
	}
	base := procStatus(t, srv.cmd.Process.Pid, "VmRSS")

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for round := range 3 {
				for i, doc := range hostile {
					if status, code := verify(doc); status != http.StatusBadRequest || code != "pdf_invalid" {
						t.Errorf("client %d round %d %s: %d %s", w, round, filepath.Base(files[i]), status, code)
					}
				}
				if status, code := verify(complexPDF); status != http.StatusRequestEntityTooLarge || code != "pdf_too_complex" {
					t.Errorf("client %d: too complex: %d %s", w, status, code)
				}
			}
		})
	}
	wg.Wait()
	for i, doc := range hostile {
		marked := append(bytes.Clone(doc), "%ByteRange\n"...)
		_, resp, err := c.uploadRaw(owner, "KHAC", "tệp độc hại", "a.pdf", marked)
		if resp == nil || resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "pdf_damaged") {
			t.Errorf("upload of %s: %v", filepath.Base(files[i]), err)
		}
	}
	d, _, err := c.uploadRaw(owner, "KHAC", "tệp phức tạp", "b.pdf", complexPDF)
	if err != nil {
		t.Fatal(err)
	}
	if d.Current.Signature == nil || d.Current.Signature.Verdict != "INDETERMINATE" || d.Current.Signature.Message == "" {
		t.Errorf("too complex to verify on upload: %+v", d.Current.Signature)
	}

	peak := procStatus(t, srv.cmd.Process.Pid, "VmHWM")
	t.Logf("resident memory: %d MB before, peak %d MB (bound: before + %d MB)", base>>20, peak>>20, hostileMemoryBound>>20)
	if peak > base+hostileMemoryBound {
		t.Errorf("peak resident memory %d MB, over %d + %d MB", peak>>20, base>>20, hostileMemoryBound>>20)
	}
	if status, _ := verify(tinyPDF("sau cùng")); status != http.StatusOK {
		t.Fatalf("the server no longer verifies: %d", status)
	}
	srv.stop()
}

// arraysPDF is a valid PDF whose form field list holds n empty arrays, with
// a signature mark in a comment.
func arraysPDF(n int) []byte {
	return pdfobj.Assemble("%PDF-1.7\n%ByteRange\n", "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>",
		"<< /Type /Pages /Kids [] /Count 0 >>", "["+strings.Repeat("[]", n)+"]")
}
