package portal_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow/calendar"
)

// calendarJSON is the calendar as the API sends it.
type calendarJSON struct {
	Agency string `json:"agency"`
	Hours  struct {
		Monday   []string `json:"monday"`
		Saturday []string `json:"saturday"`
	} `json:"hours"`
	Years []int `json:"years"`
	Days  []struct {
		Date, Kind, Name string
		Hours            []string
	} `json:"days"`
}

func (c calendarJSON) has(date, kind string) bool {
	return slices.ContainsFunc(c.Days, func(d struct {
		Date, Kind, Name string
		Hours            []string
	}) bool {
		return d.Date == date && d.Kind == kind
	})
}

func TestCalendarAPI(t *testing.T) {
	e := newEnv(t)

	// Public: no token. Before any change, the shipped calendar, no ETag.
	var got calendarJSON
	r := e.do(getCall("/api/v1/calendar")).want(t, http.StatusOK, "")
	r.json(t, &got)
	if r.header.Get("ETag") != "" || !got.has("2026-02-17", "holiday") || !got.has("2026-01-10", "workday") ||
		!slices.Equal(got.Years, []int{2025, 2026}) || !slices.Equal(got.Hours.Monday, []string{"08:00-12:00", "13:00-17:00"}) {
		t.Fatalf("shipped calendar: ETag %q, %s", r.header.Get("ETag"), truncate(r.body))
	}
	r = e.do(getCall("/api/v1/calendar?year=2025")).want(t, http.StatusOK, "")
	got = calendarJSON{}
	r.json(t, &got)
	if len(got.Days) != 13 || got.has("2026-02-17", "holiday") || !slices.Equal(got.Years, []int{2025}) {
		t.Fatalf("2025 only: %s", truncate(r.body))
	}

	// Only an admin changes it.
	add2027 := `{"years":[2027],"days":[{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"}]}`
	for _, tok := range []string{"", e.citizenA, e.staff} {
		c := jsonCall("PUT", "/api/v1/calendar", add2027)
		c.token = tok
		want, code := http.StatusForbidden, "admin_only"
		if tok == "" {
			want, code = http.StatusUnauthorized, ""
			c.expect = specInvalid // the spec asks for a token
		}
		e.do(c).want(t, want, code)
	}
	c := jsonCall("PUT", "/api/v1/calendar", add2027)
	c.token = e.admin
	r = e.do(c).want(t, http.StatusOK, "")
	if r.header.Get("ETag") != `"1"` {
		t.Fatalf("ETag %q after the first change", r.header.Get("ETag"))
	}
	r = e.do(getCall("/api/v1/calendar?year=2027")).want(t, http.StatusOK, "")
	got = calendarJSON{}
	r.json(t, &got)
	if r.header.Get("ETag") != `"1"` || !got.has("2027-01-01", "holiday") || !slices.Equal(got.Years, []int{2027}) {
		t.Fatalf("2027 after the change: ETag %q, %s", r.header.Get("ETag"), truncate(r.body))
	}
	if logs := e.logs.find("calendar updated"); len(logs) != 1 || logs[0]["actor"] != "quantri" {
		t.Fatalf("change logs: %v", logs)
	}

	// A stale If-Match is a conflict and changes nothing.
	empty2027 := func(ifMatch string) call {
		c := jsonCall("PUT", "/api/v1/calendar", `{"years":[2027]}`)
		c.token = e.admin
		return withHeader(c, "If-Match", ifMatch)
	}
	e.do(empty2027(`"7"`)).want(t, http.StatusConflict, "calendar_changed")
	e.do(empty2027(`"1"`)).want(t, http.StatusOK, "")
	r = e.do(getCall("/api/v1/calendar?year=2027")).want(t, http.StatusOK, "")
	got = calendarJSON{}
	r.json(t, &got)
	if r.header.Get("ETag") != `"2"` || len(got.Days) != 0 {
		t.Fatalf("2027 emptied at rev 1: ETag %q, %s", r.header.Get("ETag"), truncate(r.body))
	}

	// An agency's own Saturday hours, over the national calendar.
	c = jsonCall("PUT", "/api/v1/calendar", `{"agency":"000.00.31.H29","hours":{"monday":["07:30-11:30","13:00-17:00"],"saturday":["07:30-11:30"]}}`)
	c.token = e.admin
	e.do(c).want(t, http.StatusOK, "")
	r = e.do(getCall("/api/v1/calendar?agency=000.00.31.H29&year=2026")).want(t, http.StatusOK, "")
	got = calendarJSON{}
	r.json(t, &got)
	if got.Agency != "000.00.31.H29" || !slices.Equal(got.Hours.Saturday, []string{"07:30-11:30"}) || !got.has("2026-02-17", "holiday") {
		t.Fatalf("agency calendar: %s", truncate(r.body))
	}
}

