package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// runKho runs the CLI in-process with env and returns exit status and output.
func runKho(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return env[k] },
		now:    time.Now,
	}
	code := a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestEveryCommandHasHelp walks the command tree: every group and leaf
// answers -h with exit 0, English usage and its Vietnamese summary.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(path []string, c *command)
	walk = func(path []string, c *command) {
		if c.summary == "" || c.vi == "" || c.usage == "" {
			t.Errorf("%s: missing usage, summary or Vietnamese summary", strings.Join(path, " "))
		}
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			code, out, errs := runKho(t, nil, append(path[1:], "-h")...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if !strings.Contains(out, "Usage: "+c.usage) || !strings.Contains(out, c.vi) {
				t.Fatalf("help lacks usage or Vietnamese summary:\n%s", out)
			}
			if c.run != nil && strings.Contains(c.usage, "[flags]") && !strings.Contains(out, "Flags:") {
				t.Fatalf("help lists no flags:\n%s", out)
			}
		})
		for _, s := range c.sub {
			walk(append(append([]string{}, path...), s.name), s)
		}
	}
	walk([]string{"kho"}, commands())
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "\nkho: Thiếu lệnh cần chạy. (command_required: kho needs a subcommand)\n"},
		{[]string{"frobnicate"}, 2, "kho: Lệnh không tồn tại. (unknown_command: "},
		{[]string{"admin", "token", "nope"}, 2, "(unknown_command: "},
		{[]string{"serve", "--bogus"}, 2, "kho: Tham số dòng lệnh không hợp lệ. (invalid_arguments: flag provided but not defined: -bogus"},
		{[]string{"serve"}, 2, "kho: Cần chỉ rõ thư mục dữ liệu. (data_dir_required: "},
		{[]string{"serve", "--data", "d", "--max-upload", "lots"}, 2, "(invalid_arguments: invalid value \"lots\" for flag -max-upload"},
		{[]string{"serve", "--data", "d", "--log-level", "loud"}, 2, "(invalid_log_level: "},
		{[]string{"doc", "get", "--token", "x"}, 2, "(invalid_arguments: want 1 arguments, got 0"},
		{[]string{"doc", "get", "--token", "x", "a", "b"}, 2, "(invalid_arguments: want 1 arguments, got 2"},
		{[]string{"doc", "get", "--token", "x", "not-an-id"}, 2, "(invalid_document_id: "},
		{[]string{"doc", "ls"}, 1, "kho: Cần mã truy cập (token). (token_required: pass --token or set KHO_TOKEN)"},
		{[]string{"doc", "ls", "--token", "t", "--server", "ftp://x"}, 1, "(invalid_server_url: "},
		{[]string{"doc", "put", "--token", "t", "f.pdf"}, 2, "(missing_metadata: "},
		{[]string{"doc", "put", "--token", "t", "--type", "KHAC", "--name", "n", "--issue-date", "02/01/2020", "f.pdf"}, 2, "(invalid_date: --issue-date"},
		{[]string{"doc", "put", "--token", "t", "--type", "KHAC", "--name", "n", "--field", "oops", "f.pdf"}, 2, "(invalid_arguments: invalid value \"oops\" for flag -field"},
		{[]string{"admin", "token", "create", "--data", "d", "--subject", "x", "--role", "king"}, 2, "(invalid_role: "},
		{[]string{"admin", "token", "create", "--data", "d", "--subject", "x", "--role", "staff", "--agency", "UBND"}, 2, "(invalid_agency_code: "},
		{[]string{"admin", "token", "create", "--data", "d", "--subject", "001099012345", "--role", "citizen", "--agency", "000.00.31.H29"}, 2, "(agency_for_citizen: "},
		{[]string{"admin", "token", "revoke", "--data", "d"}, 2, "(invalid_arguments: want 1 arguments, got 0"},
		{[]string{"admin", "ferretdb-indexes", "--postgres-url", "postgres://x/y"}, 2, "(mongo_uri_required: "},
		{[]string{"admin", "ferretdb-indexes", "--mongo-uri", "http://x"}, 2, "(invalid_mongo_uri: "},
		{[]string{"gc", "--data", "d", "--grace", "-1h"}, 2, "(invalid_duration: "},
		{[]string{"version", "extra"}, 2, "(invalid_arguments: "},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := runKho(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) || !(strings.HasPrefix(errs, "kho: ") || tc.args == nil) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
}

