// Package e2e_test builds the kho binary once and drives it as a user and an
// operator would: `kho serve` as a subprocess, the CLI against it, raw HTTP
// uploads, SIGKILL in the middle of traffic, SIGTERM during slow transfers,
// and tampering with the embedded store's file behind the binary's back.
package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// khoBin is the binary built by TestMain.
var khoBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kho-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	khoBin = filepath.Join(dir, "kho")
	build := exec.Command("go", "build", "-o", khoBin, "github.com/kho-vn/kho/cmd/kho")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=auto")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/kho: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// cleanEnv is the test process's environment without any KHO_ variable,
// so that a developer's settings cannot leak into the binary under test.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KHO_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is the outcome of one CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// kho runs the binary with args to completion.
func kho(t *testing.T, args ...string) result {
	t.Helper()
	return khoIn(t, nil, args...)
}

// khoIn runs the binary with args, feeding stdin.
func khoIn(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, khoBin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("kho %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// mustKho runs the binary and fails the test unless it exits 0.
func mustKho(t *testing.T, args ...string) result {
	t.Helper()
	r := kho(t, args...)
	if r.code != 0 {
		t.Fatalf("kho %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// server is a running `kho serve`.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's error, valid after done
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// urlInLog finds the URL of the start-up line ("Kho đang chạy"), not the
// url= of another line (a warning about Gotenberg names its URL).
var urlInLog = regexp.MustCompile(`msg="Kho đang chạy" url=(http://[^ ]+)`)

// startServer runs `kho serve --addr 127.0.0.1:0 args...`, reads the URL
// from its start-up log line and waits until /healthz answers.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startServerVia(t, nil, args...)
}

// startServerVia is startServer with the binary run through a command
// prefix (a tracer and its flags, a shell that sets the umask…); the
// server's cmd is then the prefix's process.
func startServerVia(t *testing.T, prefix []string, args ...string) *server {
	t.Helper()
	argv := append(append(append([]string{}, prefix...), khoBin, "serve", "--addr", "127.0.0.1:0"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = cleanEnv()
	return runServer(t, cmd)
}

// runServer starts cmd, a `kho serve` process, reads the URL from its
// start-up log line and waits until /healthz answers.
func runServer(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.logs.Write([]byte(line + "\n"))
			if m := urlInLog.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	select {
	case s.url = <-found:
	case <-s.done:
		t.Fatalf("kho serve exited before listening: %v\n%s", s.err, s.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("kho serve did not log its URL within 60s:\n%s", s.logs.String())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not OK within 30s (last: %v)\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig and waits up to limit for the exit; it returns the exit
// status (-1 when killed by a signal) and how long the exit took.
func (s *server) signal(sig syscall.Signal, limit time.Duration) (int, time.Duration) {
	s.t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-s.done:
	case <-time.After(limit):
		s.t.Fatalf("kho serve did not exit within %v of %v\n%s", limit, sig, s.logs.String())
	}
	return s.cmd.ProcessState.ExitCode(), time.Since(start)
}

// stop ends the server with SIGTERM and requires a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if code, _ := s.signal(syscall.SIGTERM, 30*time.Second); code != 0 {
		s.t.Fatalf("kho serve exited with %d after SIGTERM\n%s", code, s.logs.String())
	}
}

// client is a bearer-token HTTP client of a server's API.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path string, q url.Values, body io.Reader, hdr map[string]string) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if cl, ok := hdr["Content-Length"]; ok {
		fmt.Sscan(cl, &req.ContentLength)
	}
	return http.DefaultClient.Do(req)
}

// getJSON GETs path and decodes a 200 response.
func (c *client) getJSON(path string, q url.Values, v any) {
	c.t.Helper()
	resp, err := c.do(http.MethodGet, path, q, nil, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// uploadRaw POSTs content as a raw upload with metadata in the query.
func (c *client) uploadRaw(owner, typeCode, name, fileName string, content []byte) (archive.Document, *http.Response, error) {
	q := url.Values{"type": {typeCode}, "name": {name}, "filename": {fileName}}
	if owner != "" {
		q.Set("owner", owner)
	}
	resp, err := c.do(http.MethodPost, "/api/v1/documents", q, bytes.NewReader(content),
		map[string]string{"Content-Type": "application/pdf"})
	if err != nil {
		return archive.Document{}, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return archive.Document{}, resp, err
	}
	var d archive.Document
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(body, &d); err != nil {
			return d, resp, fmt.Errorf("decoding 201 body: %w: %s", err, body)
		}
	} else {
		err = fmt.Errorf("upload: %s: %s", resp.Status, body)
	}
	return d, resp, err
}

// download GETs a document's current content and returns the bytes and
// ETag (with the purpose staff and admin must give).
func (c *client) download(id string) ([]byte, string) {
	c.t.Helper()
	resp, err := c.do(http.MethodGet, "/api/v1/documents/"+id+"/content", url.Values{"purpose": {"kiểm thử đầu cuối"}}, nil, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("download %s: %v", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("download %s: %s: %s", id, resp.Status, body)
	}
	return body, resp.Header.Get("ETag")
}

// listAll returns every document of owner, following the cursor (with
// the purpose staff and admin must give).
func (c *client) listAll(owner string) []archive.Document {
	c.t.Helper()
	var all []archive.Document
	q := url.Values{"owner": {owner}, "limit": {"1000"}, "purpose": {"kiểm thử đầu cuối"}}
	for {
		var page archive.Page
		c.getJSON("/api/v1/documents", q, &page)
		all = append(all, page.Documents...)
		if page.Next == "" {
			return all
		}
		q.Set("cursor", page.Next)
	}
}

// createToken makes a token with `kho admin token create` and returns it.
func createToken(t *testing.T, storeArgs []string, subject, role string) string {
	t.Helper()
	args := append([]string{"admin", "token", "create", "--subject", subject, "--role", role, "--name", "e2e " + role}, storeArgs...)
	r := mustKho(t, args...)
	tok := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(tok, "kho_") || strings.Contains(tok, "\n") {
		t.Fatalf("token create printed %q, want one kho_ token line", r.stdout)
	}
	return tok
}

// registerOwner registers an individual owner through the API.
func registerOwner(t *testing.T, c *client, id string) {
	t.Helper()
	body := fmt.Sprintf(`{"kind":"individual","identityNumber":%q}`, id)
	resp, err := c.do(http.MethodPost, "/api/v1/owners", nil, strings.NewReader(body),
		map[string]string{"Content-Type": "application/json"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("register owner %s: %s: %s", id, resp.Status, b)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tinyPDF returns a small, valid one-page PDF showing text.
func tinyPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 12 Tf 20 50 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	return pdfobj.Assemble("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", objs...)
}

// randomPDF returns a valid PDF of n bytes (at least 512) whose bulk is
// random bytes from rng, the data of one stream (pdfobj.Frame).
func randomPDF(rng *mrand.Rand, n int) []byte {
	n = max(n, 512)
	head, tail := pdfobj.Frame(int64(n))
	b := make([]byte, n)
	copy(b, head)
	for i := len(head); i < n-len(tail); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < n-len(tail); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	copy(b[n-len(tail):], tail)
	return b
}

// ict is Vietnam's time zone, in which the CLI shows dates.
var ict = time.FixedZone("ICT", 7*3600)

// testPKI starts the test PKI's servers (OCSP, CRL, TSA; closed when tb
// ends) and writes its keys into a temporary folder: it returns the
// servers, the folder (roots.pem, NAME.p12…) and a file holding the
// PKCS#12 password.
func testPKI(tb testing.TB) (ca *pki.Server, dir, password string) {
	tb.Helper()
	ca, err := pki.StartServer(context.Background(), pki.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ca.Close() })
	dir = tb.TempDir()
	if err := ca.PKI.WriteDir(dir); err != nil {
		tb.Fatal(err)
	}
	password = filepath.Join(dir, "password")
	if err := os.WriteFile(password, []byte(pki.TestPassword+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return ca, dir, password
}
