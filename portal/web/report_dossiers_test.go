package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// The staff of the statistics tests, beside the desk officer (no head
// nor leader) and the other agency's officer (every position there).
const (
	statsLeader = "lanhdao1"
	statsHead   = "truongphong1"
)

// exportHandStats answers every query with the same hand-built figures, one
// row per field, and keeps the queries it was asked.
type exportHandStats struct {
	mu    sync.Mutex
	asked []workflow.StatsQuery
	extra int // more rows, to make a table too large
}

func (s *exportHandStats) DossierStats(_ context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error) {
	s.mu.Lock()
	s.asked = append(s.asked, q)
	extra := s.extra
	s.mu.Unlock()
	d := workflow.DossierStats{Query: q, PeriodLabel: q.Period.Label(time.Now()), AgencyName: "Ủy ban nhân dân phường Bến Nghé",
		AsOf:  time.Date(2026, 12, 8, 2, 5, 7, 0, time.UTC),
		Total: workflow.StatsCounts{Received: 4321, InProgress: 321, Resolved: 4000, OnTime: 3900, Late: 100, Services: 17}}
	if len(q.GroupBy) == 1 {
		d.Rows = []workflow.StatsRow{
			{Keys: []string{"HT"}, Labels: []string{"Hộ tịch"}, StatsCounts: workflow.StatsCounts{Received: 4000, InProgress: 300, Resolved: 3700, OnTime: 3650, Late: 50, Services: 12}},
			{Keys: []string{"CT"}, Labels: []string{"Chứng thực"}, StatsCounts: workflow.StatsCounts{Received: 321, InProgress: 21, Resolved: 300, OnTime: 250, Late: 50, Services: 5}},
		}
		for i := range extra {
			d.Rows = append(d.Rows, workflow.StatsRow{Keys: []string{fmt.Sprint(i)}, Labels: []string{fmt.Sprint(i)}})
		}
	}
	return d, nil
}

func (s *exportHandStats) queries() []workflow.StatsQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]workflow.StatsQuery(nil), s.asked...)
}

// newStatsSite is the staff pages with a leader and a head of department
// of the ward, answering statistics from src.
func newStatsSite(t *testing.T, src web.DossierStatsSource) *staffSite {
	t.Helper()
	return newStaffSiteWith(t, 0, nil, nil, staffSiteOptions{
		staff: []workflow.Staff{
			{Subject: statsLeader, Name: "Nguyễn Thị Lãnh Đạo", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleLeader}},
			{Subject: statsHead, Name: "Trần Văn Trưởng", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleHead}},
		},
		config: func(_ *staffSite, c *web.Config) { c.DossierStats = src },
	})
}

const statsYear = web.PathDossierStats + "?groupBy=field&period=year&year=2026"

