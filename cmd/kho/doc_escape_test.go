package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestDocOutputEscapesServerText stores a document whose name, file name
// and author hold a terminal escape (ESC[31m) and a right-to-left override
// (U+202E) straight into the store — data older than the rule that now
// refuses them — and lists it with the CLI against a real server: no table,
// JSON, progress line or file name carries the raw characters to staff's
// terminal or disk, and JSON still decodes to the stored values.
func TestDocOutputEscapesServerText(t *testing.T) {
	ctx := context.Background()
	s := newDocServer(t)
	owner := s.owner.Subject
	data := minimalPDF()
	good, err := s.vault.Put(ctx, s.owner, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Giấy tờ"},
		Upload: archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: "a.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	evilName := "Giấy \x1b[31mđỏ\x1b[0m \u202efdp.exe\u009b2J"
	now := time.Now().UTC()
	meta := archive.Metadata{TypeCode: "KHAC", Name: evilName, Status: archive.StatusValid}
	d := archive.Document{ID: archive.NewID(now), OwnerID: owner, Source: archive.SourceUpload, Metadata: meta,
		Current: archive.Version{N: 1, Blob: good.Current.Blob, Size: good.Current.Size, MediaType: good.Current.MediaType,
			FileName: "hop-dong\u202efdp.\x1b[31mpdf", Change: "create", CreatedBy: "\x1b]0;pwned\x07" + owner, CreatedAt: now, Meta: meta},
		VersionCount: 1, SearchText: archive.Fold(evilName), CreatedBy: owner, CreatedAt: now, UpdatedAt: now, Rev: 1}
	if err := s.store.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{"KHO_SERVER": s.url, "KHO_TOKEN": s.staff}
	raw := func(what, s string) {
		t.Helper()
		for _, bad := range []string{"\x1b", "\u202e", "\u009b", "\x07"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s prints the raw %q:\n%q", what, bad, s)
			}
		}
	}
	code, out, errs := runKho(t, env, "doc", "ls", "--owner", owner, "--purpose", "kiểm tra")
	if code != 0 {
		t.Fatalf("doc ls: exit %d, %s", code, errs)
	}
	raw("doc ls", out+errs)
	if !strings.Contains(out, `\x1b[31mđỏ\x1b[0m \u202efdp.exe`) {
		t.Errorf("doc ls does not show the escaped name:\n%s", out)
	}

	code, out, errs = runKho(t, env, "doc", "ls", "--owner", owner, "--json", "--purpose", "kiểm tra")
	if code != 0 {
		t.Fatalf("doc ls --json: exit %d, %s", code, errs)
	}
	raw("doc ls --json", out+errs)
	var docs []archive.Document
	if err := json.Unmarshal([]byte(out), &docs); err != nil || len(docs) != 2 {
		t.Fatalf("doc ls --json: %v\n%s", err, out)
	}
	found := false
	for _, x := range docs {
		found = found || x.Name == evilName
	}
	if !found {
		t.Errorf("the JSON does not decode to the stored name %q:\n%s", evilName, out)
	}

	for _, args := range [][]string{{"doc", "versions", d.ID, "--purpose", "kiểm tra"}, {"doc", "versions", d.ID, "--json", "--purpose", "kiểm tra"}} {
		code, out, errs = runKho(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errs)
		}
		raw(strings.Join(args, " "), out+errs)
	}

	outDir := t.TempDir()
	code, _, errs = runKho(t, env, "doc", "get", d.ID, "-o", outDir, "--progress", "--purpose", "kiểm tra")
	if code != 0 {
		t.Fatalf("doc get: exit %d, %s", code, errs)
	}
	raw("doc get", errs)
	files, _ := os.ReadDir(outDir)
	if len(files) != 1 || files[0].Name() != "hop-dong_fdp._[31mpdf.pdf" {
		t.Errorf("doc get wrote %v, want hop-dong_fdp._[31mpdf.pdf", files)
	}
}
