package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run feeds events to a summary and returns its output and exit status.
func run(t *testing.T, events []event, allowed map[key]string, strict bool) (string, int) {
	t.Helper()
	var out bytes.Buffer
	s := newSummary(&out)
	for _, e := range events {
		s.add(e)
	}
	status := s.report(allowed, strict)
	return out.String(), status
}

func out(pkg, test, text string) event {
	return event{Action: "output", Package: pkg, Test: test, Output: text}
}

// A run with one passing, one skipped and (optionally) one failing test.
func stream(withFail bool) []event {
	ev := []event{
		{Action: "start", Package: "p"},
		{Action: "run", Package: "p", Test: "TestOK"},
		out("p", "TestOK", "=== RUN   TestOK\n"),
		out("p", "TestOK", "    ok_test.go:3: chatter of a passing test\n"),
		out("p", "TestOK", "--- PASS: TestOK (0.00s)\n"),
		{Action: "pass", Package: "p", Test: "TestOK"},
		{Action: "run", Package: "p", Test: "TestServer/mongo"},
		out("p", "TestServer/mongo", "=== RUN   TestServer/mongo\n"),
		out("p", "TestServer/mongo", "    testenv.go:9: KHO_TEST_MONGO_URI not set; skipping\n"),
		out("p", "TestServer/mongo", "--- SKIP: TestServer/mongo (0.00s)\n"),
		{Action: "skip", Package: "p", Test: "TestServer/mongo"},
	}
	if withFail {
		ev = append(ev,
			event{Action: "run", Package: "p", Test: "TestBad"},
			out("p", "TestBad", "=== RUN   TestBad\n"),
			out("p", "TestBad", "    bad_test.go:7: got 1, want 2\n"),
			out("p", "TestBad", "--- FAIL: TestBad (0.00s)\n"),
			event{Action: "fail", Package: "p", Test: "TestBad"},
			out("p", "", "FAIL\n"),
			out("p", "", "FAIL\tp\t0.01s\n"),
			event{Action: "fail", Package: "p"})
	} else {
		ev = append(ev, out("p", "", "PASS\n"), out("p", "", "ok  \tp\t0.01s\n"), event{Action: "pass", Package: "p"})
	}
	return ev
}

func TestSkipsUnderCI(t *testing.T) {
	skip := key{"p", "TestServer/mongo"}
	// Outside CI a skip is listed with its reason, and the run passes.
	text, status := run(t, stream(false), nil, false)
	if status != 0 || !strings.Contains(text, "SKIP p TestServer/mongo (NOT ALLOWED): testenv.go:9: KHO_TEST_MONGO_URI not set; skipping") {
		t.Errorf("not strict: status %d\n%s", status, text)
	}
	if strings.Contains(text, "chatter of a passing test") || strings.Contains(text, "=== RUN") || !strings.Contains(text, "ok  \tp\t0.01s") {
		t.Errorf("output is not go test's plain output:\n%s", text)
	}
	// Under CI the same skip fails the run…
	if text, status := run(t, stream(false), nil, true); status != 1 || !strings.Contains(text, "ERROR (CI): 1 skipped tests") {
		t.Errorf("strict, unlisted skip: status %d\n%s", status, text)
	}
	// …unless it is a listed, deliberate one.
	if text, status := run(t, stream(false), map[key]string{skip: "MONGO_URI not set"}, true); status != 0 || !strings.Contains(text, "(deliberate)") {
		t.Errorf("strict, listed skip: status %d\n%s", status, text)
	}
	// A listed test skipped for another reason is not deliberate.
	if text, status := run(t, stream(false), map[key]string{skip: "no write locks to test"}, true); status != 1 || !strings.Contains(text, "(NOT ALLOWED)") {
		t.Errorf("strict, listed test skipped for another reason: status %d\n%s", status, text)
	}
	// A listed test that ran is pointed out.
	if text, _ := run(t, stream(false), map[key]string{skip: "not set", {"p", "TestOK"}: "x"}, true); !strings.Contains(text, "p TestOK is listed as a deliberate skip but did not skip") {
		t.Errorf("stale entry not reported:\n%s", text)
	}
}

func TestFailures(t *testing.T) {
	text, status := run(t, stream(true), map[key]string{{"p", "TestServer/mongo"}: "not set"}, false)
	if status != 1 || !strings.Contains(text, "bad_test.go:7: got 1, want 2") || !strings.Contains(text, "--- FAIL: TestBad") ||
		!strings.Contains(text, "FAIL p TestBad") || !strings.Contains(text, "FAIL\tp\t0.01s") {
		t.Errorf("status %d\n%s", status, text)
	}
	// A test still running when its package failed (a timeout) shows its output.
	ev := []event{
		{Action: "run", Package: "q", Test: "TestSlow"},
		out("q", "TestSlow", "    slow_test.go:5: waiting for the server\n"),
		out("q", "", "panic: test timed out after 20m0s\n"),
		{Action: "fail", Package: "q"},
	}
	if text, status := run(t, ev, nil, false); status != 1 || !strings.Contains(text, "waiting for the server") || !strings.Contains(text, "panic: test timed out") {
		t.Errorf("timeout: status %d\n%s", status, text)
	}
	// A build failure.
	ev = []event{
		{Action: "build-output", ImportPath: "r [r.test]", Output: "r/x_test.go:3:1: syntax error\n"},
		{Action: "build-fail", ImportPath: "r [r.test]"},
		{Action: "fail", Package: "r"},
	}
	if text, status := run(t, ev, nil, false); status != 1 || !strings.Contains(text, "syntax error") || !strings.Contains(text, "1 failed builds") {
		t.Errorf("build failure: status %d\n%s", status, text)
	}
	// Nothing at all (go test could not start).
	if _, status := run(t, nil, nil, false); status != 1 {
		t.Errorf("empty input: status %d", status)
	}
}

// The list of deliberate skips that scripts/test.sh uses parses, and each
// entry says why.
func TestAllowedFile(t *testing.T) {
	path := filepath.Join("..", "..", "..", "scripts", "skips-allowed.txt")
	if _, err := readAllowed(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			if _, why, _ := strings.Cut(line, "#"); strings.TrimSpace(why) == "" {
				t.Errorf("%q: a deliberate skip needs its reason after #", line)
			}
		}
	}
	if _, err := readAllowed(writeTemp(t, "a b # why\n")); err == nil {
		t.Error("a line without the text of the skip message was accepted")
	}
}

func writeTemp(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The events decode from test2json's field names.
func TestDecode(t *testing.T) {
	var e event
	if err := json.Unmarshal([]byte(`{"Time":"2026-12-07T10:00:00Z","Action":"skip","Package":"p","Test":"T","Elapsed":0}`), &e); err != nil ||
		e != (event{Action: "skip", Package: "p", Test: "T"}) {
		t.Fatalf("%+v %v", e, err)
	}
}
