package convert

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkSlip prints the receipt slip: filling the template (html), the
// page as a plain PDF through the real Gotenberg (pdf-plain), and the
// whole slip as PDF/A-2b (pdfa, what Templates.PDF makes) — the cost the
// dossier features pay per printed slip.
func BenchmarkSlip(b *testing.B) {
	ts := shipped(b)
	data := goldenData(b, TemplateReceipt)
	b.Run("html", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := ts.HTML(&buf, TemplateReceipt, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	var page bytes.Buffer
	if err := ts.HTML(&page, TemplateReceipt, data); err != nil {
		b.Fatal(err)
	}
	b.Run("pdf-plain", func(b *testing.B) {
		g := gotenberg(b)
		for b.Loop() {
			rc, err := g.HTMLToPDF(ctxT(b), page.Bytes(), ts.assets, Options{})
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
		}
	})
	b.Run("pdfa", func(b *testing.B) {
		g := gotenberg(b)
		for b.Loop() {
			rc, err := ts.PDF(ctxT(b), g, TemplateReceipt, data)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
		}
	})
}
