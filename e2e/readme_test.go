package e2e_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
)

// The README's shell blocks, as TestReadme reads them.
//
// Every fenced block of README.md names its language. A shell block (sh,
// bash, shell) runs, unless the line just before its fence is a marker:
//
//	<!-- readme-test: skip (why) -->         not run (make test itself)
//	<!-- readme-test: background (why) -->  a server the reader leaves running
//	                                        in another terminal (make run, make pki)
//
// Blocks of the sections in readmeElsewhere belong to other tests. Inside
// a block, a comment line starting with "→" says what the commands since
// the previous such line print: each part of it in backquotes must appear
// in their output (standard output and error).

// readmeElsewhere names the README sections whose blocks another test runs.
var readmeElsewhere = map[string]string{
	"Production": "the production instructions have their own test, with MinIO and FerretDB",
}

// readmeRunSections must each have at least one block that runs, so that
// the test cannot pass by marking everything skipped.
var readmeRunSections = []string{"A five-minute tour", "Signatures", "eForms", "Dossiers: from application to result"}

// readmeBlock is one fenced shell block of the README.
type readmeBlock struct {
	line    int    // line of the opening fence (1-based)
	section string // the "## " heading it is under
	marker  string // "", "skip" or "background"
	text    string // the lines between the fences
}

var (
	readmeMarker = regexp.MustCompile(`^<!--\s*readme-test:\s*(\S+)\s*(.*?)\s*-->$`)
	readmeExpect = regexp.MustCompile("`([^`]+)`")
)

// parseReadme returns the shell blocks of a README, with their markers.
func parseReadme(src string) ([]readmeBlock, error) {
	var (
		blocks  []readmeBlock
		section string
		prev    string // the last non-blank line before the current one
		in      *readmeBlock
		body    []string
	)
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if in != nil {
			if trimmed == "```" {
				if in.marker != "-" {
					in.text = strings.Join(body, "\n") + "\n"
					blocks = append(blocks, *in)
				}
				in, body, prev = nil, nil, ""
				continue
			}
			body = append(body, line)
			continue
		}
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = strings.TrimSpace(h)
		}
		if lang, ok := strings.CutPrefix(trimmed, "```"); ok {
			lang = strings.TrimSpace(lang)
			marker := ""
			if m := readmeMarker.FindStringSubmatch(prev); m != nil {
				marker = m[1]
				if marker != "skip" && marker != "background" {
					return nil, fmt.Errorf("README.md:%d: unknown marker %q (skip or background)", n-1, marker)
				}
				if m[2] == "" {
					return nil, fmt.Errorf("README.md:%d: the marker must say why, in parentheses", n-1)
				}
			}
			switch lang {
			case "sh", "bash", "shell":
			case "":
				return nil, fmt.Errorf("README.md:%d: a code block without a language (sh, json, …)", n)
			default:
				if marker != "" {
					return nil, fmt.Errorf("README.md:%d: a readme-test marker before a %s block", n, lang)
				}
				marker = "-" // not shell: read past it
			}
			in = &readmeBlock{line: n, section: section, marker: marker}
			continue
		}
		if trimmed != "" {
			if readmeMarker.MatchString(prev) {
				return nil, fmt.Errorf("README.md:%d: a readme-test marker must stand just before a code block", n-1)
			}
			prev = trimmed
		}
	}
	if in != nil {
		return nil, fmt.Errorf("README.md:%d: code block not closed", in.line)
	}
	return blocks, nil
}

// readmeSegment is a run of a block's lines up to an "→" comment, with the
// parts that comment says must appear in their output.
type readmeSegment struct {
	line   int // README line of its first line
	text   string
	expect []string
}

// segments splits a block at its "→" comments.
func (b readmeBlock) segments() ([]readmeSegment, error) {
	var (
		out []readmeSegment
		cur []string
	)
	start := b.line + 1
	lines := strings.Split(strings.TrimSuffix(b.text, "\n"), "\n")
	for i, line := range lines {
		cur = append(cur, line)
		c, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
		if !ok || !strings.HasPrefix(strings.TrimSpace(c), "→") {
			continue
		}
		var want []string
		for _, m := range readmeExpect.FindAllStringSubmatch(c, -1) {
			want = append(want, m[1])
		}
		if len(want) == 0 {
			return nil, fmt.Errorf("README.md:%d: an → line without a `part` in backquotes to look for", b.line+1+i)
		}
		out = append(out, readmeSegment{line: start, text: strings.Join(cur, "\n") + "\n", expect: want})
		cur, start = nil, b.line+2+i
	}
	if len(cur) > 0 {
		out = append(out, readmeSegment{line: start, text: strings.Join(cur, "\n") + "\n"})
	}
	return out, nil
}

