package portal

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var canonRE = regexp.MustCompile(`^bytes=(\d+-\d+|-\d+)(,(\d+-\d+|-\d+))*$`)

// FuzzCanonicalRange feeds canonicalRange (outside input: the Range header)
// arbitrary values: it never panics; what it keeps is in the one form
// http.ServeContent parses, every kept range lies within the file (or is
// the single "bytes=SIZE-" that asks for the 416), and reading its own
// output again changes nothing.
func FuzzCanonicalRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "Bytes=-5", "bytes=5-2", "bytes=,0-1,", "items=1-2", "bytes=99999999999999999999-", "bytes=-0", "bytes=0-1,2-3,-4"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size <= 0 || size > 1<<40 {
			return
		}
		out, ok := canonicalRange(v, size)
		if !ok {
			return
		}
		if out == "bytes="+strconv.FormatInt(size, 10)+"-" {
			return // nothing satisfiable: ServeContent answers 416
		}
		if !canonRE.MatchString(out) {
			t.Fatalf("canonicalRange(%q, %d) = %q: not canonical", v, size, out)
		}
		for spec := range strings.SplitSeq(strings.TrimPrefix(out, "bytes="), ",") {
			a, b, _ := strings.Cut(spec, "-")
			if a == "" {
				if n, _ := strconv.ParseInt(b, 10, 64); n <= 0 || n > size {
					t.Fatalf("canonicalRange(%q, %d) = %q: suffix %s", v, size, out, spec)
				}
				continue
			}
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			if x > y || y >= size {
				t.Fatalf("canonicalRange(%q, %d) = %q: range %s outside the file", v, size, out, spec)
			}
		}
		if again, ok := canonicalRange(out, size); !ok || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", v, out, again, ok)
		}
	})
}
