package portal_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange sends raw bytes on a new connection and reads one response.
func (e *env) rawExchange(t *testing.T, conn net.Conn, req string) (*http.Response, []byte) {
	t.Helper()
	if conn == nil {
		var err error
		if conn, err = net.Dial("tcp", e.srv.Listener.Addr().String()); err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(req, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// checkJSONError checks an answer that the harness's checking transport
// does not see: the status, the JSON error with its code and Vietnamese
// message, and the headers every answer carries.
func checkJSONError(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type %q: %s", what, ct, body)
	}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != code || !vietnamese(eb.Error.Message) || eb.Error.RequestID == "" {
		t.Errorf("%s: body %s, want the JSON error %s", what, body, code)
	}
	if resp.Header.Get("X-Request-Id") != eb.Error.RequestID || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("%s: headers %v", what, resp.Header)
	}
}

// TestEveryErrorIsJSON covers the answers that no route handler writes: an
// unknown route, a wrong method (with Allow), and the errors net/http
// answers before any handler runs — headers too large (431), a request it
// cannot parse (400), an unknown transfer coding (501), an HTTP version it
// does not speak (505). 416 and 412 are in TestRangeHeader.
func TestEveryErrorIsJSON(t *testing.T) {
	e := newEnv(t)
	e.do(call{method: "GET", path: "/api/v1/nothing-here", token: e.citizenA, expect: specSkip}).want(t, 404, "route_not_found")
	e.do(call{method: "GET", path: "/", expect: specSkip}).want(t, 404, "route_not_found")
	e.do(call{method: "GET", path: "/api/v1/documents/", token: e.citizenA, expect: specSkip}).want(t, 404, "route_not_found")
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/documents", "GET, HEAD, POST"},
		{"PUT", "/api/v1/documents/x/content", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
		{"OPTIONS", "/api/v1/limits", "GET, HEAD"},
		{"BREW", "/api/v1/owners", "POST"},
	} {
		r := e.do(call{method: c.method, path: c.path, token: e.citizenA, expect: specSkip}).want(t, 405, "method_not_allowed")
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}

	big := strings.Repeat("a", 100<<10)
	for _, c := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: kho\r\nX-Big: " + big + "\r\n\r\n", 431, "headers_too_large"},
		{"URL too large", "GET /healthz?q=" + big + " HTTP/1.1\r\nHost: kho\r\n\r\n", 431, "headers_too_large"},
		{"request line not HTTP", "GARBAGE\r\n\r\n", 400, "bad_request"},
		{"bad percent-encoding", "GET /api/v1/documents/%zz HTTP/1.1\r\nHost: kho\r\n\r\n", 400, "bad_request"},
		{"malformed Host", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "bad_request"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"header without a colon", "GET /healthz HTTP/1.1\r\nHost: kho\r\nbroken\r\n\r\n", 400, "bad_request"},
		{"unknown transfer coding", "POST /api/v1/documents HTTP/1.1\r\nHost: kho\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "transfer_encoding_not_supported"},
		{"HTTP/2 without upgrade", "GET /healthz HTTP/2.0\r\nHost: kho\r\n\r\n", 505, "http_version_not_supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.rawExchange(t, nil, c.req)
			checkJSONError(t, c.name, resp, body, c.status, c.code)
			if c.status == 431 && !strings.Contains(string(body), "64 KB") {
				t.Errorf("431 does not say the limit: %s", body)
			}
		})
	}

	// On a kept-alive connection too: a good request, then one too large.
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, body := e.rawExchange(t, conn, "GET /healthz HTTP/1.1\r\nHost: kho\r\n\r\n")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ok") {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body = e.rawExchange(t, conn, "GET /healthz HTTP/1.1\r\nHost: kho\r\nX-Big: "+big+"\r\n\r\n")
	checkJSONError(t, "431 after a good request", resp, body, 431, "headers_too_large")

	// A file holding net/http's error text is sent as it is: only what
	// net/http writes itself is rewritten. The text is put at the file's
	// end, at the offset where the connection's 4 KiB buffer flushes, so
	// that it leaves in a write of its own (the header block's size is
	// measured with HEAD first).
	canned := "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	upload := func(data string) string {
		r := e.do(call{method: "POST", path: "/api/v1/documents?type=KHAC&name=x&filename=a.txt", token: e.citizenA, contentType: "text/plain", body: []byte(data)}).want(t, 201, "")
		var d document
		r.json(t, &d)
		return d.ID
	}
	headerSize := func(id string) int {
		resp, _ := e.rawExchange(t, nil, "HEAD /api/v1/documents/"+id+"/content HTTP/1.1\r\nHost: kho\r\nAuthorization: Bearer "+e.citizenA+"\r\n\r\n")
		var b strings.Builder
		resp.Write(&b) // the same header block, re-serialised
		return len(b.String())
	}
	pad := 4096 - headerSize(upload(strings.Repeat("p", 4000)))
	for _, p := range []int{pad - 2, pad - 1, pad, pad + 1, pad + 2} {
		data := strings.Repeat("p", p) + canned
		got := e.do(call{method: "GET", path: "/api/v1/documents/" + upload(data) + "/content", token: e.citizenA}).want(t, 200, "")
		if string(got.body) != data {
			t.Errorf("a file with net/http's error text at %d came back as …%q", p, got.body[max(0, len(got.body)-200):])
		}
	}
}
