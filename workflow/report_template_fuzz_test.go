package workflow

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzTemplateInput: whatever a person types into a template (its name,
// query, relative period, measures, schedule), checkTemplateInput either
// refuses it with an Invalid error and a message for people, or accepts
// a template whose stored query parses again to the same statistics
// query, within the limits; it never panics.
func FuzzTemplateInput(f *testing.F) {
	f.Add("Hộ tịch", "groupBy=field&f.level=full", "last-month", "received,late", "monthly")
	f.Add("x", "period=quarter&year=2026&n=4&agency=000.00.31.H29", "", "onTimePercent", "")
	f.Add("", "f.color=red", "ytd", "", "daily")
	f.Add("a", "groupBy=field,field", "", "received", "")
	f.Add("b", "f.field=%zz&f.field=", "last-year", "services,services", "yearly")
	f.Add("c\u202e", strings.Repeat("f.procedure=P&", 60), "", "received", "")
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, Vietnam)
	f.Fuzz(func(t *testing.T, name, query, rel, measures, sched string) {
		in := TemplateInput{TemplateFields: TemplateFields{Name: name, Query: query, Relative: RelativePeriod(rel),
			Schedule: Schedule(sched), Format: FormatPDF}}
		for _, m := range strings.Split(measures, ",") {
			in.Measures = append(in.Measures, Measure(m))
		}
		tpl, q, err := checkTemplateInput(in, now)
		if err != nil {
			ke := kerr.Outer(err)
			if ke == nil || ke.Kind != kerr.Invalid || ke.Message == "" || ke.Code == "" {
				t.Fatalf("refusal %v is not Invalid with a message", err)
			}
			return
		}
		if len(tpl.Query) > 4*maxTemplateQuery || len([]rune(tpl.Name)) > maxTemplateName || len(tpl.Measures) == 0 {
			t.Fatalf("accepted beyond the limits: %+v", tpl)
		}
		again, err := tpl.StatsQuery(now)
		if err != nil {
			t.Fatalf("stored query %q does not parse again: %v", tpl.Query, err)
		}
		if !reflect.DeepEqual(again, q) {
			t.Fatalf("stored query %q parses to %+v, was %+v", tpl.Query, again, q)
		}
	})
}
