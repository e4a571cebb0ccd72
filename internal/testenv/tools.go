package testenv

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Tool returns the path of the command name from the Debian package pkg
// (qpdf, pdftotext, pdfdetach…). Like the servers, a missing tool skips
// the test under -short outside CI and fails it otherwise; `make test`
// installs them.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skipf("%s (%s) not installed; skipped with -short", name, pkg)
	}
	t.Fatalf("%s (Debian %s) is not installed; run `make test`, which installs it", name, pkg)
	return ""
}

// RenderPage rasterises page n (from 1) of pdf with poppler's pdftoppm at
// dpi dots per inch.
func RenderPage(t testing.TB, pdf []byte, n, dpi int) image.Image {
	t.Helper()
	bin := Tool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprint(n)
	out, err := exec.Command(bin, "-png", "-r", fmt.Sprint(dpi), "-f", page, "-l", page, "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// PDFText is the text of pdf (poppler's pdftotext, UTF-8), in Unicode
// NFC, with every run of white space folded to one space.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin := Tool(t, "pdftotext", "poppler-utils")
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(norm.NFC.String(string(out))), " ")
}
