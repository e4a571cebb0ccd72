package portal

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// ConnLimits caps the connections a server holds open.
type ConnLimits struct {
	// Total is the most connections open at once (0: no cap).
	Total int
	// PerClient is the most connections open at once from one client IP
	// address (0: no cap). Behind a load balancer or reverse proxy every
	// connection comes from the proxy: list its addresses in Exempt (and
	// let the proxy cap its clients), or set PerClient to 0.
	PerClient int
	// Exempt are the addresses (proxies, health checkers) PerClient does
	// not apply to; Total still does.
	Exempt []netip.Prefix
}

// How a refused connection is answered.
const (
	refuseRetryAfter = "5"         // seconds, in Retry-After
	refuseLinger     = time.Second // reading the request, answering and closing
	maxRefusing      = 64          // refused connections being answered at once
)

// refusal is the answer to a connection over a cap: a complete HTTP/1.1
// 503 response with the error JSON every error of the API has.
var refusal = rawErrorResponse(http.StatusServiceUnavailable,
	kerr.New(kerr.Unavailable, "too_many_connections", "Máy chủ đang có quá nhiều kết nối; vui lòng thử lại sau ít giây.",
		"connection cap reached (per client or in total); retry after the Retry-After delay"),
	"", http.Header{"Retry-After": {refuseRetryAfter}})

// LimitListener wraps ln so that it holds at most lim.Total connections,
// and at most lim.PerClient from one IP address. A connection over a cap
// is answered at once with a 503 JSON error (code too_many_connections,
// Retry-After 5) and closed; it never reaches the handler. When more than a
// few dozen are being refused at once, further ones are closed without an
// answer.
func LimitListener(ln net.Listener, lim ConnLimits) net.Listener {
	return &limitListener{Listener: ln, lim: lim, per: map[netip.Addr]int{}, refusing: make(chan struct{}, maxRefusing)}
}

type limitListener struct {
	net.Listener
	lim      ConnLimits
	mu       sync.Mutex
	total    int
	per      map[netip.Addr]int
	refusing chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := clientAddr(c)
		if l.admit(addr) {
			return &limitedConn{Conn: c, l: l, addr: addr}, nil
		}
		l.refuse(c)
	}
}

// admit counts a new connection from addr, or says it is over a cap.
func (l *limitListener) admit(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lim.Total > 0 && l.total >= l.lim.Total {
		return false
	}
	perClient := l.lim.PerClient > 0 && !l.exempt(addr)
	if perClient && l.per[addr] >= l.lim.PerClient {
		return false
	}
	l.total++
	l.per[addr]++
	return true
}

func (l *limitListener) exempt(addr netip.Addr) bool {
	for _, p := range l.lim.Exempt {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func (l *limitListener) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.per[addr]--; l.per[addr] <= 0 {
		delete(l.per, addr)
	}
}

// refuse answers c with the 503 and closes it, without blocking Accept.
// The request's head is read first, so that the answer is an answer to it
// (HTTP clients drop a response that comes before their request), and the
// rest is read and dropped after the answer, so that closing does not reset
// the connection before the client reads it; all within refuseLinger.
func (l *limitListener) refuse(c net.Conn) {
	select {
	case l.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(refuseLinger))
		br := bufio.NewReaderSize(c, 4096)
		for {
			line, err := br.ReadSlice('\n')
			if err != nil || len(bytes.TrimRight(line, "\r\n")) == 0 {
				break
			}
		}
		if _, err := c.Write(refusal); err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		var buf [4096]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				return
			}
		}
	}()
}

// clientAddr is the IP address of c's peer (the zero Addr if unknown).
func clientAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// limitedConn gives its place back when closed (once).
type limitedConn struct {
	net.Conn
	l    *limitListener
	addr netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// CloseWrite half-closes the connection when the underlying one can.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
