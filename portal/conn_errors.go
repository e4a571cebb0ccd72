package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// Some errors net/http answers itself, before any handler runs: 431 when
// the request line and headers pass http.Server.MaxHeaderBytes, 400 when it
// cannot parse the request (a bad request line, Host or header), 501 for a
// transfer coding it does not know, 505 for an HTTP version it does not
// speak. It writes them straight to the connection as fixed plain-text
// responses, and offers no hook to change them: http.Server has no error
// handler for them, and ErrorLog is not told.
//
// Listener makes them JSON like every other error. It wraps the listening
// socket's connections; a connection on which no handler has started since
// it was last idle (http.Server.ConnState) and that is sent net/http's own
// error form — a status line, "Content-Type: text/plain; charset=utf-8",
// "Connection: close", a blank line, the text — sends the JSON error with
// the same status instead. While a handler answers, nothing is rewritten,
// so a file that happens to hold such text is sent as it is. NewHTTPServer
// sets the hooks this needs; Kho serves plain HTTP behind a TLS proxy (a
// TLS listener would hide the form).

// cannedErrorHeaders follow the status line of net/http's own errors.
const cannedErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Listener wraps ln so that the errors net/http answers without calling a
// handler go out as the API's JSON error (see above). Serve the result with
// the http.Server of NewHTTPServer. It must be the outermost wrapper of the
// listener: the server's hooks must see its connections, or a handler's
// bytes are no longer told apart from net/http's own.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return &jsonErrorListener{Listener: ln, s: s}
}

type jsonErrorListener struct {
	net.Listener
	s *Server
}

func (l *jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c, s: l.s}, nil
}

// jsonErrorConn is one connection of Listener.
type jsonErrorConn struct {
	net.Conn
	s *Server
	// handled says a handler started on the connection since it was new
	// or last idle: what is written now is a handler's answer.
	handled atomic.Bool
}

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if !c.handled.Load() {
		if status, text, ok := cannedError(p); ok {
			if _, err := c.Conn.Write(c.s.connErrorResponse(status, text)); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

// ReadFrom keeps the connection's own fast path (sendfile, splice) for
// response bodies, which only handlers write.
func (c *jsonErrorConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c}, r)
}

// CloseWrite half-closes the connection when it can, as net/http does
// after a 431 so that the client reads the answer before the reset.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// connState is the http.Server's ConnState hook: an idle connection has no
// handler answering.
func connState(c net.Conn, st http.ConnState) {
	if jc, ok := c.(*jsonErrorConn); ok && st == http.StateIdle {
		jc.handled.Store(false)
	}
}

// connContext is the http.Server's ConnContext hook: it keeps the
// connection in the request context for markHandled.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if jc, ok := c.(*jsonErrorConn); ok {
		return context.WithValue(ctx, keyConn, jc)
	}
	return ctx
}

// markHandled records that a handler runs on r's connection.
func markHandled(r *http.Request) {
	if jc, ok := r.Context().Value(keyConn).(*jsonErrorConn); ok {
		jc.handled.Store(true)
	}
}

// cannedError recognises one of net/http's own error responses, written
// whole: "HTTP/1.1 431 Request Header Fields Too Large", the fixed
// headers, then the text.
func cannedError(p []byte) (status int, text string, ok bool) {
	const prefix = "HTTP/1.1 "
	if len(p) > 512 || !bytes.HasPrefix(p, []byte(prefix)) {
		return 0, "", false
	}
	end := bytes.Index(p, []byte("\r\n"))
	if end < len(prefix)+3 || !bytes.HasPrefix(p[end:], []byte(cannedErrorHeaders)) {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(p[len(prefix) : len(prefix)+3]))
	if err != nil || status < 400 || status > 599 {
		return 0, "", false
	}
	return status, string(p[end+len(cannedErrorHeaders):]), true
}

// connErrorResponse is the whole HTTP response for one of net/http's own
// errors: the JSON error body with the security headers and a request ID.
func (s *Server) connErrorResponse(status int, text string) []byte {
	var err error
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		err = kerr.New(kerr.TooLarge, "headers_too_large",
			"Phần tiêu đề (header) của yêu cầu quá lớn (tối đa "+input.HumanBytes(maxHeaderBytes)+").",
			"the request line and headers are larger than %d bytes", maxHeaderBytes)
	case http.StatusNotImplemented:
		err = kerr.New(kerr.Invalid, "transfer_encoding_not_supported",
			"Máy chủ không hỗ trợ cách truyền dữ liệu (Transfer-Encoding) của yêu cầu.", "net/http: %s", text)
	case http.StatusHTTPVersionNotSupported:
		err = kerr.New(kerr.Invalid, "http_version_not_supported",
			"Máy chủ không hỗ trợ phiên bản HTTP của yêu cầu.", "net/http: %s", text)
	default:
		err = kerr.New(kerr.Invalid, "bad_request",
			"Yêu cầu HTTP không hợp lệ (dòng yêu cầu, địa chỉ hoặc tiêu đề sai cú pháp).", "net/http: %s", text)
	}
	id := newRequestID()
	code, _ := kerr.Public(err)
	s.log.Info("request refused by net/http", "requestId", id, "status", status, "code", code, "text", text)
	return rawErrorResponse(status, err, id, nil)
}

// rawErrorResponse is a whole HTTP/1.1 response, for writing straight to a
// connection where no handler answers: status, the security headers, h,
// X-Request-Id when id is set, "Connection: close", and err as the API's
// JSON error body.
func rawErrorResponse(status int, err error, id string, h http.Header) []byte {
	code, msg := kerr.Public(err)
	body, _ := json.Marshal(errorBody{Error: errorJSON{Code: code, Message: msg, Detail: kerr.Outer(err).Detail, RequestID: id}})
	body = append(body, '\n')
	if h == nil {
		h = http.Header{}
	}
	securityHeaders(h)
	if id != "" {
		h.Set("X-Request-Id", id)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	_ = h.Write(&b)
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}
