package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestReportStats: kho report stats prints the table of the generated
// dataset's figures (the total row's numbers are the dataset's), refuses
// a bad query with exit 2; stats-rebuild marks every dossier pending, and
// once counted again the figures are the same.
func TestReportStats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(data, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	ds, err := workflowtest.Generate(ctx, st, 3, 200)
	if err != nil {
		t.Fatal(err)
	}
	svc := workflowtest.StatsService(st)
	workflowtest.RunStatsJob(t, svc)
	env := map[string]string{"KHO_DATA": data, "USER": "quantri"}

	want := ds.Expect(workflow.StatsQuery{Period: workflow.Period{Kind: workflow.PeriodYear, Year: 2026}, GroupBy: []workflow.Dimension{workflow.DimLevel}})
	check := func(when string) {
		t.Helper()
		code, out, errs := runKho(t, env, "report", "stats", "--period", "year", "--year", "2026", "--group-by", "level")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", when, code, errs)
		}
		for _, s := range []string{"Năm 2026", "Mức độ dịch vụ công", "Đã tiếp nhận", "Dịch vụ cung cấp thông tin trực tuyến", "Số liệu tính đến"} {
			if !strings.Contains(out, s) {
				t.Fatalf("%s: no %q in\n%s", when, s, out)
			}
		}
		total := regexp.MustCompile(`(?m)^Tổng cộng +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)`).FindStringSubmatch(out)
		if total == nil {
			t.Fatalf("%s: no total row in\n%s", when, out)
		}
		for i, n := range []int64{want.Total.Received, want.Total.InProgress, want.Total.Resolved, want.Total.OnTime, want.Total.Late} {
			if total[i+1] != strconv.FormatInt(n, 10) {
				t.Fatalf("%s: total row %q, want %+v\n%s", when, total[0], want.Total, out)
			}
		}
	}
	check("counted")
	if code, _, errs := runKho(t, env, "report", "stats", "--period", "month", "--n", "13"); code != 2 || !strings.Contains(errs, "invalid_stats_query") {
		t.Fatalf("bad month: exit %d %s", code, errs)
	}

	code, out, errs := runKho(t, env, "report", "stats-rebuild", "--batch", "50")
	if code != 0 || !strings.Contains(errs, "Đã đánh dấu đến hồ sơ") || out == "" {
		t.Fatalf("stats-rebuild: exit %d\n%s\n%s", code, out, errs)
	}
	pend, err := st.PendingStats(ctx, 1000)
	if err != nil || len(pend) != len(ds.Facts) {
		t.Fatalf("pending after rebuild: %d (%v), want all %d", len(pend), err, len(ds.Facts))
	}
	workflowtest.RunStatsJob(t, svc)
	check("rebuilt")
}
