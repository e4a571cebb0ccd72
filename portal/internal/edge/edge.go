// Package edge holds what the JSON API (portal) and the web pages
// (portal/web) both do at the HTTP edge: the one mapping of error kinds to
// statuses, request IDs, the security headers and the status-remembering
// response writer.
package edge

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/netip"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// StatusOfKind is the HTTP status of an error kind (kerr's one table):
// Integrity, Internal and unknown kinds are 500.
func StatusOfKind(k kerr.Kind) int { return kerr.HTTPStatus(k) }

// NewRequestID returns a fresh random request ID (24 hex digits).
func NewRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b[:])
}

// SecurityHeaders sets the headers every response carries, with csp as
// its Content-Security-Policy.
func SecurityHeaders(h http.Header, csp string) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// StatusWriter remembers the status and how many bytes were written.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

// WriteHeader records the first status and passes it on.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and counts the bytes.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes flushes on.
func (w *StatusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// HeldWriter holds back a 200 or 206 status until the first byte of the
// body is written; Held is the status still held back (0: none).
type HeldWriter struct {
	http.ResponseWriter
	Held  int
	wrote bool
}

// WriteHeader holds back a first 200 or 206.
func (h *HeldWriter) WriteHeader(code int) {
	if !h.wrote && (code == http.StatusOK || code == http.StatusPartialContent) {
		h.Held = code
		return
	}
	h.wrote = true
	h.ResponseWriter.WriteHeader(code)
}

// Write sends the held status, then p.
func (h *HeldWriter) Write(p []byte) (int, error) {
	if h.Held != 0 {
		h.ResponseWriter.WriteHeader(h.Held)
		h.Held = 0
	}
	h.wrote = true
	return h.ResponseWriter.Write(p)
}

// FirstError is an io.ReadSeeker that keeps the first error its reads
// return, other than io.EOF (ServeContent does not report it).
type FirstError struct {
	R   io.ReadSeeker
	Err error
}

// Read reads, keeping the first error.
func (f *FirstError) Read(p []byte) (int, error) {
	n, err := f.R.Read(p)
	if err != nil && err != io.EOF && f.Err == nil {
		f.Err = err
	}
	return n, err
}

// Seek seeks.
func (f *FirstError) Seek(off int64, whence int) (int64, error) { return f.R.Seek(off, whence) }

// maxForwardedHops bounds how many X-Forwarded-For entries ClientIP reads
// (a client can send a header of any length before the proxy appends).
const maxForwardedHops = 32

// ClientIP is the address of the client of r. When the peer is one of the
// trusted proxies, it is the rightmost address of X-Forwarded-For that is
// not itself a trusted proxy — the one the nearest trusted proxy saw;
// addresses left of it were written by the client and prove nothing.
// A peer not trusted, or a header that is missing or malformed where it
// matters, gives the peer's own address.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !within(peer, trusted) {
		return peer.String()
	}
	client := peer
	hops := 0
	fwd := r.Header.Values("X-Forwarded-For")
	for i := len(fwd) - 1; i >= 0; i-- {
		parts := strings.Split(fwd[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			if hops++; hops > maxForwardedHops {
				return client.String()
			}
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client.String()
			}
			client = a.Unmap()
			if !within(client, trusted) {
				return client.String()
			}
		}
	}
	return client.String()
}

// peerAddr parses a RemoteAddr ("host:port"; the zero Addr if it is not).
func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

// within is whether a is in one of ps.
func within(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
