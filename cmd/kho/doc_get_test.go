package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/sqlite"
)

// docServer is a real API server over a real vault (sqlite, local files)
// that counts the requests for a document's content.
type docServer struct {
	url      string
	vault    *archive.Service
	store    *sqlite.Store
	contents atomic.Int64
	owner    archive.Actor
	token    string // the owner's
	staff    string // a staff token
}

func newDocServer(t *testing.T) *docServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	drv, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	bucket := storage.NewBucket(drv)
	t.Cleanup(func() { bucket.Close() })
	vault := archive.New(store, bucket, archive.Config{}, nil, nil)
	if _, _, err := vault.LoadCatalog(ctx, archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	s := &docServer{vault: vault, store: store, owner: archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}}
	token := func(subject string, role archive.Role) string {
		secret, tok, err := auth.Generate(subject, role, "test", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	s.token, s.staff = token(s.owner.Subject, archive.RoleCitizen), token("canbo01", archive.RoleStaff)
	h := portal.New(portal.Config{}, vault, store, nil).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/content") {
			s.contents.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// downloads counts the download entries in the owner's ledger.
func (s *docServer) downloads(t *testing.T) int {
	t.Helper()
	es, _, err := s.vault.Ledger(context.Background(), s.owner, s.owner.Subject, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == archive.ActionDownload {
			n++
		}
	}
	return n
}

// TestDocGetChecksTargetFirst is issue 9 item 3: kho doc get refuses a
// target it cannot write before it asks the server for the file, so that
// the owner's ledger gets no download for nothing; and in a folder it
// never replaces a file without --force.
func TestDocGetChecksTargetFirst(t *testing.T) {
	s := newDocServer(t)
	data := pdfobj.Assemble("%PDF-1.4\n% tải về\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	d, err := s.vault.Put(context.Background(), s.owner, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Giấy tờ khác"},
		Upload:   archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: "giay-to.pdf"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvServer: s.url, config.EnvToken: s.token}
	dir := t.TempDir()
	existing := filepath.Join(dir, "co-san.pdf")
	if err := os.WriteFile(existing, []byte("giữ nguyên"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "tep")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name string
		args []string
		code string
	}{
		{"folder missing", []string{"-o", filepath.Join(dir, "khong-co", "x.pdf")}, "output_dir_missing"},
		{"folder missing, trailing slash", []string{"-o", filepath.Join(dir, "khong-co") + "/"}, "output_dir_missing"},
		{"parent is a file", []string{"-o", filepath.Join(notDir, "x.pdf")}, "output_dir_missing"},
		{"file exists", []string{"-o", existing}, "file_exists"},
		{"not a regular file", []string{"-o", "/dev/null", "--force"}, "not_a_file"},
		// A folder no file can be made in, whoever runs the test.
		{"folder not writable", []string{"-o", "/proc/self/"}, "output_not_writable"},
	}
	for _, rf := range refusals {
		code, _, errs := runKho(t, env, append([]string{"doc", "get", d.ID}, rf.args...)...)
		if code == 0 || !strings.Contains(errs, "("+rf.code+":") {
			t.Errorf("%s: exit %d, stderr %q, want %s", rf.name, code, errs, rf.code)
		}
	}
	if n := s.contents.Load(); n != 0 {
		t.Errorf("the server was asked for the content %d times for targets that cannot be written", n)
	}
	if n := s.downloads(t); n != 0 {
		t.Errorf("%d download entries in the ledger for nothing", n)
	}
	if b, _ := os.ReadFile(existing); string(b) != "giữ nguyên" {
		t.Errorf("the existing file was changed: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.part")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Into a folder: the server's name, then the next free name; --force
	// replaces.
	for i, want := range []string{"giay-to.pdf", "giay-to (2).pdf", "giay-to (3).pdf"} {
		code, _, errs := runKho(t, env, "doc", "get", d.ID, "-o", dir)
		if code != 0 || !strings.Contains(errs, filepath.Join(dir, want)) {
			t.Fatalf("get %d into the folder: exit %d, %s", i+1, code, errs)
		}
		if b, err := os.ReadFile(filepath.Join(dir, want)); err != nil || !bytes.Equal(b, data) {
			t.Fatalf("%s: %v", want, err)
		}
	}
	if code, _, errs := runKho(t, env, "doc", "get", d.ID, "-o", dir, "--force"); code != 0 || !strings.Contains(errs, filepath.Join(dir, "giay-to.pdf")) {
		t.Fatalf("--force into the folder: exit %d, %s", code, errs)
	}
	if code, _, errs := runKho(t, env, "doc", "get", d.ID, "-o", existing, "--force"); code != 0 {
		t.Fatalf("--force over a file: exit %d, %s", code, errs)
	}
	if b, _ := os.ReadFile(existing); !bytes.Equal(b, data) {
		t.Errorf("--force did not replace the file")
	}
	if n := s.downloads(t); n != 5 {
		t.Errorf("%d download entries after 5 downloads", n)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.part")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Staff give the purpose; kho doc ls and versions pass it on.
	staff := map[string]string{config.EnvServer: s.url, config.EnvToken: s.staff}
	for _, args := range [][]string{
		{"doc", "get", d.ID, "-o", "-"},
		{"doc", "ls", "--owner", s.owner.Subject},
		{"doc", "versions", d.ID},
	} {
		if code, _, errs := runKho(t, staff, args...); code == 0 || !strings.Contains(errs, "(purpose_required:") {
			t.Errorf("%v without --purpose: exit %d, %s", args, code, errs)
		}
		if code, _, errs := runKho(t, staff, append(args, "--purpose", "thẩm định", "--dossier", "HS-1")...); code != 0 {
			t.Errorf("%v --purpose: exit %d, %s", args, code, errs)
		}
	}
	es, _, err := s.vault.Ledger(context.Background(), s.owner, s.owner.Subject, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es[len(es)-3:] {
		got = append(got, string(e.Action)+":"+e.Actor+":"+e.Purpose+":"+e.Dossier)
	}
	if want := "download:canbo01:thẩm định:HS-1,list:canbo01:thẩm định:HS-1,versions:canbo01:thẩm định:HS-1"; strings.Join(got, ",") != want {
		t.Errorf("staff entries %s, want %s", strings.Join(got, ","), want)
	}
}
