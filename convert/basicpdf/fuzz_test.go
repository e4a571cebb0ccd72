package basicpdf_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzHTMLToPDF: any page and stylesheet (an agency may override the
// templates) either give a PDF of at most MaxPages pages, in bounded
// time, or are refused with an Invalid or TooLarge error that has a
// Vietnamese message — never a panic. Corpus: testdata/fuzz/FuzzHTMLToPDF
// (a page in the templates' manner with the shipped stylesheet, pages
// that stretch a bound, and what the fuzzer found interesting).
func FuzzHTMLToPDF(f *testing.F) {
	// Small seeds in the templates' manner (the fuzzer minimises each
	// interesting input, which on a whole filled template takes all its
	// time): the header, a QR image, a grid, the signatures, with rules
	// of the shipped stylesheet. TestTemplates renders the real ones.
	var dot bytes.Buffer
	if err := png.Encode(&dot, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
		f.Fatal(err)
	}
	f.Add(`<link rel="stylesheet" href="kho.css"><table class="header"><tr><td class="left"><div class="agency">Ủy ban</div><div class="rule"></div></td>`+
		`<td><div class="nation">Cộng hòa</div><div class="motto">Độc lập</div></td></tr></table><div class="qr"><img src="data:image/png;base64,`+
		base64.StdEncoding.EncodeToString(dot.Bytes())+`"><div>Tra cứu</div></div><h1>Giấy</h1>`,
		`@page { margin: 20mm 15mm 20mm 30mm; } table.header td { text-align: center; } .nation { font-weight: bold; text-transform: uppercase; } .rule { width: 35%; margin: 1mm auto 2mm; border-top: 1px solid #000; } .qr { float: right; } .qr img { width: 28mm; height: 28mm; margin: 0 auto; }`)
	f.Add(`<link rel="stylesheet" href="kho.css"><table class="grid"><tr><th>TT</th><th>Tên</th></tr><tr><td class="num">1</td><td>Tờ khai</td></tr></table><p class="sign-space"></p>`,
		`table.grid th, table.grid td { border: 1px solid #000; padding: 1mm 2mm; } td.num { width: 10mm; } .sign-space { height: 22mm; } p { margin: 1.5mm 0; font-style: italic }`)
	f.Add(`<p>Độc lập<br><br>- Tự do -<b><i> Hạnh phúc</i></b></p><ul><li>một<li>hai</ul><ol><li>ba</ol>`, `p { text-align: center; text-transform: uppercase; font-size: 300% }`)
	f.Add(`<table><tr><td style="width:200%">a<td>b</tr><tr><td><table><tr><td>c</table></table>`, `td { border: 1px solid; padding: 1mm 2mm 3mm 4mm }`)
	f.Add(`<div class="x"></div><div class="x"></div><div class="x"></div>`, `.x { height: 300mm } @page { margin: 100mm }`)
	f.Add(`<img src="data:image/png;base64,iVBORw0KGgo="><img src="kho.css" alt="ảnh"><div style="float:right;width:1mm">chữ rất dài không ngắt được</div>`, `/* ghi chú`)
	f.Fuzz(func(t *testing.T, page, css string) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		watchdog := time.AfterFunc(5*time.Second, func() { panic("hang") })
		defer watchdog.Stop()
		rc, err := basicpdf.New().HTMLToPDF(ctx, []byte(page), map[string][]byte{"kho.css": []byte(css)}, convert.Options{})
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("took %v", took)
		}
		if err != nil {
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("error %v of kind %v, want invalid or too large", err, k)
			}
			if _, msg := kerr.Public(err); msg == "" {
				t.Fatalf("error %v without a message", err)
			}
			return
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %v %.20q", err, b)
		}
		if n := strings.Count(string(b), "/Type /Page\n"); n < 1 || n > basicpdf.MaxPages {
			t.Fatalf("%d pages", n)
		}
	})
}
