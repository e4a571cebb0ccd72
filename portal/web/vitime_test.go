package web

import (
	"testing"
	"time"
)

func TestVietnameseTimes(t *testing.T) {
	// 23:05:09 UTC on 31/12/2026 is already 01/01/2027 in Vietnam.
	utc := time.Date(2026, 12, 31, 23, 5, 9, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		f    func(time.Time) string
		in   time.Time
		want string
	}{
		{"date crosses midnight", Date, utc, "01/01/2027"},
		{"date from another zone", Date, time.Date(2026, 3, 4, 20, 0, 0, 0, berlin), "05/03/2026"},
		{"clock 24h", Clock, utc, "06:05:09"},
		{"clock afternoon", Clock, time.Date(2026, 8, 28, 8, 0, 1, 0, time.UTC), "15:00:01"},
		{"date time", DateTime, utc, "06:05:09 01/01/2027"},
		{"machine", MachineTime, utc, "2027-01-01T06:05:09+07:00"},
		{"zero date", Date, time.Time{}, ""},
		{"zero clock", Clock, time.Time{}, ""},
		{"zero date time", DateTime, time.Time{}, ""},
		{"zero machine", MachineTime, time.Time{}, ""},
	}
	for _, c := range cases {
		if got := c.f(c.in); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
