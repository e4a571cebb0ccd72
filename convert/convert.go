// Package convert turns documents into PDF and fills the templates that
// documents people receive are made from (slips, results).
//
// A Converter renders HTML (with its stylesheet and images) or an office
// file (.docx, .odt, .xlsx…) to PDF, optionally PDF/A. The production
// Converter is Gotenberg 8 (Chromium for HTML, LibreOffice for office files),
// reached by the hand-written client of gotenberg.go.
//
// Templates (templates.go) are HTML files an agency's staff can edit
// (html/template, one stylesheet, A4 print CSS): the shipped ones are
// embedded, and a directory may override each. Callers fill them with
// plain data (data.go: SlipData, BookData and one struct per result);
// code fills data, it does not draw layout. Nothing here knows about
// dossiers. QRDataURI makes the QR code of a dossier's public lookup URL.
package convert

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// Converter renders documents to PDF. Implementations are safe for
// concurrent use.
//
// Errors are *kerr.Error: Unavailable when the conversion service cannot be
// reached, is busy or does not answer in time; Invalid when it refuses the
// document (damaged, unsupported, bad options); TooLarge when the PDF is
// over the converter's limit. The returned reader yields the PDF and must be
// closed; it may fail with the same kinds while it is read (a body cut
// short, over the limit).
type Converter interface {
	// HTMLToPDF renders html (a whole page, UTF-8) to PDF with Chromium.
	// assets are the files the page refers to by plain name (kho.css,
	// logo.png): the page can reach nothing else.
	HTMLToPDF(ctx context.Context, html []byte, assets map[string][]byte, opts Options) (io.ReadCloser, error)
	// OfficeToPDF renders an office file to PDF with LibreOffice. name
	// gives the file's type by its extension (see OfficeExtensions); the
	// page size and margins are the document's own.
	OfficeToPDF(ctx context.Context, name string, r io.Reader, opts Options) (io.ReadCloser, error)
}

// PDFA is a PDF/A conformance level.
type PDFA string

// The PDF/A levels a Converter can produce. PDF/A-2b suits documents kept
// for a long time; PDF/A-3b also allows embedded files of any type (the
// signed data of a result).
const (
	PDFANone PDFA = ""
	PDFA1b   PDFA = "PDF/A-1b"
	PDFA2b   PDFA = "PDF/A-2b"
	PDFA3b   PDFA = "PDF/A-3b"
)

// Margins are page margins in millimetres.
type Margins struct {
	Top, Right, Bottom, Left float64
}

// DefaultMargins are those of Vietnamese administrative documents (Decree
// 30/2020/NĐ-CP, Appendix I): top and bottom 20 mm, left 30 mm, right 15 mm.
var DefaultMargins = Margins{Top: 20, Right: 15, Bottom: 20, Left: 30}

// Options say how to convert.
type Options struct {
	// PDFA asks for a PDF/A file of that level (none by default).
	PDFA PDFA
	// Landscape turns the page (HTML: A4 landscape; office: the document's
	// own orientation is kept unless this is set).
	Landscape bool
	// Margins of an HTML page; the zero value means DefaultMargins. A
	// template's own CSS @page rule wins over both.
	Margins *Margins
}

// Validate checks the options.
func (o Options) Validate() error {
	switch o.PDFA {
	case PDFANone, PDFA1b, PDFA2b, PDFA3b:
	default:
		return kerr.New(kerr.Invalid, "invalid_pdfa", "Chuẩn PDF/A không hợp lệ.",
			"PDF/A level %q: want %q, %q or %q", o.PDFA, PDFA1b, PDFA2b, PDFA3b)
	}
	if m := o.Margins; m != nil {
		for _, v := range []float64{m.Top, m.Right, m.Bottom, m.Left} {
			if v < 0 || v > 100 || v != v {
				return kerr.New(kerr.Invalid, "invalid_margins", "Lề trang không hợp lệ (từ 0 đến 100 mm).",
					"margins %+v: each must be 0–100 mm", *m)
			}
		}
	}
	return nil
}

// OfficeExtensions are the extensions of the office files OfficeToPDF
// accepts.
var OfficeExtensions = []string{
	".doc", ".docx", ".odt", ".rtf", ".txt",
	".xls", ".xlsx", ".ods", ".csv",
	".ppt", ".pptx", ".odp",
}

// officeExt returns the lower-case extension of name if it is one of
// OfficeExtensions.
func officeExt(name string) (string, error) {
	i := strings.LastIndexByte(name, '.')
	if i >= 0 {
		ext := strings.ToLower(name[i:])
		for _, e := range OfficeExtensions {
			if ext == e {
				return ext, nil
			}
		}
	}
	return "", kerr.New(kerr.Invalid, "unsupported_office_type",
		"Định dạng tệp không được hỗ trợ để chuyển sang PDF (chấp nhận: "+strings.Join(OfficeExtensions, ", ")+").",
		"file name %q: extension not in %v", name, OfficeExtensions)
}

// checkAssetName refuses an asset name that is not a plain file name: the
// page may refer only to files sent beside it.
func checkAssetName(name string) error {
	ok := name != "" && len(name) <= 100 && name != "index.html" && name[0] != '.'
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			ok = false
		}
	}
	if !ok {
		return kerr.New(kerr.Invalid, "invalid_asset_name", "Tên tệp đi kèm trang HTML không hợp lệ.",
			"asset %q: want 1–100 of [A-Za-z0-9._-], not starting with '.', not index.html", name)
	}
	return nil
}

// mm formats millimetres for Gotenberg ("20mm").
func mm(v float64) string { return fmt.Sprintf("%gmm", v) }
