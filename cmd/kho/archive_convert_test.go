package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/testenv"
)

// TestArchiveConvert: `kho archive convert --owner` converts an owner's
// .docx and .xlsx through the running Gotenberg, one line per file, and
// goes on after a zip bomb, which gets its own line and exit status 1;
// run again, only the bomb is left; named by ID, a converted paper is
// reported as converted already (exit 0); without a purpose nothing runs.
func TestArchiveConvert(t *testing.T) {
	ctx := context.Background()
	gotenberg := testenv.Gotenberg(t)
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	staff := archive.Actor{Subject: "canbo.luutru", Role: archive.RoleStaff}
	const owner = "001203012345"
	v := st.vault(archive.Config{}, nil)
	if _, _, err := v.LoadCatalog(ctx, systemActor(), bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if _, err := v.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: owner, Name: "Nguyễn Thị Hồng Nhung"}); err != nil {
		t.Fatal(err)
	}
	put := func(name string, data []byte) string {
		d, err := v.Put(ctx, staff, archive.NewDocument{OwnerID: owner, Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: name}})
		if err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
		return d.ID
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "archive", "testdata", "convert", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	for _, e := range [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", strings.Repeat("\x00", 64<<20)}} {
		w, _ := zw.Create(e[0])
		w.Write([]byte(e[1]))
	}
	zw.Close()
	docx := put("van-ban.docx", read("van-ban.docx"))
	put("bom.docx", bomb.Bytes())
	put("bang-tinh.xlsx", read("bang-tinh.xlsx"))
	if err := v.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	st.close(ctx)

	args := []string{"archive", "convert", "--data", dir, "--gotenberg-url", gotenberg, "--purpose", "chuyển đổi lưu trữ", "--progress"}
	code, out, errs := runKho(t, nil, append(args, "--owner", owner)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one file failed); stdout %q stderr %q", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var done, failed int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "xong\t") && strings.Contains(l, "pdfa-2b"):
			done++
		case strings.HasPrefix(l, "lỗi\t") && strings.Contains(l, "bom.docx") && strings.Contains(l, "office_zip_bomb"):
			failed++
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if done != 2 || failed != 1 {
		t.Fatalf("%d done, %d failed; stdout %q", done, failed, out)
	}
	if !strings.Contains(errs, "Đang chuyển đổi: 3/3 tệp (100%)") || !strings.Contains(errs, "Đã chuyển đổi 2/3 tệp, 1 lỗi.") {
		t.Errorf("stderr %q", errs)
	}

	code, out, _ = runKho(t, nil, append(args, "--owner", owner)...)
	if code != 1 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "office_zip_bomb") {
		t.Fatalf("second run: exit %d, stdout %q; want only the bomb", code, out)
	}
	code, out, errs = runKho(t, nil, append(args, docx+"@1")...)
	if code != 0 || !strings.HasPrefix(out, "đã có\t"+docx+"\tv1\t") {
		t.Fatalf("named: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = runKho(t, nil, "archive", "convert", "--data", dir, "--gotenberg-url", gotenberg, "--owner", owner)
	if code == 0 || !strings.Contains(errs, "purpose_required") {
		t.Fatalf("without a purpose: exit %d, stderr %q", code, errs)
	}
}
