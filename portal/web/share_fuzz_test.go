package web

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzParseVietnameseDate: the share form's date parser never panics,
// reads only what is at most 10 bytes, and what it reads is a real day
// that reads back the same written DD/MM/YYYY.
func FuzzParseVietnameseDate(f *testing.F) {
	for _, s := range []string{"31/12/2026", "1/2/2027", "29/02/2028", "29/02/2027", "31/04/2030", "2030-01-01", " 01/01/2030 ", "00/01/2030", "01/13/2030", "１/２/２０３０", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseVietnameseDate(s)
		if !ok {
			if !d.IsZero() {
				t.Fatalf("%q refused with a day %v", s, d)
			}
			return
		}
		if len(strings.TrimSpace(s)) > 10 {
			t.Fatalf("%q (over 10 bytes) read", s)
		}
		tm := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if tm.Day() != d.Day || tm.Month() != d.Month || tm.Year() != d.Year {
			t.Fatalf("%q read as %v, not a real day", s, d)
		}
		back := fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
		if d2, ok := parseVietnameseDate(back); !ok || d2 != d {
			t.Fatalf("%q read as %v, which reads back %q as %v", s, d, back, d2)
		}
	})
}
