package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

// FuzzDaysOf checks the calendar form's lines: never a panic; a refusal
// is Invalid with a Vietnamese message; what parses prints back to lines
// that parse to the same days.
func FuzzDaysOf(f *testing.F) {
	for _, s := range []string{"02/09/2026; nghỉ; Quốc khánh\n10/01/2026; làm bù; Làm bù", "", "\r\n\r\n", "31/02/2026; nghỉ; x",
		"02/09/2026;nghỉ;", "02/09/2026; LÀM BÙ; a;b;c", "2026-09-02; nghỉ; x", "02/09/2026; nghi; x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		days, err := daysOf(in)
		if err != nil {
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("daysOf(%q): %v is not Invalid", in, err)
			}
			if _, msg := kerr.Public(err); msg == "" {
				t.Fatalf("daysOf(%q): no message", in)
			}
			return
		}
		again, err := daysOf(daysText(days))
		if err != nil || len(again) != len(days) {
			t.Fatalf("daysOf(daysText(%v)) = %v, %v", days, again, err)
		}
		for i := range days {
			d, e := days[i], again[i]
			if d.Date != e.Date || d.Kind != e.Kind || d.Name != e.Name || (d.Kind != calendar.Holiday && d.Kind != calendar.Workday) {
				t.Fatalf("day %d: %+v printed and read back is %+v", i, d, e)
			}
		}
	})
}

// FuzzAgencyOf checks the agency form's departments lines: never a
// panic; a refusal is Invalid; what parses prints back to the same
// departments.
func FuzzAgencyOf(f *testing.F) {
	for _, s := range []string{"MOT_CUA: Bộ phận Một cửa\nVP: Văn phòng", "", "VP", "VP:", ":Tên", "A: b: c\r\n\r\nB: d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ag, err := agencyOf("000.00.31.H29", url.Values{"name": {"x"}, "departments": {in}})
		if err != nil {
			if !kerr.IsKind(err, kerr.Invalid) {
				t.Fatalf("agencyOf(%q): %v is not Invalid", in, err)
			}
			return
		}
		for _, d := range ag.Departments {
			if strings.TrimSpace(d.Name) == "" || d.Code != strings.TrimSpace(d.Code) {
				t.Fatalf("agencyOf(%q): department %+v", in, d)
			}
		}
		again, err := agencyOf(ag.Code, url.Values{"departments": {departmentsText(ag.Departments)}})
		if err != nil || len(again.Departments) != len(ag.Departments) {
			t.Fatalf("read back: %+v, %v", again.Departments, err)
		}
		for i := range ag.Departments {
			if again.Departments[i] != ag.Departments[i] {
				t.Fatalf("department %d: %+v read back as %+v", i, ag.Departments[i], again.Departments[i])
			}
		}
	})
}
