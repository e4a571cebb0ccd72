package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
)

// TestArchiveDigitise: `kho archive digitise` on a folder of page images
// (the scanned test page and a file that is no image) reports each file,
// the refused one with its error, and leaves the batch pending; on the
// page alone with --confirm it signs the batch with the archivist's key
// into the owner's vault, the values read taken as they are.
func TestArchiveDigitise(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: data}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	vault := st.vault(archive.Config{}, nil)
	if _, _, err := vault.LoadCatalog(ctx, systemActor(), bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if err := st.close(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile("../../archive/testdata/scan/giay-khai-sinh.png")
	if err != nil {
		t.Fatal(err)
	}
	pages := t.TempDir()
	os.WriteFile(filepath.Join(pages, "01.png"), page, 0o600)
	os.WriteFile(filepath.Join(pages, "02.jpg"), []byte("không phải ảnh"), 0o600)
	os.WriteFile(filepath.Join(pages, "ghi-chu.txt"), []byte("bỏ qua"), 0o600)
	args := []string{"archive", "digitise", "--data", data, "--owner", "001099012345", "--type", "KHAI_SINH", "--device", "Fujitsu fi-7160",
		"--agency", "000.00.31.H29", "--agency-name", "UBND phường Láng Hạ", "--operator", "luutru1"}
	code, out, errs := runKho(t, nil, append(args, pages)...)
	if code != 0 || !strings.Contains(out, "pages: 1\nrefused: 1\n") || !strings.Contains(out, `field hoTen (Họ, chữ đệm và tên): "NGUYỄN THỊ HƯƠNG", confidence`) ||
		!strings.Contains(out, "review: /luu-tru/so-hoa/") || !strings.Contains(errs, "02.jpg: lỗi: Trang quét phải là ảnh JPEG, PNG hoặc TIFF.") ||
		!strings.Contains(errs, "01.png: xong (1 trang)") || strings.Contains(errs, "ghi-chu.txt") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	// With --confirm a refused file leaves the batch unsigned.
	_, _, dir, pw := servedPKI(t)
	key := []string{"--confirm", "--key", filepath.Join(dir, "personal.p12"), "--password-file", pw, "--trust", filepath.Join(dir, "roots.pem")}
	code, out, errs = runKho(t, nil, append(append(args, key...), pages)...)
	if code == 0 || strings.Contains(out, "document:") || !strings.Contains(errs, "chưa được ký") {
		t.Fatalf("--confirm with a refused file: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runKho(t, nil, append(append(args, key...), filepath.Join(pages, "01.png"))...)
	if code != 0 || !strings.Contains(out, "document: ") {
		t.Fatalf("--confirm: exit %d\n%s\n%s", code, out, errs)
	}
	id := strings.TrimSpace(out[strings.Index(out, "document: ")+len("document: "):])
	st, err = openStores(ctx, &config.Store{DataDir: data}, mustExist, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close(ctx)
	d, err := st.vault(archive.Config{}, nil).Get(ctx, archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}, id, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != archive.SourceDigitised || d.Number != "125/2019" || d.Fields["hoTen"] != "NGUYỄN THỊ HƯƠNG" || d.IssuedBy == nil || d.IssuedBy.By != "luutru1" ||
		!strings.Contains(d.Summary, "GIẤY KHAI SINH") {
		t.Fatalf("the committed paper: %+v", d)
	}
}
