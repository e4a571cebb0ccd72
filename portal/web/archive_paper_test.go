package web_test

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/papertest"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
)

// paperSite is an archivists' site whose vault verifies against the test
// PKI and prints paper copies through the test Gotenberg.
func paperSite(t *testing.T) (*staffSite, *archive.Service) {
	t.Helper()
	var vault *archive.Service
	s := archivistSite(t, staffSiteOptions{config: func(s *staffSite, cfg *web.Config) {
		drv, err := localfs.New(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		verifier := papertest.Verifier(t)
		vault = archive.New(s.store, storage.NewBucket(drv), archive.Config{Verifier: verifier}, slog.New(slog.DiscardHandler), nil)
		pc, err := archive.NewPaperCopier(vault, papertest.Config(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Vault, cfg.Verifier, cfg.PaperCopies = vault, verifier, pc
	}})
	return s, vault
}

// qrOf decodes the QR code on the last page of pdf.
func qrOf(t *testing.T, pdf []byte, page int) string {
	t.Helper()
	zbar := testenv.Tool(t, "zbarimg", "zbar-tools")
	var buf bytes.Buffer
	if err := png.Encode(&buf, testenv.RenderPage(t, pdf, page, 150)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "page.png")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", file).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestArchivePaper (issue 12 item 3): the archivist finds a citizen's
// signed result at /luu-tru/ban-giay and prints it; the PDF names her,
// her position and agency; its QR code, opened on the running site by a
// stranger, gives a passing verification of the original without its
// content. Nobody else prints, or sees the list; a refused print says why.
func TestArchivePaper(t *testing.T) {
	ctx := context.Background()
	s, vault := paperSite(t)
	const owner = "001099012345"
	issuer := archive.Actor{Subject: "lanhdao1", Role: archive.RoleStaff, Agency: ward}
	signed := papertest.Sign(t, pki.Seal, papertest.Document(t, 1))
	d, err := vault.Issue(ctx, issuer, archive.IssueRequest{Owner: owner, TypeCode: "KHAI_SINH", Name: "Giấy khai sinh của Trần Bí Mật",
		Number: "31/2026/KS", Fields: map[string]any{"hoTen": "Trần Bí Mật", "ngaySinh": "2026-11-30"},
		Agency: archive.Agency{Code: ward, Name: "Ủy ban nhân dân phường Bến Nghé"}, Dossier: ward + "-261207-0009",
		Upload: archive.Upload{Body: bytes.NewReader(signed), Size: int64(len(signed)), FileName: "ket-qua.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := vault.Put(ctx, archive.Actor{Subject: owner, Role: archive.RoleCitizen}, archive.NewDocument{OwnerID: owner,
		Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: "Bản chụp chưa ký", Fields: map[string]any{"hoTen": "Trần Bí Mật", "ngaySinh": "2026-11-30"}},
		Upload:   archive.Upload{Body: bytes.NewReader(papertest.Document(t, 1)), Size: -1, FileName: "ban-chup.pdf"}})
	if err != nil {
		t.Fatal(err)
	}

	// The start page links to it; the search lists the signed paper only.
	if _, body := s.do(t, "GET", "/luu-tru", archivistSub, "staff", nil); !strings.Contains(body, `href="/luu-tru/ban-giay"`) {
		t.Fatalf("the archive's start page has no card for paper copies:\n%s", body)
	}
	res, body := s.do(t, "GET", "/luu-tru/ban-giay?chu-kho="+owner, archivistSub, "staff", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Giấy khai sinh của Trần Bí Mật") || strings.Contains(body, "Bản chụp chưa ký") ||
		!strings.Contains(body, `name="giay" value="`+d.ID+`"`) || !strings.Contains(body, `<label for="chu-kho">`) {
		t.Fatalf("search: status %d\n%s", res.StatusCode, body)
	}

	form := url.Values{"giay": {d.ID}, "phien-ban": {"1"}, "chu-kho": {owner}, "muc-dich": {"công dân xin bản giấy"}}
	res, body = s.do(t, "POST", "/luu-tru/ban-giay", archivistSub, "staff", form)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="ban-giay-`) {
		t.Fatalf("print: status %d, %s, %s\n%.500s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), body)
	}
	pdf := []byte(body)
	text := testenv.PDFText(t, pdf)
	for _, want := range []string{"BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ", "Người chuyển đổi: Phan Thị Lưu, Cán bộ lưu trữ, Ủy ban nhân dân",
		papertest.PagePhrase(1), "Kết luận: Hợp lệ"} {
		if !strings.Contains(text, want) {
			t.Errorf("the copy lacks %q:\n%s", want, text)
		}
	}
	link := qrOf(t, pdf, 1)
	if qrOf(t, pdf, 2) != link || !strings.HasPrefix(link, papertest.PublicURL+"/xac-thuc?ban-sao=") {
		t.Fatalf("QR codes %q", link)
	}
	code := strings.TrimPrefix(link, papertest.PublicURL+"/xac-thuc?ban-sao=")

	// A stranger, signed out, opens the QR's link on this site.
	res, body = s.do(t, "GET", strings.TrimPrefix(link, papertest.PublicURL), "", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the QR's page: status %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Có. Nội dung được chữ ký số bảo vệ còn nguyên vẹn.", "Người ký được tin cậy.",
		"Tệp trùng khớp từng byte với bản giấy tờ mà hệ thống đã cấp.", "31/2026/KS", code} {
		if !strings.Contains(body, want) {
			t.Errorf("the QR's page lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{"Trần Bí Mật", owner, d.ID, papertest.PagePhrase(1), "Giấy khai sinh của"} {
		if strings.Contains(body, secret) {
			t.Errorf("the public page shows %q", secret)
		}
	}
	res, body = s.do(t, "GET", "/xac-thuc?ban-sao=ABCDEFGHJK", "", "", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Không tìm thấy bản chuyển đổi có mã xác thực này.") {
		t.Errorf("unknown code: status %d\n%s", res.StatusCode, body)
	}

	// The owner's ledger says the archivist printed it, with the purpose.
	es, _, err := vault.Ledger(ctx, archive.Actor{Subject: owner, Role: archive.RoleCitizen}, owner, d.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		found = found || (e.Action == archive.ActionPaperCopy && e.Actor == archivistSub && e.Purpose == "công dân xin bản giấy")
	}
	if !found {
		t.Errorf("no paper_copy entry in the owner's ledger: %+v", es)
	}

	// Nobody else: staff without the position, the owner, another
	// citizen, an admin is allowed; signed out asks to sign in.
	for _, c := range []struct {
		user, role string
		want       int
	}{
		{deskSub, "staff", http.StatusForbidden},
		{owner, "citizen", http.StatusForbidden},
		{"079090001234", "citizen", http.StatusForbidden},
		{"", "", http.StatusSeeOther},
	} {
		for _, method := range []string{"GET", "POST"} {
			path := "/luu-tru/ban-giay"
			var f url.Values
			if method == "GET" {
				path += "?chu-kho=" + owner
			} else {
				f = form
			}
			res, body := s.do(t, method, path, c.user, c.role, f)
			if res.StatusCode != c.want || strings.Contains(body, "Trần Bí Mật") || strings.HasPrefix(body, "%PDF") {
				t.Errorf("%s %s by %s %q: status %d, want %d\n%.300s", method, path, c.role, c.user, res.StatusCode, c.want, body)
			}
		}
	}

	// A refused print: the page again, the reason in its error summary.
	res, body = s.do(t, "POST", "/luu-tru/ban-giay", archivistSub, "staff", url.Values{"giay": {unsigned.ID}, "chu-kho": {owner}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, "không có chữ ký số") {
		t.Errorf("unsigned paper: status %d\n%s", res.StatusCode, body)
	}
}