// TestReadme runs README.md as a reader would, on a fresh copy of the
// repository: the `make run` and `make pki` blocks in the background (as in
// other terminals; a second `make run` stops the first with Ctrl-C, SIGINT
// to its process group), and every other shell block in order, in one bash
// with `set -euo pipefail`, checking what the "→" comments say they print.
//
// The only change to the README's text: the server and the test PKI
// listen on free ports, so their addresses (the Makefile's ADDR and
// PKI_URL, which the README shows) are replaced by those, and `make` gets
// the same through MAKEFLAGS. GOTOOLCHAIN is removed from the environment,
// so the README's own `export GOTOOLCHAIN=auto` is what Go commands outside
// make rely on.
func TestReadme(t *testing.T) {
	bash := testenv.Tool(t, "bash", "bash")
	testenv.Tool(t, "git", "git")
	testenv.Tool(t, "make", "make")
	testenv.Tool(t, "curl", "curl")
	testenv.Tool(t, "python3", "python3")

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseReadme(string(src))
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]bool{}
	for _, b := range blocks {
		if b.marker == "" && readmeElsewhere[b.section] == "" {
			running[b.section] = true
		}
	}
	for _, s := range readmeRunSections {
		if !running[s] {
			t.Fatalf("README.md: the section %q has no block that runs", s)
		}
	}

	// A fresh copy: the repository's files (symbolic links to them).
	dir := readmeCopy(t, root)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	runAddr := makeVar(t, makefile, "ADDR")
	pkiURL := makeVar(t, makefile, "PKI_URL")
	pkiAddr := strings.TrimPrefix(pkiURL, "http://")
	newRun, newPKI := freeAddr(t), freeAddr(t)
	localize := strings.NewReplacer(runAddr, newRun, pkiAddr, newPKI).Replace

	env := readmeEnv()
	bg := &backgrounds{t: t, dir: dir, bash: bash,
		env:   append(env, "MAKEFLAGS=ADDR="+newRun+" PKI_URL=http://"+newPKI),
		ready: map[string]string{"run": "http://" + newRun + "/healthz", "pki": "http://" + newPKI + "/ca/root.crt"},
	}
	defer bg.stopAll()
	sh := startShell(t, bash, dir, env)
	defer sh.close()

	checked := 0
	for _, b := range blocks {
		where := fmt.Sprintf("README.md:%d (%s)", b.line, b.section)
		if why := readmeElsewhere[b.section]; why != "" {
			t.Logf("%s: not run here: %s", where, why)
			continue
		}
		switch b.marker {
		case "skip":
			t.Logf("%s: skipped as marked: %s", where, strings.TrimSpace(b.text))
			continue
		case "background":
			bg.start(where, localize(b.text))
			continue
		}
		segs, err := b.segments()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range segs {
			out := sh.run(fmt.Sprintf("README.md:%d", s.line), localize(s.text))
			for _, want := range s.expect {
				if !strings.Contains(out, want) {
					t.Fatalf("README.md:%d: the output does not show %q, as the README says it does\n--- commands:\n%s--- output:\n%s", s.line, want, s.text, out)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("README.md: no → line was checked")
	}
	t.Logf("README ran: %d expected outputs seen", checked)
}

// readmeEnv is the environment of a reader's shell: no KHO_ variable, none
// of a calling make's variables, and no GOTOOLCHAIN (the README sets it).
// go test runs this test with the toolchain go.mod asks for first in PATH
// and as GOROOT; a reader's shell has the machine's own Go, so these go.
func readmeEnv() []string {
	const downloaded = "golang.org/toolchain@" // the module of Go toolchains
	var env []string
	for _, kv := range cleanEnv() {
		name, val, _ := strings.Cut(kv, "=")
		switch {
		case name == "GOTOOLCHAIN", name == "MAKEFLAGS", name == "MFLAGS", name == "MAKELEVEL", name == "MAKEFILES":
			continue
		case name == "GOROOT" && strings.Contains(val, downloaded):
			continue
		case name == "PATH":
			var keep []string
			for _, d := range filepath.SplitList(val) {
				if !strings.Contains(d, downloaded) {
					keep = append(keep, d)
				}
			}
			kv = "PATH=" + strings.Join(keep, string(filepath.ListSeparator))
		}
		env = append(env, kv)
	}
	return env
}

// readmeCopy makes a folder with a symbolic link to each top-level file and
// folder of the repository that git tracks, as in a fresh clone: nothing
// that a run of the README or make left in the work tree (bin, data, pki,
// some.pdf…), which the README's commands would otherwise overwrite
// through the link.
func readmeCopy(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	top := map[string]bool{}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f == "" {
			continue
		}
		first, _, _ := strings.Cut(f, "/")
		top[first] = true
	}
	if !top["Makefile"] || !top["README.md"] || !top["go.mod"] {
		t.Fatalf("git ls-files in %s lists %d top-level names, without Makefile, README.md or go.mod", root, len(top))
	}
	dir := t.TempDir()
	for name := range top {
		if _, err := os.Lstat(filepath.Join(root, name)); errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in git
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// makeVar returns the value of a "NAME = value" line of the Makefile.
func makeVar(t *testing.T, makefile []byte, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `\s*\??=\s*(\S+)\s*$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatalf("Makefile: no %s = … line", name)
	}
	return string(m[1])
}

// freeAddr returns a 127.0.0.1 address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// backgrounds are the README's long-running commands, each in its own
// process group, as if in its own terminal.
type backgrounds struct {
	t     *testing.T
	dir   string
	bash  string
	env   []string
	ready map[string]string // make target → URL that answers 200 once it serves
	procs []*bgProc
}

type bgProc struct {
	target string
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{}
}

var readmeMakeTarget = regexp.MustCompile(`^make\s+(\S+)`)

// start runs a background block and waits until it serves. A block must be
// one `make TARGET …` command whose TARGET is in ready; a `make run` while
// another runs stops the other first, with Ctrl-C.
func (b *backgrounds) start(where, text string) {
	t := b.t
	t.Helper()
	var cmds []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			cmds = append(cmds, l)
		}
	}
	var target string
	if len(cmds) == 1 {
		if m := readmeMakeTarget.FindStringSubmatch(cmds[0]); m != nil {
			target = m[1]
		}
	}
	url, ok := b.ready[target]
	if !ok {
		t.Fatalf("%s: a background block must be one `make run …` or `make pki …` command, not:\n%s", where, text)
	}
	for _, p := range b.procs {
		if p.target == target && p.alive() {
			p.interrupt(t, where)
		}
	}
	cmd := exec.Command(b.bash, "--noprofile", "--norc", "-c", "set -euo pipefail\n"+text)
	cmd.Dir, cmd.Env = b.dir, b.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &bgProc{target: target, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	b.procs = append(b.procs, p)
	t.Logf("%s: started in the background: %s", where, cmds[0])
	// A first build or PKI on a busy machine takes minutes.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s: `%s` exited before serving (%v):\n%s", where, cmds[0], cmd.ProcessState, p.out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: `%s` does not serve %s after 5 minutes:\n%s", where, cmds[0], url, p.out.String())
		}
	}
}

func (p *bgProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// interrupt sends SIGINT to the process group, as Ctrl-C in its terminal
// does, and waits for it to exit.
func (p *bgProc) interrupt(t *testing.T, where string) {
	t.Helper()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: `make %s` still runs 60 s after Ctrl-C:\n%s", where, p.target, p.out.String())
	}
}

// stopAll ends what still runs (Ctrl-C, then SIGKILL), and shows the
// servers' output when the test failed.
func (b *backgrounds) stopAll() {
	for _, p := range b.procs {
		if p.alive() {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		if b.t.Failed() {
			b.t.Logf("output of `make %s`:\n%s", p.target, p.out.String())
		}
	}
}

// shell is one bash, the reader's second terminal: it reads its script
// from a pipe (fd 3), so that variables set by one block serve the next;
// its standard input is empty.
type shell struct {
	t      *testing.T
	cmd    *exec.Cmd
	script *os.File
	lines  chan string
	done   chan struct{}
	mark   string
}

func startShell(t *testing.T, bash, dir string, env []string) *shell {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	or, ow, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "--noprofile", "--norc", "/dev/fd/3")
	cmd.Dir, cmd.Env = dir, env
	cmd.ExtraFiles = []*os.File{pr}
	cmd.Stdout, cmd.Stderr = ow, ow
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	ow.Close()
	var r [8]byte
	rand.Read(r[:])
	s := &shell{t: t, cmd: cmd, script: pw, lines: make(chan string, 1024), done: make(chan struct{}), mark: "@@readme-test-" + hex.EncodeToString(r[:]) + "@@"}
	go func() {
		sc := bufio.NewScanner(or)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		io.Copy(io.Discard, or)
		close(s.lines)
	}()
	go func() { cmd.Wait(); close(s.done) }()
	if _, err := io.WriteString(pw, "set -euo pipefail\n"); err != nil {
		t.Fatal(err)
	}
	return s
}

// run feeds text to the shell and returns what it printed. It fails the
// test when a command fails (set -e ends the shell) or the text does not
// finish within 3 minutes.
func (s *shell) run(where, text string) string {
	t := s.t
	t.Helper()
	if _, err := io.WriteString(s.script, text+"\nprintf '\\n%s\\n' '"+s.mark+"'\n"); err != nil {
		t.Fatalf("%s: writing to bash: %v", where, err)
	}
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				<-s.done
				t.Fatalf("%s: the commands failed (%v)\n--- commands:\n%s--- output:\n%s", where, s.cmd.ProcessState, text, out.String())
			}
			if line == s.mark {
				return out.String()
			}
			out.WriteString(line + "\n")
		case <-ctx.Done():
			t.Fatalf("%s: the commands did not finish within 3 minutes\n--- commands:\n%s--- output so far:\n%s", where, text, out.String())
		}
	}
}

func (s *shell) close() {
	s.script.Close()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// TestParseReadme checks the rules TestReadme reads the README by: a shell
// block runs unless marked, a marker says why and stands just before its
// block, every block names its language, an → line names what to look for.
func TestParseReadme(t *testing.T) {
	const fence = "```"
	good := "# T\n\n## Tour\n\n" +
		fence + "sh\nS=1\necho hi  # comment\n#    → `hi`\necho bye\n" + fence + "\n\n" +
		"<!-- readme-test: skip (make test runs this test) -->\n" + fence + "sh\nmake test\n" + fence + "\n" +
		"<!-- readme-test: background (a server) -->\n\n" + fence + "bash\nmake run\n" + fence + "\n" +
		fence + "json\n{\"a\": 1}\n" + fence + "\n"
	blocks, err := parseReadme(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 || blocks[0].marker != "" || blocks[1].marker != "skip" || blocks[2].marker != "background" ||
		blocks[0].section != "Tour" || blocks[0].line != 5 || blocks[2].text != "make run\n" {
		t.Fatalf("blocks: %+v", blocks)
	}
	segs, err := blocks[0].segments()
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 2 || segs[0].line != 6 || segs[0].text != "S=1\necho hi  # comment\n#    → `hi`\n" ||
		len(segs[0].expect) != 1 || segs[0].expect[0] != "hi" || segs[1].line != 9 || segs[1].text != "echo bye\n" || segs[1].expect != nil {
		t.Fatalf("segments: %+v", segs)
	}

	for name, src := range map[string]string{
		"unknown marker":            "<!-- readme-test: maybe (x) -->\n" + fence + "sh\nls\n" + fence + "\n",
		"marker without why":        "<!-- readme-test: skip -->\n" + fence + "sh\nls\n" + fence + "\n",
		"marker not before a block": "<!-- readme-test: skip (x) -->\nsome text\n" + fence + "sh\nls\n" + fence + "\n",
		"marker before json":        "<!-- readme-test: skip (x) -->\n" + fence + "json\n{}\n" + fence + "\n",
		"block without language":    fence + "\nls\n" + fence + "\n",
		"block not closed":          fence + "sh\nls\n",
	} {
		if _, err := parseReadme(src); err == nil {
			t.Errorf("%s: parsed without an error", name)
		}
	}
	b := readmeBlock{line: 1, text: "echo hi\n#    → hi, without backquotes\n"}
	if _, err := b.segments(); err == nil {
		t.Error("an → line without a backquoted part: no error")
	}
}
