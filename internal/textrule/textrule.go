// Package textrule is Kho's one rule for the characters that text typed by
// people may hold — names, summaries, typed fields, file names — and the
// escaping of such text where it is printed to a terminal.
//
// Refused are characters that are invisible or that change how the text
// around them is shown: control characters (a terminal runs ESC sequences;
// CR rewrites a line) and Unicode format characters, the bidirectional
// embeddings, overrides and isolates above all (U+202A–U+202E,
// U+2066–U+2069: "Trojan Source", CVE-2021-42574), which make
// "fdp.exe" look like "exe.pdf". Vietnamese text needs none of them.
package textrule

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Forbidden reports whether r may not appear in text that people type. It
// refuses:
//   - C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F), except
//     LF and TAB in multi-line text;
//   - format characters (Unicode category Cf): bidirectional embeddings,
//     overrides and isolates (U+202A–U+202E, U+2066–U+2069), directional
//     marks (U+200E, U+200F, U+061C), zero-width characters (U+200B–U+200D,
//     U+2060, U+FEFF), the soft hyphen (U+00AD), tag characters and the
//     rest of Cf;
//   - the line and paragraph separators U+2028 and U+2029;
//   - surrogates and the noncharacters U+FFFE and U+FFFF.
func Forbidden(r rune, multiline bool) bool {
	switch {
	case multiline && (r == '\n' || r == '\t'):
		return false
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return true
	case r < 0xa0:
		return false
	case r == '\u2028' || r == '\u2029' || r == 0xfffe || r == 0xffff || r >= 0xd800 && r < 0xe000:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// Find returns the byte offset and the rune of the first character of s
// that Forbidden refuses, or -1.
func Find(s string, multiline bool) (int, rune) {
	for i, r := range s {
		if Forbidden(r, multiline) {
			return i, r
		}
	}
	return -1, 0
}

// Replace returns s with every character that Forbidden refuses in
// single-line text, and every invalid UTF-8 byte, replaced by repl: for a
// name that must be kept but not shown as it is (a file name on disk).
func Replace(s string, repl rune) string {
	return strings.Map(func(r rune) rune {
		if Forbidden(r, false) || r == utf8.RuneError {
			return repl
		}
		return r
	}, strings.ToValidUTF8(s, string(repl)))
}

// Describe names r for an English detail: "U+202E".
func Describe(r rune) string {
	return fmt.Sprintf("U+%04X", r)
}

// Escape returns s as it may be printed to a terminal or into a table:
// every character that Forbidden refuses in single-line text (newlines and
// tabs included, so that a value stays on its row) is replaced by a Go
// escape — \n, \t, \r, \x1b, \u202e — and invalid UTF-8 by \xNN. Other
// text, Vietnamese letters included, is unchanged.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case Forbidden(r, false) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case Forbidden(r, false) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case Forbidden(r, false):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	i, _ := Find(s, false)
	return i >= 0
}

// EscapeJSON returns JSON text (as encoding/json writes it: valid UTF-8,
// C0 controls, U+2028 and U+2029 already escaped) with every other
// character that Forbidden refuses written as a \uXXXX escape (a UTF-16
// surrogate pair above U+FFFF). Such characters can only stand inside JSON
// strings, where the escape means the same character: the JSON value is
// unchanged, but a terminal that shows it no longer acts on them.
func EscapeJSON(b []byte) []byte {
	clean := true
	for _, r := range string(b) {
		if Forbidden(r, true) {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if Forbidden(r, true) && !(r == utf8.RuneError && n <= 1) {
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
