package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/report"
)

// sample is a table with Vietnamese text and every kind of cell.
func sample() report.Table {
	return report.Table{
		Title:    "Thống kê tình hình giải quyết hồ sơ",
		Subtitle: "Năm 2026 — Sở Tư pháp — Lĩnh vực: Hộ tịch",
		Columns: []report.Column{
			{Key: "field", Label: "Lĩnh vực", Kind: report.KindText},
			{Key: "received", Label: "Tiếp nhận", Kind: report.KindCount},
			{Key: "onTimePercent", Label: "Tỷ lệ đúng hạn", Kind: report.KindPercent},
			{Key: "bytes", Label: "Dung lượng lưu trữ", Kind: report.KindBytes},
		},
		Rows: []report.Row{
			{Cells: []report.Cell{{Text: "Hộ tịch"}, {Number: 12345}, {Number: 95.5}, {Number: 1_500_000}}},
			{Cells: []report.Cell{{Text: "Chứng thực & <đất đai>"}, {Number: 7}, {Number: 100}, {Number: 2_260_000_000}}},
			{Cells: []report.Cell{{Text: "Quốc tịch"}, {Number: 0}, {Number: 0, Text: "—"}, {Number: 999}}},
		},
		Total: &report.Row{Cells: []report.Cell{{Text: "Tổng cộng"}, {Number: 12352}, {Number: 95.6}, {Number: 2_251_500_999}}},
		Notes: []string{"Tỷ lệ đúng hạn tính trên số hồ sơ đã giải quyết.", "Số liệu tính đến 09:05:07 08/12/2026."},
		// 09:05:07 on 08/12/2026 in Vietnam.
		MadeAt: time.Date(2026, 12, 8, 2, 5, 7, 0, time.UTC),
	}
}

// shown are the texts of sample as people read them, row by row.
var shown = [][]string{
	{"Lĩnh vực", "Tiếp nhận", "Tỷ lệ đúng hạn", "Dung lượng lưu trữ"},
	{"Hộ tịch", "12.345", "95,5%", "1,5 MB"},
	{"Chứng thực & <đất đai>", "7", "100,0%", "2,3 GB"},
	{"Quốc tịch", "0", "—", "999 B"},
	{"Tổng cộng", "12.352", "95,6%", "2,3 GB"},
}

func TestFormat(t *testing.T) {
	tb := sample()
	rows := append(tb.Rows, *tb.Total)
	for i, r := range rows {
		for j, c := range r.Cells {
			if got := report.Format(tb.Columns[j], c); got != shown[i+1][j] {
				t.Errorf("row %d column %d: %q, want %q", i+1, j+1, got, shown[i+1][j])
			}
		}
	}
	for _, c := range []struct {
		kind report.CellKind
		n    float64
		want string
	}{
		{report.KindCount, 1234567, "1.234.567"}, {report.KindCount, -1234, "-1.234"}, {report.KindCount, 100, "100"},
		{report.KindPercent, 33.333, "33,3%"}, {report.KindBytes, 1000, "1,0 kB"}, {report.KindBytes, 0, "0 B"},
	} {
		if got := report.Format(report.Column{Kind: c.kind}, report.Cell{Number: c.n}); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.kind, c.n, got, c.want)
		}
	}
}

func TestWriteXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Báo cáo" {
		t.Fatalf("sheets %q", got)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Title != sample().Title || props.Language != "vi-VN" || props.Creator != "Kho" {
		t.Errorf("properties %+v, %v", props, err)
	}
	rows, err := f.GetRows("Báo cáo", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != sample().Title || rows[1][0] != sample().Subtitle {
		t.Errorf("title rows %q", rows[:2])
	}
	want := [][]string{
		shown[0],
		{"Hộ tịch", "12345", "0.955", "1500000"},
		{"Chứng thực & <đất đai>", "7", "1", "2260000000"},
		{"Quốc tịch", "0", "—", "999"},
		{"Tổng cộng", "12352", "0.956", "2251500999"},
	}
	for i, w := range want {
		got := rows[3+i]
		if strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %q, want %q", 4+i, got, w)
		}
	}
	if got := rows[len(rows)-1][0]; got != "Số liệu tính đến 09:05:07 08/12/2026." {
		t.Errorf("last line %q", got)
	}
	if got := rows[len(rows)-2][0]; got != sample().Notes[0] {
		t.Errorf("note %q", got)
	}
	// Shown as people read them (excelize applies the number formats).
	for cell, want := range map[string]string{"B5": "12,345", "C5": "95.5%", "B8": "12,352"} {
		if got, _ := f.GetCellValue("Báo cáo", cell); got != want {
			t.Errorf("%s shows %q, want %q", cell, got, want)
		}
	}
	panes, err := f.GetPanes("Báo cáo")
	if err != nil || !panes.Freeze || panes.YSplit != 4 {
		t.Errorf("panes %+v, %v: want the header frozen under row 4", panes, err)
	}
	head, _ := f.GetCellStyle("Báo cáo", "A4")
	if s, err := f.GetStyle(head); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %+v, %v: want bold", s, err)
	}
	bytesStyle, _ := f.GetCellStyle("Báo cáo", "D5")
	if s, err := f.GetStyle(bytesStyle); err != nil || s.CustomNumFmt == nil || !strings.Contains(*s.CustomNumFmt, "MB") {
		t.Errorf("bytes style %+v, %v", s, err)
	}
	if w, _ := f.GetColWidth("Báo cáo", "A"); w < float64(len("Chứng thực & <đất đai>"))/2 {
		t.Errorf("column A width %v", w)
	}
}

