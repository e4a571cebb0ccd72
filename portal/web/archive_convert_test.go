package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/portal/web"
)

// TestArchiveConvertPage: the archivist converts an owner's papers from
// /luu-tru/chuyen-doi through the running Gotenberg: the .docx is
// converted, the zip bomb gets its own error and the batch goes on; the
// page is refused (and shows nothing of the owner) to a citizen, to staff
// without the archivist position and to a signed-out visitor; a missing
// purpose is an error linked to its field; the start page has the card.
func TestArchiveConvertPage(t *testing.T) {
	ctx := context.Background()
	g, ok := gotenberg(t).(*convert.Gotenberg)
	if !ok {
		t.Fatal("not a Gotenberg client")
	}
	_, vault, _ := openVault(t, archive.Config{Converter: convert.Archival{G: g}}, slog.New(slog.DiscardHandler))
	const owner = "079090000011"
	docx, err := os.ReadFile(filepath.Join("..", "..", "archive", "testdata", "convert", "van-ban.docx"))
	if err != nil {
		t.Fatal(err)
	}
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	for _, e := range [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", strings.Repeat("\x00", 64<<20)}} {
		w, _ := zw.Create(e[0])
		w.Write([]byte(e[1]))
	}
	zw.Close()
	citizen := archive.Actor{Subject: owner, Role: archive.RoleCitizen}
	for name, data := range map[string][]byte{"don-de-nghi.docx": docx, "bom-nen.docx": bomb.Bytes()} {
		if _, err := vault.Put(ctx, citizen, archive.NewDocument{OwnerID: owner, Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: name}}); err != nil {
			t.Fatal(err)
		}
	}
	s := archivistSite(t, staffSiteOptions{config: func(_ *staffSite, c *web.Config) { c.Vault = vault }})

	_, body := s.do(t, "GET", "/luu-tru", archivistSub, "staff", nil)
	if !strings.Contains(body, `<a href="/luu-tru/chuyen-doi">Chuyển đổi sang PDF/A</a>`) {
		t.Error("the start page has no conversion card")
	}
	res, body := s.do(t, "GET", "/luu-tru/chuyen-doi", archivistSub, "staff", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<label for="chu-kho">`) || !strings.Contains(body, `<label for="muc-dich">`) ||
		!strings.Contains(body, `<label for="dinh-dang">`) || !strings.Contains(body, `name="csrf"`) {
		t.Fatalf("the form: %d\n%s", res.StatusCode, body)
	}

	form := url.Values{"chu-kho": {owner}, "muc-dich": {"chuyển đổi lưu trữ"}, "dinh-dang": {"pdfa-2b"}}
	for _, c := range []struct{ user, role string }{{"001099012345", "citizen"}, {deskSub, "staff"}, {"", ""}} {
		res, body := s.do(t, "POST", "/luu-tru/chuyen-doi", c.user, c.role, form)
		if res.StatusCode == 200 || strings.Contains(body, "don-de-nghi") || strings.Contains(body, owner) {
			t.Errorf("%s %s: %d, or the owner's papers shown", c.role, c.user, res.StatusCode)
		}
	}
	if rs, _ := vault.ConvertPlan(ctx, archive.Actor{Subject: "x", Role: archive.RoleAdmin}, owner, archive.TargetPDFA2b, archive.Access{Purpose: "kiểm tra"}); len(rs) != 2 {
		t.Fatalf("the refused posts converted something: %d left", len(rs))
	}

	res, body = s.do(t, "POST", "/luu-tru/chuyen-doi", archivistSub, "staff", url.Values{"chu-kho": {owner}, "dinh-dang": {"pdfa-2b"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#muc-dich">`) ||
		!strings.Contains(body, `id="muc-dich-loi"`) || !strings.Contains(body, `aria-describedby="muc-dich-goi-y muc-dich-loi" aria-invalid="true"`) {
		t.Fatalf("no purpose: %d\n%s", res.StatusCode, body)
	}

	res, body = s.do(t, "POST", "/luu-tru/chuyen-doi", archivistSub, "staff", form)
	if res.StatusCode != 200 || !strings.Contains(body, "Đã xử lý 2 tệp, 1 tệp lỗi.") {
		t.Fatalf("the batch: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"don-de-nghi.docx (phiên bản 1)", "Đã chuyển đổi", "bom-nen.docx (phiên bản 1)", "<strong>Lỗi:</strong> Tệp văn phòng có cấu trúc nén bất thường"} {
		if !strings.Contains(body, want) {
			t.Errorf("the results lack %q", want)
		}
	}
	if rs, _ := vault.ConvertPlan(ctx, archive.Actor{Subject: "x", Role: archive.RoleAdmin}, owner, archive.TargetPDFA2b, archive.Access{Purpose: "kiểm tra"}); len(rs) != 1 {
		t.Errorf("after the batch %d papers are left, want the bomb only", len(rs))
	}
}
