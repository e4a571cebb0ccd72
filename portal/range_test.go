package portal_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRangeHeader checks Range against RFC 9110 §14: a valid range is
// served (206), a malformed Range is ignored and the whole file sent
// (200), and a valid range outside the file is 416 with the JSON error and
// Content-Range: bytes */size.
func TestRangeHeader(t *testing.T) {
	e := newEnv(t)
	data := pdf(strings.Repeat("0123456789", 100))
	size := len(data)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", data)
	path := "/api/v1/documents/" + d.ID + "/content"
	many := "bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 65), ",")
	for _, c := range []struct {
		rng    string
		status int
		body   []byte // for 200 and single-range 206
		cr     string // Content-Range
	}{
		// Valid and satisfiable.
		{"bytes=0-9", 206, data[:10], fmt.Sprintf("bytes 0-9/%d", size)},
		{"Bytes=0-9", 206, data[:10], fmt.Sprintf("bytes 0-9/%d", size)},
		{"bytes= 0-9 ", 206, data[:10], fmt.Sprintf("bytes 0-9/%d", size)},
		{"bytes=,0-9,", 206, data[:10], fmt.Sprintf("bytes 0-9/%d", size)},
		{"bytes=-10", 206, data[size-10:], fmt.Sprintf("bytes %d-%d/%d", size-10, size-1, size)},
		{fmt.Sprintf("bytes=%d-", size-5), 206, data[size-5:], fmt.Sprintf("bytes %d-%d/%d", size-5, size-1, size)},
		{"bytes=10-99999999999999999999", 206, data[10:], fmt.Sprintf("bytes 10-%d/%d", size-1, size)},
		{"bytes=-99999999999999999999", 206, data, fmt.Sprintf("bytes 0-%d/%d", size-1, size)}, // a suffix longer than the file: all of it
		{fmt.Sprintf("bytes=%d-,0-0", size), 206, data[:1], fmt.Sprintf("bytes 0-0/%d", size)},
		{"bytes=0-0,-0", 206, data[:1], fmt.Sprintf("bytes 0-0/%d", size)},
		{"bytes=0-1,5-6", 206, nil, ""}, // multipart/byteranges
		// Malformed: ignored, the whole file.
		{"bytes=5-2", 200, data, ""},
		{"bytes=abc", 200, data, ""},
		{"bytes=", 200, data, ""},
		{"bytes=,", 200, data, ""},
		{"bytes", 200, data, ""},
		{"bytes 0-9", 200, data, ""},
		{"bytes =0-9", 200, data, ""},
		{"items=0-9", 200, data, ""},
		{"bytes=0-9;x", 200, data, ""},
		{"bytes=--5", 200, data, ""},
		{"bytes=1-2-3", 200, data, ""},
		{"bytes=+1-2", 200, data, ""},
		{"bytes=0x10-", 200, data, ""},
		{"bytes=0-9,oops", 200, data, ""},
		{many, 200, data, ""},
		// Valid, nothing satisfiable: 416.
		{fmt.Sprintf("bytes=%d-", size), 416, nil, fmt.Sprintf("bytes */%d", size)},
		{fmt.Sprintf("bytes=%d-%d", size+10, size+20), 416, nil, fmt.Sprintf("bytes */%d", size)},
		{"bytes=-0", 416, nil, fmt.Sprintf("bytes */%d", size)},
		{"bytes=99999999999999999999-", 416, nil, fmt.Sprintf("bytes */%d", size)},
		{fmt.Sprintf("bytes=%d-,-0", size), 416, nil, fmt.Sprintf("bytes */%d", size)},
	} {
		t.Run(c.rng, func(t *testing.T) {
			r := e.do(call{method: "GET", path: path, token: e.citizenA, header: map[string]string{"Range": c.rng}})
			if c.status == 416 {
				r.want(t, 416, "range_not_satisfiable")
			} else {
				r.want(t, c.status, "")
			}
			if c.body != nil && !bytes.Equal(r.body, c.body) {
				t.Errorf("body of %d bytes, want %d", len(r.body), len(c.body))
			}
			if got := r.header.Get("Content-Range"); got != c.cr {
				t.Errorf("Content-Range %q, want %q", got, c.cr)
			}
			if c.status == 206 && c.body == nil && !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") {
				t.Errorf("Content-Type %q, want multipart/byteranges", r.header.Get("Content-Type"))
			}
			if c.status == 416 && (r.header.Get("Content-Disposition") != "" || r.header.Get("Content-Type") != "application/json; charset=utf-8") {
				t.Errorf("416 headers %v", r.header)
			}
		})
	}
	// If-Range that does not match: the range is ignored, even one that
	// could not be satisfied.
	for _, rng := range []string{"bytes=0-9", fmt.Sprintf("bytes=%d-", size)} {
		r := e.do(call{method: "GET", path: path, token: e.citizenA,
			header: map[string]string{"Range": rng, "If-Range": `"` + strings.Repeat("0", 64) + `"`}}).want(t, 200, "")
		if !bytes.Equal(r.body, data) {
			t.Errorf("If-Range mismatch with %s: %d bytes", rng, len(r.body))
		}
	}
	// Two Range fields: malformed, ignored.
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.citizenA)
	req.Header.Add("Range", "bytes=0-9")
	req.Header.Add("Range", "bytes=10-19")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("two Range fields: %d, want 200", resp.StatusCode)
	}
	// HEAD with an unsatisfiable range: 416 without a body.
	e.do(call{method: "HEAD", path: path, token: e.citizenA, expect: specSkip,
		header: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)}}).want(t, 416, "")
}
