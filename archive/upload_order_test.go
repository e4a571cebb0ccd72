package archive_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestUploadErrorOrder gives uploads that are wrong in several ways at once
// and checks that each gets the code of its first mistake in the order
// put.go defines: owner, type, metadata, fields, file name, empty body,
// declared size, detected type, declared vs detected type, streaming. So an
// empty file, text sent as a PDF and a program sent without a file name
// each get their own code, and a missing file name is no mistake at all.
func TestUploadErrorOrder(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{MaxUploadBytes: 64 << 10})
	text := []byte("chỉ là chữ, không phải PDF")
	exe := []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00" + strings.Repeat("\x00", 200))
	big := append(pdfBytes("big"), bytes.Repeat([]byte("x"), 100<<10)...)
	type mod func(*archive.NewDocument)
	noName := func(n *archive.NewDocument) { n.FileName = "" }
	body := func(data []byte) mod {
		return func(n *archive.NewDocument) { n.Body, n.Size = bytes.NewReader(data), int64(len(data)) }
	}
	declare := func(mt string) mod { return func(n *archive.NewDocument) { n.MediaType = mt } }
	badName := func(n *archive.NewDocument) { n.FileName = "../../etc/passwd" }
	for _, tc := range []struct {
		name string
		as   archive.Actor
		mods []mod
		code string
	}{
		// The three cases: each its own code.
		{"empty, no file name", citizenA, []mod{noName, body(nil)}, "empty_file"},
		{"text declared as PDF, no file name", citizenA, []mod{noName, body(text), declare("application/pdf")}, "content_type_mismatch"},
		{"program, no file name", citizenA, []mod{noName, body(exe)}, "unsupported_media_type"},
		// Then every step before the next.
		{"another's vault before anything", citizenA, []mod{func(n *archive.NewDocument) { n.OwnerID = citizenB.Subject; n.TypeCode = "" }, badName, body(nil)}, "not_own_vault"},
		{"unknown owner before the type", staff, []mod{func(n *archive.NewDocument) { n.OwnerID = "079090009999"; n.TypeCode = "" }, badName}, "owner_not_found"},
		{"missing type before the metadata", citizenA, []mod{func(n *archive.NewDocument) { n.TypeCode = ""; n.Name = "" }, badName}, "type_required"},
		{"unknown type before the metadata", citizenA, []mod{func(n *archive.NewDocument) { n.TypeCode = "KHONG_CO"; n.Name = "" }, badName}, "unknown_document_type"},
		{"metadata before the fields", citizenA, []mod{func(n *archive.NewDocument) { n.Name = "a\u202eb"; n.Fields = map[string]any{"x": 1} }, badName}, "invalid_characters"},
		{"fields before the file name", citizenA, []mod{func(n *archive.NewDocument) { n.Fields = map[string]any{"x": 1} }, badName, body(nil)}, "document_fields_invalid"},
		{"file name before an empty body", citizenA, []mod{badName, body(nil)}, "invalid_file_name"},
		{"bidi override in the file name", citizenA, []mod{func(n *archive.NewDocument) { n.FileName = "hop-dong\u202efdp.exe" }, body(nil)}, "invalid_file_name"},
		{"empty before the declared type", citizenA, []mod{body(nil), declare("image/png")}, "empty_file"},
		{"declared size before the content", citizenA, []mod{func(n *archive.NewDocument) { n.Body, n.Size = bytes.NewReader(exe), 65<<10+1 }}, "file_too_large"},
		{"type not accepted before a mismatch", citizenA, []mod{body(exe), declare("application/pdf")}, "unsupported_media_type"},
		{"mismatch before streaming", citizenA, []mod{func(n *archive.NewDocument) {
			n.Body, n.Size, n.MediaType = bytes.NewReader(pngBytes), int64(len(pngBytes))+10, "application/pdf"
		}}, "content_type_mismatch"},
		{"oversize while streaming", citizenA, []mod{noName, func(n *archive.NewDocument) { n.Body, n.Size = bytes.NewReader(big), -1 }}, "file_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nd := birthCert("", pdfBytes("x"))
			for _, m := range tc.mods {
				m(&nd)
			}
			_, err := v.Put(ctx, tc.as, nd)
			wantCode(t, err, tc.code)
		})
	}
	// Without a file name the vault names the file from its type.
	nd := birthCert("", pdfBytes("không tên"))
	nd.FileName = ""
	d, err := v.Put(ctx, citizenA, nd)
	wantCode(t, err, "")
	if d.Current.FileName != "giay-to.pdf" {
		t.Errorf("file name %q, want giay-to.pdf", d.Current.FileName)
	}
	// A new version without a name, too; and its extension follows the type.
	d, err = v.AddVersion(ctx, citizenA, d.ID, d.Rev, upload("", pngBytes))
	wantCode(t, err, "")
	if d.Current.FileName != "giay-to.png" {
		t.Errorf("new version's file name %q, want giay-to.png", d.Current.FileName)
	}
	d, err = v.AddVersion(ctx, citizenA, d.ID, d.Rev, upload("evil.html", []byte("chỉ là chữ")))
	wantCode(t, err, "")
	if d.Current.FileName != "evil.txt" || !strings.HasPrefix(d.Current.MediaType, "text/plain") {
		t.Errorf("text stored as evil.html: %q %q, want evil.txt", d.Current.FileName, d.Current.MediaType)
	}
}
