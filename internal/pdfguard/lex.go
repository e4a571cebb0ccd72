package pdfguard

import (
	"errors"
	"io"
)

// errWork is returned (as a panic value inside the check, turned into an
// error by Check) when the check itself has lexed or decoded more than its
// work budget.
var errWork = errors.New("work budget exceeded")

// lexer reads PDF tokens from an io.ReaderAt the way github.com/digitorus/pdf
// reads them (the same whitespace, delimiters and keywords), counting the
// bytes it lexes against the checker's work budget. A seek inside the
// bytes it holds reads nothing again: objects mostly follow each other.
type lexer struct {
	r    io.ReaderAt
	end  int64 // the view's size
	buf  []byte
	base int64 // file offset of buf[0]
	pos  int
	work *int64
	max  int64
}

func newLexer(r io.ReaderAt, end int64, work *int64, max int64) *lexer {
	return &lexer{r: r, end: end, buf: make([]byte, 0, 4096), work: work, max: max}
}

func (l *lexer) seek(off int64) {
	if off >= l.base && off < l.base+int64(len(l.buf)) {
		l.pos = int(off - l.base)
		return
	}
	l.base, l.buf, l.pos = off, l.buf[:0], 0
}

func (l *lexer) offset() int64 { return l.base + int64(l.pos) }

// next returns the next byte; ok is false at the end of the view or on a
// read error.
func (l *lexer) next() (byte, bool) {
	if l.pos >= len(l.buf) {
		off := l.base + int64(len(l.buf))
		if off >= l.end || off < 0 {
			return 0, false
		}
		n := min(int64(cap(l.buf)), l.end-off)
		buf := l.buf[:n]
		m, _ := l.r.ReadAt(buf, off)
		if m <= 0 {
			return 0, false
		}
		l.base, l.buf, l.pos = off, buf[:m], 0
	}
	if *l.work++; *l.work > l.max {
		panic(errWork)
	}
	c := l.buf[l.pos]
	l.pos++
	return c, true
}

func (l *lexer) back() {
	if l.pos > 0 {
		l.pos--
	}
}

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// Token kinds.
const (
	tEOF = iota
	tInt
	tReal
	tName
	tString
	tKeyword // obj, endobj, R, stream, xref, trailer, null, true, …
	tDictOpen
	tDictClose
	tArrayOpen
	tArrayClose
	tBad // a delimiter the reader refuses (it panics on it)
)

// token is one lexical token. Text holds a name or keyword (at most
// maxText bytes of it); N holds an integer (ok false when it overflows
// int64, which digitorus/pdf reads as a keyword); Len is the length of a
// string or name.
type token struct {
	kind int
	n    int64
	text string
	len  int
}

const maxText = 32

// token reads the next token.
func (l *lexer) token() token {
	var c byte
	var ok bool
	for {
		if c, ok = l.next(); !ok {
			return token{kind: tEOF}
		}
		if isSpace(c) {
			continue
		}
		if c == '%' {
			for ok && c != '\r' && c != '\n' {
				c, ok = l.next()
			}
			continue
		}
		break
	}
	switch c {
	case '<':
		if d, ok := l.next(); ok && d == '<' {
			return token{kind: tDictOpen}
		} else if ok {
			l.back()
		}
		n := 0
		for {
			d, ok := l.next()
			if !ok || d == '>' {
				return token{kind: tString, len: n / 2}
			}
			n++
		}
	case '(':
		depth, n := 1, 0
		for depth > 0 {
			d, ok := l.next()
			if !ok {
				break
			}
			switch d {
			case '\\':
				l.next()
			case '(':
				depth++
			case ')':
				depth--
			}
			n++
		}
		return token{kind: tString, len: n}
	case '[':
		return token{kind: tArrayOpen}
	case ']':
		return token{kind: tArrayClose}
	case '{', '}':
		return token{kind: tKeyword, text: string(c)}
	case '/':
		return l.word(tName)
	case '>':
		if d, ok := l.next(); ok && d == '>' {
			return token{kind: tDictClose}
		} else if ok {
			l.back()
		}
		return token{kind: tBad}
	}
	if isDelim(c) {
		return token{kind: tBad}
	}
	l.back()
	return l.word(tKeyword)
}

// word reads a name (after its '/') or a keyword or number.
func (l *lexer) word(kind int) token {
	var text [maxText]byte
	n := 0
	for {
		c, ok := l.next()
		if !ok {
			break
		}
		if isDelim(c) || isSpace(c) {
			l.back()
			break
		}
		if n < maxText {
			text[n] = c
		}
		n++
	}
	t := token{kind: kind, text: string(text[:min(n, maxText)]), len: n}
	if kind == tKeyword && n <= 20 {
		if v, ok := parseInt(text[:n]); ok {
			return token{kind: tInt, n: v, text: t.text, len: n}
		}
	}
	return t
}

// parseInt parses an optionally signed decimal integer.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg, b = b[0] == '-', b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}
