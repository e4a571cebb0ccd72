package workflow_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// BenchmarkPeriodicBatch: one batch of the periodic job (200 scheduled
// templates whose run exists: the steady state between two period ends)
// costs the same over 1,000 and 10,000 templates — it reads an index
// from the cursor, never the whole store.
func BenchmarkPeriodicBatch(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e := newEnv(b)
			ctx := b.Context()
			now := time.Date(2026, 12, 8, 10, 0, 0, 0, workflow.Vietnam)
			nov := workflow.Period{Kind: workflow.PeriodMonth, Year: 2026, N: 11}
			var ids []string
			for i := range n {
				id := fmt.Sprintf("%016x", i+1)
				t := workflow.ReportTemplate{ID: id, Scope: workflow.ScopePersonal, Owner: fmt.Sprint("canbo", i%500), OwnerRole: "staff",
					TemplateFields: workflow.TemplateFields{Name: "B", Query: "groupBy=field", Relative: workflow.RelLastMonth,
						Measures: []workflow.Measure{workflow.MeasureReceived}, Format: workflow.FormatHTML, Schedule: workflow.ScheduleMonthly},
					Rev: 1, CreatedAt: now, UpdatedAt: now}
				if err := e.store.CreateReportTemplate(ctx, t); err != nil {
					b.Fatal(err)
				}
				if err := e.store.CreateReportRun(ctx, workflow.ReportRun{ID: workflow.RunID(id, nov), Template: id, Period: nov}); err != nil {
					b.Fatal(err)
				}
				ids = append(ids, id)
			}
			r := workflow.NewReports(workflow.ReportsConfig{Store: e.store, Stats: &handStats{}})
			after := ids[n/2] // a batch from the middle of the store
			b.ResetTimer()
			for b.Loop() {
				res, err := r.RunPeriodic(ctx, now, after, workflow.PeriodicBatch)
				if err != nil || res.Visited != workflow.PeriodicBatch || res.Made != 0 {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}
