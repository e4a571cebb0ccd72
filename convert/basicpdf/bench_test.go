package basicpdf_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/testenv"
)

// BenchmarkReceipt prints the receipt slip as the demo does, with
// basicpdf, and, as the reference in the same run, as production does,
// PDF/A-2b through the real Gotenberg.
func BenchmarkReceipt(b *testing.B) {
	ts, err := convert.LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	data := sample(b, convert.TemplateReceipt)
	run := func(b *testing.B, c convert.Converter) {
		size := int64(0)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			rc, err := ts.PDF(ctx, c, convert.TemplateReceipt, data)
			if err != nil {
				b.Fatal(err)
			}
			size, err = io.Copy(io.Discard, rc)
			rc.Close()
			cancel()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "pdf-bytes")
	}
	b.Run("basicpdf", func(b *testing.B) { run(b, basicpdf.New()) })
	b.Run("gotenberg-pdfa", func(b *testing.B) {
		g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(b), Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		run(b, g)
	})
}
