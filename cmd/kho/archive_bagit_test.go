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

// TestArchiveExportImport: `kho archive export --owner` writes a bag of
// the vault, `kho archive import` reads it into another data directory
// (the owner registered from the bag) and a second import stores nothing;
// a bad bag is refused with its code and leaves nothing; a failed export
// leaves no file.
func TestArchiveExportImport(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	st, v := newCatalogStore(t, src)
	citizen := archive.Actor{Subject: "001203012345", Role: archive.RoleCitizen}
	for i, name := range []string{"Đơn một", "Đơn hai"} {
		body := []byte(strings.Repeat("nội dung ", i+1))
		if _, err := v.Put(ctx, citizen, archive.NewDocument{OwnerID: citizen.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: "don.txt"}}); err != nil {
			t.Fatal(err)
		}
	}
	st.close(ctx)

	bag := filepath.Join(t.TempDir(), "kho.tar")
	code, out, errs := runKho(t, nil, "archive", "export", "--data", src, "--owner", citizen.Subject, "-o", bag)
	if code != 0 || !strings.Contains(out, "papers: 2\n") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errs)
	}
	dst := t.TempDir()
	st, _ = newCatalogStore(t, dst)
	st.close(ctx)
	code, out, errs = runKho(t, nil, "archive", "import", "--data", dst, bag)
	if code != 0 || !strings.Contains(out, "imported: 2\n") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runKho(t, nil, "archive", "import", "--data", dst, bag)
	if code != 0 || !strings.Contains(out, "imported: 0\nalready: 2\n") {
		t.Fatalf("second import: exit %d\n%s%s", code, out, errs)
	}
	// A bag with one byte changed: refused, nothing more stored.
	raw, err := os.ReadFile(bag)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("nội dung"))
	raw[i] = 'N'
	broken := filepath.Join(t.TempDir(), "broken.tar")
	if err := os.WriteFile(broken, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	st, _ = newCatalogStore(t, other)
	st.close(ctx)
	if code, _, errs := runKho(t, nil, "archive", "import", "--data", other, "--owner", "079090001234", broken); code == 0 || !strings.Contains(errs, "bag_hash_mismatch") {
		t.Fatalf("broken bag: exit %d, %s", code, errs)
	}
	// An export of an owner that does not exist fails and leaves no file.
	missing := filepath.Join(t.TempDir(), "none.tar")
	if code, _, _ := runKho(t, nil, "archive", "export", "--data", src, "--owner", "079090009999", "-o", missing); code == 0 {
		t.Fatal("exported a vault that does not exist")
	}
	if ents, _ := os.ReadDir(filepath.Dir(missing)); len(ents) != 0 {
		t.Errorf("a failed export left %v", ents)
	}
}

// newCatalogStore makes an embedded store in dir with the default catalogue.
func newCatalogStore(t *testing.T, dir string) (*stores, *archive.Service) {
	t.Helper()
	ctx := context.Background()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := st.vault(archive.Config{}, nil)
	if _, _, err := v.LoadCatalog(ctx, systemActor(), bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	return st, v
}
