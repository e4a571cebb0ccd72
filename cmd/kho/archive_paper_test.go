package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/papertest"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestArchivePaperCopyCommand: `kho archive paper-copy` prints a signed
// result from the store through the real Gotenberg, verified against
// --trust: the file has the mark, the officer and the code it reports;
// an unsigned paper is refused with the reason and no file.
func TestArchivePaperCopyCommand(t *testing.T) {
	env := map[string]string{envGotenbergURL: testenv.Gotenberg(t), envPublicURL: papertest.PublicURL}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	vault := st.vault(archive.Config{Verifier: papertest.Verifier(t)}, nil)
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	signed := papertest.Sign(t, pki.Seal, papertest.Document(t, 1))
	agency := archive.Agency{Code: "000.00.31.H29", Name: "Ủy ban nhân dân phường Bến Nghé"}
	d, err := vault.Issue(ctx, archive.Actor{Subject: "lanhdao", Role: archive.RoleStaff, Agency: agency.Code}, archive.IssueRequest{
		Owner: "001099012345", TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Number: "41/2026/KS",
		Fields: map[string]any{"hoTen": "Lê Văn Giấy", "ngaySinh": "2026-11-30"}, Agency: agency, Dossier: agency.Code + "-261207-0041",
		Upload: archive.Upload{Body: bytes.NewReader(signed), Size: int64(len(signed)), FileName: "ket-qua.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	plain := papertest.Document(t, 1)
	u, err := vault.Put(ctx, archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Chưa ký"}, Upload: archive.Upload{Body: bytes.NewReader(plain), Size: int64(len(plain)), FileName: "a.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.close(ctx); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "ban-giay.pdf")
	args := []string{"archive", "paper-copy", "--data", dir, "--trust", papertest.RootsFile(t), "--officer", "Nguyễn Thị Lưu", "--agency", "Trung tâm Lưu trữ", "-o", out}
	code, stdout, errs := runKho(t, env, append(args, d.ID)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, pdf)
	i := strings.Index(stdout, "mã xác thực ")
	if i < 0 {
		t.Fatalf("stdout %q", stdout)
	}
	pc := strings.Fields(stdout[i+len("mã xác thực "):])[0]
	pc = strings.TrimSuffix(pc, ")")
	for _, want := range []string{"BẢN CHUYỂN ĐỔI TỪ VĂN BẢN ĐIỆN TỬ", "Người chuyển đổi: Nguyễn Thị Lưu, Cán bộ lưu trữ, Trung tâm Lưu trữ", "Mã xác thực: " + pc, "Kết luận: Hợp lệ"} {
		if !strings.Contains(text, want) {
			t.Errorf("the copy lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(stdout, papertest.PublicURL+"/xac-thuc?ban-sao="+pc) {
		t.Errorf("stdout lacks the verification URL: %q", stdout)
	}

	refused := filepath.Join(t.TempDir(), "khong.pdf")
	code, _, errs = runKho(t, env, append(args[:len(args)-1], refused, u.ID)...)
	if code == 0 || !strings.Contains(errs, "không có chữ ký số") {
		t.Errorf("unsigned paper: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused print left a file: %v", err)
	}
}
