package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestAdminUser adds, lists, re-passwords and disables portal accounts in
// a real embedded store through the CLI, and signs in with what it set.
func TestAdminUser(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := map[string]string{"KHO_DATA": data}
	add := func(stdin string, args ...string) (int, string, string) {
		return runKhoIn(t, env, stdin, append([]string{"admin", "user", "add"}, args...)...)
	}
	code, out, errs := add("mật khẩu của cán bộ\n", "--username", "CanBo01", "--name", "Lê Văn Một", "--role", "staff", "--agency", "000.00.31.H29")
	if code != 0 || out != "" || !strings.Contains(errs, "Đã tạo tài khoản canbo01 (staff).") {
		t.Fatalf("add: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs = add("mật khẩu công dân An\r\n", "--username", "an.tran", "--name", "Trần Thị An", "--role", "citizen", "--citizen-id", "001090012345"); code != 0 {
		t.Fatalf("add citizen: exit %d, %q", code, errs)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		code  string
	}{
		{"mật khẩu đủ dài\n", []string{"--username", "canbo01", "--name", "Trùng", "--role", "staff"}, "account_exists"},
		{"ngắn\n", []string{"--username", "moi01", "--name", "Mới", "--role", "staff"}, "password_too_short"},
		{"moi01moi01\n", []string{"--username", "moi01moi01", "--name", "Mới", "--role", "staff"}, "password_is_username"},
		{strings.Repeat("a", 300) + "\n", []string{"--username", "moi01", "--name", "Mới", "--role", "staff"}, "password_too_long"},
		{strings.Repeat("a", 10<<20), []string{"--username", "moi01", "--name", "Mới", "--role", "staff"}, "password_too_long"},
		{"", []string{"--username", "moi01", "--name", "Mới", "--role", "staff"}, "password_missing"},
		{"mật khẩu đủ dài\n", []string{"--username", "moi01", "--name", "Mới", "--role", "citizen"}, "citizen_id_required"},
		{"mật khẩu đủ dài\n", []string{"--username", "có dấu", "--name", "Mới", "--role", "staff"}, "invalid_username"},
		{"mật khẩu đủ dài\n", []string{"--username", strings.Repeat("a", 65), "--name", "Mới", "--role", "staff"}, "invalid_username"},
		{"mật khẩu đủ dài\n", []string{"--username", "moi01", "--name", "Mới\u202e", "--role", "staff"}, "invalid_display_name"},
		{"mật khẩu đủ dài\n", []string{"--username", "moi01", "--name", "Mới", "--role", "root"}, "invalid_role"},
	} {
		code, _, errs := add(c.stdin, c.args...)
		if code == 0 || !strings.Contains(errs, c.code) {
			t.Errorf("add %v: exit %d, %q; want %s", c.args, code, errs, c.code)
		}
	}
	code, out, _ = runKho(t, env, "admin", "user", "ls")
	for _, want := range []string{"canbo01", "Lê Văn Một", "staff", "000.00.31.H29", "an.tran", "001090012345", "active"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("ls: exit %d, no %q in\n%s", code, want, out)
		}
	}
	if strings.Contains(out, "moi01") || strings.Contains(out, "argon2") {
		t.Errorf("ls shows a refused account or a hash:\n%s", out)
	}
	var listed []map[string]any
	if code, out, _ = runKho(t, env, "admin", "user", "ls", "--json"); code != 0 || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 2 || strings.Contains(out, "argon2") {
		t.Fatalf("ls --json: exit %d\n%s", code, out)
	}

	// What the CLI stored signs in; passwd and disable act on it.
	signIn := func(user, pw string) error {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(data, "kho.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close(ctx)
		svc, err := auth.NewService(auth.Config{Store: st, Tokens: st, Key: []byte(strings.Repeat("k", 32)), Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		// As the sign-in page does once its challenge is answered: the
		// test tries old passwords on purpose, which calls for it.
		_, err = svc.SignIn(ctx, auth.SignInInput{Username: user, Password: pw, IP: "127.0.0.1", ChallengeSolved: true})
		return err
	}
	if err := signIn("canbo01", "mật khẩu của cán bộ"); err != nil {
		t.Fatalf("sign in with the password add read: %v", err)
	}
	if err := signIn("an.tran", "mật khẩu công dân An"); err != nil {
		t.Fatalf("sign in with a password read with CRLF: %v", err)
	}
	if code, _, errs = runKhoIn(t, env, "mật khẩu mới của cán bộ\n", "admin", "user", "passwd", "canbo01"); code != 0 || !strings.Contains(errs, "Đã đặt mật khẩu mới cho canbo01") {
		t.Fatalf("passwd: exit %d, %q", code, errs)
	}
	if err := signIn("canbo01", "mật khẩu của cán bộ"); code2(err) != "wrong_credentials" {
		t.Errorf("old password after passwd: %v", err)
	}
	if err := signIn("canbo01", "mật khẩu mới của cán bộ"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if code, _, errs = runKhoIn(t, env, "x\n", "admin", "user", "passwd", "khongco"); code == 0 || !strings.Contains(errs, "account_not_found") {
		t.Errorf("passwd of no account: exit %d, %q", code, errs)
	}
	if code, _, errs = runKho(t, env, "admin", "user", "disable", "canbo01"); code != 0 || !strings.Contains(errs, "Đã khoá tài khoản canbo01") {
		t.Fatalf("disable: exit %d, %q", code, errs)
	}
	if err := signIn("canbo01", "mật khẩu mới của cán bộ"); code2(err) != "account_disabled" {
		t.Errorf("sign-in of a disabled account: %v", err)
	}
	if code, out, _ = runKho(t, env, "admin", "user", "ls"); !strings.Contains(out, "disabled") {
		t.Errorf("ls after disable: exit %d\n%s", code, out)
	}
	if code, _, _ = runKho(t, env, "admin", "user", "disable", "--enable", "canbo01"); code != 0 {
		t.Fatalf("enable: exit %d", code)
	}
	if err := signIn("canbo01", "mật khẩu mới của cán bộ"); err != nil {
		t.Errorf("after enable: %v", err)
	}
}

// code2 is the code of a kerr error, "" for nil.
func code2(err error) string {
	if ke := kerr.Outer(err); ke != nil {
		return ke.Code
	}
	return ""
}