func TestAuditAndGCRefuseAMissingStore(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"audit", "verify", "--data", filepath.Join(dir, "nope")},
		{"gc", "--data", dir},
		{"admin", "token", "ls", "--data", dir},
	} {
		code, _, errs := runKho(t, nil, args...)
		if code != 1 || !(strings.Contains(errs, "(data_dir_not_found:") || strings.Contains(errs, "(store_not_found:")) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "kho.db")); err == nil {
		t.Error("a read-only command created a store")
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		o    string
	}{
		{[]string{"ID"}, []string{"ID"}, ""},
		{[]string{"-o", "f", "ID"}, []string{"ID"}, "f"},
		{[]string{"ID", "-o", "f"}, []string{"ID"}, "f"},
		{[]string{"A", "-o", "f", "B"}, []string{"A", "B"}, "f"},
		{[]string{"-o", "f", "--", "-x", "y"}, []string{"-x", "y"}, "f"},
		{[]string{"A", "--", "-o"}, []string{"A", "-o"}, ""},
	} {
		fs := (&app{stdout: io.Discard}).flags(&command{name: "t"})
		o := fs.String("o", "", "")
		pos, err := parse(fs, tc.args, 0, -1)
		if err != nil || strings.Join(pos, "|") != strings.Join(tc.pos, "|") || *o != tc.o {
			t.Errorf("parse(%q) = %q, o=%q, %v; want %q, o=%q", tc.args, pos, *o, err, tc.pos, tc.o)
		}
	}
}

func TestErrorLine(t *testing.T) {
	var b bytes.Buffer
	a := &app{stderr: &b}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{kerr.New(kerr.NotFound, "document_not_found", "Không tìm thấy giấy tờ.", "no document %s", "x"),
			"kho: Không tìm thấy giấy tờ. (document_not_found: no document x)\n"},
		{kerr.Wrap(io.ErrUnexpectedEOF, kerr.Unavailable, "download_cut", "Tải xuống bị gián đoạn."),
			"kho: Tải xuống bị gián đoạn. (download_cut: unexpected EOF)\n"},
		{io.EOF, "kho: Đã xảy ra lỗi hệ thống; vui lòng thử lại sau. (internal: EOF)\n"},
		{kerr.New(kerr.Conflict, "c", "Xung đột.", ""), "kho: Xung đột. (c)\n"},
	} {
		b.Reset()
		a.printError(tc.err)
		if b.String() != tc.want {
			t.Errorf("printError(%v) = %q, want %q", tc.err, b.String(), tc.want)
		}
	}
}