func TestDossierStatsPage(t *testing.T) {
	src := &exportHandStats{}
	s := newStatsSite(t, src)
	for _, who := range []string{statsLeader, statsHead} {
		res, body := s.do(t, "GET", statsYear, who, "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", who, res.StatusCode, body)
		}
		for _, want := range []string{"Hộ tịch", "Chứng thực", "4.321", "3.650", "97,5%", "Tổng cộng", "Năm 2026",
			"Tải bảng tính (.xlsx)", "Tải văn bản (.docx)", "Tải PDF", "In báo cáo",
			`href="/bao-cao/ho-so?agency=000.00.31.H29&amp;dinh-dang=xlsx&amp;groupBy=field&amp;period=year&amp;year=2026"`,
			`href="/bao-cao/ho-so?agency=000.00.31.H29&amp;groupBy=field&amp;in=1&amp;period=year&amp;year=2026"`,
			`<label for="ky">`, `<label for="nhom-2">`, `<label for="loc-can-bo">`, `name="f.officer"`, `method="get"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", who, want)
			}
		}
	}
	// Staff see their own agency; the query carries it.
	for _, q := range src.queries() {
		if q.Agency != ward || q.Period != (workflow.Period{Kind: workflow.PeriodYear, Year: 2026}) || len(q.GroupBy) != 1 {
			t.Errorf("asked %+v", q)
		}
	}
	// An admin sees any agency, or all.
	res, body := s.do(t, "GET", web.PathDossierStats+"?agency="+otherWard+"&period=ytd&year=2026", "quantri", "admin", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "4.321") || !strings.Contains(body, `<label for="co-quan">`) {
		t.Fatalf("admin: %d", res.StatusCode)
	}
	if q := src.queries(); q[len(q)-1].Agency != otherWard {
		t.Errorf("admin asked %+v", q[len(q)-1])
	}
}

// TestDossierStatsPageForm: a form sent with empty fields and two group-by
// choices is sent on to the query's canonical address (StatsQuery.Values).
func TestDossierStatsPageForm(t *testing.T) {
	s := newStatsSite(t, &exportHandStats{})
	form := url.Values{"period": {"quarter"}, "year": {"2026"}, "n": {"2"}, "groupBy": {"field", "month"}, "f.status": {""}, "f.level": {"full"}, "f.officer": {""}}
	res, _ := s.do(t, "GET", web.PathDossierStats+"?"+form.Encode(), statsLeader, "", nil)
	want := workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 2},
		GroupBy: []workflow.Dimension{workflow.DimField, workflow.DimMonth}, Filter: map[workflow.Dimension][]string{workflow.DimLevel: {"full"}}}
	if res.StatusCode != 303 || res.Header.Get("Location") != web.PathDossierStats+"?"+want.Values().Encode() {
		t.Fatalf("%d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), web.PathDossierStats+"?"+want.Values().Encode())
	}
	// A year drops the month the form still carries.
	res, _ = s.do(t, "GET", web.PathDossierStats+"?period=year&year=2026&n=4", statsLeader, "", nil)
	if res.StatusCode != 303 || res.Header.Get("Location") != web.PathDossierStats+"?period=year&year=2026" {
		t.Fatalf("%d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestDossierStatsPageBadQuery: a bad query is the page's error summary
// linking to the field, with status 400, never a 500.
func TestDossierStatsPageBadQuery(t *testing.T) {
	src := &exportHandStats{}
	s := newStatsSite(t, src)
	for _, c := range []struct{ query, field, msg string }{
		{"period=month&year=2026", "so-ky", "nhập tháng từ 1 đến 12"},
		{"period=quarter&year=2026&n=5", "so-ky", "nhập quý từ 1 đến 4"},
		{"period=year&year=abc", "nam", "Năm phải là số"},
		{"period=decade&year=2026", "ky", "Chọn kỳ thống kê"},
		{"period=year&year=2026&groupBy=field,field", "nhom-1", "phải khác nhau"},
		{"period=year&year=2026&groupBy=field,month,level", "ky", "không hợp lệ"},
		{"period=year&year=2026&f.bogus=1", "ky", "không hợp lệ"},
		{"period=year&year=2026&bogus=1", "ky", "không hợp lệ"},
		{"period=year&year=2026&dinh-dang=xls", "", "Định dạng tệp báo cáo không hợp lệ"},
	} {
		res, body := s.do(t, "GET", web.PathDossierStats+"?"+c.query, statsLeader, "", nil)
		if res.StatusCode != 400 || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d, want 400 with %q\n%s", c.query, res.StatusCode, c.msg, body)
			continue
		}
		if c.field != "" && (!strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `href="#`+c.field+`"`)) {
			t.Errorf("%s: no error summary linking to #%s", c.query, c.field)
		}
	}
	if n := len(src.queries()); n != 1 { // the bad format only: the others are refused before
		t.Errorf("the engine was asked %d times", n)
	}
}

// TestDossierStatsPagePrivacy: nobody but a head or leader of the agency
// and admins sees any figure.
func TestDossierStatsPagePrivacy(t *testing.T) {
	src := &exportHandStats{}
	s := newStatsSite(t, src)
	paths := []string{statsYear, statsYear + "&dinh-dang=xlsx", statsYear + "&dinh-dang=docx", statsYear + "&dinh-dang=pdf", statsYear + "&in=1"}
	for _, path := range paths {
		res, _ := s.do(t, "GET", path, "", "", nil)
		if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "dang-nhap") {
			t.Errorf("signed out %s: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
		for _, who := range []struct{ sub, role string }{{"079123456789", "citizen"}, {deskSub, "staff"}, {"vangla1", "staff"}} {
			res, body := s.do(t, "GET", path, who.sub, who.role, nil)
			if res.StatusCode != 403 || strings.Contains(body, "4.321") || strings.Contains(body, "4321") {
				t.Errorf("%s %s: %d", who.role, who.sub, res.StatusCode)
			}
		}
		// Another agency's leader asking for the ward's figures.
		res, body := s.do(t, "GET", path+"&agency="+ward, outSub, "", nil)
		if res.StatusCode != 403 || strings.Contains(body, "4.321") {
			t.Errorf("other agency's leader %s: %d", path, res.StatusCode)
		}
	}
	if q := src.queries(); len(q) != 0 {
		t.Fatalf("the engine was asked for %+v", q)
	}
	// Without an agency, the other agency's leader gets their own.
	if res, _ := s.do(t, "GET", statsYear, outSub, "", nil); res.StatusCode != 200 {
		t.Fatalf("other agency's leader for their own: %d", res.StatusCode)
	}
	if q := src.queries(); len(q) != 1 || q[0].Agency != otherWard {
		t.Errorf("asked %+v", q)
	}
}

// TestDossierStatsExports: the three files and the printable page carry
// the page's figures.
func TestDossierStatsExports(t *testing.T) {
	s := newStatsSite(t, &exportHandStats{})
	get := func(format string) ([]byte, string, string) {
		t.Helper()
		res, body := s.do(t, "GET", statsYear+"&"+format, statsLeader, "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", format, res.StatusCode, body)
		}
		return []byte(body), res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition")
	}
	b, ct, cd := get("dinh-dang=xlsx")
	if ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || cd != `attachment; filename=thong-ke-ho-so-2026.xlsx` {
		t.Errorf("xlsx: %q, %q", ct, cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Báo cáo", excelize.Options{RawCellValue: true})
	f.Close()
	if len(rows) < 7 || strings.Join(rows[4][:3], "|") != "Hộ tịch|4000|300" || strings.Join(rows[6][:2], "|") != "Tổng cộng|4321" {
		t.Errorf("xlsx rows %q", rows)
	}
	b, ct, cd = get("dinh-dang=docx")
	if !strings.HasPrefix(ct, "application/vnd.openxmlformats-officedocument.wordprocessingml") || cd != `attachment; filename=thong-ke-ho-so-2026.docx` {
		t.Errorf("docx: %q, %q", ct, cd)
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range z.File {
		if zf.Name == "word/document.xml" {
			rc, _ := zf.Open()
			doc, _ := io.ReadAll(rc)
			rc.Close()
			for _, want := range []string{"Hộ tịch", "4.321", "3.650", "97,5%"} {
				if !bytes.Contains(doc, []byte(want)) {
					t.Errorf("docx lacks %q", want)
				}
			}
		}
	}
	b, ct, cd = get("dinh-dang=pdf")
	if ct != "application/pdf" || cd != `attachment; filename=thong-ke-ho-so-2026.pdf` {
		t.Errorf("pdf: %q, %q", ct, cd)
	}
	text := testenv.PDFText(t, b)
	for _, want := range []string{"giải quyết hồ sơ", "Hộ tịch", "4.321", "3.650", "97,5%"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdf lacks %q:\n%s", want, text)
		}
	}
	b, ct, _ = get("in=1")
	page := string(b)
	if !strings.HasPrefix(ct, "text/html") || !strings.Contains(page, "table-header-group") || !strings.Contains(page, "A4 landscape") ||
		!strings.Contains(page, "4.321") || strings.Contains(page, "<nav") || !strings.Contains(page, `href="/bao-cao/ho-so?groupBy=field&amp;period=year&amp;year=2026"`) {
		t.Errorf("printable page:\n%s", page)
	}
}

// TestDossierStatsExportTooLarge: a table over the bound is refused with
// the error page, not a cut file.
func TestDossierStatsExportTooLarge(t *testing.T) {
	s := newStatsSite(t, &exportHandStats{extra: 10_000})
	res, body := s.do(t, "GET", statsYear+"&dinh-dang=xlsx", statsLeader, "", nil)
	if res.StatusCode != 400 || !strings.Contains(body, "Báo cáo quá lớn") || strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd") {
		t.Fatalf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
