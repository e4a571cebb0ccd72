package report

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"io"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/kerr"
)

//go:embed templates/table.html
var tableHTML string

var tableTemplate = template.Must(template.New("table.html").Parse(tableHTML))

type htmlData struct {
	Title, Subtitle string
	Back            string
	Columns         []string
	Rows            []htmlRow
	Notes           []string
}

type htmlRow struct {
	Cells []htmlCell
	Total bool
}

type htmlCell struct {
	Text string
	Num  bool
}

// WriteHTML writes t as a whole printable HTML page (UTF-8): the title,
// the subtitle, the table whose header row repeats on every printed page,
// the notes, with a print stylesheet for A4 landscape and nothing else
// (no navigation). back, when not "", is the address of the page the
// report came from, linked in a line that is not printed. It is the page
// WritePDF converts and the printable view of the report pages. Errors:
// t.Check's Invalid before anything is written; w's error.
func WriteHTML(w io.Writer, t Table, back string) error {
	if err := t.Check(); err != nil {
		return err
	}
	d := htmlData{Title: t.Title, Subtitle: t.Subtitle, Back: back, Notes: t.Notes}
	for _, c := range t.Columns {
		d.Columns = append(d.Columns, c.Label)
	}
	row := func(r Row, total bool) htmlRow {
		out := htmlRow{Cells: make([]htmlCell, len(r.Cells)), Total: total}
		for i, cell := range r.Cells {
			c := t.Columns[i]
			out.Cells[i] = htmlCell{Text: Format(c, cell), Num: c.Kind != KindText}
		}
		return out
	}
	d.Rows = make([]htmlRow, 0, len(t.Rows)+1)
	t.lines(func(r Row, total bool) { d.Rows = append(d.Rows, row(r, total)) })
	return tableTemplate.Execute(w, d)
}

// WritePDF writes t as a PDF to w: the page of WriteHTML rendered by
// printer, A4 landscape (Gotenberg's Chromium in production; the built-in
// convert/basicpdf when printer is nil, as for the slips of a demo without
// Gotenberg). The PDF is read whole from the converter before anything is
// written to w, so a conversion failing half-way writes nothing. Errors:
// t.Check's Invalid before any conversion; the converter's Unavailable,
// Invalid or TooLarge (see convert.Converter); w's error.
func WritePDF(ctx context.Context, w io.Writer, t Table, printer convert.Converter) error {
	var page bytes.Buffer
	if err := WriteHTML(&page, t, ""); err != nil {
		return err
	}
	if printer == nil {
		printer = basicpdf.New()
	}
	rc, err := printer.HTMLToPDF(ctx, page.Bytes(), nil, convert.Options{Landscape: true, Margins: &convert.Margins{Top: 15, Right: 15, Bottom: 15, Left: 15}})
	if err != nil {
		return err
	}
	defer rc.Close()
	var pdf bytes.Buffer
	if _, err := io.Copy(&pdf, rc); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "converter_failed", "Không nhận được trọn vẹn tệp PDF từ dịch vụ chuyển đổi; vui lòng thử lại.")
	}
	_, err = pdf.WriteTo(w)
	return err
}
