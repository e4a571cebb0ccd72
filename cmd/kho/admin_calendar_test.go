package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runKhoIn runs the CLI in-process with stdin.
func runKhoIn(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }, now: time.Now}
	code := a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestAdminCalendar sets and shows calendars in a real embedded store.
func TestAdminCalendar(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"KHO_DATA": filepath.Join(dir, "data"), "USER": "quantri"}

	// Before any store: show refuses, it does not make an empty one.
	if code, _, errs := runKho(t, env, "admin", "calendar", "show"); code != 1 || !strings.Contains(errs, "data_dir_not_found") {
		t.Fatalf("show without a store: exit %d, %q", code, errs)
	}

	file := filepath.Join(dir, "2027.json")
	if err := os.WriteFile(file, []byte(`{"years":[2027],"days":[
		{"date":"2027-01-01","kind":"holiday","name":"Tết Dương lịch"},
		{"date":"2027-02-06","kind":"holiday","name":"Tết Nguyên đán Đinh Mùi"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runKho(t, env, "admin", "calendar", "set", file)
	if code != 0 || out != "" || !strings.Contains(errs, "Đã cập nhật lịch làm việc toàn quốc: phiên bản 1.") {
		t.Fatalf("set: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runKho(t, env, "admin", "calendar", "show", "--year", "2027")
	if code != 0 || !strings.Contains(out, "Lịch làm việc toàn quốc (phiên bản 1)") || !strings.Contains(out, "06/02/2027  nghỉ") ||
		!strings.Contains(out, "Năm đã có ngày nghỉ lễ: 2027") || strings.Contains(out, "2026") {
		t.Fatalf("show 2027: exit %d\n%s", code, out)
	}
	// The shipped years are kept: the change merged into them.
	code, out, _ = runKho(t, env, "admin", "calendar", "show", "--json")
	var spec struct {
		Years []int
		Days  []struct{ Date, Kind, Name string }
	}
	if err := json.Unmarshal([]byte(out), &spec); code != 0 || err != nil || len(spec.Years) != 3 || len(spec.Days) != 13+16+2 {
		t.Fatalf("show --json: exit %d, %v, years %v, %d days", code, err, spec.Years, len(spec.Days))
	}

	// Refused changes store nothing: a stale revision, a bad period, a
	// file for another agency, a file that is not there.
	for _, tc := range []struct {
		args  []string
		stdin string
		exit  int
		code  string
	}{
		{[]string{"--if-rev", "7", file}, "", 1, "calendar_changed"},
		{[]string{"-"}, `{"hours":{"monday":["17:00-08:00"]}}`, 1, "invalid_working_period"},
		{[]string{"-"}, `{"years":[2027],"days":[{"date":"2027-02-30","kind":"holiday","name":"x"}]}`, 1, "invalid_calendar_date"},
		{[]string{"--agency", "B", "-"}, `{"agency":"A","hours":{"monday":["08:00-12:00"]}}`, 2, "agency_mismatch"},
		{[]string{filepath.Join(dir, "nope.json")}, "", 1, "file_unreadable"},
		{[]string{"--if-rev", "-1", file}, "", 2, "invalid_arguments"},
	} {
		code, _, errs := runKhoIn(t, env, tc.stdin, append([]string{"admin", "calendar", "set"}, tc.args...)...)
		if code != tc.exit || !strings.HasPrefix(errs, "kho: ") || !strings.Contains(errs, "("+tc.code+": ") {
			t.Errorf("set %v: exit %d, %q; want exit %d and %s", tc.args, code, errs, tc.exit, tc.code)
		}
	}
	if _, out, _ := runKho(t, env, "admin", "calendar", "show"); !strings.Contains(out, "(phiên bản 1)") {
		t.Fatalf("a refused change was stored:\n%s", out)
	}

	// An agency's own week, from standard input, over the national days.
	code, _, errs = runKhoIn(t, env, `{"hours":{"monday":["07:30-11:30","13:00-17:00"],"saturday":["07:30-11:30"]}}`,
		"admin", "calendar", "set", "--agency", "000.00.31.H29", "--if-rev", "0", "-")
	if code != 0 || !strings.Contains(errs, "của cơ quan 000.00.31.H29: phiên bản 1.") {
		t.Fatalf("set for an agency: exit %d, %q", code, errs)
	}
	code, out, _ = runKho(t, env, "admin", "calendar", "show", "--agency", "000.00.31.H29", "--year", "2026")
	if code != 0 || !strings.Contains(out, "Thứ Bảy   07:30-11:30") || !strings.Contains(out, "Thứ Ba    nghỉ") ||
		!strings.Contains(out, "02/09/2026  nghỉ") {
		t.Fatalf("show an agency: exit %d\n%s", code, out)
	}
	if code, _, errs := runKho(t, env, "admin", "calendar", "show", "--agency", "a b"); code != 2 || !strings.Contains(errs, "invalid_agency_code") {
		t.Fatalf("show a bad agency: exit %d, %q", code, errs)
	}
}
