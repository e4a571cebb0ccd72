package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
)

// ltvCLIEnv is a test PKI whose personal signer's certificate expires in
// 30 days, served on loopback and written to a folder, with a data folder
// holding papers signed by it at B-T.
type ltvCLIEnv struct {
	pki          *pki.PKI
	tsa, roots   string
	dir, dataDir string
}

func newLTVCLIEnv(t *testing.T) *ltvCLIEnv {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	p, err := pki.Generate(pki.Options{BaseURL: srv.URL, Now: time.Now().Add(-2*365*24*time.Hour + 30*24*time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return &ltvCLIEnv{pki: p, tsa: srv.URL + "/tsa", roots: filepath.Join(dir, "roots.pem"), dir: dir, dataDir: filepath.Join(dir, "data")}
}

// open opens the data folder's stores, which the caller closes, and gives
// the vault's configuration for renewing with the PKI.
func (e *ltvCLIEnv) open(t *testing.T, mode openMode) (*stores, archive.Config) {
	t.Helper()
	st, err := openStores(context.Background(), &config.Store{DataDir: e.dataDir}, mode, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := loadRoots(e.roots)
	if err != nil {
		st.close(context.Background())
		t.Fatal(err)
	}
	return st, renewalConfig(roots, e.tsa, 5*time.Second, 0)
}

// storeSigned signs a PDF with text at B-T (kho sign) and puts it into
// the citizen's vault in the data folder; it returns the paper's ID.
func (e *ltvCLIEnv) storeSigned(t *testing.T, text string) string {
	t.Helper()
	pw := filepath.Join(e.dir, "password")
	os.WriteFile(pw, []byte(pki.TestPassword+"\n"), 0o600)
	in, out := filepath.Join(e.dir, text+".pdf"), filepath.Join(e.dir, text+"-signed.pdf")
	os.WriteFile(in, textPDF(text), 0o644)
	if code, stdout, stderr := runKho(t, nil, "sign", "--key", filepath.Join(e.dir, "personal.p12"), "--password-file", pw,
		"--trust", e.roots, "--level", "B-T", "--tsa", e.tsa, in, "-o", out); code != 0 {
		t.Fatalf("kho sign: exit %d\n%s\n%s", code, stdout, stderr)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, cfg := e.open(t, mayCreate)
	defer st.close(ctx)
	vault := st.vault(cfg, nil)
	if _, _, err := vault.LoadCatalog(ctx, archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	citizen := archive.Actor{Subject: "001203012345", Role: archive.RoleCitizen}
	d, err := vault.Put(ctx, citizen, archive.NewDocument{OwnerID: citizen.Subject,
		Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh " + text, Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2001-02-03"}},
		Upload:   archive.Upload{Body: bytes.NewReader(signed), Size: int64(len(signed)), FileName: text + ".pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Current.Signature == nil || d.Current.Signature.ExpiresAt.IsZero() {
		t.Fatalf("stored summary %+v has no expiry", d.Current.Signature)
	}
	return d.ID
}

// TestArchiveRenewCommand: kho archive renew --dry-run lists the paper due
// with its expiry (DD/MM/YYYY, Vietnam time) and changes nothing; without
// it, renews it to version 2 at B-LTA, one line for it; run again, finds
// nothing due. Without --tsa it refuses to renew.
func TestArchiveRenewCommand(t *testing.T) {
	e := newLTVCLIEnv(t)
	id := e.storeSigned(t, "mot")
	expiry := e.pki.Identity(pki.Personal).Cert.NotAfter.In(vietnam()).Format("02/01/2006")
	args := []string{"archive", "renew", "--data", e.dataDir, "--trust", e.roots, "--tsa", e.tsa}

	code, stdout, stderr := runKho(t, nil, append(args, "--dry-run")...)
	if code != 0 || !strings.Contains(stdout, "CẦN  "+id) || !strings.Contains(stdout, "hết hạn xác thực "+expiry) || !strings.Contains(stdout, "Cần gia hạn: 1 giấy tờ") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runKho(t, nil, append(args, "--dry-run", "--within", "168h")...)
	if code != 0 || !strings.Contains(stdout, "Cần gia hạn: 0 giấy tờ") {
		t.Fatalf("dry run within 7 days: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runKho(t, nil, args...)
	if code != 0 || !strings.Contains(stdout, "OK   "+id+": phiên bản 2 (B-LTA), hạn xác thực "+expiry) || !strings.Contains(stdout, "Đã gia hạn: 1; bỏ qua: 0; lỗi: 0") {
		t.Fatalf("renew: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runKho(t, nil, args...)
	if code != 0 || strings.Contains(stdout, id) || !strings.Contains(stdout, "Đã gia hạn: 0") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = runKho(t, nil, "archive", "renew", "--data", e.dataDir, "--trust", e.roots)
	if code != 2 || !strings.Contains(stderr, "tsa_required") {
		t.Fatalf("without --tsa: exit %d\n%s", code, stderr)
	}
}

// TestLTVJobTwoProcesses: two processes' runners start the renewal job at
// once: one takes the lease and renews the due papers, the other does not
// run; each paper has exactly one new version.
func TestLTVJobTwoProcesses(t *testing.T) {
	e := newLTVCLIEnv(t)
	ids := []string{e.storeSigned(t, "mot"), e.storeSigned(t, "hai")}
	ctx := context.Background()
	st, cfg := e.open(t, mustExist)
	defer st.close(ctx)
	log := slog.New(slog.DiscardHandler)
	var wg sync.WaitGroup
	ran := make([]bool, 2)
	for i := range ran {
		wg.Go(func() {
			vault := st.vault(cfg, log)
			r := jobs.NewRunner(st.meta, log, jobs.WithHolder(fmt.Sprintf("p%d", i)))
			ok, err := r.RunOnce(ctx, ltvJob(vault, log))
			if err != nil {
				t.Error(err)
			}
			ran[i] = ok
		})
	}
	wg.Wait()
	if ran[0] == ran[1] {
		t.Fatalf("ran = %v, want exactly one process to run the job", ran)
	}
	vault := st.vault(archive.Config{}, log)
	for _, id := range ids {
		d, err := vault.Get(ctx, archive.Actor{Subject: "canbo", Role: archive.RoleStaff}, id, archive.Access{Purpose: "kiểm tra"})
		if err != nil {
			t.Fatal(err)
		}
		if d.VersionCount != 2 || d.Current.Change != archive.ChangeLTV || d.Current.Signature == nil || d.Current.Signature.Level != "B-LTA" {
			t.Fatalf("%s: %d versions, current %+v", id, d.VersionCount, d.Current)
		}
	}
	l, err := st.meta.GetLease(ctx, "ltv-renew")
	if err != nil || !strings.Contains(l.Cursor, `"backfillDone":true`) {
		t.Fatalf("lease %+v, %v", l, err)
	}
}

// TestServeRunsLTVJob: kho serve's --trust and --tsa configure the
// vault's renewal, and the leased job ltv-renew is then among its
// background jobs; without --tsa renewal is off and the job is not.
func TestServeRunsLTVJob(t *testing.T) {
	e := newLTVCLIEnv(t)
	log := slog.New(slog.DiscardHandler)
	st, cfg := e.open(t, mayCreate)
	defer st.close(context.Background())
	for _, tc := range []struct {
		tsa  string
		want bool
	}{{e.tsa, true}, {"", false}} {
		sig := serveSigning{trust: e.roots, tsa: tc.tsa, timeout: time.Second}
		vault := st.vault(archive.Config{Verifier: cfg.Verifier, Renewal: sig.renewal(log)}, log)
		found := false
		for _, j := range backgroundJobs(vault, nil, &config.Serve{}, &serveLedger{}, &serveFixity{}, log) {
			found = found || j.Name == "ltv-renew"
		}
		if found != tc.want || vault.RenewalConfigured() != tc.want {
			t.Errorf("--tsa %q: job ltv-renew %v, renewal configured %v; want %v", tc.tsa, found, vault.RenewalConfigured(), tc.want)
		}
	}
}
