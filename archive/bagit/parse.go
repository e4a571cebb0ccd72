package bagit

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
)

// The bounds of the tag files the parsers accept, checked before anything
// is allocated for their content.
const (
	// MaxTagFileBytes is the largest tag file read (bagit.txt,
	// bag-info.txt, a manifest line list is bounded by MaxFiles instead).
	MaxTagFileBytes = 1 << 20
	// MaxManifestBytes is the largest manifest read.
	MaxManifestBytes = 64 << 20
)

// bad is the error of a bag that breaks the RFC or Kho's limits: Invalid
// with a stable code, a Vietnamese message and an English detail.
func bad(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, msg, detail, args...)
}

// Tag is one element of a tag file: a label and its value, continuation
// lines folded in (RFC 8493 §2.2.2).
type Tag struct {
	Label string
	Value string
}

// ParseTagFile parses a tag file (bagit.txt, bag-info.txt): "Label: value"
// lines, a line starting with a space or tab continuing the previous
// value (joined with one space), a UTF-8 byte-order mark allowed at the
// start. Invalid "bag_tag_file" for a line without a label, a
// continuation with nothing to continue, or text that is not UTF-8.
func ParseTagFile(name string, b []byte) ([]Tag, error) {
	if len(b) > MaxTagFileBytes {
		return nil, bad("bag_tag_file", "Tệp thông tin của gói BagIt quá lớn.", "%s: %d bytes, more than %d", name, len(b), MaxTagFileBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		return nil, bad("bag_tag_file", "Tệp thông tin của gói BagIt không đúng mã UTF-8.", "%s is not UTF-8", name)
	}
	var tags []Tag
	for i, ln := range splitLines(string(b)) {
		if ln == "" {
			continue
		}
		if ln[0] == ' ' || ln[0] == '\t' {
			if len(tags) == 0 {
				return nil, bad("bag_tag_file", "Tệp thông tin của gói BagIt sai định dạng.", "%s line %d continues nothing", name, i+1)
			}
			tags[len(tags)-1].Value += " " + strings.TrimSpace(ln)
			continue
		}
		label, value, ok := strings.Cut(ln, ":")
		label = strings.TrimSpace(label)
		if !ok || label == "" || strings.ContainsFunc(label, isControl) {
			return nil, bad("bag_tag_file", "Tệp thông tin của gói BagIt sai định dạng.", "%s line %d has no label", name, i+1)
		}
		tags = append(tags, Tag{Label: label, Value: strings.TrimSpace(value)})
	}
	return tags, nil
}

// splitLines splits on LF, CRLF or CR (RFC 8493 §2.1.1 allows each).
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Get returns the first value of label (case-insensitive), and whether
// there was one.
func Get(tags []Tag, label string) (string, bool) {
	for _, t := range tags {
		if strings.EqualFold(t.Label, label) {
			return t.Value, true
		}
	}
	return "", false
}

// Entry is one line of a manifest: a file's path (decoded) and its hash
// (lower case hex).
type Entry struct {
	Path string
	Hash string
}

// hashLen is the hex length of each algorithm's digest.
var hashLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// ParseManifest parses a manifest of algorithm alg ("md5", "sha1",
// "sha256", "sha512"): "HASH  PATH" lines (any run of spaces or tabs
// between, RFC 8493 §2.1.3), paths percent-decoded (%25, %0A, %0D), at
// most maxLines lines. Each path is checked with CheckPath; a path listed
// twice, a hash of the wrong length or not hex, or an unknown algorithm is
// Invalid with its own code.
func ParseManifest(name, alg string, b []byte, maxLines int) ([]Entry, error) {
	want, ok := hashLen[alg]
	if !ok {
		return nil, bad("bag_unknown_algorithm", "Gói BagIt dùng thuật toán băm không được hỗ trợ.", "%s: algorithm %q", name, alg)
	}
	if len(b) > MaxManifestBytes {
		return nil, bad("bag_too_large", "Danh sách tệp của gói BagIt quá lớn.", "%s: %d bytes, more than %d", name, len(b), MaxManifestBytes)
	}
	if !utf8.Valid(b) {
		return nil, bad("bag_bad_name", "Tên tệp trong gói BagIt không đúng mã UTF-8.", "%s is not UTF-8", name)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	lines := splitLines(string(b))
	var out []Entry
	seen := map[string]bool{}
	for i, ln := range lines {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		if len(out) >= maxLines {
			return nil, bad("bag_too_many_files", "Gói BagIt có quá nhiều tệp.", "%s: more than %d lines", name, maxLines)
		}
		hash, path, ok := strings.Cut(ln, " ")
		if !ok {
			hash, path, ok = strings.Cut(ln, "\t")
		}
		path = strings.TrimLeft(path, " \t")
		if !ok || path == "" {
			return nil, bad("bag_manifest_line", "Danh sách tệp của gói BagIt sai định dạng.", "%s line %d: no path", name, i+1)
		}
		hash = strings.ToLower(hash)
		if len(hash) != want {
			return nil, bad("bag_manifest_line", "Danh sách tệp của gói BagIt sai định dạng.", "%s line %d: %d hex digits, %s has %d", name, i+1, len(hash), alg, want)
		}
		if _, err := hex.DecodeString(hash); err != nil {
			return nil, bad("bag_manifest_line", "Danh sách tệp của gói BagIt sai định dạng.", "%s line %d: hash is not hex", name, i+1)
		}
		p, err := DecodePath(path)
		if err != nil {
			return nil, err
		}
		if err := CheckPath(p); err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, bad("bag_duplicate_path", "Gói BagIt liệt kê một tệp hai lần.", "%s lists %q twice", name, p)
		}
		seen[p] = true
		out = append(out, Entry{Path: p, Hash: hash})
	}
	return out, nil
}

// DecodePath undoes EncodePath (any %XX escape is decoded, as RFC 8493
// asks of readers for %25, %0A and %0D).
func DecodePath(p string) (string, error) {
	if !strings.Contains(p, "%") {
		return p, nil
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) {
			return "", bad("bag_bad_name", "Tên tệp trong gói BagIt sai định dạng.", "bad escape in %q", p)
		}
		v, err := strconv.ParseUint(p[i+1:i+3], 16, 8)
		if err != nil {
			return "", bad("bag_bad_name", "Tên tệp trong gói BagIt sai định dạng.", "bad escape in %q", p)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// CheckPath checks a path inside a bag: relative, "/" between parts, each
// part a plain name — not empty, not "." or "..", no backslash, no NUL or
// other control character — in valid UTF-8, at most 4096 bytes. Invalid
// "bag_unsafe_path" or "bag_bad_name".
func CheckPath(p string) error {
	if !utf8.ValidString(p) {
		return bad("bag_bad_name", "Tên tệp trong gói BagIt không đúng mã UTF-8.", "path %q is not UTF-8", p)
	}
	if p == "" || len(p) > 4096 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return bad("bag_unsafe_path", "Gói BagIt có đường dẫn tệp không an toàn.", "unsafe path %q", p)
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsFunc(part, isControl) ||
			(len(part) >= 2 && part[1] == ':') {
			return bad("bag_unsafe_path", "Gói BagIt có đường dẫn tệp không an toàn.", "unsafe path %q", p)
		}
	}
	return nil
}

// ParseOxum parses a Payload-Oxum value "OCTETS.COUNT".
func ParseOxum(v string) (bytes, files int64, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), ".")
	if ok {
		bytes, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			files, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || bytes < 0 || files < 0 {
		return 0, 0, bad("bag_bad_oxum", "Payload-Oxum của gói BagIt sai định dạng.", "Payload-Oxum %q", v)
	}
	return bytes, files, nil
}
