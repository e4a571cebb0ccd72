package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzLoadTemplates: a template file of an agency's directory (outside
// input) either loads and then prints the sample, or is refused with a
// clear Invalid or TooLarge error naming it — never a panic, never an
// error without a Vietnamese message. Corpus: testdata/fuzz/FuzzLoadTemplates.
func FuzzLoadTemplates(f *testing.F) {
	shippedReceipt, err := shippedFS.ReadFile("templates/receipt.html")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(shippedReceipt))
	f.Add(`{{template "head" "x"}}<body>{{.Code}}</body>`)
	f.Add(`{{range .Components}}{{.Name}}{{end}}{{with .QR}}<img src="{{qrsrc .}}">{{end}}`)
	f.Add(`{{define "qr"}}{{template "qr" .}}{{end}}`)
	f.Add(`<script>var a = {{.Applicant}};</script><a href="{{.Contact}}">x</a>`)
	f.Fuzz(func(t *testing.T, body string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, TemplateReceipt+".html"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		ts, err := LoadTemplates(dir)
		if err != nil {
			ke := kerr.Outer(err)
			if ke == nil || (ke.Kind != kerr.Invalid && ke.Kind != kerr.TooLarge) {
				t.Fatalf("error %v (kind %v), want invalid or too large", err, kerr.KindOf(err))
			}
			if _, msg := kerr.Public(err); !strings.Contains(msg, "receipt.html") {
				t.Fatalf("message %q does not name the file", msg)
			}
			return
		}
		var buf bytes.Buffer
		if err := ts.HTML(&buf, TemplateReceipt, sampleSlip()); err != nil {
			t.Fatalf("loaded, then failed on the data it was tried with: %v", err)
		}
	})
}
