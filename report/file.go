package report

import (
	"context"
	"io"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// FileFormat is a kind of exported file.
type FileFormat struct {
	// Ext is the file name's extension (".xlsx"), MediaType its type.
	Ext, MediaType string
}

// FileFormats are the exports by their name in addresses: xlsx, docx, pdf.
var FileFormats = map[string]FileFormat{
	"xlsx": {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"docx": {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	"pdf":  {".pdf", "application/pdf"},
}

// WriteFile writes t to w in format (a key of FileFormats) with
// WriteXLSX, WriteDOCX or WritePDF (with printer). Errors: Invalid
// "report_format" for an unknown format, and those of the writer.
func WriteFile(ctx context.Context, w io.Writer, t Table, format string, printer convert.Converter) error {
	switch format {
	case "xlsx":
		return WriteXLSX(w, t)
	case "docx":
		return WriteDOCX(w, t)
	case "pdf":
		return WritePDF(ctx, w, t, printer)
	}
	return kerr.New(kerr.Invalid, "report_format", "Định dạng tệp báo cáo không hợp lệ (chọn xlsx, docx hoặc pdf).", "format %q", format)
}
