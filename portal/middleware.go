package portal

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/internal/edge"
)

// ctxKey keys the request-scoped values the portal keeps in a context.
type ctxKey int

const (
	keyInfo ctxKey = iota
	keyActor
	keyConn // the *jsonErrorConn of Listener
)

// reqInfo is what the access log learns about a request while it runs.
type reqInfo struct {
	id      string
	tokenID string
}

func infoOf(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(keyInfo).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// actorOf returns the authenticated caller; wrap puts it in the context of
// every non-public route.
func actorOf(r *http.Request) archive.Actor {
	a, _ := r.Context().Value(keyActor).(archive.Actor)
	return a
}

// validRequestID reports whether an incoming X-Request-Id may be reused:
// 8..64 characters of [A-Za-z0-9._-].
func validRequestID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string { return edge.NewRequestID() }

// apiCSP is the API's Content-Security-Policy: nothing may load, nothing
// may run (downloads add their own headers).
const apiCSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders are set on every response; downloads add their own.
func securityHeaders(h http.Header) { edge.SecurityHeaders(h, apiCSP) }

// middleware wraps every request: request ID, security headers, panic
// recovery and the access log.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		markHandled(r)
		start := time.Now()
		ri := &reqInfo{id: r.Header.Get("X-Request-Id")}
		if !validRequestID(ri.id) {
			ri.id = newRequestID()
		}
		h := w.Header()
		h.Set("X-Request-Id", ri.id)
		securityHeaders(h)
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		sw := &edge.StatusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), keyInfo, ri))
		defer func() {
			abort := false
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "requestId", ri.id, "method", r.Method, "path", r.URL.Path,
					"panic", p, "stack", string(debug.Stack()))
				if sw.Status == 0 {
					s.writeError(sw, r, kerr.New(kerr.Internal, "internal", "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau.", "panic: %v", p))
				} else {
					// The headers are out: cut the connection (after the
					// access log) so the client sees a failure.
					abort = true
				}
			}
			defer func() {
				if abort {
					panic(http.ErrAbortHandler)
				}
			}()
			level := slog.LevelInfo
			if sw.Status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("requestId", ri.id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.Status), slog.Int64("bytes", sw.Bytes), slog.Duration("duration", time.Since(start)),
				slog.String("token", ri.tokenID))
		}()
		next.ServeHTTP(sw, r)
	})
}

// wrap adapts one route: authentication for non-public routes, and the
// request timeout for routes that do not stream file bytes.
func (s *Server) wrap(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !rt.public {
			t, err := auth.Authenticate(ctx, s.tokens, r.Header.Get("Authorization"), s.cfg.Now())
			if err != nil {
				if kerr.IsKind(err, kerr.Unauthenticated) {
					v := `Bearer realm="kho"`
					if r.Header.Get("Authorization") != "" {
						v += `, error="invalid_token"`
					}
					w.Header().Set("WWW-Authenticate", v)
				}
				s.writeError(w, r, err)
				return
			}
			infoOf(r).tokenID = t.ID
			ctx = context.WithValue(ctx, keyActor, t.Actor())
		}
		if !rt.stream {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.cfg.RequestTimeout)
			defer cancel()
		}
		rt.handle(w, r.WithContext(ctx))
	}
}

// methodNotAllowed answers a known path asked with another method.
func (s *Server) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.writeError(w, r, kerr.New(kerr.Invalid, "method_not_allowed", "Phương thức HTTP này không được hỗ trợ cho địa chỉ này.",
			"method %s is not allowed here; allowed: %s", r.Method, allow))
	}
}

// notFound answers paths that are not part of the API.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, kerr.New(kerr.NotFound, "route_not_found", "Không tìm thấy địa chỉ yêu cầu.", "no route for %s %s", r.Method, r.URL.Path))
}
