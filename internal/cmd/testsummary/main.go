// Command testsummary reads `go test -json` on standard input and prints what
// a person reads of a test run: build errors, the output of every failed
// test, one line per package, and the list of skipped tests with their
// reasons. scripts/test.sh pipes `make test`'s go test through it.
//
//	go test -json ./... | testsummary [-allowed FILE] [-strict]
//
// With -strict (scripts/test.sh under CI) a skipped test that FILE does not
// list makes it exit 1: under CI nothing may be left out silently. FILE
// holds one "<package> <test> <text>" per line: the skip of that test is
// deliberate when its message contains text (so that the same test skipped
// for another reason, a missing server say, is not); "#" starts a comment,
// which should say why. A listed test that no longer skips is
// reported too, so the list does not outlive its reasons.
//
// It exits 1 when a test or a build failed, or when the input held no test
// events at all.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// event is one line of test2json's output (go doc test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output, build-fail
	Test       string
	Output     string
}

// key names a test of a package.
type key struct{ pkg, test string }

func (k key) String() string { return k.pkg + " " + k.test }

func byName(a, b key) int { return strings.Compare(a.String(), b.String()) }

// summary accumulates a run.
type summary struct {
	out      io.Writer
	buf      map[key][]string // output of running tests and of packages
	skipped  map[key]string   // skipped tests → reason
	failed   []key
	pkgFails int
	builds   int // failed builds
	events   int
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, buf: map[key][]string{}, skipped: map[key]string{}}
}

// noise is the per-test chatter that go test prints only with -v.
func noise(line string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "PASS\n"} {
		if strings.HasPrefix(strings.TrimLeft(line, " "), p) {
			return true
		}
	}
	return false
}

func (s *summary) add(e event) {
	s.events++
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
		return
	case "build-fail":
		s.builds++
		return
	}
	k := key{e.Package, e.Test}
	switch e.Action {
	case "output":
		if e.Test == "" {
			if !noise(e.Output) {
				fmt.Fprint(s.out, e.Output)
			}
			return
		}
		s.buf[k] = append(s.buf[k], e.Output)
	case "pass":
		delete(s.buf, k)
	case "skip":
		if e.Test != "" {
			s.skipped[k] = reason(s.buf[k])
		}
		delete(s.buf, k)
	case "fail":
		if e.Test == "" {
			s.pkgFails++
			// Tests still running when the package failed (a timeout, a
			// panic in another goroutine) never get their own event.
			for _, rk := range slices.SortedFunc(maps.Keys(s.buf), byName) {
				if rk.pkg == e.Package {
					s.print(rk)
					delete(s.buf, rk)
				}
			}
			return
		}
		s.failed = append(s.failed, k)
		s.print(k)
		delete(s.buf, k)
	}
}

// print writes the kept output of a test.
func (s *summary) print(k key) {
	for _, line := range s.buf[k] {
		if !noise(line) {
			fmt.Fprint(s.out, line)
		}
	}
}

// reason is the message of a skip: its output without the test's own
// status lines.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || noise(l) || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// readAllowed reads the list of deliberate skips: the text each one's
// message contains.
func readAllowed(path string) (map[key]string, error) {
	out := map[key]string{}
	if path == "" {
		return out, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for n, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) >= 3:
			out[key{f[0], f[1]}] = strings.Join(f[2:], " ")
		default:
			return nil, fmt.Errorf("%s:%d: want \"<package> <test> <text of the skip message>\", got %q", path, n+1, line)
		}
	}
	return out, nil
}

// report prints the skips and returns the exit status.
func (s *summary) report(allowed map[key]string, strict bool) int {
	status := 0
	keys := slices.SortedFunc(maps.Keys(s.skipped), byName)
	var unlisted []key
	if len(keys) > 0 {
		fmt.Fprintf(s.out, "\n%d skipped:\n", len(keys))
	}
	for _, k := range keys {
		mark := "deliberate"
		if text, ok := allowed[k]; !ok || !strings.Contains(s.skipped[k], text) {
			mark = "NOT ALLOWED"
			unlisted = append(unlisted, k)
		}
		fmt.Fprintf(s.out, "  SKIP %s (%s): %s\n", k, mark, s.skipped[k])
	}
	if strict && len(unlisted) > 0 {
		fmt.Fprintf(s.out, "ERROR (CI): %d skipped tests are not in the list of deliberate skips; under CI a test must run or fail\n", len(unlisted))
		status = 1
	}
	for _, k := range slices.SortedFunc(maps.Keys(allowed), byName) {
		if _, ok := s.skipped[k]; !ok && strict {
			fmt.Fprintf(s.out, "note: %s is listed as a deliberate skip but did not skip\n", k)
		}
	}
	if n := len(s.failed); n > 0 || s.pkgFails > 0 || s.builds > 0 {
		fmt.Fprintf(s.out, "\n%d failed tests, %d failed packages, %d failed builds\n", n, s.pkgFails, s.builds)
		for _, k := range s.failed {
			fmt.Fprintf(s.out, "  FAIL %s\n", k)
		}
		status = 1
	}
	if s.events == 0 {
		fmt.Fprintln(s.out, "ERROR: no test events on standard input")
		status = 1
	}
	return status
}

func main() {
	allowedPath := flag.String("allowed", "", "`FILE` listing the deliberate skips, one \"<package> <test> <text of the message>\" per line")
	strict := flag.Bool("strict", false, "exit 1 on a skip that FILE does not list (under CI)")
	flag.Parse()
	allowed, err := readAllowed(*allowedPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s := newSummary(os.Stdout)
	// Lines of any length: a test may print a lot at once.
	r := bufio.NewReaderSize(os.Stdin, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var e event
			if jerr := json.Unmarshal(line, &e); jerr != nil || e.Action == "" {
				os.Stdout.Write(line) // not an event: pass it on
			} else {
				s.add(e)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(2)
		}
	}
	os.Exit(s.report(allowed, *strict))
}
