package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/report"
)

// Exports and printing of the report pages (issue 13, items 23.2, 23.4
// and 24.4): any page that shows a report.Table offers it as a
// spreadsheet, a document and a PDF, and as a printable page, at its own
// address with one more parameter (formatParam, printParam). The page
// calls serveTable with its Table before it renders itself; the figures
// of the page and of its files are the same Table's.

// The parameters of a report page's exports.
const (
	// formatParam asks for the page's table as a file: xlsx, docx or pdf.
	formatParam = "dinh-dang"
	// printParam=1 asks for the printable page.
	printParam = "in"
)

// tableExports are the links of a report page's export buttons.
type tableExports struct {
	XLSX, DOCX, PDF, Print string
}

// reportParams is v without the export parameters: the report's own query.
func reportParams(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != formatParam && k != printParam {
			out[k] = vs
		}
	}
	return out
}

// exportLinks are the links of the export buttons of the report page at
// path whose query is q.
func exportLinks(path string, q url.Values) tableExports {
	with := func(k, v string) string {
		u := url.Values{}
		for key, vs := range q {
			u[key] = vs
		}
		u.Set(k, v)
		return path + "?" + u.Encode()
	}
	return tableExports{XLSX: with(formatParam, "xlsx"), DOCX: with(formatParam, "docx"), PDF: with(formatParam, "pdf"), Print: with(printParam, "1")}
}

// serveTable answers a report page's export: with formatParam the table
// as a file named name plus its extension (name is ASCII, as
// "thong-ke-ho-so-2026"), with printParam=1 the printable page (A4
// landscape, header repeated on each page, no navigation). It reports
// whether it answered; when it did not, the page renders itself. The file
// is made whole before the first byte is sent, so a refusal (a table over
// report.MaxRows, the converter down) is the error page, never a cut
// file. PDFs are rendered by Config.Converter (Gotenberg), or by the
// built-in basicpdf when there is none.
func (h *Handler) serveTable(w http.ResponseWriter, r *http.Request, t report.Table, name string) bool {
	q := r.URL.Query()
	format, print := q.Get(formatParam), q.Get(printParam)
	if format == "" && print == "" {
		return false
	}
	var b bytes.Buffer
	var err error
	mediaType, ext := "text/html; charset=utf-8", ""
	switch f, ok := report.FileFormats[format]; {
	case format == "" && print == "1":
		err = report.WriteHTML(&b, t, r.URL.Path+"?"+reportParams(q).Encode())
	case !ok || print != "":
		err = kerr.New(kerr.Invalid, "report_format", "Định dạng tệp báo cáo không hợp lệ (chọn xlsx, docx hoặc pdf).",
			"%s=%q %s=%q", formatParam, format, printParam, print)
	default:
		mediaType, ext = f.MediaType, f.Ext
		ctx, cancel := context.WithTimeout(r.Context(), h.cfg.RequestTimeout)
		defer cancel()
		err = report.WriteFile(ctx, &b, t, format, h.cfg.Converter)
	}
	if err != nil {
		h.renderError(w, r, err)
		return true
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Cache-Control", "no-store")
	if ext != "" {
		w.Header().Set("Content-Disposition", disposition("attachment", name+ext))
	}
	_, _ = b.WriteTo(w)
	return true
}

// tableView is a report.Table as a page shows it: the cells as people
// read them (report.Format), figures aligned right.
type tableView struct {
	report.Table
	Head  []string
	Lines []tableLine
}

type tableLine struct {
	Cells []tableCell
	Total bool
}

type tableCell struct {
	Text string
	Num  bool
}

// viewOf is t as the page shows it.
func viewOf(t report.Table) tableView {
	v := tableView{Table: t}
	for _, c := range t.Columns {
		v.Head = append(v.Head, c.Label)
	}
	line := func(r report.Row, total bool) {
		l := tableLine{Total: total}
		for i, cell := range r.Cells {
			if i < len(t.Columns) {
				l.Cells = append(l.Cells, tableCell{Text: report.Format(t.Columns[i], cell), Num: t.Columns[i].Kind != report.KindText})
			}
		}
		v.Lines = append(v.Lines, l)
	}
	for _, r := range t.Rows {
		line(r, false)
	}
	if t.Total != nil {
		line(*t.Total, true)
	}
	return v
}
