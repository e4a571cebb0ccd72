// Package input parses what clients send the portal — JSON bodies, query
// parameters, upload metadata — into values, refusing malformed input with
// kerr errors (kind Invalid or TooLarge, a stable code and a Vietnamese
// message). Judging the values is the domain's job. It is kept apart from
// the handlers so that its fuzz tests build quickly.
package input

import (
	"encoding/json"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// CheckJSONType refuses a request whose Content-Type is not JSON (one of
// types, default application/json) in UTF-8.
func CheckJSONType(r *http.Request, types ...string) error {
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(types, mt) {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return kerr.New(kerr.Invalid, "unsupported_content_type",
		"Kiểu nội dung không được hỗ trợ; hãy gửi JSON (Content-Type: application/json).",
		"Content-Type %q is not one of %s (UTF-8)", ct, strings.Join(types, ", "))
}

// DecodeStrict decodes exactly one JSON value from rd into v, with
// encoding/json's meaning of values but strict about object member
// names: a name must be a field's name exactly — "ACtion" is not
// "action" — and a name that is no field's is refused ("unknown_field"),
// as is anything after the value.
func DecodeStrict(rd io.Reader, v any, max int64) error {
	cr := &countingReader{r: rd}
	err := jsonv2.UnmarshalRead(cr, v, json.DefaultOptionsV1(),
		jsonv2.MatchCaseInsensitiveNames(false), jsonv2.RejectUnknownMembers(true))
	if err != nil && cr.n == 0 && !IsMaxBytes(err) {
		err = io.EOF // nothing was sent
	}
	if err != nil {
		return JSONError(err, max)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// JSONError classifies a decoding error.
func JSONError(err error, max int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case kerr.Outer(err) != nil:
		return err // a value's own decoder refused it (archive.FieldValues)
	case IsMaxBytes(err):
		return kerr.New(kerr.TooLarge, "request_too_large", "Dữ liệu gửi lên vượt quá giới hạn "+HumanBytes(max)+".",
			"the request body is larger than %d bytes", max)
	case errors.Is(err, io.EOF):
		return kerr.New(kerr.Invalid, "invalid_json", "Dữ liệu JSON không hợp lệ: nội dung trống.", "empty body")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return kerr.New(kerr.Invalid, "invalid_json", "Dữ liệu JSON không hợp lệ.", "%s", msg)
	case strings.Contains(msg, "unknown field"):
		return kerr.New(kerr.Invalid, "unknown_field", "Dữ liệu JSON có trường không được hỗ trợ.", "%s", msg)
	case errors.As(err, &typ):
		return kerr.New(kerr.Invalid, "invalid_field_type", "Dữ liệu JSON có trường sai kiểu.", "%s", msg)
	}
	return kerr.New(kerr.Invalid, "invalid_value", "Dữ liệu JSON có giá trị không hợp lệ.", "%s", msg)
}

// Query returns r's query parameters, refusing names outside allowed,
// repeated names and values that are not UTF-8 text.
func Query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số truy vấn không hợp lệ.", "%s", err.Error())
	}
	return q, CheckQuery(q, allowed)
}

func CheckQuery(q url.Values, allowed []string) error {
	for k, vs := range q {
		if !slices.Contains(allowed, k) {
			return kerr.New(kerr.Invalid, "unknown_parameter", "Tham số truy vấn không được hỗ trợ: "+Printable(k)+".",
				"unknown query parameter %q; allowed: %s", k, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return kerr.New(kerr.Invalid, "duplicate_parameter", "Tham số truy vấn bị lặp: "+k+".", "query parameter %q is given %d times", k, len(vs))
		}
		if !utf8.ValidString(vs[0]) {
			return kerr.New(kerr.Invalid, "invalid_parameter", "Tham số "+k+" không phải chuỗi ký tự UTF-8 hợp lệ.", "query parameter %q is not valid UTF-8", k)
		}
	}
	return nil
}

// Printable shortens s and drops what should not be echoed in a message.
func Printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// TextParam checks a free-text parameter: at most max runes, no control
// characters.
func TextParam(q url.Values, name string, max int) (string, error) {
	v := q.Get(name)
	if utf8.RuneCountInString(v) > max || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", kerr.New(kerr.Invalid, "invalid_parameter", "Tham số "+name+" không hợp lệ (tối đa "+strconv.Itoa(max)+" ký tự, không có ký tự điều khiển).",
			"query parameter %q must be at most %d characters without control characters", name, max)
	}
	return v, nil
}

// IntParam parses an integer parameter in [min, max]; absent gives def.
func IntParam(q url.Values, name string, def, min, max int64) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return 0, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số "+name+" phải là số nguyên từ "+strconv.FormatInt(min, 10)+" đến "+strconv.FormatInt(max, 10)+".",
			"query parameter %q must be an integer in [%d, %d]", name, min, max)
	}
	return n, nil
}

// DateParam parses a YYYY-MM-DD parameter; absent gives the zero Date.
func DateParam(q url.Values, name string) (archive.Date, error) {
	d, err := archive.ParseDate(q.Get(name))
	if err != nil {
		return archive.Date{}, invalidDate(name, err)
	}
	return d, nil
}

func invalidDate(name string, err error) error {
	return kerr.New(kerr.Invalid, "invalid_date", "Ngày "+name+" không hợp lệ; định dạng đúng là YYYY-MM-DD.", "%s: %v", name, err)
}

// HumanBytes formats a size for a Vietnamese message: "50 MB", "64 KB",
// "1000 byte".
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}

// IsMaxBytes reports whether err comes from an http.MaxBytesReader.
func IsMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
