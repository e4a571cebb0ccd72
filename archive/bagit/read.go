package bagit

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// Limits bound what Unpack accepts; each is checked against a tar header
// before the entry's bytes are read.
type Limits struct {
	MaxFiles     int   // entries (files), default 100,000
	MaxBytes     int64 // all files' bytes together, default 10 GiB
	MaxFileBytes int64 // one file's bytes, default 1 GiB
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 100_000
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 10 << 30
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 1 << 30
	}
	return l
}

// Bag is an unpacked bag: its files spooled in a private directory (under
// names Unpack chose, never the bag's own), and, once Validate passed,
// its declaration, bag-info and manifests.
type Bag struct {
	dir   string
	files map[string]spooled // bag path → spooled copy
	lim   Limits

	// Version is bagit.txt's BagIt-Version.
	Version string
	// Info is bag-info.txt's tags (nil when the bag has none).
	Info []Tag
	// Payload lists the payload files (paths under data/) in path order,
	// each with its SHA-256 (computed by Validate).
	Payload []File
	// Algorithms are the payload manifests' algorithms, sorted.
	Algorithms []string
}

// File is one payload file of a validated bag.
type File struct {
	Path   string // "data/…"
	Size   int64
	SHA256 string
}

type spooled struct {
	name string
	size int64
}

// Unpack reads a bag carried as a tar stream (gzip-compressed or not; the
// bag's files at the top or in one top folder) and spools its files into
// a new directory under parent ("" = the system's). Each entry's path is
// checked (CheckPath), only regular files and folders are accepted, and
// each size and count is checked against lim before a byte is read. On
// error nothing is left behind. The caller validates the bag (Validate)
// and closes it (Close removes the spool).
//
// Errors: Invalid with codes bag_corrupt, bag_unsafe_path, bag_bad_name,
// bag_unsafe_entry, bag_duplicate_path, bag_no_bagit; TooLarge with
// bag_too_large or bag_too_many_files; Unavailable when the spool cannot
// be written.
func Unpack(ctx context.Context, r io.Reader, parent string, lim Limits) (_ *Bag, err error) {
	lim = lim.withDefaults()
	dir, err := os.MkdirTemp(parent, "kho-bag-")
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không tạo được thư mục tạm để đọc gói BagIt.")
	}
	b := &Bag{dir: dir, files: map[string]spooled{}, lim: lim}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	br := bufio.NewReader(r)
	var in io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, bad("bag_corrupt", "Tệp gói BagIt bị hỏng.", "gzip: %v", err)
		}
		defer zr.Close()
		in = zr
	}
	tr := tar.NewReader(in)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, kerr.Wrap(err, kerr.Unavailable, "bag_cancelled", "Việc đọc gói BagIt đã bị hủy.")
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("bag_corrupt", "Tệp gói BagIt bị hỏng hoặc không phải tệp tar.", "tar: %v", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch h.Typeflag {
		case tar.TypeXGlobalHeader:
			continue
		case tar.TypeDir:
			if d := strings.TrimSuffix(name, "/"); d != "" && d != "." {
				if err := CheckPath(d); err != nil {
					return nil, err
				}
			}
			continue
		case tar.TypeReg:
		default:
			return nil, bad("bag_unsafe_entry", "Gói BagIt chứa mục không phải tệp thường (liên kết, thiết bị…).",
				"entry %q has type %q", h.Name, string(h.Typeflag))
		}
		if err := CheckPath(name); err != nil {
			return nil, err
		}
		if _, dup := b.files[name]; dup {
			return nil, bad("bag_duplicate_path", "Gói BagIt chứa một tệp hai lần.", "%q appears twice", name)
		}
		if len(b.files) >= lim.MaxFiles {
			return nil, kerr.New(kerr.TooLarge, "bag_too_many_files", "Gói BagIt có quá nhiều tệp.", "more than %d files", lim.MaxFiles)
		}
		if h.Size < 0 || h.Size > lim.MaxFileBytes || total+h.Size > lim.MaxBytes {
			return nil, kerr.New(kerr.TooLarge, "bag_too_large", "Gói BagIt hoặc một tệp trong đó quá lớn.",
				"%q declares %d bytes (limits: %d a file, %d in all, %d so far)", name, h.Size, lim.MaxFileBytes, lim.MaxBytes, total)
		}
		total += h.Size
		sp := spooled{name: fmt.Sprintf("f%07d", len(b.files)), size: h.Size}
		if err := spool(ctx, filepath.Join(dir, sp.name), tr, h.Size); err != nil {
			return nil, err
		}
		b.files[name] = sp
	}
	return b, b.strip()
}

