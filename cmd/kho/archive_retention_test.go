package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/pdfobj"
)

// TestRetentionJobAndCLI: the "archive-retention" job runs under its
// lease once across two processes, saves its walk's cursor and proposes
// the due agency record; then `kho archive disposal` submits the list,
// refuses its submitter's approval (four eyes), takes another
// archivist's, and executes it; `kho archive retention show` shows the
// tombstone, and the citizen's own paper of the same type stays.
func TestRetentionJobAndCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := openStores(ctx, &config.Store{DataDir: dir}, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close(ctx)
	now := time.Now()
	clock := func() time.Time { return now }
	vault := archive.New(st.meta, st.bucket, archive.Config{}, nil, clock)
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runKho(t, nil, "archive", "retention", "set", "--data", dir, "KHAC", "--years", "1"); code != 0 || !strings.Contains(out, "KHAC: 1 năm") {
		t.Fatalf("retention set: %d %q %q", code, out, errs)
	}
	citizen := archive.Actor{Subject: "001203012345", Role: archive.RoleCitizen}
	staff := archive.Actor{Subject: "canbo", Role: archive.RoleStaff}
	old := archive.DateOf(now.AddDate(-2, 0, 0))
	pdf := pdfobj.Assemble("%PDF-1.4\n% của tôi\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
	own, err := vault.Put(ctx, citizen, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Của tôi", IssueDate: old},
		Upload: archive.Upload{Body: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "a.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	pdf2 := pdfobj.Assemble("%PDF-1.4\n% thành phần\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
	rec, err := vault.Put(ctx, staff, archive.NewDocument{OwnerID: citizen.Subject, Source: archive.SourceComponent,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Thành phần hồ sơ", IssueDate: old},
		Upload:   archive.Upload{Body: bytes.NewReader(pdf2), Size: int64(len(pdf2)), FileName: "b.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := vault.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	now = now.Add(3 * time.Minute)
	job := retentionJob(vault, slog.New(slog.DiscardHandler))
	r1 := jobs.NewRunner(st.meta, nil, jobs.WithHolder("p1"), jobs.WithClock(clock))
	r2 := jobs.NewRunner(st.meta, nil, jobs.WithHolder("p2"), jobs.WithClock(clock))
	if ran, err := r1.RunOnce(ctx, job); !ran || err != nil {
		t.Fatalf("first run: %v, %v", ran, err)
	}
	if ran, err := r2.RunOnce(ctx, job); ran || err != nil {
		t.Fatalf("the other process ran the job before it was due: %v, %v", ran, err)
	}
	if l, err := st.meta.GetLease(ctx, "archive-retention"); err != nil || l.Cursor != max(own.ID, rec.ID) {
		t.Fatalf("lease after the run: %+v, %v", l, err)
	}

	code, out, errs := runKho(t, nil, "archive", "disposal", "list", "--data", dir)
	fields := strings.Fields(out)
	if code != 0 || len(fields) < 3 || fields[1] != "draft" || fields[2] != "1" {
		t.Fatalf("disposal list: %d %q %q", code, out, errs)
	}
	list := fields[0]
	if code, _, errs := runKho(t, nil, "archive", "disposal", "submit", "--data", dir, "--as", "canbo.mot", list); code != 0 {
		t.Fatalf("submit: %d %q", code, errs)
	}
	if code, _, errs := runKho(t, nil, "archive", "disposal", "approve", "--data", dir, "--as", "canbo.mot", list); code != 1 || !strings.Contains(errs, "four_eyes") {
		t.Fatalf("the submitter's approval: %d %q", code, errs)
	}
	if code, _, errs := runKho(t, nil, "archive", "disposal", "approve", "--data", dir, "--as", "lanhdao.hai", list); code != 0 {
		t.Fatalf("approve: %d %q", code, errs)
	}
	code, out, errs = runKho(t, nil, "archive", "disposal", "execute", "--data", dir, "--as", "canbo.mot", list)
	var l archive.DisposalList
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil || l.State != archive.DisposalExecuted || l.Items[0].Outcome != archive.OutcomeDisposed {
		t.Fatalf("execute: %d %q %q", code, out, errs)
	}
	code, out, _ = runKho(t, nil, "archive", "retention", "show", "--data", dir, rec.ID)
	var r archive.RetentionRecord
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.State != archive.RetentionDisposed || r.Disposal.List != list {
		t.Fatalf("retention show: %d %q", code, out)
	}
	if code, out, errs := runKho(t, nil, "archive", "retention", "hold-owner", "--data", dir, citizen.Subject, "--reason", "Thanh tra"); code != 0 || out != "held: 0\nalready: 0\n" {
		t.Fatalf("hold-owner with only a disposed record and the citizen's own paper: %d %q %q", code, out, errs)
	}
	if _, err := vault.Get(ctx, citizen, own.ID, archive.Access{}); err != nil {
		t.Fatalf("the citizen's own paper: %v", err)
	}
}
