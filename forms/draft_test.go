package forms_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func birthDef(t *testing.T) *forms.Definition {
	t.Helper()
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	d, err := reg.Get("TK_KHAI_SINH", 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDrafts(t *testing.T) {
	ctx := t.Context()
	store := openStore(t)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	key := bytes.Repeat([]byte{7}, 32)
	ds, err := forms.NewDrafts(store, key, 48*time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	d := birthDef(t)
	const secret = "Nguyễn Thị Bí Mật"
	// Partial and invalid data is kept; unknown fields are dropped with a warning.
	data := `{"hoTen":"` + secret + `","ngaySinh":"31/02/2025","isAdmin":true,"soBanSao":"nhiều"}`
	dr, warns, err := ds.Create(ctx, "001099012345", d, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Field != "isAdmin" || warns[0].Code != "unknown_field" || !strings.Contains(warns[0].Message, "đã bỏ khỏi bản nháp") {
		t.Errorf("warnings %+v", warns)
	}
	if dr.Data["hoTen"] != secret || dr.Data["ngaySinh"] != "31/02/2025" || dr.Data["isAdmin"] != nil || dr.Form != "TK_KHAI_SINH" || dr.Version != 1 ||
		!dr.ExpiresAt.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("draft %+v", dr)
	}
	// At rest the data is sealed: no plaintext in the stored record.
	sd, err := store.GetDraft(ctx, dr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sd.Sealed, []byte(secret)) || bytes.Contains(sd.Sealed, []byte("hoTen")) || bytes.Contains(sd.Sealed, []byte("31/02/2025")) {
		t.Fatalf("stored bytes hold the plaintext")
	}
	raw := rawDB(t, store)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte("31/02/2025")) {
		t.Fatalf("the database file holds the plaintext")
	}
	// The owner resumes it; nobody else finds it, nor under another form.
	got, err := ds.Get(ctx, "001099012345", "TK_KHAI_SINH", dr.ID)
	if err != nil || got.Data["hoTen"] != secret {
		t.Fatalf("get: %+v %v", got, err)
	}
	for _, c := range []struct{ owner, form, id string }{
		{"079088000123", "TK_KHAI_SINH", dr.ID}, {"001099012345", "HKD_DANG_KY", dr.ID}, {"001099012345", "TK_KHAI_SINH", "nope"},
	} {
		if _, err := ds.Get(ctx, c.owner, c.form, c.id); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("get %v: %v", c, err)
		}
	}
	if _, _, err := ds.Save(ctx, "079088000123", dr.ID, d, []byte(`{}`)); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("B saves A's draft: %v", err)
	}
	if err := ds.Delete(ctx, "079088000123", "TK_KHAI_SINH", dr.ID); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("B deletes A's draft: %v", err)
	}
	// Sealed bytes moved to another owner's record do not open (the owner is associated data).
	moved := sd
	moved.ID, moved.OwnerID = "zzzzzzzzzzzzzzzzzzzzzzzzzz", "079088000123"
	if err := store.CreateDraft(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Get(ctx, "079088000123", "TK_KHAI_SINH", moved.ID); !kerr.IsKind(err, kerr.Integrity) {
		t.Errorf("moved draft opens: %v", err)
	}
	if err := store.DeleteDraft(ctx, moved.ID); err != nil {
		t.Fatal(err)
	}
	// Another key cannot open it.
	other, _ := forms.NewDrafts(store, bytes.Repeat([]byte{8}, 32), 0, clock)
	if _, err := other.Get(ctx, "001099012345", "TK_KHAI_SINH", dr.ID); !kerr.IsKind(err, kerr.Integrity) {
		t.Errorf("other key: %v", err)
	}

	second, _, err := ds.Create(ctx, "001099012345", d, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the data and extends the life.
	now = now.Add(24 * time.Hour)
	dr2, _, err := ds.Save(ctx, "001099012345", dr.ID, d, []byte(`{"hoTen":"An","conCai":[{"x":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if dr2.Data["hoTen"] != "An" || dr2.Data["ngaySinh"] != nil || !dr2.ExpiresAt.Equal(now.Add(48*time.Hour)) || !dr2.CreatedAt.Equal(dr.CreatedAt) {
		t.Errorf("saved %+v", dr2)
	}
	list, err := ds.List(ctx, "001099012345", "TK_KHAI_SINH")
	if err != nil || len(list) != 2 || list[0].Data != nil {
		t.Fatalf("list %+v %v", list, err)
	}
	if l, _ := ds.List(ctx, "079088000123", "TK_KHAI_SINH"); len(l) != 0 {
		t.Errorf("B's list %+v", l)
	}

	// Limits: too large, not an object, not JSON.
	for _, body := range []string{`{"hoTen":"` + strings.Repeat("a", forms.DefaultMaxDataBytes) + `"}`, `[1]`, `{"a":`} {
		if _, _, err := ds.Create(ctx, "001099012345", d, []byte(body)); err == nil || kerr.IsKind(err, kerr.Internal) {
			t.Errorf("bad body %.20q: %v", body, err)
		}
	}

	// Expired: 404, then swept.
	now = now.Add(47 * time.Hour)
	if _, err := ds.Get(ctx, "001099012345", "TK_KHAI_SINH", second.ID); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("expired get: %v", err)
	}
	if l, _ := ds.List(ctx, "001099012345", ""); len(l) != 1 || l[0].ID != dr.ID {
		t.Errorf("list after expiry %+v", l)
	}
	if n, err := ds.Sweep(ctx, 100); err != nil || n != 1 {
		t.Errorf("sweep %d %v", n, err)
	}
	if err := ds.Delete(ctx, "001099012345", "TK_KHAI_SINH", dr.ID); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := ds.Get(ctx, "001099012345", "TK_KHAI_SINH", dr.ID); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("deleted: %v", err)
	}
	if _, err := forms.NewDrafts(store, []byte("short"), 0, nil); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("short key: %v", err)
	}
}

// rawDB returns the bytes of the store's database files.
func rawDB(t *testing.T, s *sqlite.Store) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, _ := readFile(s.Path() + suffix)
		all = append(all, b...)
	}
	return all
}

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

// TestDraftsPut: a draft kept under an ID its caller derives is made on
// the first Put and replaced by the next (same ID, same creation time);
// another owner can neither derive it nor overwrite it under that ID; an
// expired draft or one of another form under the ID is made anew.
func TestDraftsPut(t *testing.T) {
	ctx := t.Context()
	store := openStore(t)
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ds, err := forms.NewDrafts(store, bytes.Repeat([]byte{7}, 32), 48*time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	const a, b = "001099012345", "079088000123"
	id := ds.DerivedID(a, "000.00.31.H29-261207-0001", "TO_KHAI")
	if id != ds.DerivedID(a, "000.00.31.H29-261207-0001", "TO_KHAI") {
		t.Fatal("the derived ID is not stable")
	}
	// Another owner, scope, split of the scope, or key: another ID.
	other, _ := forms.NewDrafts(store, bytes.Repeat([]byte{8}, 32), 0, clock)
	for _, x := range []string{ds.DerivedID(b, "000.00.31.H29-261207-0001", "TO_KHAI"), ds.DerivedID(a, "000.00.31.H29-261207-0001", "GIAY_CHUNG_SINH"),
		ds.DerivedID(a, "000.00.31.H29-261207-0001TO_KHAI"), ds.DerivedID(a+"000.00.31.H29-261207-0001", "TO_KHAI"),
		other.DerivedID(a, "000.00.31.H29-261207-0001", "TO_KHAI")} {
		if x == id {
			t.Errorf("%s derived twice", x)
		}
	}
	d := birthDef(t)
	first, warns, err := ds.Put(ctx, a, id, d, []byte(`{"hoTen":"Nguyễn Văn An","ngaySinh":"31/02/2025","khong":1}`))
	if err != nil || len(warns) != 1 || first.ID != id || first.Data["ngaySinh"] != "31/02/2025" {
		t.Fatalf("first put: %+v %v %v", first, warns, err)
	}
	got, err := ds.Get(ctx, a, d.Code, id) // the draft ID the API reads too
	if err != nil || got.Data["hoTen"] != "Nguyễn Văn An" {
		t.Fatalf("get: %+v %v", got, err)
	}
	now = now.Add(time.Hour)
	second, _, err := ds.Put(ctx, a, id, d, []byte(`{"hoTen":"Nguyễn Văn Bình"}`))
	if err != nil || second.ID != id || second.Data["ngaySinh"] != nil || !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.Equal(now) ||
		!second.ExpiresAt.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("second put: %+v %v", second, err)
	}
	if l, _ := ds.List(ctx, a, ""); len(l) != 1 {
		t.Errorf("two puts made %d drafts", len(l))
	}
	// B under A's ID: refused, A's draft as it was.
	if _, _, err := ds.Put(ctx, b, id, d, []byte(`{"hoTen":"Kẻ Gian"}`)); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("B puts under A's ID: %v", err)
	}
	if got, err := ds.Get(ctx, a, d.Code, id); err != nil || got.Data["hoTen"] != "Nguyễn Văn Bình" {
		t.Errorf("A's draft after B's put: %+v %v", got, err)
	}
	for _, bad := range []string{"", "NOT-AN-ID", strings.Repeat("a", 27)} {
		if _, _, err := ds.Put(ctx, a, bad, d, []byte(`{}`)); !kerr.IsKind(err, kerr.NotFound) {
			t.Errorf("put under %q: %v", bad, err)
		}
	}
	// Expired: made anew.
	now = now.Add(49 * time.Hour)
	if _, err := ds.Get(ctx, a, d.Code, id); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("expired get: %v", err)
	}
	third, _, err := ds.Put(ctx, a, id, d, []byte(`{"hoTen":"Nguyễn Văn Cường"}`))
	if err != nil || !third.CreatedAt.Equal(now) || third.Data["hoTen"] != "Nguyễn Văn Cường" {
		t.Fatalf("put over the expired: %+v %v", third, err)
	}
	// Of another form: made anew as that form's.
	reg, _ := forms.NewShippedRegistry()
	hkd, err := reg.Get("HKD_DANG_KY", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ds.Put(ctx, a, id, hkd, []byte(`{}`)); err != nil {
		t.Fatalf("put of another form: %v", err)
	}
	if _, err := ds.Get(ctx, a, d.Code, id); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("the first form's draft outlived the other form's put: %v", err)
	}
	if _, err := ds.Get(ctx, a, hkd.Code, id); err != nil {
		t.Errorf("the other form's draft: %v", err)
	}
}
