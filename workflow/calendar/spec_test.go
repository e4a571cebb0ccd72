package calendar_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, s string) calendar.Spec {
	t.Helper()
	spec, err := calendar.ParseSpec(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func date(s string) archive.Date {
	d, err := archive.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestShippedHolidays checks the shipped 2025-2026 days against the
// government's decisions as listed in shipped.go: each is on the weekday
// the decision names, every holiday on a day otherwise worked except Giỗ
// Tổ 2026 (a Sunday), every make-up day a Saturday.
func TestShippedHolidays(t *testing.T) {
	s, err := calendar.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, s.Years); string(got) != "[2025,2026]" {
		t.Fatalf("years %s", got)
	}
	want := map[string]time.Weekday{
		"2025-01-01": time.Wednesday, "2025-01-27": time.Monday, "2025-01-31": time.Friday, "2025-04-07": time.Monday,
		"2025-04-26": time.Saturday, "2025-05-02": time.Friday, "2025-09-01": time.Monday, "2025-09-02": time.Tuesday,
		"2026-01-02": time.Friday, "2026-01-10": time.Saturday, "2026-02-16": time.Monday, "2026-02-20": time.Friday,
		"2026-04-26": time.Sunday, "2026-04-27": time.Monday, "2026-08-22": time.Saturday, "2026-08-31": time.Monday,
		"2026-09-02": time.Wednesday,
	}
	holidays, workdays := 0, 0
	for _, d := range s.Days {
		wd := time.Date(d.Date.Year, d.Date.Month, d.Date.Day, 0, 0, 0, 0, time.UTC).Weekday()
		if w, ok := want[d.Date.String()]; ok && w != wd {
			t.Errorf("%s is a %v, want %v", d.Date, wd, w)
		}
		switch {
		case d.Kind == calendar.Workday && wd != time.Saturday:
			t.Errorf("make-up day %s is a %v", d.Date, wd)
		case d.Kind == calendar.Holiday && (wd == time.Saturday || wd == time.Sunday) && d.Date.String() != "2026-04-26":
			t.Errorf("holiday %s falls on a %v", d.Date, wd)
		case d.Kind == calendar.Holiday:
			holidays++
		default:
			workdays++
		}
	}
	// 2025: 1 + 5 + 1 + 3 + 2 weekdays off, one make-up Saturday; 2026:
	// 2 + 5 + 1 (+ Sunday 26/04) + 2 + 3, two make-up Saturdays.
	if holidays != 12+14 || workdays != 3 {
		t.Fatalf("%d holidays and %d make-up days, want 26 and 3", holidays, workdays)
	}
	c := shipped(t)
	for _, tet := range []string{"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"} {
		if c.WorkingDay(date(tet)) {
			t.Errorf("%s (Tết Bính Ngọ) is a working day", tet)
		}
	}
	if !c.WorkingDay(date("2026-01-10")) || len(c.Hours(date("2026-01-10"))) != 2 {
		t.Errorf("make-up Saturday 10/01/2026: hours %v, want a regular day's", c.Hours(date("2026-01-10")))
	}
	if c.RegularDay() != 8*time.Hour {
		t.Errorf("regular day %v, want 8h", c.RegularDay())
	}
}

func TestParseSpecRefuses(t *testing.T) {
	tests := []struct{ name, body, code string }{
		{"not JSON", `{`, "invalid_calendar_json"},
		{"unknown field", `{"holidays":[]}`, "invalid_calendar_json"},
		{"two values", `{} {}`, "invalid_calendar_json"},
		{"bad period", `{"hours":{"monday":["8:00-12:00"]}}`, "invalid_working_period"},
		{"period backwards", `{"hours":{"monday":["17:00-08:00"]}}`, "invalid_working_period"},
		{"period past midnight", `{"hours":{"monday":["20:00-24:01"]}}`, "invalid_working_period"},
		{"overlapping periods", `{"hours":{"monday":["08:00-12:00","11:00-13:00"]}}`, "overlapping_working_periods"},
		{"no working time", `{"hours":{}}`, "no_working_hours"},
		{"too many periods", `{"hours":{"monday":["01:00-02:00","02:00-03:00","03:00-04:00","04:00-05:00","05:00-06:00","06:00-07:00","07:00-08:00"]}}`, "too_many_working_periods"},
		{"bad date", `{"years":[2026],"days":[{"date":"2026-02-30","kind":"holiday","name":"x"}]}`, "invalid_calendar_date"},
		{"date not a string", `{"years":[2026],"days":[{"date":20260901,"kind":"holiday","name":"x"}]}`, "invalid_calendar_date"},
		{"unknown field in a day", `{"years":[2026],"days":[{"date":"2026-09-01","kind":"holiday","name":"x","note":"y"}]}`, "invalid_calendar_json"},
		{"day not an object", `{"years":[2026],"days":["2026-09-01"]}`, "invalid_calendar_json"},
		{"no date", `{"years":[2026],"days":[{"kind":"holiday","name":"x"}]}`, "invalid_calendar_date"},
		{"day outside years", `{"years":[2025],"days":[{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`, "calendar_day_outside_years"},
		{"day twice", `{"years":[2026],"days":[{"date":"2026-01-01","kind":"holiday","name":"a"},{"date":"2026-01-01","kind":"workday","name":"b"}]}`, "calendar_day_repeated"},
		{"year twice", `{"years":[2026,2026]}`, "calendar_year_repeated"},
		{"year out of range", `{"years":[1999]}`, "calendar_year_out_of_range"},
		{"unknown kind", `{"years":[2026],"days":[{"date":"2026-01-01","kind":"off","name":"a"}]}`, "invalid_calendar_day_kind"},
		{"holiday with hours", `{"years":[2026],"days":[{"date":"2026-01-01","kind":"holiday","name":"a","hours":["08:00-12:00"]}]}`, "holiday_with_hours"},
		{"no name", `{"years":[2026],"days":[{"date":"2026-01-01","kind":"holiday","name":"  "}]}`, "invalid_calendar_day_name"},
		{"bidi in name", `{"years":[2026],"days":[{"date":"2026-01-01","kind":"holiday","name":"T\u202eết"}]}`, "invalid_calendar_day_name"},
		{"bad agency", `{"agency":"../x y"}`, "invalid_agency_code"},
		{"too large", `{"agency":"` + strings.Repeat("a", calendar.MaxSpecBytes) + `"}`, "calendar_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := calendar.ParseSpec(strings.NewReader(tt.body))
			wantCode(t, err, tt.code)
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.TooLarge {
				t.Fatalf("kind %v", k)
			}
		})
	}
	var many strings.Builder
	many.WriteString(`{"years":[2026],"days":[`)
	for i := range calendar.MaxDays + 1 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"date":"2026-01-01","kind":"holiday","name":"x"}`)
	}
	many.WriteString(`]}`)
	_, err := calendar.ParseSpec(strings.NewReader(many.String()))
	wantCode(t, err, "too_many_calendar_days")
}

func TestMergeAndEffective(t *testing.T) {
	stored := parse(t, `{"years":[2025,2026],"days":[
		{"date":"2025-01-01","kind":"holiday","name":"Tết Dương lịch"},
		{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch"},
		{"date":"2026-01-02","kind":"holiday","name":"cũ"}]}`)
	update := parse(t, `{"hours":{"monday":["07:30-11:30","13:00-17:00"]},"years":[2026,2027],"days":[
		{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"},
		{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`)
	got := stored.Merge(update)
	want := `{"hours":{"monday":["07:30-11:30","13:00-17:00"]},"years":[2025,2026,2027],"days":[` +
		`{"date":"2025-01-01","kind":"holiday","name":"Tết Dương lịch"},` +
		`{"date":"2026-01-01","kind":"holiday","name":"Tết Dương lịch"},` +
		`{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`
	if b := mustJSON(t, got); string(b) != want {
		t.Fatalf("merged\n got %s\nwant %s", b, want)
	}
	if err := got.Check(); err != nil {
		t.Fatal(err)
	}
	// Merging the same update again changes nothing.
	if a, b := mustJSON(t, got.Merge(update)), mustJSON(t, got); string(a) != string(b) {
		t.Fatalf("not idempotent:\n%s\n%s", a, b)
	}
	if y := got.Year(2026); len(y.Days) != 1 || len(y.Years) != 1 || y.Year(2030).Years != nil {
		t.Fatalf("Year(2026) = %+v", y)
	}

	// An agency: its own Saturday hours and a day of its own over the
	// national one; the national years.
	agency := parse(t, `{"agency":"000.00.31.H29","hours":{"monday":["07:30-11:30"],"saturday":["07:30-11:30"]},"years":[2026],"days":[
		{"date":"2026-01-01","kind":"workday","name":"Trực Tết Dương lịch","hours":["08:00-10:00"]}]}`)
	eff := calendar.Effective(got, agency)
	c, err := calendar.New(eff)
	if err != nil {
		t.Fatal(err)
	}
	if c.Agency() != "000.00.31.H29" || !c.WorkingDay(date("2026-03-07")) || c.WorkingDay(date("2027-01-01")) || !c.Known(2027) {
		t.Fatalf("effective agency calendar wrong: %s", mustJSON(t, eff))
	}
	if h := c.Hours(date("2026-01-01")); len(h) != 1 || h[0].String() != "08:00-10:00" {
		t.Fatalf("agency day: hours %v", h)
	}
	// No national week and no agency week: the default week.
	if eff := calendar.Effective(calendar.Spec{}, calendar.Spec{Agency: "X"}); eff.Hours == nil || len(eff.Hours.Monday) != 2 {
		t.Fatalf("default week missing: %s", mustJSON(t, eff))
	}
}
