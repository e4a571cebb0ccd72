package bagit_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive/bagit"
	"github.com/kho-vn/kho/internal/kerr"
)

// invalidWithCode fails t unless err is Invalid (or TooLarge) with a
// "bag_" code and a message.
func invalidWithCode(t *testing.T, err error) {
	t.Helper()
	ke := kerr.Outer(err)
	if ke == nil || (ke.Kind != kerr.Invalid && ke.Kind != kerr.TooLarge) || !strings.HasPrefix(ke.Code, "bag_") || ke.Message == "" {
		t.Fatalf("refusal %v is not Invalid/TooLarge with a bag_ code and a message", err)
	}
}

// FuzzParseManifest: any manifest parses into safe, distinct paths under
// the line limit, with hashes of the algorithm's length, or is refused
// with a bag_ code.
func FuzzParseManifest(f *testing.F) {
	for _, s := range []string{
		"d41d8cd98f00b204e9800998ecf8427e  data/a.txt\n",
		"D41D8CD98F00B204E9800998ECF8427E\tdata/b c.txt\r\n",
		"d41d8cd98f00b204e9800998ecf8427e  data/%0A%25x\n",
		"d41d8cd98f00b204e9800998ecf8427e  ../x\n",
		"d41d8cd98f00b204e9800998ecf8427e  data/a\nd41d8cd98f00b204e9800998ecf8427e  data/a\n",
		"xyz data/a\n", "\ufeffd41d8cd98f00b204e9800998ecf8427e  data/ä\n", "",
	} {
		f.Add(s, "md5")
	}
	f.Add("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  data/x\n", "sha256")
	f.Fuzz(func(t *testing.T, body, alg string) {
		es, err := bagit.ParseManifest("manifest.txt", alg, []byte(body), 50)
		if err != nil {
			invalidWithCode(t, err)
			return
		}
		if len(es) > 50 {
			t.Fatalf("%d entries, limit 50", len(es))
		}
		seen := map[string]bool{}
		for _, e := range es {
			if bagit.CheckPath(e.Path) != nil || seen[e.Path] || hasDotDot(e.Path) {
				t.Fatalf("unsafe or repeated path %q", e.Path)
			}
			seen[e.Path] = true
			if e.Hash != strings.ToLower(e.Hash) || e.Hash == "" {
				t.Fatalf("hash %q", e.Hash)
			}
		}
	})
}

func hasDotDot(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// FuzzParseTagFile: bagit.txt/bag-info.txt parse into labelled UTF-8
// tags without control characters in labels, or are refused with a code.
func FuzzParseTagFile(f *testing.F) {
	for _, s := range []string{
		"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
		"External-Description: a long line,\n  continued here\n\tand here\n",
		" continues nothing\n", "no colon\n", ": no label\n", "A: b\r\nC: d\rE: f", "\xff\xfe: x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		tags, err := bagit.ParseTagFile("bag-info.txt", []byte(body))
		if err != nil {
			invalidWithCode(t, err)
			return
		}
		for _, tg := range tags {
			if tg.Label == "" || !utf8.ValidString(tg.Label) || !utf8.ValidString(tg.Value) || strings.ContainsAny(tg.Label, "\r\n:") {
				t.Fatalf("tag %+v", tg)
			}
		}
	})
}

// FuzzUnpack: any byte stream is a bag that unpacks and validates, or a
// refusal with a bag_ code; it never panics, hangs or spools more than
// the limits allow.
func FuzzUnpack(f *testing.F) {
	var good bytes.Buffer
	w, err := bagit.NewWriter(&good, []bagit.Field{{Label: "Payload-Oxum", Value: "3.1"}}, time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := w.Payload("a.txt", 3, strings.NewReader("abc")); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:700])
	f.Add([]byte("not a tar"))
	if fixture, err := os.ReadFile("../testdata/bagit/bagit-python.tar"); err == nil {
		f.Add(fixture)
	} else {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		ctx := context.Background()
		b, err := bagit.Unpack(ctx, bytes.NewReader(raw), dir, bagit.Limits{MaxFiles: 20, MaxBytes: 64 << 10, MaxFileBytes: 32 << 10})
		if err != nil {
			invalidWithCode(t, err)
			return
		}
		defer b.Close()
		if err := b.Validate(ctx); err != nil {
			invalidWithCode(t, err)
			return
		}
		for _, p := range b.Payload {
			if !strings.HasPrefix(p.Path, "data/") || bagit.CheckPath(p.Path) != nil || len(p.SHA256) != 64 {
				t.Fatalf("payload %+v", p)
			}
		}
	})
}

// TestWriterRoundTrip: what the writer makes, Unpack and Validate accept,
// with the payload, its hashes and Payload-Oxum as written; a path with %
// survives the manifest's escaping, a control character is refused.
func TestWriterRoundTrip(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	w, err := bagit.NewWriter(&buf, []bagit.Field{{Label: "Payload-Oxum", Value: bagit.OxumOf(8, 2)}, {Label: "External-Identifier", Value: "kho:1"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Payload("x/100% mới.txt", 5, strings.NewReader("mới")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Payload("x/a\nb", 1, strings.NewReader("a")); err == nil {
		t.Fatal("wrote a name with a newline")
	}
	if _, err := w.Payload("b", 3, strings.NewReader("abc")); err != nil {
		t.Fatal(err)
	}
	if err := w.Tag("kho/x.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := w.Tag("fetch.txt", nil); err == nil {
		t.Fatal("wrote fetch.txt")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bagit.Unpack(ctx, bytes.NewReader(buf.Bytes()), t.TempDir(), bagit.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range b.Payload {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, "|") != "data/b|data/x/100% mới.txt" || b.Payload[0].SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("payload %+v", b.Payload)
	}
	if id, _ := bagit.Get(b.Info, "External-Identifier"); id != "kho:1" || b.Version != bagit.Version {
		t.Errorf("info %+v, version %q", b.Info, b.Version)
	}
	// A source shorter or longer than declared ends the bag with Integrity.
	w, err = bagit.NewWriter(io.Discard, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Payload("short", 10, strings.NewReader("abc")); !kerr.IsKind(err, kerr.Integrity) {
		t.Fatalf("a short source: %v", err)
	}
	w, _ = bagit.NewWriter(io.Discard, nil, time.Now())
	if _, err := w.Payload("long", 2, strings.NewReader("abc")); !kerr.IsKind(err, kerr.Integrity) {
		t.Fatalf("a long source: %v", err)
	}
}

// TestForeignFixture: the fixture bag in bagit-python's form validates,
// its wrapped bag-info line folded.
func TestForeignFixture(t *testing.T) {
	ctx := context.Background()
	raw := mustRead(t, "../testdata/bagit/bagit-python.tar")
	b, err := bagit.Unpack(ctx, bytes.NewReader(raw), t.TempDir(), bagit.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Version != "0.97" || len(b.Payload) != 4 || strings.Join(b.Algorithms, ",") != "md5,sha256,sha512" {
		t.Errorf("version %q, %d files, %v", b.Version, len(b.Payload), b.Algorithms)
	}
	if d, _ := bagit.Get(b.Info, "External-Description"); !strings.HasSuffix(d, "quyết định, đơn đề nghị và ảnh con dấu; gói do bagit-python tạo.") {
		t.Errorf("wrapped line: %q", d)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
