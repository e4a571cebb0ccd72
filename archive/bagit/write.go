// Package bagit writes and reads BagIt packages (RFC 8493) carried as a
// tar stream: the form in which Kho transfers an owner's vault or a
// dossier to another archive and takes one back.
//
// A bag is carried as an uncompressed POSIX tar (optionally gzip-compressed
// on input): tar keeps file names in UTF-8, streams in one pass with each
// file's size in its header (so a writer never holds a file in memory and a
// reader checks a size before it reads a byte), and is what archives such
// as Archivematica and the Library of Congress's tools exchange. A zip
// needs its central directory at the end, which a streaming reader cannot
// check before it has read everything.
//
// The writer streams: it hashes each payload file while copying it and
// writes the manifests at the end. The reader (Unpack) never trusts the
// bag: it spools each file to a private directory under names it chooses
// itself, checks every path, size and count against limits before it
// reads, then Validate checks the bag as a whole (bagit.txt, bag-info.txt,
// every manifest and tag manifest, Payload-Oxum) before anything is used.
package bagit

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Version is the BagIt version the writer declares.
const Version = "1.0"

// Field is one label: value line of bag-info.txt.
type Field struct {
	Label string
	Value string
}

// Writer writes a bag as a tar stream: bagit.txt and bag-info.txt first,
// then the payload and tag files in the order they are added, then the
// manifests. Sizes are declared up front (tar needs them); a file's bytes
// are hashed while copied, never held.
type Writer struct {
	tw       *tar.Writer
	modTime  time.Time
	manifest []line // payload: path and SHA-256
	tags     []line // tag files other than the tag manifest
	seen     map[string]bool
	closed   bool
}

type line struct {
	hash string
	path string
}

// NewWriter starts a bag on w with the given bag-info fields (written in
// the given order; Payload-Oxum and Bagging-Date are the caller's to give,
// since the payload's total is known before it is written). modTime is
// every tar entry's time.
func NewWriter(w io.Writer, info []Field, modTime time.Time) (*Writer, error) {
	bw := &Writer{tw: tar.NewWriter(w), modTime: modTime.UTC().Truncate(time.Second), seen: map[string]bool{}}
	if err := bw.tag("bagit.txt", []byte("BagIt-Version: "+Version+"\nTag-File-Character-Encoding: UTF-8\n")); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, f := range info {
		if err := checkField(f); err != nil {
			return nil, err
		}
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if err := bw.tag("bag-info.txt", []byte(b.String())); err != nil {
		return nil, err
	}
	return bw, nil
}

// checkField refuses a label or value that would break the file's lines.
func checkField(f Field) error {
	if f.Label == "" || strings.ContainsAny(f.Label, ":\r\n") || strings.TrimSpace(f.Label) != f.Label ||
		strings.ContainsAny(f.Value, "\r\n") {
		return kerr.New(kerr.Internal, "bag_field", "Không tạo được gói BagIt.", "bag-info field %q cannot be written", f.Label)
	}
	return nil
}

// Payload adds data/<name> with size bytes read from r. name uses "/"
// between folders; each part must be a plain name (no "..", no control
// characters). Integrity if r gives another number of bytes (the tar
// stream is then unusable); the SHA-256
// it computed is returned for the caller to compare with what it expects.
func (w *Writer) Payload(name string, size int64, r io.Reader) (sha string, err error) {
	p := "data/" + name
	if err := w.header(p, size); err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(w.tw, io.TeeReader(io.LimitReader(r, size), h))
	if err != nil {
		return "", kerr.Wrap(err, kerr.Unavailable, "bag_write", "Không ghi được gói BagIt.")
	}
	if n != size {
		return "", kerr.New(kerr.Integrity, "bag_short_file", "Tệp trong kho không đủ dữ liệu.", "%s: %d bytes of %d", p, n, size)
	}
	if m, _ := r.Read(make([]byte, 1)); m > 0 {
		return "", kerr.New(kerr.Integrity, "bag_long_file", "Tệp trong kho dài hơn kích thước đã ghi.", "%s: more than %d bytes", p, size)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	w.manifest = append(w.manifest, line{sha, p})
	return sha, nil
}

// Tag adds a tag file (outside data/, e.g. "kho/owner.json") listed in the
// tag manifest.
func (w *Writer) Tag(name string, body []byte) error {
	if strings.HasPrefix(name, "data/") || isReservedTag(name) {
		return kerr.New(kerr.Internal, "bag_path", "Không tạo được gói BagIt.", "tag file %q is reserved", name)
	}
	return w.tag(name, body)
}

func isReservedTag(name string) bool {
	switch name {
	case "bagit.txt", "bag-info.txt", "fetch.txt":
		return true
	}
	return strings.HasPrefix(name, "manifest-") || strings.HasPrefix(name, "tagmanifest-")
}

func (w *Writer) tag(name string, body []byte) error {
	if err := w.header(name, int64(len(body))); err != nil {
		return err
	}
	if _, err := w.tw.Write(body); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_write", "Không ghi được gói BagIt.")
	}
	sum := sha256.Sum256(body)
	w.tags = append(w.tags, line{hex.EncodeToString(sum[:]), name})
	return nil
}

func (w *Writer) header(p string, size int64) error {
	if w.closed {
		return kerr.New(kerr.Internal, "bag_closed", "Không tạo được gói BagIt.", "write after Close")
	}
	if err := CheckPath(p); err != nil {
		return err
	}
	if w.seen[p] {
		return kerr.New(kerr.Internal, "bag_duplicate_path", "Không tạo được gói BagIt.", "%s written twice", p)
	}
	w.seen[p] = true
	err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Size: size, Mode: 0o644,
		ModTime: w.modTime, Format: tar.FormatPAX})
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_write", "Không ghi được gói BagIt.")
	}
	return nil
}

// Close writes manifest-sha256.txt and tagmanifest-sha256.txt and ends
// the tar stream (it does not close the underlying writer).
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	man := formatManifest(w.manifest)
	if err := w.tag("manifest-sha256.txt", man); err != nil {
		return err
	}
	tm := formatManifest(w.tags)
	if err := w.header("tagmanifest-sha256.txt", int64(len(tm))); err != nil {
		return err
	}
	if _, err := w.tw.Write(tm); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_write", "Không ghi được gói BagIt.")
	}
	w.closed = true
	if err := w.tw.Close(); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_write", "Không ghi được gói BagIt.")
	}
	return nil
}

// formatManifest renders lines sorted by path, paths percent-encoded as
// RFC 8493 §2.1.3 asks (CR, LF and %).
func formatManifest(lines []line) []byte {
	sorted := append([]line(nil), lines...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].path < sorted[j].path })
	var b strings.Builder
	for _, l := range sorted {
		fmt.Fprintf(&b, "%s  %s\n", l.hash, EncodePath(l.path))
	}
	return []byte(b.String())
}

// EncodePath percent-encodes %, CR and LF in a manifest path.
func EncodePath(p string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(p)
}

// OxumOf formats a Payload-Oxum value.
func OxumOf(bytes, files int64) string { return fmt.Sprintf("%d.%d", bytes, files) }
