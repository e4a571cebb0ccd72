package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// runReport runs `kho report ARGS…` with the vault subcommand: the `kho
// report` group itself is registered by st-engine.
func runReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	root := &command{name: "kho", sub: []*command{{name: "report", usage: "kho report COMMAND", sub: []*command{reportVaultCommand()}}}}
	err := a.dispatch(context.Background(), root, args)
	code := 0
	if err != nil {
		code = 1
		fmt.Fprintln(&errb, err)
	}
	return code, out.String(), errb.String()
}

// TestReportVaultCLI: two papers stored an hour ago are counted with
// --count and shown per type and per month, as text and as JSON; the
// owner's storage too; a bad month is refused.
func TestReportVaultCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	vault := archive.New(st.meta, st.bucket, archive.Config{}, nil, func() time.Time { return at })
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	citizen := archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}
	var size int64
	for i := range 2 {
		pdf := pdfobj.Assemble(fmt.Sprintf("%%PDF-1.4\n%% %d\n", i), "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
		d, err := vault.Put(ctx, citizen, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAC", Name: fmt.Sprintf("Giấy tờ %d", i)},
			Upload: archive.Upload{Body: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "a.pdf"}})
		if err != nil {
			t.Fatal(err)
		}
		size += d.Current.Size
	}
	if err := st.close(ctx); err != nil {
		t.Fatal(err)
	}
	month := at.In(time.FixedZone("ICT", 7*3600)).Format("2006-01")
	code, out, errs := runReport(t, "report", "vault", "--data", dir, "--count", "--from", month, "--to", month, "--owner", citizen.Subject)
	if code != 0 || !strings.Contains(errs, "đã cộng dồn 2 bản ghi mới") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"# Giấy tờ lưu trữ và tái sử dụng theo loại giấy tờ\n", "KHAC\t", "\t2\t" + fmt.Sprint(size) + "\t2\t0\n",
		"Tổng cộng\t\t2\t", citizen.Subject + "\t", "# Số chủ kho theo dung lượng sử dụng\n", "Dưới 1 MB\t1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runReport(t, "report", "vault", "--data", dir, "--from", month, "--to", month, "--json")
	var got struct {
		ByType []archive.VaultTypeRow `json:"byType"`
		Tables []json.RawMessage      `json:"tables"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.ByType) != 1 || got.ByType[0].Stored != 2 || len(got.Tables) != 5 {
		t.Fatalf("--json: exit %d, %+v\n%s\n%s", code, got, out, errs)
	}
	if code, _, errs := runReport(t, "report", "vault", "--data", dir, "--from", "2026-13"); code == 0 || !strings.Contains(errs, "invalid_month") {
		t.Fatalf("a bad month: exit %d, %s", code, errs)
	}
}

// TestServeVaultStatsWiring: kho serve runs the vault-stats job, and the
// leader check it gives the vault is the staff directory's: an active
// leader of the actor's own agency; not the desk, not a leader acting for
// another agency, not someone without an entry.
func TestServeVaultStatsWiring(t *testing.T) {
	ctx := context.Background()
	w := newResultWorld(t)
	found := false
	for _, j := range backgroundJobs(w.vault, nil, &config.Serve{}, &serveLedger{}, &serveFixity{}, nil) {
		found = found || j.Name == archive.VaultStatsJobName
	}
	if !found {
		t.Error("kho serve does not run the vault-stats job")
	}
	check := vaultLeaders(w.wf)
	const agency = "000.00.31.H29"
	for _, c := range []struct {
		a    archive.Actor
		want bool
	}{
		{archive.Actor{Subject: w.leader.Subject, Role: archive.RoleStaff, Agency: agency}, true},
		{archive.Actor{Subject: w.leader.Subject, Role: archive.RoleStaff, Agency: "000.00.32.H29"}, false},
		{archive.Actor{Subject: w.desk.Subject, Role: archive.RoleStaff, Agency: agency}, false},
		{archive.Actor{Subject: "nguoi.la", Role: archive.RoleStaff, Agency: agency}, false},
	} {
		if got, err := check(ctx, c.a); err != nil || got != c.want {
			t.Errorf("%+v: leader %v, %v; want %v", c.a, got, err, c.want)
		}
	}
	w.vault.SetLeaderCheck(check)
	if _, err := w.vault.VaultStats(ctx, archive.Actor{Subject: w.leader.Subject, Role: archive.RoleStaff, Agency: agency}, archive.VaultStatsQuery{}); err != nil {
		t.Errorf("the leader's statistics: %v", err)
	}
}
