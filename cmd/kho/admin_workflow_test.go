package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

// TestAdminProceduresAndStaff loads the shipped catalogue and a staff
// directory into a real embedded store through the CLI, lists them, and
// sees refused files store nothing.
func TestAdminProceduresAndStaff(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"KHO_DATA": filepath.Join(dir, "data"), "USER": "quantri"}
	if code, _, errs := runKho(t, env, "admin", "staff", "ls"); code != 1 || !strings.Contains(errs, "data_dir_not_found") {
		t.Fatalf("ls without a store: exit %d, %q", code, errs)
	}
	catalog := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(catalog, workflow.DefaultCatalog(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runKho(t, env, "admin", "procedures", "load", catalog)
	if code != 0 || out != "" || !strings.Contains(errs, "Đã nạp danh mục: 1 cơ quan, 3 loại giấy tờ, 3 thủ tục, 3 phiên bản quy trình mới.") {
		t.Fatalf("load: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs = runKho(t, env, "admin", "procedures", "load", catalog); code != 0 || !strings.Contains(errs, "0 phiên bản quy trình mới") {
		t.Fatalf("load again: exit %d, %q", code, errs)
	}
	code, out, _ = runKho(t, env, "admin", "procedures", "ls")
	for _, want := range []string{"DANG_KY_KHAI_SINH", "DANG_KY_HO_KINH_DOANH", "CAP_GP_XAY_DUNG_NHA_O", "000.00.31.H29", "ngày làm việc", "v1"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("procedures ls: exit %d, no %q in\n%s", code, want, out)
		}
	}
	var ps []struct{ Code, Agency string }
	if code, out, _ = runKho(t, env, "admin", "procedures", "ls", "--json"); code != 0 || json.Unmarshal([]byte(out), &ps) != nil || len(ps) != 3 {
		t.Fatalf("procedures ls --json: exit %d, %d procedures\n%s", code, len(ps), out)
	}
	// A catalogue with an error stores nothing of it.
	code, _, errs = runKhoIn(t, env, `{"agencies":[{"code":"000.00.99.H29","name":"Phường Mới","departments":[]}],"procedures":[{"code":"X"}]}`,
		"admin", "procedures", "load", "-")
	if code != 1 || !strings.HasPrefix(errs, "kho: ") {
		t.Fatalf("bad catalogue: exit %d, %q", code, errs)
	}
	// Member names are matched exactly, as in the API.
	code, _, errs = runKhoIn(t, env, `{"Agencies":[{"code":"000.00.99.H29","name":"Phường Mới","departments":[]}]}`, "admin", "procedures", "load", "-")
	if code != 1 || !strings.Contains(errs, "(invalid_catalog: ") {
		t.Fatalf("a catalogue key in another case: exit %d, %q", code, errs)
	}

	staffFile := filepath.Join(dir, "staff.json")
	if err := os.WriteFile(staffFile, []byte(`[
		{"subject":"motcua01","name":"Lê Văn Một","agency":"000.00.31.H29","department":"MOT_CUA","positions":["desk"],"active":true},
		{"subject":"thamdinh01","name":"Phạm Văn Định","agency":"000.00.31.H29","department":"VP","positions":["appraiser","head"],"active":true}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = runKho(t, env, "admin", "staff", "put", staffFile); code != 0 || out != "" || !strings.Contains(errs, "Đã cập nhật 2 cán bộ trong danh bạ.") {
		t.Fatalf("staff put: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs = runKhoIn(t, env, `{"subject":"lanhdao01","name":"Nguyễn Văn Tịch","agency":"000.00.31.H29","department":"VP","positions":["leader"],"active":false}`,
		"admin", "staff", "put", "-"); code != 0 || !strings.Contains(errs, "Đã cập nhật 1 cán bộ") {
		t.Fatalf("staff put one from stdin: exit %d, %q", code, errs)
	}
	code, out, _ = runKho(t, env, "admin", "staff", "ls", "--agency", "000.00.31.H29")
	for _, want := range []string{"motcua01", "Lê Văn Một", "MOT_CUA", "appraiser,head", "lanhdao01", "inactive"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("staff ls: exit %d, no %q in\n%s", code, want, out)
		}
	}
	if code, out, _ = runKho(t, env, "admin", "staff", "ls", "--agency", "000.00.32.H29", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("staff ls of an agency with none: exit %d, %q", code, out)
	}
	// Refused files store nothing: one bad entry among good ones, a
	// member name in other case, a subject twice, an empty list.
	for _, tc := range []struct{ stdin, code string }{
		{`[{"subject":"moi01","name":"Người Mới","agency":"000.00.31.H29","department":"VP","positions":["desk"],"active":true},
		   {"subject":"moi02","name":"Người Mới Hai","agency":"000.00.31.H29","department":"KHONG_CO","positions":["desk"],"active":true}]`, "unknown_department"},
		{`{"subject":"moi01","name":"Người Mới","agency":"000.00.31.H29","department":"VP","positions":["desk"],"ACtive":true}`, "invalid_staff_file"},
		{`[{"subject":"moi01","name":"A","agency":"000.00.31.H29","department":"VP","positions":["desk"]},
		   {"subject":"moi01","name":"B","agency":"000.00.31.H29","department":"VP","positions":["desk"]}]`, "duplicate_staff"},
		{`[]`, "invalid_staff_file"},
		{`{"subject":"moi01","name":"A","agency":"000.00.77.H29","department":"VP","positions":["desk"]}`, "unknown_agency"},
	} {
		code, _, errs := runKhoIn(t, env, tc.stdin, "admin", "staff", "put", "-")
		if code != 1 || !strings.HasPrefix(errs, "kho: ") || !strings.Contains(errs, "("+tc.code+": ") {
			t.Errorf("staff put %s: exit %d, %q; want %s", tc.stdin, code, errs, tc.code)
		}
	}
	var ms []workflow.Staff
	if code, out, _ = runKho(t, env, "admin", "staff", "ls", "--json"); code != 0 || json.Unmarshal([]byte(out), &ms) != nil || len(ms) != 3 {
		t.Fatalf("a refused file was stored: exit %d, %d entries\n%s", code, len(ms), out)
	}
	if code, _, _ = runKho(t, env, "admin", "staff", "ls", "--agency", "nope"); code != 2 {
		t.Fatalf("ls --agency nope: exit %d, want 2", code)
	}
}
