package portal

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// pacedServer serves handler behind paceBodies on a real listener: a
// minimum of 64 KiB/s, 300 ms per wait.
func pacedServer(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := &Server{cfg: Config{BodyMinRate: 64 << 10, BodyIdleTimeout: 300 * time.Millisecond, BodyGrace: 300 * time.Millisecond}}
	srv := httptest.NewServer(s.paceBodies(handler))
	t.Cleanup(srv.Close)
	return srv
}

// countBody reads the whole body, pausing pause after the first 64 KiB (a
// slow store), and answers the byte count, or 400 with the read error.
func countBody(pause time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := io.CopyN(io.Discard, r.Body, 64<<10)
		if err == nil {
			time.Sleep(pause)
			var m int64
			m, err = io.Copy(io.Discard, r.Body)
			n += m
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	}
}

// TestPaceBodiesStreams: a large body sent at full speed goes through,
// even when the handler stops reading for three times the idle timeout
// (the server's pause is not held against the client).
func TestPaceBodiesStreams(t *testing.T) {
	srv := pacedServer(t, countBody(time.Second))
	const size = 64 << 20
	resp, err := http.Post(srv.URL, "application/octet-stream", io.LimitReader(zeros{}, size))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != fmt.Sprint(size) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// TestPaceBodiesDropsSlow: a body sent at half the minimum rate, and one
// that stalls, are cut within about a second, with the pace error.
func TestPaceBodiesDropsSlow(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := pacedServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, fmt.Sprint(err))
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
	})
	for name, chunk := range map[string]int{"half-rate": 32 << 10 / 10, "stalled": 0} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
			start := time.Now()
			closed := make(chan struct{})
			go func() { io.Copy(io.Discard, c); close(closed) }()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					if d := time.Since(start); d > 3*time.Second {
						t.Fatalf("dropped after %v", d)
					}
					return
				case <-tick.C:
					if chunk > 0 {
						c.Write(bytes.Repeat([]byte("a"), chunk))
					}
					if time.Since(start) > 10*time.Second {
						t.Fatal("still open after 10s")
					}
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range got {
		if !strings.Contains(e, "request_body_too_slow") {
			t.Errorf("handler read error %q", e)
		}
	}
	if len(got) != 2 {
		t.Fatalf("handler ran %d times", len(got))
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