// spool copies exactly n bytes of r into a new file at p.
func spool(ctx context.Context, p string, r io.Reader, n int64) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không ghi được tệp tạm khi đọc gói BagIt.")
	}
	got, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, n))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || got != n {
		if ctx.Err() != nil {
			return kerr.Wrap(ctx.Err(), kerr.Unavailable, "bag_cancelled", "Việc đọc gói BagIt đã bị hủy.")
		}
		return bad("bag_corrupt", "Tệp gói BagIt bị hỏng hoặc bị cắt ngắn.", "a file ends after %d of %d bytes: %v", got, n, err)
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// strip removes the one top folder a bag was tarred in, if any.
func (b *Bag) strip() error {
	if _, ok := b.files["bagit.txt"]; ok {
		return nil
	}
	var top string
	for p := range b.files {
		first, _, _ := strings.Cut(p, "/")
		if top == "" {
			top = first
		}
		if first != top || !strings.Contains(p, "/") {
			return bad("bag_no_bagit", "Tệp không phải gói BagIt (thiếu bagit.txt).", "no bagit.txt at the top or in one top folder")
		}
	}
	if _, ok := b.files[top+"/bagit.txt"]; !ok {
		return bad("bag_no_bagit", "Tệp không phải gói BagIt (thiếu bagit.txt).", "no bagit.txt at the top or in one top folder")
	}
	files := make(map[string]spooled, len(b.files))
	for p, sp := range b.files {
		files[strings.TrimPrefix(p, top+"/")] = sp
	}
	b.files = files
	return nil
}

// Close removes the spooled files.
func (b *Bag) Close() error { return os.RemoveAll(b.dir) }

// Has reports whether the bag holds the file at path.
func (b *Bag) Has(path string) bool { _, ok := b.files[path]; return ok }

// Open opens a file of the bag and returns its size. NotFound if absent.
func (b *Bag) Open(path string) (*os.File, int64, error) {
	sp, ok := b.files[path]
	if !ok {
		return nil, 0, kerr.New(kerr.NotFound, "bag_missing_file", "Gói BagIt thiếu tệp.", "%q is not in the bag", path)
	}
	f, err := os.Open(filepath.Join(b.dir, sp.name))
	if err != nil {
		return nil, 0, kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không đọc được tệp tạm của gói BagIt.")
	}
	return f, sp.size, nil
}

// ReadTag returns a tag file's bytes, at most max (else TooLarge).
func (b *Bag) ReadTag(path string, max int64) ([]byte, error) {
	f, size, err := b.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > max {
		return nil, kerr.New(kerr.TooLarge, "bag_too_large", "Tệp thông tin trong gói BagIt quá lớn.", "%s: %d bytes, more than %d", path, size, max)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(f, body); err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không đọc được tệp tạm của gói BagIt.")
	}
	return body, nil
}

// Validate checks the unpacked bag as a whole (RFC 8493 §3): bagit.txt
// (version 0.97 or 1.x, UTF-8 tag files), no fetch.txt, bag-info.txt,
// every payload manifest (md5, sha1, sha256, sha512) listing exactly the
// files under data/, every hash, Payload-Oxum against the real payload,
// and every tag manifest's entries. It fills Version, Info, Payload and
// Algorithms. Errors: Invalid with codes bag_no_bagit, bag_unknown_version,
// bag_encoding, bag_fetch_refused, bag_tag_file, bag_no_manifest,
// bag_unknown_algorithm, bag_manifest_line, bag_missing_file,
// bag_unlisted_file, bag_hash_mismatch, bag_bad_oxum, bag_oxum_mismatch.
func (b *Bag) Validate(ctx context.Context) error {
	decl, err := b.ReadTag("bagit.txt", MaxTagFileBytes)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return bad("bag_no_bagit", "Tệp không phải gói BagIt (thiếu bagit.txt).", "no bagit.txt")
		}
		return err
	}
	tags, err := ParseTagFile("bagit.txt", decl)
	if err != nil {
		return err
	}
	b.Version, _ = Get(tags, "BagIt-Version")
	if b.Version != "0.97" && b.Version != "1.0" && !strings.HasPrefix(b.Version, "1.") {
		return bad("bag_unknown_version", "Phiên bản BagIt không được hỗ trợ (chấp nhận 0.97 và 1.0).", "BagIt-Version %q", b.Version)
	}
	if enc, _ := Get(tags, "Tag-File-Character-Encoding"); !strings.EqualFold(enc, "UTF-8") {
		return bad("bag_encoding", "Gói BagIt phải dùng mã UTF-8 cho các tệp thông tin.", "Tag-File-Character-Encoding %q", enc)
	}
	if b.Has("fetch.txt") {
		return bad("bag_fetch_refused", "Gói BagIt có fetch.txt (tệp cần tải từ nơi khác) không được chấp nhận; hãy gửi gói đầy đủ.",
			"fetch.txt is not supported: the bag must be complete")
	}
	if b.Has("bag-info.txt") {
		raw, err := b.ReadTag("bag-info.txt", MaxTagFileBytes)
		if err != nil {
			return err
		}
		if b.Info, err = ParseTagFile("bag-info.txt", raw); err != nil {
			return err
		}
	}
	// The payload manifests.
	manifests := map[string][]Entry{}
	tagManifests := map[string][]Entry{}
	for p := range b.files {
		for prefix, into := range map[string]map[string][]Entry{"manifest-": manifests, "tagmanifest-": tagManifests} {
			if !strings.HasPrefix(p, prefix) || !strings.HasSuffix(p, ".txt") || strings.Contains(p, "/") {
				continue
			}
			alg := strings.TrimSuffix(strings.TrimPrefix(p, prefix), ".txt")
			raw, err := b.ReadTag(p, MaxManifestBytes)
			if err != nil {
				return err
			}
			if into[alg], err = ParseManifest(p, alg, raw, b.lim.MaxFiles); err != nil {
				return err
			}
		}
	}
	if len(manifests) == 0 {
		return bad("bag_no_manifest", "Gói BagIt thiếu danh sách tệp (manifest-<thuật toán>.txt).", "no payload manifest")
	}
	// Every payload file in every manifest, every entry a payload file.
	var payload []string
	var oxBytes int64
	for p, sp := range b.files {
		if strings.HasPrefix(p, "data/") {
			payload = append(payload, p)
			oxBytes += sp.size
		}
	}
	sort.Strings(payload)
	want := map[string]map[string]string{} // path → alg → hash
	for alg, entries := range manifests {
		b.Algorithms = append(b.Algorithms, alg)
		for _, e := range entries {
			if !strings.HasPrefix(e.Path, "data/") {
				return bad("bag_manifest_line", "Danh sách tệp của gói BagIt ghi tệp ngoài thư mục data/.", "manifest-%s.txt lists %q outside data/", alg, e.Path)
			}
			if !b.Has(e.Path) {
				return bad("bag_missing_file", "Gói BagIt thiếu một tệp có trong danh sách.", "manifest-%s.txt lists %q, which is not in the bag", alg, e.Path)
			}
			if want[e.Path] == nil {
				want[e.Path] = map[string]string{}
			}
			want[e.Path][alg] = e.Hash
		}
		if len(entries) != len(payload) {
			for _, p := range payload {
				if _, ok := want[p][alg]; !ok {
					return bad("bag_unlisted_file", "Gói BagIt có tệp không có trong danh sách tệp.", "%q is not in manifest-%s.txt", p, alg)
				}
			}
		}
	}
	sort.Strings(b.Algorithms)
	if ox, ok := Get(b.Info, "Payload-Oxum"); ok {
		n, count, err := ParseOxum(ox)
		if err != nil {
			return err
		}
		if n != oxBytes || count != int64(len(payload)) {
			return bad("bag_oxum_mismatch", "Dung lượng hoặc số tệp của gói BagIt khác với khai báo (Payload-Oxum).",
				"Payload-Oxum %s, the payload has %d bytes in %d files", ox, oxBytes, len(payload))
		}
	}
	// The hashes, each file read once for all its algorithms (and SHA-256).
	b.Payload = b.Payload[:0]
	for _, p := range payload {
		if err := ctx.Err(); err != nil {
			return kerr.Wrap(err, kerr.Unavailable, "bag_cancelled", "Việc đọc gói BagIt đã bị hủy.")
		}
		sums, err := b.hashFile(p, want[p])
		if err != nil {
			return err
		}
		b.Payload = append(b.Payload, File{Path: p, Size: b.files[p].size, SHA256: sums["sha256"]})
	}
	for alg, entries := range tagManifests {
		for _, e := range entries {
			if strings.HasPrefix(e.Path, "data/") || strings.HasPrefix(e.Path, "tagmanifest-") {
				return bad("bag_manifest_line", "Danh sách tệp thông tin của gói BagIt sai.", "tagmanifest-%s.txt lists %q", alg, e.Path)
			}
			if !b.Has(e.Path) {
				return bad("bag_missing_file", "Gói BagIt thiếu một tệp có trong danh sách.", "tagmanifest-%s.txt lists %q, which is not in the bag", alg, e.Path)
			}
			if _, err := b.hashFile(e.Path, map[string]string{alg: e.Hash}); err != nil {
				return err
			}
		}
	}
	return nil
}

