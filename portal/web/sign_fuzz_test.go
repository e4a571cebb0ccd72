package web

import (
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzParseChosen: whatever a form sends as chosen dossiers, parseChosen
// answers a kerr error or at most maxSignMany distinct codes, each with a
// positive revision, never a panic.
func FuzzParseChosen(f *testing.F) {
	for _, s := range []string{"000.00.31.H29-261207-0001@3", "a@b@4", "@1", "x@0", "x@-1", "x@99999999999999999999", "", "x@1\nx@1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vals := strings.Split(in, "\n")
		got, err := parseChosen(vals)
		if err != nil {
			if kerr.Outer(err) == nil {
				t.Fatalf("%q: not a kerr error: %v", in, err)
			}
			return
		}
		if len(got) == 0 || len(got) > maxSignMany {
			t.Fatalf("%q: %d chosen", in, len(got))
		}
		seen := map[string]bool{}
		for _, c := range got {
			if c.code == "" || c.rev <= 0 || seen[c.code] {
				t.Fatalf("%q: chosen %+v", in, c)
			}
			seen[c.code] = true
		}
	})
}
