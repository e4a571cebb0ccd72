package portal

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// limitedServer serves 200 "ok" behind LimitListener(lim).
func limitedServer(t *testing.T, lim ConnLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })}
	go srv.Serve(LimitListener(ln, lim))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// get sends one request on a new connection and returns the status line,
// or "" when the connection gave no answer.
func get(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(bufio.NewReader(c))
	head, body, _ := strings.Cut(string(b), "\r\n\r\n")
	line, _, _ := strings.Cut(head, "\r\n")
	return line + " " + body
}

// TestLimitListenerTotal: over the total cap a connection gets the 503
// JSON answer; a freed place is taken again.
func TestLimitListenerTotal(t *testing.T) {
	addr := limitedServer(t, ConnLimits{Total: 2})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond) // accepted
	if got := get(t, addr); !strings.HasPrefix(got, "HTTP/1.1 503") || !strings.Contains(got, `"code":"too_many_connections"`) {
		t.Fatalf("over the total cap: %q", got)
	}
	held[0].Close()
	deadline := time.Now().Add(3 * time.Second)
	for got := get(t, addr); !strings.HasPrefix(got, "HTTP/1.1 200"); got = get(t, addr) {
		if time.Now().After(deadline) {
			t.Fatalf("a place freed, still: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	held[1].Close()
}

// TestLimitListenerExempt: the per-client cap counts each address, and
// spares the exempt ones (a proxy).
func TestLimitListenerExempt(t *testing.T) {
	for _, c := range []struct {
		exempt []netip.Prefix
		want   string
	}{
		{nil, "HTTP/1.1 503"},
		{[]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "HTTP/1.1 200"},
	} {
		addr := limitedServer(t, ConnLimits{PerClient: 1, Exempt: c.exempt})
		held, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if got := get(t, addr); !strings.HasPrefix(got, c.want) {
			t.Errorf("exempt %v: second connection from 127.0.0.1: %q, want %s", c.exempt, got, c.want)
		}
		held.Close()
	}
}
