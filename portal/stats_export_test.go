package portal_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// fixedStats answers every query with the same hand-built figures, one
// row per field, and keeps what it was asked.
type fixedStats struct {
	mu    sync.Mutex
	asked []workflow.StatsQuery
}

func (s *fixedStats) DossierStats(_ context.Context, _ archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error) {
	s.mu.Lock()
	s.asked = append(s.asked, q)
	s.mu.Unlock()
	return workflow.DossierStats{Query: q, PeriodLabel: q.Period.Label(time.Now()), AsOf: time.Date(2026, 12, 8, 2, 5, 7, 0, time.UTC),
		Rows: []workflow.StatsRow{{Keys: []string{"HT"}, Labels: []string{"Hộ tịch"},
			StatsCounts: workflow.StatsCounts{Received: 4321, InProgress: 321, Resolved: 4000, OnTime: 3900, Late: 100, Services: 17}}},
		Total: workflow.StatsCounts{Received: 4321, InProgress: 321, Resolved: 4000, OnTime: 3900, Late: 100, Services: 17}}, nil
}

func (s *fixedStats) queries() []workflow.StatsQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]workflow.StatsQuery(nil), s.asked...)
}

// TestStatsExportAPI: GET /api/v1/stats/dossiers/export gives heads and
// leaders their agency's table, admins any agency's, as .xlsx, .docx and
// PDF; nobody else gets anything.
func TestStatsExportAPI(t *testing.T) {
	src := &fixedStats{}
	e := newEnv(t, func(o *envOptions) { o.portal.DossierStats = src })
	st := e.directory()
	const path = "/api/v1/stats/dossiers/export?period=quarter&year=2026&n=1&groupBy=field"

	r := e.do(call{method: "GET", path: path + "&format=xlsx", token: st.leader}).want(t, 200, "")
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="thong-ke-ho-so-2026-q1.xlsx"; filename*=UTF-8''thong-ke-ho-so-2026-q1.xlsx` &&
		cd != `attachment; filename=thong-ke-ho-so-2026-q1.xlsx` {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Báo cáo", excelize.Options{RawCellValue: true})
	f.Close()
	if len(rows) < 6 || rows[4][0] != "Hộ tịch" || rows[4][1] != "4321" || rows[5][0] != "Tổng cộng" {
		t.Errorf("xlsx rows %q", rows)
	}
	r = e.do(call{method: "GET", path: path + "&format=docx", token: st.head}).want(t, 200, "")
	if _, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body))); err != nil || !bytes.Contains(r.body, []byte("word/document.xml")) {
		t.Errorf("docx: %v", err)
	}
	r = e.do(call{method: "GET", path: path + "&format=pdf", token: e.admin}).want(t, 200, "")
	if text := testenv.PDFText(t, r.body); !bytes.Contains([]byte(text), []byte("4.321")) || !bytes.Contains([]byte(text), []byte("Hộ tịch")) {
		t.Errorf("pdf text %q", text)
	}
	if q := src.queries(); len(q) != 3 || q[0].Agency != ward || q[1].Agency != ward || q[2].Agency != "" ||
		q[0].Period != (workflow.Period{Kind: workflow.PeriodQuarter, Year: 2026, N: 1}) {
		t.Errorf("asked %+v", q)
	}

	// Nobody else gets anything, and the engine is not asked.
	before := len(src.queries())
	e.do(call{method: "GET", path: path + "&format=xlsx", expect: specInvalid}).want(t, 401, "")
	e.do(call{method: "GET", path: path + "&format=xlsx", token: e.citizenA}).want(t, 403, "stats_not_allowed")
	e.do(call{method: "GET", path: path + "&format=xlsx", token: st.desk}).want(t, 403, "stats_not_allowed")
	e.do(call{method: "GET", path: path + "&format=xlsx", token: st.appraiser}).want(t, 403, "stats_not_allowed")
	e.do(call{method: "GET", path: path + "&format=xlsx&agency=" + ward, token: st.outsider}).want(t, 403, "other_agency")
	// Bad input.
	e.do(call{method: "GET", path: path + "&format=xls", token: st.leader, expect: specInvalid}).want(t, 400, "report_format")
	e.do(call{method: "GET", path: path, token: st.leader, expect: specInvalid}).want(t, 400, "report_format")
	e.do(call{method: "GET", path: path + "&format=pdf&n=7", token: st.leader}).want(t, 400, "invalid_stats_query")
	e.do(call{method: "GET", path: path + "&format=pdf&f.bogus=1", token: st.leader}).want(t, 400, "invalid_stats_query")
	if n := len(src.queries()); n != before {
		t.Errorf("the engine was asked %d more times", n-before)
	}
}

// TestStatsExportAPIGenerated: over the real engine and the generated
// dataset with known answers, the .xlsx of a head of department's agency
// has the dataset's expected figures.
func TestStatsExportAPIGenerated(t *testing.T) {
	e := newEnv(t)
	ds, err := workflowtest.Generate(context.Background(), e.store, 7, 600)
	if err != nil {
		t.Fatal(err)
	}
	workflowtest.RunStatsJob(t, e.wf)
	ag := ds.Agencies[0].Code
	head, appraiser := ds.Heads(ag)
	q := workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}, GroupBy: []workflow.Dimension{workflow.DimField}}
	path := "/api/v1/stats/dossiers/export?format=xlsx&" + q.Values().Encode()
	q.Agency = ag
	want := ds.Expect(q)
	if want.Total.Received == 0 || len(want.Rows) < 2 {
		t.Fatalf("the dataset gives %+v: the test proves nothing", want)
	}
	r := e.do(call{method: "GET", path: path, token: e.token(head, archive.RoleStaff, time.Time{})}).want(t, 200, "")
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Báo cáo", excelize.Options{RawCellValue: true})
	f.Close()
	byKey := map[string]workflow.StatsCounts{"Tổng cộng": want.Total}
	for _, w := range want.Rows {
		byKey[w.Keys[0]] = w.StatsCounts
	}
	seen := 0
	for _, row := range rows[4:] {
		if len(row) < 8 {
			continue
		}
		c, ok := byKey[row[0]]
		if !ok {
			t.Errorf("row %q is no expected group", row)
			continue
		}
		seen++
		for i, n := range []int64{c.Received, c.InProgress, c.Resolved, c.OnTime, c.Late} {
			if row[1+i] != strconv.FormatInt(n, 10) {
				t.Errorf("row %q column %d: want %d", row, 2+i, n)
			}
		}
	}
	if seen != len(want.Rows)+1 {
		t.Errorf("%d of %d rows", seen, len(want.Rows)+1)
	}
	e.do(call{method: "GET", path: path, token: e.token(appraiser, archive.RoleStaff, time.Time{})}).want(t, 403, "stats_not_allowed")
}
