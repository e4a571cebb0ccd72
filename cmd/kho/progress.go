package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kho-vn/kho/internal/config"
)

// progressEvery is how often a transfer's progress is reported.
const progressEvery = 500 * time.Millisecond

// progress reports a long transfer on standard error: how much of the
// file has gone, out of how much, and at what speed. On a terminal the
// line is rewritten in place; elsewhere each report is a line of its own.
// The last report, at 100 %, is always written when the transfer ends.
type progress struct {
	w       io.Writer
	verb    string // "Đang tải lên", "Đang tải về"
	name    string
	total   int64 // -1: unknown
	n       int64
	now     func() time.Time
	start   time.Time
	last    time.Time
	inPlace bool
}

// newProgress returns a reporter for a transfer of total bytes (-1 if
// unknown) of the file name, or nil when on is false. A nil *progress
// counts nothing and reports nothing.
func (a *app) newProgress(on bool, verb, name string, total int64) *progress {
	if !on {
		return nil
	}
	t := a.now()
	return &progress{w: a.stderr, verb: verb, name: term(name), total: total, now: a.now, start: t, last: t,
		inPlace: isTerminal(a.stderr)}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressDefault is the --progress default: on when standard error is a
// terminal, so that scripts and logs get no progress lines unless asked.
func (a *app) progressDefault() bool { return isTerminal(a.stderr) }

// add counts n more bytes and reports if it is time to.
func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.n += int64(n)
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		p.report(false)
	}
}

// done writes the last report; a transfer that failed gets none.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.report(true)
}

func (p *progress) report(final bool) {
	line := fmt.Sprintf("%s %s: %s", p.verb, p.name, config.FormatSize(p.n))
	if p.total >= 0 {
		pct := int64(100)
		if p.total > 0 {
			pct = p.n * 100 / p.total
		}
		line += fmt.Sprintf(" / %s (%d %%)", config.FormatSize(p.total), pct)
	}
	if secs := p.now().Sub(p.start).Seconds(); secs > 0 {
		line += fmt.Sprintf(", %s/s", config.FormatSize(int64(float64(p.n)/secs)))
	}
	p.write(line, final)
}

// write writes one report: rewritten in place on a terminal, a line of
// its own elsewhere.
func (p *progress) write(line string, final bool) {
	switch {
	case p.inPlace && final:
		fmt.Fprintf(p.w, "\r%s\033[K\n", line)
	case p.inPlace:
		fmt.Fprintf(p.w, "\r%s\033[K", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// Reader counts what is read from r.
func (p *progress) Reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return progressReader{r, p}
}

// Writer counts what is written to w.
func (p *progress) Writer(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return progressWriter{w, p}
}

type progressReader struct {
	r io.Reader
	p *progress
}

func (r progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(n)
	return n, err
}

type progressWriter struct {
	w io.Writer
	p *progress
}

func (w progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.add(n)
	return n, err
}
