package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestProgress: a transfer reports every progressEvery and once at the end
// (100 %), with sizes and a speed, one line per report when standard error
// is not a terminal; a nil reporter (--progress=false) passes the bytes
// through and writes nothing.
func TestProgress(t *testing.T) {
	var errb bytes.Buffer
	clock := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	a := &app{stderr: &errb, now: func() time.Time { return clock }}
	const total = 10 << 20
	p := a.newProgress(true, "Đang tải lên", "giấy khai sinh.pdf", total)
	var out bytes.Buffer
	w := p.Writer(&out)
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	for range 10 {
		clock = clock.Add(200 * time.Millisecond)
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	p.done()
	if out.Len() != total {
		t.Fatalf("wrote %d bytes through the reporter, want %d", out.Len(), total)
	}
	lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
	// 2 s in steps of 200 ms: a report every 600 ms (the first step at or
	// past 500 ms after the last), three of them, then the last one.
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 3 reports and a last one:\n%s", len(lines), errb.String())
	}
	if want := "Đang tải lên giấy khai sinh.pdf: 3 MB / 10 MB (30 %), 5 MB/s"; lines[0] != want {
		t.Errorf("first report %q, want %q", lines[0], want)
	}
	if want := "Đang tải lên giấy khai sinh.pdf: 10 MB / 10 MB (100 %), 5 MB/s"; lines[3] != want {
		t.Errorf("last report %q, want %q", lines[3], want)
	}
	if strings.ContainsAny(errb.String(), "\r\033") {
		t.Errorf("in-place control characters written to a non-terminal: %q", errb.String())
	}

	// Unknown size: no total, no percentage.
	errb.Reset()
	p = a.newProgress(true, "Đang tải về", "a.pdf", -1)
	if _, err := io.Copy(io.Discard, p.Reader(strings.NewReader("abc"))); err != nil {
		t.Fatal(err)
	}
	p.done()
	if got := errb.String(); got != "Đang tải về a.pdf: 3 B\n" {
		t.Errorf("unknown size: %q", got)
	}

	// Off: the same bytes, nothing written.
	errb.Reset()
	p = a.newProgress(false, "Đang tải về", "a.pdf", 3)
	r := p.Reader(strings.NewReader("abc"))
	if b, err := io.ReadAll(r); err != nil || string(b) != "abc" {
		t.Fatalf("read %q, %v through an off reporter", b, err)
	}
	p.done()
	if errb.Len() != 0 {
		t.Errorf("an off reporter wrote %q", errb.String())
	}
}
