package archive

import (
	"testing"
	"time"
)

// FuzzVaultStatsMonths: the months of a statistics query (?from= and ?to=,
// outside input) are refused with Invalid or give a range that runs
// forwards, holds at most 120 months and lists each of them once; never a
// panic, never an unbounded range.
func FuzzVaultStatsMonths(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"2026-01", "2026-12"}, {"2026-13", ""}, {"2026-12", "2026-01"}, {"0000-01", "9999-12"},
		{"2026-1", "2026-02"}, {"２０２６-01", ""}, {"2016-01", "2025-12"}, {"-001-01", "2026-01"}} {
		f.Add(s[0], s[1])
	}
	s := &Service{now: func() time.Time { return time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, from, to string) {
		a, b, err := s.statsMonths(from, to)
		if err != nil {
			return
		}
		if a > b {
			t.Fatalf("%q..%q gave %s..%s, backwards", from, to, a, b)
		}
		ms := monthRange(a, b)
		if len(ms) == 0 || len(ms) > maxVaultStatsMonths || ms[0] != a || ms[len(ms)-1] != b {
			t.Fatalf("%q..%q gave %s..%s: %d months %v", from, to, a, b, len(ms), ms)
		}
	})
}
