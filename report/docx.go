package report

import (
	"archive/zip"
	"embed"
	"encoding/xml"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// The .docx is a minimal Office Open XML package that Kho writes itself
// from the templates of templates/docx (no office library): the content
// types, the package and document relationships, the core and app
// properties, the styles (Times New Roman, Vietnamese) and the document —
// the title, the subtitle, a real table whose header row repeats on every
// page, the notes — on A4 landscape.

//go:embed templates/docx/*.xml
var docxFS embed.FS

var docxTemplates = template.Must(template.New("docx").Funcs(template.FuncMap{"x": xmlText}).ParseFS(docxFS, "templates/docx/*.xml"))

// docxParts are the package's parts in the order written, each with its
// template.
var docxParts = [...]struct{ name, template string }{
	{"[Content_Types].xml", "content_types.xml"},
	{"_rels/.rels", "rels.xml"},
	{"docProps/core.xml", "core.xml"},
	{"docProps/app.xml", "app.xml"},
	{"word/_rels/document.xml.rels", "document_rels.xml"},
	{"word/styles.xml", "styles.xml"},
	{"word/document.xml", "document.xml"},
}

// docxTextWidth is the width between the margins of A4 landscape with
// 20 mm margins, in twentieths of a point.
const docxTextWidth = 16838 - 2*1134

type docxData struct {
	Title, Subtitle string
	Created         string
	Columns         []docxColumn
	Rows            []docxRow
	Notes           []string
}

type docxColumn struct {
	Label string
	Width int
}

type docxRow struct{ Cells []docxCell }

type docxCell struct {
	Text        string
	Right, Bold bool
}

// WriteDOCX writes t as a Word document (.docx) to w. Cells are written
// as people read them (Format), figures aligned right, the total row in
// bold. Errors: t.Check's Invalid, before anything is written; w's error
// as it is.
func WriteDOCX(w io.Writer, t Table) error {
	if err := t.Check(); err != nil {
		return err
	}
	d := docxData{Title: t.Title, Subtitle: t.Subtitle, Notes: t.Notes}
	if !t.MadeAt.IsZero() {
		d.Created = t.MadeAt.UTC().Format(time.RFC3339)
	}
	sum := 0.0
	widths := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = columnWidth(t, i, c)
		sum += widths[i]
	}
	for i, c := range t.Columns {
		d.Columns = append(d.Columns, docxColumn{Label: c.Label, Width: int(widths[i] / sum * docxTextWidth)})
	}
	row := func(r Row, bold bool) docxRow {
		out := docxRow{Cells: make([]docxCell, len(r.Cells))}
		for i, cell := range r.Cells {
			c := t.Columns[i]
			out.Cells[i] = docxCell{Text: Format(c, cell), Right: c.Kind != KindText, Bold: bold}
		}
		return out
	}
	d.Rows = make([]docxRow, 0, len(t.Rows)+1)
	t.lines(func(r Row, total bool) { d.Rows = append(d.Rows, row(r, total)) })
	z := zip.NewWriter(w)
	for _, p := range docxParts {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: t.MadeAt})
		if err != nil {
			return err
		}
		if err := docxTemplates.ExecuteTemplate(fw, p.template, d); err != nil {
			return kerr.Wrap(err, kerr.Internal, "report_docx", "Không tạo được tệp .docx.")
		}
	}
	return z.Close()
}

// xmlText escapes s for XML character data; characters XML cannot carry
// (most control characters) become U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
