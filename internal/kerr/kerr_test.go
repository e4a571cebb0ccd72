package kerr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
)

func TestKindOfWalksTheChain(t *testing.T) {
	base := New(NotFound, "document_not_found", "Không tìm thấy giấy tờ.", "no document %q", "x")
	wrapped := fmt.Errorf("loading: %w", base)
	cases := []struct {
		err  error
		want Kind
	}{
		{nil, Other},
		{io.EOF, Internal},
		{base, NotFound},
		{wrapped, NotFound},
		{Wrap(io.ErrUnexpectedEOF, Invalid, "incomplete_upload", "Tệp tải lên bị gián đoạn."), Invalid},
		{&Error{Code: "x", Err: base}, NotFound}, // an outer error without a kind defers to the inner one
	}
	for i, c := range cases {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("%d: KindOf(%v) = %v, want %v", i, c.err, got, c.want)
		}
	}
	if Wrap(nil, Invalid, "a", "b") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestIsMatchesCodeOrKind(t *testing.T) {
	err := fmt.Errorf("ctx: %w", New(Conflict, "document_changed", "Giấy tờ đã bị thay đổi.", ""))
	if !errors.Is(err, &Error{Code: "document_changed"}) {
		t.Error("errors.Is by code failed")
	}
	if !errors.Is(err, &Error{Kind: Conflict}) {
		t.Error("errors.Is by kind failed")
	}
	if errors.Is(err, &Error{Code: "other"}) || errors.Is(err, &Error{Kind: NotFound}) {
		t.Error("errors.Is matched a different code or kind")
	}
}

func TestPublicNeverLeaksDetail(t *testing.T) {
	code, msg := Public(fmt.Errorf("sql: connection refused at 10.0.0.5"))
	if code != "internal" || msg == "" {
		t.Errorf("Public(plain error) = %q, %q", code, msg)
	}
	code, msg = Public(fmt.Errorf("x: %w", New(TooLarge, "file_too_large", "Tệp vượt quá dung lượng tối đa 50 MB.", "limit 52428800")))
	if code != "file_too_large" || msg != "Tệp vượt quá dung lượng tối đa 50 MB." {
		t.Errorf("Public = %q, %q", code, msg)
	}
	for k := Invalid; k <= Internal; k++ {
		code, msg := Public(&Error{Kind: k})
		if code == "" || msg == "" {
			t.Errorf("kind %v has no public code or message", k)
		}
	}
	if got := New(Invalid, "c", "m", "d").Error(); got != "c: d" {
		t.Errorf("Error() = %q", got)
	}
}

// TestHTTPStatusRoundTrip: every kind a client can tell apart comes back
// from its status as itself, the statuses proxies give read as the kind
// they mean, and the kinds with no status of their own are 500.
func TestHTTPStatusRoundTrip(t *testing.T) {
	for _, k := range []Kind{Invalid, NotFound, Conflict, Permission, Unauthenticated, TooLarge, Unavailable} {
		st := HTTPStatus(k)
		if st < 400 || st == http.StatusInternalServerError {
			t.Errorf("HTTPStatus(%v) = %d, want its own 4xx/503", k, st)
		}
		if got := KindOfHTTPStatus(st); got != k {
			t.Errorf("KindOfHTTPStatus(HTTPStatus(%v)=%d) = %v", k, st, got)
		}
	}
	for _, k := range []Kind{Other, Integrity, Internal, Kind(200)} {
		if st := HTTPStatus(k); st != http.StatusInternalServerError {
			t.Errorf("HTTPStatus(%v) = %d, want 500", k, st)
		}
	}
	for st, want := range map[int]Kind{http.StatusUnprocessableEntity: Invalid, http.StatusUnsupportedMediaType: Invalid,
		http.StatusPreconditionFailed: Conflict, http.StatusBadGateway: Unavailable, http.StatusGatewayTimeout: Unavailable,
		http.StatusInternalServerError: Internal, http.StatusTeapot: Internal} {
		if got := KindOfHTTPStatus(st); got != want {
			t.Errorf("KindOfHTTPStatus(%d) = %v, want %v", st, got, want)
		}
	}
}
