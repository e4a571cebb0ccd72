package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/web"
)

// refusingConverter fails every conversion and counts the calls.
type refusingConverter struct{ calls int }

func (c *refusingConverter) HTMLToPDF(context.Context, []byte, map[string][]byte, convert.Options) (io.ReadCloser, error) {
	c.calls++
	return nil, kerr.New(kerr.Unavailable, "converter_unavailable", "không", "refusing converter")
}

func (c *refusingConverter) OfficeToPDF(context.Context, string, io.Reader, convert.Options) (io.ReadCloser, error) {
	c.calls++
	return nil, kerr.New(kerr.Unavailable, "converter_unavailable", "không", "refusing converter")
}

// TestOfficeRenditionStored: an office paper an archivist converted to
// PDF/A-2b shows in its page through the stored rendition — its very
// bytes, the converter never called (the one configured refuses all) —
// and the view is recorded in the owner's ledger; another citizen gets
// 404.
func TestOfficeRenditionStored(t *testing.T) {
	ctx := context.Background()
	s := newShareSite(t, nil)
	g, ok := gotenberg(t).(*convert.Gotenberg)
	if !ok {
		t.Fatal("not a Gotenberg client")
	}
	_, vault, _ := openVault(t, archive.Config{Converter: convert.Archival{G: g}}, slog.New(slog.DiscardHandler))
	d, err := vault.Put(ctx, s.owner, archive.NewDocument{OwnerID: s.owner.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: s.officeName},
		Upload: archive.Upload{Body: bytes.NewReader(s.office), Size: int64(len(s.office)), FileName: "bang-ke.docx"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := vault.Convert(ctx, archive.Actor{Subject: "luutru.mot", Role: archive.RoleStaff}, d.ID, 1, archive.TargetPDFA2b,
		archive.Access{Purpose: "chuyển đổi lưu trữ"})
	if err != nil {
		t.Fatal(err)
	}
	conv := &refusingConverter{}
	site := s.with(t, func(c *web.Config) { c.Vault = vault; c.Converter = conv })
	rendition := "/kho-cua-toi/" + d.ID + "/phien-ban/1/pdf"
	before := downloads(t, vault, s.owner, d.ID)
	r, pdf := site.do(t, "GET", rendition, s.owner, nil)
	sum := sha256.Sum256([]byte(pdf))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(sum[:]) != res.Rendition.Blob {
		t.Fatalf("the page's rendition: %d %q, %d bytes, not the stored one", r.StatusCode, r.Header.Get("Content-Type"), len(pdf))
	}
	if conv.calls != 0 {
		t.Errorf("the converter was called %d times", conv.calls)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") || !strings.Contains(cd, "bang-ke.pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if n := downloads(t, vault, s.owner, d.ID); n != before+1 {
		t.Errorf("the view is not in the ledger: %d reads, want %d", n, before+1)
	}
	if r, body := site.do(t, "GET", rendition, s.other, nil); r.StatusCode != 404 || strings.Contains(body, "%PDF") {
		t.Errorf("another citizen at the rendition: %d", r.StatusCode)
	}
}

// downloads counts the downloads of paper id in owner's ledger.
func downloads(t *testing.T, v *archive.Service, owner archive.Actor, id string) int {
	t.Helper()
	es, _, err := v.Ledger(t.Context(), owner, owner.Subject, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == archive.ActionDownload && e.DocumentID == id {
			n++
		}
	}
	return n
}
