package signing

import (
	"bufio"
	"fmt"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
)

// maxNesting bounds the nesting of arrays and dictionaries: real PDFs
// stay within a few dozen levels; each level costs the parser about 1.6 KB
// of stack.
const maxNesting = 1000

// prescan reads the whole PDF once, lexically, and refuses structures that
// make digitorus/pdf loop for ever: an array or dictionary still open when
// its object ends ("endobj") or when the file ends, and a string or
// dictionary left open at the end of the file. Stream data is skipped up to
// "endstream". It also refuses arrays and dictionaries nested deeper than
// maxNesting: digitorus/pdf parses them recursively, and a million levels
// (2 MB of '[') overflow the goroutine stack, which kills the process
// instead of panicking. It never rejects a well-formed PDF.
func prescan(in io.ReaderAt, size int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(in, 0, size), 64<<10)
	bad := func(detail string) error {
		return kerr.New(kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc (mảng, từ điển hoặc chuỗi không đóng), không ký được.", "%s", detail)
	}
	var stack []byte // '[' or '<' for open arrays and dictionaries
	tooDeep := func() error {
		return kerr.New(kerr.Invalid, "pdf_invalid", fmt.Sprintf("Tệp PDF có mảng hoặc từ điển lồng nhau quá sâu (quá %d cấp), không xử lý được.", maxNesting),
			"arrays or dictionaries nested deeper than %d levels", maxNesting)
	}
	var word []byte
	endWord := func() error {
		if len(word) == 0 {
			return nil
		}
		w := string(word)
		word = word[:0]
		switch w {
		case "endobj":
			if len(stack) > 0 {
				return bad("object ends inside an open array or dictionary")
			}
		case "stream":
			if err := skipStream(br); err != nil {
				return bad("stream without endstream")
			}
		}
		return nil
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			if err := endWord(); err != nil {
				return err
			}
			if len(stack) > 0 {
				return bad("array or dictionary open at end of file")
			}
			return nil
		}
		if err != nil {
			return kerr.Wrap(err, kerr.Invalid, "pdf_unreadable", "Không đọc được tệp PDF.")
		}
		switch c {
		case ' ', '\t', '\r', '\n', '\f', 0:
			if err := endWord(); err != nil {
				return err
			}
		case '%':
			if err := endWord(); err != nil {
				return err
			}
			for c != '\n' && c != '\r' {
				if c, err = br.ReadByte(); err != nil {
					break
				}
			}
		case '(':
			if err := endWord(); err != nil {
				return err
			}
			if !skipLiteralString(br) {
				return bad("literal string open at end of file")
			}
		case '[':
			if err := endWord(); err != nil {
				return err
			}
			if stack = append(stack, '['); len(stack) > maxNesting {
				return tooDeep()
			}
		case ']':
			if err := endWord(); err != nil {
				return err
			}
			if len(stack) > 0 && stack[len(stack)-1] == '[' {
				stack = stack[:len(stack)-1]
			}
		case '<':
			if err := endWord(); err != nil {
				return err
			}
			if n, _ := br.Peek(1); len(n) == 1 && n[0] == '<' {
				br.ReadByte()
				if stack = append(stack, '<'); len(stack) > maxNesting {
					return tooDeep()
				}
				continue
			}
			// Hex string: up to '>'.
			for {
				c, err = br.ReadByte()
				if err != nil {
					return bad("hex string open at end of file")
				}
				if c == '>' {
					break
				}
			}
		case '>':
			if err := endWord(); err != nil {
				return err
			}
			if n, _ := br.Peek(1); len(n) == 1 && n[0] == '>' {
				br.ReadByte()
				if len(stack) > 0 && stack[len(stack)-1] == '<' {
					stack = stack[:len(stack)-1]
				}
			}
		case '/', '{', '}', ')':
			if err := endWord(); err != nil {
				return err
			}
		default:
			if len(word) < 16 {
				word = append(word, c)
			}
		}
	}
}

// skipLiteralString consumes a literal string after its '(' and reports
// whether it was closed.
func skipLiteralString(br *bufio.Reader) bool {
	depth := 1
	for depth > 0 {
		c, err := br.ReadByte()
		if err != nil {
			return false
		}
		switch c {
		case '\\':
			if _, err := br.ReadByte(); err != nil {
				return false
			}
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return true
}

// skipStream consumes stream data up to and including "endstream".
func skipStream(br *bufio.Reader) error {
	const end = "endstream"
	var window [len(end)]byte // the last bytes read; no allocation per byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return err
		}
		copy(window[:], window[1:])
		window[len(end)-1] = c
		if c == 'm' && string(window[:]) == end {
			return nil
		}
	}
}
