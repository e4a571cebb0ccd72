package oidc

import (
	"strings"
	"testing"
	"time"
)

// fuzzKey seals the fuzz corpus's valid cookies (testdata/fuzz).
var fuzzKey = []byte("kho-fuzz-key-0123456789abcdefghij")

// fuzzNow is the clock of the fuzz test: the corpus's valid flows expire
// after it.
var fuzzNow = time.Unix(1_800_000_000, 0)

func validFlow() flow {
	return flow{
		State: strings.Repeat("s", randomLen), Nonce: strings.Repeat("n", randomLen),
		Verifier: strings.Repeat("v", 43), ReturnTo: "/kho-cua-toi", Expires: fuzzNow.Unix() + 600,
	}
}

// FuzzParseFlow feeds the flow cookie parser any value: it never panics,
// what it accepts is a flow this package sealed (re-sealing gives the same
// value) and keeps its invariants, and what it refuses is refused with one
// of the flow codes.
func FuzzParseFlow(f *testing.F) {
	v := validFlow().seal(fuzzKey)
	f.Add(v)
	f.Add(v[:len(v)-1])
	f.Add(strings.Replace(v, ".", "", 1))
	f.Add("")
	f.Add(".")
	f.Add("e30." + strings.Repeat("A", 43))
	expired := validFlow()
	expired.Expires = fuzzNow.Unix()
	f.Add(expired.seal(fuzzKey))
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseFlow(fuzzKey, value, fuzzNow)
		if err != nil {
			if !strings.HasPrefix(err.Error(), CodeFlowInvalid) && !strings.HasPrefix(err.Error(), CodeFlowExpired) {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if got.seal(fuzzKey) != value {
			t.Fatalf("accepted %q, which this package did not seal", value)
		}
		if localPath(got.ReturnTo) != got.ReturnTo || !isToken(got.State, randomLen, randomLen) ||
			!isToken(got.Nonce, randomLen, randomLen) || !isToken(got.Verifier, 43, 128) ||
			!fuzzNow.Before(time.Unix(got.Expires, 0)) {
			t.Fatalf("accepted a flow that breaks the rules: %+v", got)
		}
	})
}

// FuzzLocalPath checks the return path is the input or "/", and never a
// path a browser would take for another host or a header could split on.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/kho-cua-toi", "//evil", "/\\evil", "https://x", "/a\r\nb", "", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := localPath(in)
		if out != in && out != "/" {
			t.Fatalf("localPath(%q) = %q", in, out)
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") ||
			strings.ContainsAny(out, "\r\n\t \\") || len(out) > maxReturnTo {
			t.Fatalf("localPath(%q) = %q is not a safe local path", in, out)
		}
	})
}

func TestFlowRoundTrip(t *testing.T) {
	f := validFlow()
	got, err := parseFlow(fuzzKey, f.seal(fuzzKey), fuzzNow)
	if err != nil || got != f {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if _, err := parseFlow([]byte("another-key-0123456789abcdefghijk"), f.seal(fuzzKey), fuzzNow); err == nil ||
		!strings.HasPrefix(err.Error(), CodeFlowInvalid) {
		t.Fatalf("a flow sealed with another key: %v", err)
	}
	if _, err := parseFlow(fuzzKey, f.seal(fuzzKey), time.Unix(f.Expires, 0)); err == nil ||
		!strings.HasPrefix(err.Error(), CodeFlowExpired) {
		t.Fatalf("a flow at its expiry: %v", err)
	}
}
