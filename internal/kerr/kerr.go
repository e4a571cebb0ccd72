// Package kerr is Kho's one error type. Every error that crosses a package
// boundary carries a Kind (what went wrong, in the caller's terms), a stable
// Code (for programs), a Vietnamese message (for people) and an English
// detail (for developers). The portal maps Kind to an HTTP status once, at the
// edge. Errors wrap with %w so errors.Is and errors.As work through them.
package kerr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind uint8

// The kinds of error.
const (
	Other           Kind = iota // unclassified; treated as Internal at the edge
	Invalid                     // the input is malformed or breaks a rule
	NotFound                    // the thing asked for does not exist (or is not visible to the caller)
	Conflict                    // the thing exists already, or changed under the caller
	Permission                  // the caller may not do this
	Unauthenticated             // the caller did not prove who they are
	TooLarge                    // the input, or the storage it needs, is over a limit
	Integrity                   // stored bytes or records do not match their hash
	Unavailable                 // a server the operation needs cannot be reached; retry later
	Internal                    // a bug or an unexpected failure
)

var kindNames = [...]string{"other", "invalid", "not_found", "conflict", "permission", "unauthenticated", "too_large", "integrity", "unavailable", "internal"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the error type of Kho.
type Error struct {
	Kind    Kind
	Code    string // stable, machine-readable, snake_case, e.g. "document_not_found"
	Message string // for people, in Vietnamese
	Detail  string // for developers, in English
	Err     error  // the underlying cause, if any
}

// New returns an error of the given kind and code with a Vietnamese message.
// detail is an English format string for developers (may be empty).
func New(kind Kind, code, message, detail string, args ...any) *Error {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &Error{Kind: kind, Code: code, Message: message, Detail: detail}
}

// Wrap returns an error of the given kind and code that wraps err.
// A nil err gives nil.
func Wrap(err error, kind Kind, code, message string) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Code: code, Message: message, Err: err}
}

// Error returns the developer-facing text.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code (or, if target's
// Code is empty, the same Kind). It lets callers write errors.Is(err, kerr.ErrX).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Code != "" {
		return t.Code == e.Code
	}
	return t.Kind == e.Kind
}

// KindOf returns the kind of the outermost *Error in err's chain that has a
// kind, Internal for any other non-nil error, and Other for nil.
func KindOf(err error) Kind {
	if err == nil {
		return Other
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ke, ok := e.(*Error); ok && ke.Kind != Other {
			return ke.Kind
		}
	}
	return Internal
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Outer returns the outermost *Error in err's chain, or nil.
func Outer(err error) *Error {
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	return nil
}

// Public returns the code and Vietnamese message to show for err: the first
// *Error in the chain that has them, else a generic internal error.
func Public(err error) (code, message string) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if ke, ok := e.(*Error); ok && ke.Code != "" && ke.Message != "" {
			return ke.Code, ke.Message
		}
	}
	switch KindOf(err) {
	case Unavailable:
		return "unavailable", "Dịch vụ tạm thời không khả dụng, vui lòng thử lại sau."
	case NotFound:
		return "not_found", "Không tìm thấy dữ liệu yêu cầu."
	case Conflict:
		return "conflict", "Dữ liệu đã thay đổi hoặc đã tồn tại; vui lòng tải lại và thử lại."
	case Invalid:
		return "invalid", "Dữ liệu gửi lên không hợp lệ."
	case Permission:
		return "permission_denied", "Bạn không có quyền thực hiện thao tác này."
	case Unauthenticated:
		return "unauthenticated", "Bạn cần đăng nhập để thực hiện thao tác này."
	case TooLarge:
		return "too_large", "Dữ liệu vượt quá giới hạn cho phép."
	case Integrity:
		return "integrity_error", "Dữ liệu lưu trữ không toàn vẹn; đã ghi nhận để kiểm tra."
	}
	return "internal", "Đã xảy ra lỗi hệ thống; vui lòng thử lại sau."
}
