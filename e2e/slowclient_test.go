package e2e_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSlowClients is issue 9 item 5's slow-client case against the real
// binary: connections that send a request body one byte a second (half of
// them uploads that the handler reads, half anonymous requests the server
// refuses without reading) are dropped within a bounded time; while they
// hang on, a connection over the per-client cap gets a 503 JSON answer
// with Retry-After, and another client is served at once; once they are
// gone the server holds no more sockets than before.
func TestSlowClients(t *testing.T) {
	dir := t.TempDir()
	const perClient, idle = 16, 3 * time.Second
	srv := startServer(t, "--data", dir, "--max-conns-per-client", fmt.Sprint(perClient), "--body-idle-timeout", idle.String())
	host := strings.TrimPrefix(srv.url, "http://")
	citizen := createToken(t, []string{"--data", dir}, "001099012345", "citizen")
	// The start-up check's keep-alive connection would hold a place.
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	socketsBefore := openSockets(t, srv.cmd.Process.Pid)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

	type slow struct {
		dropped time.Duration
		status  string
	}
	results := make([]slow, perClient)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range perClient {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		path, auth := "/api/v1/signing/verify", ""
		if i%2 == 0 {
			path, auth = "/api/v1/documents?owner=001099012345&type=KHAC&name=cham", "Authorization: Bearer "+citizen+"\r\n"
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\nContent-Length: 100000\r\n\r\n%%PDF-1.7\n", path, host, auth)
		wg.Go(func() {
			defer c.Close()
			// One byte a second, until the server closes the connection
			// (a write fails) or answers and closes (a read ends).
			ended := make(chan string, 1)
			go func() {
				b, _ := io.ReadAll(bufio.NewReader(c))
				line, _, _ := strings.Cut(string(b), "\r\n")
				ended <- line
			}()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			limit := time.After(60 * time.Second)
			for {
				select {
				case line := <-ended:
					results[i] = slow{time.Since(start), line}
					return
				case <-tick.C:
					c.SetWriteDeadline(time.Now().Add(time.Second))
					c.Write([]byte("0"))
				case <-limit:
					results[i] = slow{-1, "still open after 60s"}
					return
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)

	// Over the cap from the same address: 503, JSON, Retry-After.
	resp, err := fresh.Get(srv.url + "/healthz")
	if err != nil {
		t.Fatalf("connection over the cap: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"too_many_connections"`) {
		t.Fatalf("over the cap: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// Another client (another loopback address) is served at once.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}, Timeout: 2 * time.Second}
	t0 := time.Now()
	resp, err = other.Get(srv.url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("another client while the slow ones hang on: %v %v", err, resp)
	}
	resp.Body.Close()
	t.Logf("another client served in %v", time.Since(t0).Round(time.Millisecond))

	wg.Wait()
	bound := 2*idle + 5*time.Second
	for i, r := range results {
		if r.dropped < 0 || r.dropped > bound {
			t.Errorf("slow connection %d: dropped after %v (%q), want within %v", i, r.dropped, r.status, bound)
		}
	}
	t.Logf("slow connections dropped after %v … %v; answers: %q, %q", results[0].dropped.Round(time.Millisecond), results[perClient-1].dropped.Round(time.Millisecond), results[0].status, results[1].status)

	// Their places are free again (the server closes a connection half a
	// second after its last answer), and their descriptors closed.
	for wait := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err = fresh.Get(srv.url + "/healthz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("3s after the slow clients left: %v %v", err, resp)
		}
		if err == nil {
			resp.Body.Close()
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	other.CloseIdleConnections()
	for openSockets(t, srv.cmd.Process.Pid) > socketsBefore && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := openSockets(t, srv.cmd.Process.Pid); n > socketsBefore {
		t.Fatalf("%d sockets open, %d before the slow clients: %s", n, socketsBefore, fdTargets(srv.cmd.Process.Pid))
	}
	srv.stop()
}

// openSockets counts the sockets process pid has open (its other
// descriptors, such as the embedded store's pooled files, do not count).
func openSockets(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// fdTargets lists what process pid's descriptors point at.
func fdTargets(pid int) string {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	var out []string
	for _, e := range ents {
		l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
		out = append(out, e.Name()+"="+l)
	}
	return strings.Join(out, " ")
}
