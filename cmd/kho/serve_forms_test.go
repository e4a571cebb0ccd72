package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
