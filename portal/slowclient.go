package portal

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Defaults of the request body's pace (Config.BodyMinRate, BodyIdleTimeout).
const (
	defaultBodyMinRate     = 1 << 10 // bytes per second, on average
	defaultBodyIdleTimeout = 30 * time.Second
)

// paceBodies makes every request body keep a pace: each read of the body
// must get bytes within BodyIdleTimeout, and the time spent waiting for the
// client's bytes may not exceed BodyGrace plus one second per BodyMinRate
// bytes received. Only time spent waiting for the client counts: a handler
// that pauses (a slow store) is not the client's fault, and an upload of
// hundreds of megabytes streams as long as it arrives faster than the
// minimum rate. A client below it gets its connection's read deadline, the
// read fails, and the server drops the connection; a body the handler
// never reads is bounded too (the server discards it under the deadline
// set here). The deadlines are the connection's (http.ResponseController).
func (s *Server) paceBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		p := &pacedBody{rc: r.Body, ctl: rc, minRate: s.cfg.BodyMinRate, idle: s.cfg.BodyIdleTimeout, grace: s.cfg.BodyGrace}
		// Until the handler reads, the body's first bytes must come within
		// the idle timeout (this also bounds the server's discarding of a
		// body the handler left unread).
		if err := rc.SetReadDeadline(time.Now().Add(p.idle)); err != nil {
			next.ServeHTTP(w, r) // not a connection with deadlines (tests' recorders)
			return
		}
		r.Body = p
		next.ServeHTTP(w, r)
	})
}

// pacedBody is a request body whose reads are bounded as paceBodies says.
type pacedBody struct {
	rc      io.ReadCloser
	ctl     *http.ResponseController
	minRate int64
	idle    time.Duration
	grace   time.Duration
	got     int64         // bytes received
	waited  time.Duration // time spent in reads
	failed  error
}

// errBodyTooSlow is what a read of a body below the minimum pace returns.
var errBodyTooSlow = kerr.New(kerr.Invalid, "request_body_too_slow",
	"Dữ liệu gửi lên đến quá chậm nên kết nối đã bị ngắt; vui lòng gửi lại.",
	"the request body arrived below the minimum rate or stalled; the connection is closed")

func (p *pacedBody) Read(b []byte) (int, error) {
	if p.failed != nil {
		return 0, p.failed
	}
	allowed := p.grace + time.Duration(float64(p.got)/float64(p.minRate)*float64(time.Second)) - p.waited
	if allowed <= 0 {
		p.failed = errBodyTooSlow
		return 0, p.failed
	}
	start := time.Now()
	_ = p.ctl.SetReadDeadline(start.Add(min(p.idle, allowed)))
	n, err := p.rc.Read(b)
	p.waited += time.Since(start)
	p.got += int64(n)
	if err != nil && isTimeout(err) {
		p.failed = errBodyTooSlow
		return n, p.failed
	}
	return n, err
}

func (p *pacedBody) Close() error { return p.rc.Close() }

// isTimeout says whether err is a read deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
