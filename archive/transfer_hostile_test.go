package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/bagit"
	"github.com/kho-vn/kho/internal/kerr"
)

// bagFile is one entry of a test bag, in tar order.
type bagFile struct {
	name string
	body []byte
	typ  byte // 0: a regular file
}

// untar reads a tar's regular files in order.
func untar(t *testing.T, raw []byte) []bagFile {
	t.Helper()
	var out []bagFile
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bagFile{name: h.Name, body: body})
	}
}

// retar writes files as a tar; with rehash, manifest-sha256.txt and
// tagmanifest-sha256.txt are made again for the files as they are (so a
// test can change a file and keep the bag otherwise consistent).
func retar(t *testing.T, files []bagFile, rehash bool) []byte {
	t.Helper()
	if rehash {
		var man, tags strings.Builder
		var kept []bagFile
		for _, f := range files {
			if f.name != "manifest-sha256.txt" && f.name != "tagmanifest-sha256.txt" {
				kept = append(kept, f)
			}
		}
		for _, f := range kept {
			sum := sha256.Sum256(f.body)
			if strings.HasPrefix(f.name, "data/") {
				fmt.Fprintf(&man, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
			}
		}
		kept = append(kept, bagFile{name: "manifest-sha256.txt", body: []byte(man.String())})
		for _, f := range kept {
			if !strings.HasPrefix(f.name, "data/") {
				sum := sha256.Sum256(f.body)
				fmt.Fprintf(&tags, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
			}
		}
		files = append(kept, bagFile{name: "tagmanifest-sha256.txt", body: []byte(tags.String())})
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		typ := f.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: f.name, Typeflag: typ, Size: int64(len(f.body)), Mode: 0o644, Format: tar.FormatPAX}
		if typ != tar.TypeReg {
			h.Size, h.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("%q: %v", f.name, err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(f.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// edit returns files with name's body replaced (or added when absent;
// removed when body is nil).
func edit(files []bagFile, name string, body []byte) []bagFile {
	out := slices.Clone(files)
	for i, f := range out {
		if f.name == name {
			if body == nil {
				return slices.Delete(out, i, i+1)
			}
			out[i].body = body
			return out
		}
	}
	return append(out, bagFile{name: name, body: body})
}

// foreignBag is a small valid bag of another tool: two payload files.
func foreignBag(t *testing.T) []bagFile {
	t.Helper()
	files := []bagFile{
		{name: "bagit.txt", body: []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")},
		{name: "bag-info.txt", body: []byte("Payload-Oxum: 16.2\nExternal-Identifier: X-1\n")},
		{name: "data/a.txt", body: []byte("giấy tờ a\n")},
		{name: "data/b/c.txt", body: []byte("c\n")},
	}
	return untar(t, retar(t, files, true))
}

// TestImportHostileBags: each bad bag is refused with its own stable code
// and a Vietnamese message, and nothing of it is stored — no paper, no
// blob, no usage charged.
func TestImportHostileBags(t *testing.T) {
	ctx := context.Background()
	good := foreignBag(t)
	// A Kho bag of one paper, to break its records.
	src := newVault(t, archive.Config{})
	if _, err := src.Put(ctx, citizenA, birthCert(citizenA.Subject, pdfBytes("x"))); err != nil {
		t.Fatal(err)
	}
	var kb bytes.Buffer
	if _, err := src.ExportOwner(ctx, citizenA, citizenA.Subject, archive.Access{}, &kb, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	kho := untar(t, kb.Bytes())
	var record string
	for _, f := range kho {
		if strings.HasPrefix(f.name, "kho/documents/") {
			record = f.name
		}
	}
	recordWith := func(change func(*archive.BagDocument)) []byte {
		for _, f := range kho {
			if f.name == record {
				var bd archive.BagDocument
				if err := json.Unmarshal(f.body, &bd); err != nil {
					t.Fatal(err)
				}
				change(&bd)
				b, _ := json.Marshal(bd)
				return b
			}
		}
		t.Fatal("no record")
		return nil
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	bomb := tar.NewWriter(zw)
	_ = bomb.WriteHeader(&tar.Header{Name: "data/zeros", Typeflag: tar.TypeReg, Size: 20 << 20, Mode: 0o644})
	_, _ = bomb.Write(make([]byte, 20<<20))
	_ = bomb.Close()
	_ = zw.Close()

	// A header that declares 1 TiB, followed by nothing.
	var huge bytes.Buffer
	hw := tar.NewWriter(&huge)
	_ = hw.WriteHeader(&tar.Header{Name: "data/huge", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0o644})

	cases := []struct {
		name string
		raw  []byte
		lim  bagit.Limits
		code string
	}{
		{"parent folder", retar(t, edit(good, "data/../../etc/x", []byte("x")), false), bagit.Limits{}, "bag_unsafe_path"},
		{"absolute path", retar(t, edit(good, "/etc/passwd", []byte("x")), false), bagit.Limits{}, "bag_unsafe_path"},
		{"backslash", retar(t, edit(good, `data\..\x`, []byte("x")), false), bagit.Limits{}, "bag_unsafe_path"},
		// A tar cannot carry a NUL in a name (archive/tar refuses to write
		// one, and reads it as a corrupt header); a manifest can.
		{"NUL in a manifest path", retar(t, edit(good, "manifest-md5.txt", []byte("00000000000000000000000000000000  data/a%00b\n")), false), bagit.Limits{}, "bag_unsafe_path"},
		{"manifest path climbs out", retar(t, edit(good, "manifest-md5.txt", []byte("00000000000000000000000000000000  data/../../etc/passwd\n")), false), bagit.Limits{}, "bag_unsafe_path"},
		{"not UTF-8", retar(t, edit(good, "data/\xff\xfe.txt", []byte("x")), false), bagit.Limits{}, "bag_bad_name"},
		{"symlink", retar(t, append(slices.Clone(good), bagFile{name: "data/link", typ: tar.TypeSymlink}), false), bagit.Limits{}, "bag_unsafe_entry"},
		{"duplicate path", retar(t, append(slices.Clone(good), bagFile{name: "data/a.txt", body: []byte("giấy tờ a\n")}), false), bagit.Limits{}, "bag_duplicate_path"},
		{"duplicate manifest line", retar(t, edit(good, "manifest-sha256.txt", append(bodyOf(good, "manifest-sha256.txt"), bodyOf(good, "manifest-sha256.txt")...)), false), bagit.Limits{}, "bag_duplicate_path"},
		{"file not in the manifest", retar(t, edit(good, "data/extra.txt", []byte("x")), false), bagit.Limits{}, "bag_unlisted_file"},
		{"manifest line, no file", retar(t, edit(good, "data/b/c.txt", nil), false), bagit.Limits{}, "bag_missing_file"},
		{"wrong hash", retar(t, edit(good, "data/a.txt", []byte("giấy tờ b\n")), false), bagit.Limits{}, "bag_hash_mismatch"},
		{"tag file changed", retar(t, edit(good, "bag-info.txt", []byte("Payload-Oxum: 16.2\nExternal-Identifier: X-2\n")), false), bagit.Limits{}, "bag_hash_mismatch"},
		{"Payload-Oxum", retar(t, edit(good, "bag-info.txt", []byte("Payload-Oxum: 17.2\n")), true), bagit.Limits{}, "bag_oxum_mismatch"},
		{"Payload-Oxum count", retar(t, edit(good, "bag-info.txt", []byte("Payload-Oxum: 16.3\n")), true), bagit.Limits{}, "bag_oxum_mismatch"},
		{"Payload-Oxum garbage", retar(t, edit(good, "bag-info.txt", []byte("Payload-Oxum: lots\n")), true), bagit.Limits{}, "bag_bad_oxum"},
		{"BagIt 2.0", retar(t, edit(good, "bagit.txt", []byte("BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n")), true), bagit.Limits{}, "bag_unknown_version"},
		{"Latin-1 tag files", retar(t, edit(good, "bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n")), true), bagit.Limits{}, "bag_encoding"},
		{"fetch.txt", retar(t, edit(good, "fetch.txt", []byte("https://example.org/x 10 data/x\n")), true), bagit.Limits{}, "bag_fetch_refused"},
		{"no bagit.txt", retar(t, edit(good, "bagit.txt", nil), true), bagit.Limits{}, "bag_no_bagit"},
		{"no manifest", retar(t, edit(edit(good, "manifest-sha256.txt", nil), "tagmanifest-sha256.txt", nil), false), bagit.Limits{}, "bag_no_manifest"},
		{"unknown algorithm", retar(t, edit(good, "manifest-crc32.txt", []byte("00000000  data/a.txt\n")), false), bagit.Limits{}, "bag_unknown_algorithm"},
		{"manifest lists a tag file", retar(t, edit(good, "manifest-md5.txt", []byte("00000000000000000000000000000000  bagit.txt\n")), false), bagit.Limits{}, "bag_manifest_line"},
		{"too many files", retar(t, good, false), bagit.Limits{MaxFiles: 3}, "bag_too_many_files"},
		{"a file too large", retar(t, good, false), bagit.Limits{MaxFileBytes: 10}, "bag_too_large"},
		{"gzip bomb", gz.Bytes(), bagit.Limits{MaxFileBytes: 1 << 20}, "bag_too_large"},
		{"1 TiB declared", huge.Bytes(), bagit.Limits{}, "bag_too_large"},
		{"cut off", retar(t, good, false)[:1500], bagit.Limits{}, "bag_corrupt"},
		{"not a tar", []byte("%PDF-1.4 not a bag at all, just some bytes that are not a tar header......"), bagit.Limits{}, "bag_corrupt"},
		{"Kho record, wrong blob", retar(t, edit(kho, record, recordWith(func(bd *archive.BagDocument) {
			bd.Versions[0].Blob = strings.Repeat("ab", 32)
		})), true), bagit.Limits{}, "bag_kho_record"},
		{"Kho record, bad ID", retar(t, edit(kho, record, recordWith(func(bd *archive.BagDocument) { bd.Document.ID = "../x" })), true), bagit.Limits{}, "bag_kho_record"},
		{"Kho record, version order", retar(t, edit(kho, record, recordWith(func(bd *archive.BagDocument) { bd.Versions[0].N = 2 })), true), bagit.Limits{}, "bag_kho_record"},
		{"Kho payload of no paper", retar(t, edit(edit(kho, "data/stray.txt", []byte("x")), "bag-info.txt", withoutOxum(bodyOf(kho, "bag-info.txt"))), true), bagit.Limits{}, "bag_kho_record"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newVault(t, archive.Config{})
			rep, err := v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(tc.raw), archive.ImportOptions{TempDir: t.TempDir(), Limits: tc.lim})
			if err == nil {
				t.Fatalf("imported: %+v", rep)
			}
			code, msg := kerr.Public(err)
			if code != tc.code || msg == "" || k(err) != kerr.Invalid && k(err) != kerr.TooLarge {
				t.Fatalf("error %v (code %q, kind %v), want code %q", err, code, k(err), tc.code)
			}
			page, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Documents) != 0 || v.blobCount(t) != 0 {
				t.Errorf("a refused bag left %d papers and %d blobs", len(page.Documents), v.blobCount(t))
			}
			if o, err := v.store.GetOwner(ctx, citizenA.Subject); err == nil && (o.UsedBytes != 0 || o.DocumentCount != 0) {
				t.Errorf("a refused bag charged %d bytes, %d papers", o.UsedBytes, o.DocumentCount)
			}
		})
	}
	// The unbroken bags import.
	v := newVault(t, archive.Config{})
	if rep, err := v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(retar(t, good, false)), archive.ImportOptions{TempDir: t.TempDir()}); err != nil || rep.Stored != 2 {
		t.Fatalf("the good foreign bag: %+v, %v", rep, err)
	}
	// A record whose text breaks the vault's rules: that paper refused on
	// its own, nothing of it stored.
	bell := retar(t, edit(kho, record, recordWith(func(bd *archive.BagDocument) { bd.Document.Name = "Giấy\x07khai sinh" })), true)
	if rep, err := v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(bell), archive.ImportOptions{TempDir: t.TempDir()}); err != nil || rep.Refused != 1 || rep.Stored != 0 || rep.Results[0].Code == "" {
		t.Fatalf("a record with a control character: %+v, %v", rep, err)
	}
	if rep, err := v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(retar(t, kho, false)), archive.ImportOptions{TempDir: t.TempDir()}); err != nil || rep.Stored != 1 {
		t.Fatalf("the good Kho bag: %+v, %v", rep, err)
	}
}

func k(err error) kerr.Kind { return kerr.KindOf(err) }

func bodyOf(files []bagFile, name string) []byte {
	for _, f := range files {
		if f.name == name {
			return f.body
		}
	}
	return nil
}

// withoutOxum drops bag-info's Payload-Oxum line (it is optional).
func withoutOxum(info []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(info), "\n") {
		if !strings.HasPrefix(l, "Payload-Oxum:") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// TestCitizenImportClaims: a citizen's own bag is their word, not an
// agency's: a paper it says an agency issued is refused (staff may import
// it), a signature summary it carries is dropped and an agency's source
// becomes "imported"; staff import the same bag as it is.
func TestCitizenImportClaims(t *testing.T) {
	ctx := context.Background()
	src := newVault(t, archive.Config{})
	for _, name := range []string{"a", "b"} {
		if _, err := src.Put(ctx, citizenA, birthCert(citizenA.Subject, pdfBytes(name))); err != nil {
			t.Fatal(err)
		}
	}
	var raw bytes.Buffer
	if _, err := src.ExportOwner(ctx, citizenA, citizenA.Subject, archive.Access{}, &raw, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	files := untar(t, raw.Bytes())
	var records []string
	for _, f := range files {
		if strings.HasPrefix(f.name, "kho/documents/") {
			records = append(records, f.name)
		}
	}
	change := func(name string, fn func(*archive.BagDocument)) {
		var bd archive.BagDocument
		if err := json.Unmarshal(bodyOf(files, name), &bd); err != nil {
			t.Fatal(err)
		}
		fn(&bd)
		b, _ := json.Marshal(bd)
		files = edit(files, name, b)
	}
	change(records[0], func(bd *archive.BagDocument) {
		bd.Document.Source = archive.SourceResult
		bd.Document.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: "000.00.31.H29", AgencyName: "UBND", Dossier: "HS-GIA"}
	})
	change(records[1], func(bd *archive.BagDocument) {
		bd.Document.Source = archive.SourceResult
		sig := &archive.SignatureSummary{Signed: true, Count: 1, Verdict: "TOTAL-PASSED", Signers: []string{"Chủ tịch UBND"}}
		bd.Versions[0].Signature, bd.Document.Current.Signature = sig, sig
	})
	forged := retar(t, files, true)

	v := newVault(t, archive.Config{})
	rep, err := v.ImportBag(ctx, citizenA, "", bytes.NewReader(forged), archive.ImportOptions{TempDir: t.TempDir()})
	if err != nil || rep.Stored != 1 || rep.Refused != 1 {
		t.Fatalf("citizen's import: %+v, %v", rep, err)
	}
	for _, r := range rep.Results {
		switch r.Outcome {
		case archive.ImportRefused:
			if r.Code != "import_issued_staff_only" {
				t.Errorf("refused %+v", r)
			}
		case archive.ImportStored:
			d, err := v.Get(ctx, citizenA, r.DocumentID, archive.Access{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Current.Signature != nil || d.Source != archive.SourceImported || d.IssuedBy != nil {
				t.Errorf("a citizen's claims kept: source %q, signature %+v", d.Source, d.Current.Signature)
			}
		}
	}
	// Staff take the bag as it is (their import is the transfer between
	// archives).
	w := newVault(t, archive.Config{})
	rep, err = w.ImportBag(ctx, staff, citizenA.Subject, bytes.NewReader(forged), archive.ImportOptions{TempDir: t.TempDir()})
	if err != nil || rep.Stored != 2 {
		t.Fatalf("staff's import: %+v, %v", rep, err)
	}
}