// docxText is the text of every paragraph of the .docx's document, and
// the document's XML.
func docxText(t *testing.T, b []byte) ([]string, string) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var doc []byte
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Every part is well-formed XML.
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
		if f.Name == "word/document.xml" {
			doc = data
		}
	}
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels", "docProps/core.xml"} {
		if !names[n] {
			t.Errorf("no part %s", n)
		}
	}
	var paras []string
	var cur strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "t"
		case xml.EndElement:
			inText = false
			if e.Name.Local == "p" {
				paras = append(paras, cur.String())
				cur.Reset()
			}
		case xml.CharData:
			if inText {
				cur.Write(e)
			}
		}
	}
	return paras, string(doc)
}

func TestWriteDOCX(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteDOCX(&b, sample()); err != nil {
		t.Fatal(err)
	}
	paras, doc := docxText(t, b.Bytes())
	var want []string
	want = append(want, sample().Title, sample().Subtitle)
	for _, r := range shown {
		want = append(want, r...)
	}
	want = append(want, sample().Notes...)
	if strings.Join(paras, "\n") != strings.Join(want, "\n") {
		t.Errorf("paragraphs\n%q\nwant\n%q", paras, want)
	}
	for _, s := range []string{"<w:tbl>", "<w:tblHeader/>", `w:orient="landscape"`, `w:w="16838"`} {
		if !strings.Contains(doc, s) {
			t.Errorf("document.xml lacks %s", s)
		}
	}
	if n := strings.Count(doc, "<w:tr>"); n != len(shown) {
		t.Errorf("%d table rows, want %d", n, len(shown))
	}
}

func TestWriteHTML(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, sample(), "/bao-cao/ho-so?year=2026"); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, s := range []string{"<thead>", "table-header-group", "A4 landscape", "Chứng thực &amp; &lt;đất đai&gt;", "95,5%", "2,3 GB",
		`href="/bao-cao/ho-so?year=2026"`, "Số liệu tính đến 09:05:07 08/12/2026"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "<nav") {
		t.Error("the printable page has a navigation")
	}
}

// checkPDFText checks that the PDF's text has every cell, the title and
// the notes (the text of a table's cells comes out of pdftotext in no
// fixed order).
func checkPDFText(t *testing.T, pdf []byte) {
	t.Helper()
	text := testenv.PDFText(t, pdf)
	want := []string{sample().Title, sample().Subtitle}
	for _, r := range shown {
		want = append(want, r...)
	}
	want = append(want, sample().Notes...)
	for _, s := range want {
		s = strings.Join(strings.Fields(s), " ")
		if !strings.Contains(text, s) {
			t.Fatalf("the PDF's text lacks %q:\n%s", s, text)
		}
	}
}

func TestWritePDFBasic(t *testing.T) {
	var b bytes.Buffer
	if err := report.WritePDF(context.Background(), &b, sample(), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b.Bytes())
	}
	checkPDFText(t, b.Bytes())
}

func TestExportBounds(t *testing.T) {
	big := sample()
	big.Rows = make([]report.Row, report.MaxRows+1)
	for i := range big.Rows {
		big.Rows[i] = report.Row{Cells: []report.Cell{{Text: strconv.Itoa(i)}, {Number: 1}, {Number: 1}, {Number: 1}}}
	}
	short := sample()
	short.Rows[1].Cells = short.Rows[1].Cells[:3]
	badKind := sample()
	badKind.Columns[1].Kind = "money"
	empty := report.Table{Title: "Trống"}
	long := sample()
	long.Title = strings.Repeat("ế", report.MaxTextRunes+1)
	writers := map[string]func(io.Writer, report.Table) error{
		"xlsx": report.WriteXLSX,
		"docx": report.WriteDOCX,
		"html": func(w io.Writer, t report.Table) error { return report.WriteHTML(w, t, "") },
		"pdf":  func(w io.Writer, t report.Table) error { return report.WritePDF(context.Background(), w, t, nil) },
	}
	for name, write := range writers {
		for _, c := range []struct {
			what string
			t    report.Table
			code string
		}{
			{"10,001 rows", big, "report_too_large"},
			{"a title too long", long, "report_too_large"},
			{"a row short of a cell", short, "report_malformed"},
			{"an unknown kind", badKind, "report_malformed"},
			{"no columns", empty, "report_malformed"},
		} {
			var b bytes.Buffer
			err := write(&b, c.t)
			var ke *kerr.Error
			if !kerr.IsKind(err, kerr.Invalid) || !asKerr(err, &ke) || ke.Code != c.code {
				t.Errorf("%s of %s: %v, want Invalid %s", name, c.what, err, c.code)
			}
			if b.Len() != 0 {
				t.Errorf("%s of %s wrote %d bytes before refusing", name, c.what, b.Len())
			}
		}
	}
	// The largest table allowed is written.
	big.Rows = big.Rows[:report.MaxRows]
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, big); err != nil {
		t.Fatalf("xlsx of %d rows: %v", report.MaxRows, err)
	}
}

func asKerr(err error, target **kerr.Error) bool {
	*target = kerr.Outer(err)
	return *target != nil
}