func TestCalendarAPIRefuses(t *testing.T) {
	e := newEnv(t)
	put := func(body string) call {
		c := jsonCall("PUT", "/api/v1/calendar", body)
		c.token = e.admin
		return c
	}
	bad := getCall("/api/v1/calendar?agency=a%20b")
	bad.expect = specInvalid
	e.do(bad).want(t, http.StatusBadRequest, "invalid_agency_code")
	bad = getCall("/api/v1/calendar?year=1999")
	bad.expect = specInvalid
	e.do(bad).want(t, http.StatusBadRequest, "invalid_parameter")
	bad = getCall("/api/v1/calendar?month=2")
	e.do(bad).want(t, http.StatusBadRequest, "unknown_parameter")

	e.do(put(`{"years":[2026],"days":[{"date":"2027-01-01","kind":"holiday","name":"x"}]}`)).want(t, http.StatusBadRequest, "calendar_day_outside_years")
	// A period that ends before it starts: the spec's pattern cannot say so.
	e.do(put(`{"hours":{"monday":["17:00-08:00"]}}`)).want(t, http.StatusBadRequest, "invalid_working_period")
	// Malformed JSON, dates and years out of range, a bad name.
	for _, tc := range []struct{ body, code string }{
		{`{"years":[2026],"days":[{"date":"2026-09-02"`, "invalid_calendar_json"},
		{`{"years":[2026]}{}`, "invalid_calendar_json"},
		{`{"years":[2026],"days":[{"date":"2026-02-30","kind":"holiday","name":"x"}]}`, "invalid_calendar_date"},
		{`{"years":[2300],"days":[{"date":"2300-01-01","kind":"holiday","name":"x"}]}`, "calendar_year_out_of_range"},
		{`{"years":[1999]}`, "calendar_year_out_of_range"},
		{`{"years":[2026],"days":[{"date":"2026-09-02","kind":"holiday","name":"Qu\u202eốc khánh"}]}`, "invalid_calendar_day_name"},
		{`{"years":[2026],"days":[{"date":"2026-09-02","kind":"holiday","name":"Quốc khánh"},{"date":"2026-09-02","kind":"workday","name":"x"}]}`, "calendar_day_repeated"},
		{`{"years":[2026],"days":[{"date":"2026-09-02","kind":"holiday","name":"Quốc khánh","hours":["08:00-12:00"]}]}`, "holiday_with_hours"},
	} {
		c := put(tc.body)
		c.expect = specSkip // the validator's verdict differs by case; the server's is what counts here
		e.do(c).want(t, http.StatusBadRequest, tc.code)
	}
	// More exceptional days than a calendar may hold.
	var many strings.Builder
	many.WriteString(`{"years":[2030,2031,2032,2033,2034,2035,2036,2037,2038,2039],"days":[`)
	for i := range calendar.MaxDays + 1 {
		if i > 0 {
			many.WriteByte(',')
		}
		d := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		fmt.Fprintf(&many, `{"date":%q,"kind":"holiday","name":"Nghỉ"}`, d.Format(time.DateOnly))
	}
	many.WriteString(`]}`)
	c := put(many.String())
	c.expect = specInvalid
	e.do(c).want(t, http.StatusRequestEntityTooLarge, "too_many_calendar_days")

	c = put(`{"holidays":[]}`)
	c.expect = specInvalid
	e.do(c).want(t, http.StatusBadRequest, "invalid_calendar_json")
	c = put(`{"agency":"` + strings.Repeat("a", calendar.MaxSpecBytes) + `"}`)
	c.expect = specInvalid
	e.do(c).want(t, http.StatusRequestEntityTooLarge, "calendar_too_large")
	c = put(`{}`)
	c.contentType = "text/plain"
	c.expect = specInvalid
	e.do(c).want(t, http.StatusUnsupportedMediaType, "unsupported_content_type")
	e.do(withHeader(put(`{}`), "If-Match", "1")).want(t, http.StatusBadRequest, "invalid_if_match")

	// Nothing was stored by the refused requests.
	if r := e.do(getCall("/api/v1/calendar")).want(t, http.StatusOK, ""); r.header.Get("ETag") != "" {
		t.Fatalf("a refused change was stored: ETag %q", r.header.Get("ETag"))
	}
}