// hashFile hashes a file with SHA-256 and the algorithms of want, and
// compares. Invalid "bag_hash_mismatch" on a difference.
func (b *Bag) hashFile(p string, want map[string]string) (map[string]string, error) {
	algs := []string{"sha256"}
	for alg := range want {
		if alg != "sha256" {
			algs = append(algs, alg)
		}
	}
	hs := make([]hash.Hash, len(algs))
	ws := make([]io.Writer, len(algs))
	for i, alg := range algs {
		hs[i] = newHash(alg)
		ws[i] = hs[i]
	}
	f, _, err := b.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := io.Copy(io.MultiWriter(ws...), f); err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không đọc được tệp tạm của gói BagIt.")
	}
	sums := map[string]string{}
	for i, alg := range algs {
		sums[alg] = hex.EncodeToString(hs[i].Sum(nil))
	}
	for _, alg := range slices.Sorted(maps.Keys(want)) {
		if sums[alg] != want[alg] {
			return nil, bad("bag_hash_mismatch", "Nội dung một tệp trong gói BagIt không khớp mã băm đã ghi (tệp bị hỏng hoặc bị sửa).",
				"%s: %s is %s, the manifest says %s", p, alg, sums[alg], want[alg])
		}
	}
	return sums, nil
}

func newHash(alg string) hash.Hash {
	switch alg {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha512":
		return sha512.New()
	}
	return sha256.New()
}
