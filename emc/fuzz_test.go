package emc_test

import (
	"testing"

	"github.com/kho-vn/kho/emc"
)

// FuzzParseEventID: an event ID from a URL path (the retry's {id}) or a
// form is parsed without a panic, and whatever it accepts is exactly the
// ID EventID writes back.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"000.00.31.H29-261207-0001.1", "000.00.31.H29-261207-0001.999999", "x.1", ".", "", "000.00.31.H29-261207-0001.01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		code, seq, ok := emc.ParseEventID(id)
		if ok && emc.EventID(code, seq) != id {
			t.Fatalf("%q parsed as %q, %d", id, code, seq)
		}
	})
}

// FuzzParseChangeCursor: the catch-up's saved cursor is parsed without a
// panic, and a cursor it accepts with a dossier code writes back the same.
func FuzzParseChangeCursor(f *testing.F) {
	for _, s := range []string{"", "1796608809000/000.00.31.H29-261207-0001", "1796608809000/", "-1/x", "99999999999999999999/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := emc.ParseChangeCursor(s)
		if err == nil && c.Code != "" && c.String() != s {
			t.Fatalf("%q read as %+v, written %q", s, c, c.String())
		}
	})
}
