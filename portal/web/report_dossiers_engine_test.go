package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestDossierStatsGenerated: over the real engine and the generated
// dataset with known answers, the page, its .xlsx, .docx and PDF show the
// dataset's expected figures for a head of department's agency (the
// issue's "done when" for exports).
func TestDossierStatsGenerated(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	ds, err := workflowtest.Generate(ctx, st, 7, 600)
	if err != nil {
		t.Fatal(err)
	}
	svc := workflowtest.StatsService(st)
	workflowtest.RunStatsJob(t, svc)
	ag := ds.Agencies[0].Code
	head, appraiser := ds.Heads(ag)
	identify := func(r *http.Request) (archive.Actor, bool) {
		sub := r.Header.Get("X-Test-User")
		return archive.Actor{Subject: sub, Role: archive.Role(r.Header.Get("X-Test-Role"))}, sub != ""
	}
	h, err := web.New(web.Config{Workflow: svc, Identify: identify, Now: func() time.Time { return ds.Now }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	get := func(path, user, role string) (*http.Response, string) {
		r, err := http.NewRequest("GET", hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sendAs(t, r, user, role)
	}

	q := workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}, Agency: ag, GroupBy: []workflow.Dimension{workflow.DimField}}
	want := ds.Expect(q)
	if want.Total.Received == 0 || len(want.Rows) < 2 {
		t.Fatalf("the dataset gives %+v: the test proves nothing", want)
	}
	// The expected figures as the table shows them, by group key.
	wantRow := map[string][]string{}
	shown := func(c workflow.StatsCounts) []string {
		cells := []report.Cell{{Number: float64(c.Received)}, {Number: float64(c.InProgress)}, {Number: float64(c.Resolved)},
			{Number: float64(c.OnTime)}, {Number: float64(c.Late)}, {Number: c.OnTimePercent()}, {Number: float64(c.Services)}}
		kinds := []report.CellKind{report.KindCount, report.KindCount, report.KindCount, report.KindCount, report.KindCount, report.KindPercent, report.KindCount}
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = report.Format(report.Column{Kind: kinds[i]}, c)
		}
		return out
	}
	for _, r := range want.Rows {
		wantRow[r.Keys[0]] = shown(r.StatsCounts)
	}
	wantTotal := shown(want.Total)

	path := web.PathDossierStats + "?" + workflow.StatsQuery{Period: q.Period, GroupBy: q.GroupBy}.Values().Encode()
	res, page := get(path, head, "staff")
	if res.StatusCode != 200 {
		t.Fatalf("head: %d\n%s", res.StatusCode, page)
	}
	for key, cells := range wantRow {
		if !strings.Contains(page, ">"+key+"<") {
			t.Errorf("the page lacks the group %q", key)
		}
		if !containsCells(page, cells) {
			t.Errorf("the page lacks the figures of %q: %q", key, cells)
		}
	}
	if !containsCells(page, wantTotal) {
		t.Errorf("the page lacks the total %q", wantTotal)
	}

	// The spreadsheet: the same numbers, as numbers.
	res, body := get(path+"&dinh-dang=xlsx", head, "staff")
	if res.StatusCode != 200 {
		t.Fatalf("xlsx: %d", res.StatusCode)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Báo cáo", excelize.Options{RawCellValue: true})
	f.Close()
	seen := 0
	for _, r := range rows[4:] {
		if len(r) < 8 {
			continue
		}
		var c workflow.StatsCounts
		if r[0] == "Tổng cộng" {
			c = want.Total
		} else if w, ok := findRow(want, r[0]); ok {
			c = w
		} else {
			t.Errorf("xlsx row %q is no expected group", r)
			continue
		}
		seen++
		for i, n := range []int64{c.Received, c.InProgress, c.Resolved, c.OnTime, c.Late} {
			if r[1+i] != strconv.FormatInt(n, 10) {
				t.Errorf("xlsx row %q column %d: want %d", r, 2+i, n)
			}
		}
	}
	if seen != len(want.Rows)+1 {
		t.Errorf("xlsx has %d of %d rows", seen, len(want.Rows)+1)
	}
	// The document and the PDF: the figures as shown.
	for _, format := range []string{"docx", "pdf"} {
		res, body := get(path+"&dinh-dang="+format, head, "staff")
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", format, res.StatusCode)
		}
		var text string
		if format == "pdf" {
			text = testenv.PDFText(t, []byte(body))
		} else {
			text = docxWords(t, []byte(body))
		}
		// The figures of each row follow one another (pdftotext may put
		// a row's label elsewhere).
		for key, cells := range wantRow {
			if !strings.Contains(text, strings.Join(cells, " ")) || !strings.Contains(text, key) {
				t.Errorf("%s lacks the row %q %q:\n%s", format, key, cells, text)
			}
		}
		if !strings.Contains(text, strings.Join(wantTotal, " ")) {
			t.Errorf("%s lacks the total %q", format, wantTotal)
		}
	}
	// An appraiser of the agency gets nothing.
	if res, body := get(path, appraiser, "staff"); res.StatusCode != 403 || strings.Contains(body, wantTotal[0]+"<") {
		t.Errorf("appraiser: %d", res.StatusCode)
	}
}

func findRow(d workflow.DossierStats, label string) (workflow.StatsCounts, bool) {
	for _, r := range d.Rows {
		if r.Keys[0] == label || (len(r.Labels) > 0 && r.Labels[0] == label) {
			return r.StatsCounts, true
		}
	}
	return workflow.StatsCounts{}, false
}

// containsCells reports whether page has the cells one after the other
// in a row.
func containsCells(page string, cells []string) bool {
	return strings.Contains(tdOpen.ReplaceAllString(page, "<td>"), "<td>"+strings.Join(cells, "</td><td>")+"</td>")
}

var tdOpen = regexp.MustCompile(`<td[^>]*>`)

// docxWords is the text of a .docx's document, each run's text followed
// by a space.
func docxWords(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, f := range z.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(rc)
		in := false
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch e := tok.(type) {
			case xml.StartElement:
				in = e.Name.Local == "t"
			case xml.EndElement:
				in = false
			case xml.CharData:
				if in {
					words = append(words, string(e))
				}
			}
		}
		rc.Close()
	}
	return strings.Join(words, " ")
}