// TestDocGetRefusesABadChecksum: when the bytes do not hash to the ETag the
// download fails and leaves no file, neither the target nor a temp file.
func TestDocGetRefusesABadChecksum(t *testing.T) {
	const id = "01jd0000000000000000000000"
	body := []byte("%PDF-1.4 not what the ETag says")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.URL.Path != "/api/v1/documents/"+id+"/content" {
			http.Error(w, `{"error":{"code":"not_found","message":"Không thấy.","detail":"wrong path"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("ETag", `"`+strings.Repeat("ab", 32)+`"`)
		w.Header().Set("Content-Disposition", `attachment; filename="../../evil.pdf"`)
		w.Write(body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	code, _, errs := runKho(t, map[string]string{"KHO_SERVER": srv.URL, "KHO_TOKEN": "tok"}, "doc", "get", id, "-o", dir)
	if code != 1 || !strings.Contains(errs, "(checksum_mismatch: ") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left after a failed download: %v", left)
	}
	code, out, errs := runKho(t, map[string]string{"KHO_SERVER": srv.URL, "KHO_TOKEN": "tok"}, "doc", "get", id, "-o", "-")
	if code != 1 || !strings.Contains(errs, "(checksum_mismatch: ") || out != string(body) {
		t.Fatalf("-o -: exit %d, stderr %q", code, errs)
	}
	// Errors of the API come back with their code and Vietnamese message.
	code, _, errs = runKho(t, map[string]string{"KHO_SERVER": srv.URL, "KHO_TOKEN": "other"}, "doc", "get", id)
	if code != 1 || errs != "kho: Không thấy. (not_found: wrong path)\n" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestServerFileName(t *testing.T) {
	for in, want := range map[string]string{
		`attachment; filename="a.pdf"`:                          "a.pdf",
		`attachment; filename*=UTF-8''gi%E1%BA%A5y.pdf`:         "giấy.pdf",
		`attachment; filename="../../etc/passwd"`:               "passwd",
		`attachment; filename*=UTF-8''hop-dong%E2%80%AEfdp.exe`: "hop-dong_fdp.exe",
		`attachment; filename*=UTF-8''a%1B%5B31mb.pdf`:          "a_[31mb.pdf",
		`attachment; filename="..\\x.pdf"`:                      "x.pdf",
		`attachment; filename=".bashrc"`:                        "ID",
		`attachment; filename=".."`:                             "ID",
		`attachment`:                                            "ID",
		``:                                                      "ID",
	} {
		if got := serverFileName(in, "ID"); got != want {
			t.Errorf("serverFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMediaTypeFor(t *testing.T) {
	for in, want := range map[string]string{
		"a.PDF": "application/pdf", "b.jpeg": "image/jpeg", "c.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"d.tif": "image/tiff", "e": "application/octet-stream", "f.xyz123": "application/octet-stream",
	} {
		if got := mediaTypeFor(in); got != want {
			t.Errorf("mediaTypeFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runKho(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "kho ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// TestAdminTokens creates, lists and revokes tokens in a real embedded store.
func TestAdminTokens(t *testing.T) {
	env := map[string]string{"KHO_DATA": t.TempDir()}
	code, out, errs := runKho(t, env, "admin", "token", "create", "--subject", "001099012345", "--role", "citizen", "--name", "Nguyễn Văn An", "--expires", "24h")
	if code != 0 || !strings.HasPrefix(out, "kho_") || strings.Count(out, "\n") != 1 || !strings.Contains(errs, "chỉ hiện một lần") {
		t.Fatalf("create: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	secret := strings.TrimSpace(out)
	id := strings.Split(secret, "_")[1]

	code, out, _ = runKho(t, env, "admin", "token", "ls")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "001099012345") || !strings.Contains(out, "until ") || strings.Contains(out, secret) {
		t.Fatalf("ls: exit %d\n%s", code, out)
	}
	if code, _, errs := runKho(t, env, "admin", "token", "revoke", id); code != 0 {
		t.Fatalf("revoke: exit %d, %s", code, errs)
	}
	code, out, _ = runKho(t, env, "admin", "token", "ls", "--json")
	if code != 0 || !strings.Contains(out, `"revoked": true`) || strings.Contains(out, secret) {
		t.Fatalf("ls --json after revoke: exit %d\n%s", code, out)
	}
	// A staff token of an agency lists its agency.
	code, _, errs = runKho(t, env, "admin", "token", "create", "--subject", "canbo01", "--role", "staff", "--agency", "000.00.31.H29")
	if code != 0 {
		t.Fatalf("create with --agency: exit %d, %s", code, errs)
	}
	code, out, _ = runKho(t, env, "admin", "token", "ls", "--json")
	if code != 0 || !strings.Contains(out, `"agency": "000.00.31.H29"`) {
		t.Fatalf("ls --json after create --agency: exit %d\n%s", code, out)
	}
	code, _, errs = runKho(t, env, "admin", "token", "revoke", "nosuchtoken")
	if code != 1 || !strings.HasPrefix(errs, "kho: ") || !strings.Contains(errs, "not_found") {
		t.Fatalf("revoke of an unknown token: exit %d, %q", code, errs)
	}
}
