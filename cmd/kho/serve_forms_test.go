package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestServeForms checks that --forms DIR publishes its definitions beside
// the shipped ones and that a bad definition stops the start.
func TestServeForms(t *testing.T) {
	dir := t.TempDir()
	good := `{"schema":1,"code":"TK_THU","version":1,"title":"Tờ khai thử","fields":[{"code":"hoTen","type":"text","label":"Họ và tên"}]}`
	if err := os.WriteFile(filepath.Join(dir, "tk_thu.json"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	fm := serveForms{dir: dir}
	reg, err := fm.build(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Get("TK_THU", 1); err != nil {
		t.Errorf("TK_THU: %v", err)
	}
	if _, err := reg.Get("TK_KHAI_SINH", 0); err != nil {
		t.Errorf("shipped: %v", err)
	}

	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "hong.json"), []byte(`{"schema":1,"code":"X"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KHO_DATA": filepath.Join(t.TempDir(), "data"), "KHO_FORMS": bad}
	code, _, errs := runKho(t, env, "serve", "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "form_definition_file_invalid") {
		t.Errorf("bad --forms: exit %d, %s", code, errs)
	}
	code, _, errs = runKho(t, env, "serve", "--addr", "127.0.0.1:0", "--forms", filepath.Join(bad, "missing"))
	if code == 0 || !strings.Contains(errs, "form_definitions_unreadable") {
		t.Errorf("missing --forms: exit %d, %s", code, errs)
	}
}

// TestServeFormsStored: a definition an admin publishes is in the metadata
// store, so another process (or a restart) over the same store sees it,
// and a published version stays immutable across processes.
func TestServeFormsStored(t *testing.T) {
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	var fm serveForms
	one, err := fm.build(log)
	if err != nil {
		t.Fatal(err)
	}
	one.SetStore(store)
	two, err := fm.build(log)
	if err != nil {
		t.Fatal(err)
	}
	two.SetStore(store)
	def := `{"schema":1,"code":"TK_THU","version":1,"title":"Tờ khai thử","fields":[{"code":"hoTen","type":"text","label":"Họ và tên"}]}`
	d, err := forms.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if created, err := one.PutContext(ctx, d); err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	if got, err := two.GetContext(ctx, "TK_THU", 0); err != nil || got.Version != 1 {
		t.Fatalf("the other process: %v %v", got, err)
	}
	list, err := two.ListContext(ctx)
	shippedForms, _ := forms.NewShippedRegistry()
	if err != nil || len(list) != len(shippedForms.List())+1 {
		t.Fatalf("list %v %v", list, err)
	}
	same, _ := forms.Parse([]byte(def))
	if created, err := two.PutContext(ctx, same); err != nil || created {
		t.Errorf("same again elsewhere: %v %v", created, err)
	}
	changed, _ := forms.Parse([]byte(strings.Replace(def, "Họ và tên", "Họ tên", 1)))
	three, _ := fm.build(log)
	three.SetStore(store)
	if _, err := three.PutContext(ctx, changed); !kerr.IsKind(err, kerr.Conflict) {
		t.Errorf("changed elsewhere: %v", err)
	}
	// A shipped definition's code and version cannot be taken.
	shipped, _ := forms.Parse([]byte(strings.Replace(def, `"TK_THU"`, `"TK_KHAI_SINH"`, 1)))
	if _, err := three.PutContext(ctx, shipped); !kerr.IsKind(err, kerr.Conflict) {
		t.Errorf("shipped: %v", err)
	}
}

func TestDraftsKey(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	store, err := sqlite.Open(t.Context(), filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	fm := serveForms{draftsTTL: forms.DefaultDraftTTL}
	// The embedded default makes a key in the data folder, once.
	ds, err := fm.drafts(store, dir, log)
	if err != nil || ds == nil {
		t.Fatalf("drafts: %v %v", ds, err)
	}
	path := filepath.Join(dir, draftsKeyName)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	k1, err := readDraftsKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := dataDirDraftsKey(path, log)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second start: %v", err)
	}
	// Key files: raw, hex, base64; anything else is refused.
	key := bytes.Repeat([]byte{0xab}, 32)
	for name, content := range map[string][]byte{
		"raw": key, "hex": []byte(hex.EncodeToString(key) + "\n"), "b64": []byte(" " + base64.StdEncoding.EncodeToString(key) + "\n"),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if k, err := readDraftsKey(p); err != nil || !bytes.Equal(k, key) {
			t.Errorf("%s: %x %v", name, k, err)
		}
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&serveForms{keyFile: bad, draftsTTL: time.Hour}).drafts(store, dir, log); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("bad key: %v", err)
	}
	// No key file and no data folder (MongoDB): drafts are off.
	if ds, err := fm.drafts(store, "", log); ds != nil || err != nil {
		t.Errorf("no key: %v %v", ds, err)
	}
	if _, err := (&serveForms{draftsTTL: -1}).drafts(store, dir, log); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("bad ttl: %v", err)
	}
}
