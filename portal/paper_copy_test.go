package portal_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// withPaperCopies configures the paper copies: the shipped templates over
// the test Gotenberg (KHO_TEST_GOTENBERG_URL; without it a print answers
// 503 converter_unavailable, which fails the tests that print).
func withPaperCopies(t *testing.T) func(*envOptions) {
	t.Helper()
	ts, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &archive.PaperCopyConfig{Templates: ts, PublicURL: "https://dichvucong.example.gov.vn"}
	if u := os.Getenv(testenv.EnvGotenbergURL); u != "" {
		g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Converter = g
	}
	return func(o *envOptions) { o.portal.PaperCopy = cfg }
}

// TestPaperCopyAPI (issue 12 item 3): POST …/versions/1/paper-copy by an
// archivist answers the PDF, in her name, with its code; the owner's
// ledger records it. Staff without the position, the owner and another
// citizen are refused; an unsigned paper is refused with its reason.
func TestPaperCopyAPI(t *testing.T) {
	testenv.Gotenberg(t)
	ctx := context.Background()
	e := newSigningEnv(t, withPaperCopies(t))
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := e.wf.PutStaff(ctx, admin, workflow.Staff{Subject: "luutru01", Name: "Võ Thị Lưu", Agency: agencyA, Department: "MOT_CUA",
		Positions: []workflow.Role{workflow.RoleArchivist}, Active: true}); err != nil {
		t.Fatal(err)
	}
	archivist := e.token("luutru01", archive.RoleStaff, time.Time{})
	citizen := archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}
	signed := e.signLocally(t, pki.Seal, signing.LevelBT, onePage(t))
	put := func(name string, body []byte) archive.Document {
		d, err := e.vault.Put(ctx, citizen, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: "giay.pdf"}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := put("Giấy tờ có chữ ký", signed)
	plain := put("Giấy tờ chưa ký", onePage(t))
	path := "/api/v1/documents/" + d.ID + "/versions/1/paper-copy?purpose=" + "c%C3%B4ng+d%C3%A2n+xin+b%E1%BA%A3n+gi%E1%BA%A5y"

	r := e.do(call{method: "POST", path: path, token: archivist}).want(t, 200, "")
	code := r.header.Get("X-Kho-Paper-Code")
	if !archive.ValidPaperCode(code) || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("headers %v", r.header)
	}
	text := testenv.PDFText(t, r.body)
	for _, want := range []string{"BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ", "Người chuyển đổi: Võ Thị Lưu, Cán bộ lưu trữ", "Mã xác thực: " + code, "Kho test page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the copy lacks %q:\n%s", want, text)
		}
	}
	es, _, err := e.vault.Ledger(ctx, citizen, ownerA, d.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if last := es[len(es)-1]; last.Action != archive.ActionPaperCopy || last.Actor != "luutru01" || last.Purpose != "công dân xin bản giấy" {
		t.Errorf("ledger's last entry %+v", last)
	}

	e.do(call{method: "POST", path: path, token: e.staff}).want(t, 403, "archivist_only")
	e.do(call{method: "POST", path: path, token: e.citizenA}).want(t, 403, "staff_only")
	e.do(call{method: "POST", path: path, token: e.citizenB}).want(t, 403, "staff_only")
	e.do(call{method: "POST", path: "/api/v1/documents/" + plain.ID + "/versions/1/paper-copy", token: archivist}).want(t, 400, "not_signed")
	e.do(call{method: "POST", path: "/api/v1/documents/" + d.ID + "/versions/2/paper-copy", token: archivist}).want(t, 404, "version_not_found")
}
