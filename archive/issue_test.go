package archive_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	agencyA = "000.00.31.H29"
	agencyB = "000.00.32.H29"
	dossier = agencyA + "-261207-0001"
)

var (
	staffA  = archive.Actor{Subject: "canbo.a", Role: archive.RoleStaff, Agency: agencyA}
	staffA2 = archive.Actor{Subject: "lanhdao.a", Role: archive.RoleStaff, Agency: agencyA}
	staffB  = archive.Actor{Subject: "canbo.b", Role: archive.RoleStaff, Agency: agencyB}
	ubndA   = archive.Agency{Code: agencyA, Name: "Ủy ban nhân dân Phường Bến Nghé"}
)

// result is the request of a birth certificate issued by agency A for
// dossier, number n, into owner's vault.
func result(owner, n string, body []byte) archive.IssueRequest {
	return archive.IssueRequest{
		Owner:    owner,
		TypeCode: "KHAI_SINH",
		Name:     "Giấy khai sinh của Nguyễn Văn An",
		Number:   n,
		Fields:   map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2026-11-30"},
		Agency:   ubndA,
		Dossier:  dossier,
		Upload:   upload("ket-qua.pdf", body),
	}
}

// noRead fails the test if the body of a retried issue is read.
type noRead struct{ t *testing.T }

func (r noRead) Read([]byte) (int, error) {
	r.t.Error("a retried issue read its body again")
	return 0, errors.New("read")
}

// events collects the vault's PaperEvents.
type events struct {
	mu sync.Mutex
	es []archive.PaperEvent
}

func (e *events) add(_ context.Context, ev archive.PaperEvent) {
	e.mu.Lock()
	e.es = append(e.es, ev)
	e.mu.Unlock()
}
func (e *events) last(t *testing.T) archive.PaperEvent {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.es) == 0 {
		t.Fatal("no paper event")
	}
	return e.es[len(e.es)-1]
}

func TestIssue(t *testing.T) {
	ctx := context.Background()
	var evs events
	v := newVault(t, archive.Config{OnPaper: evs.add})
	// The applicant has no vault record yet: the issue makes it.
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("ket qua 1")))
	wantCode(t, err, "")
	if d.Source != archive.SourceResult || d.OwnerID != citizenA.Subject || d.Number != "15/2026/KS" || d.Issuer != ubndA.Name || d.IssueDate.IsZero() {
		t.Fatalf("issued document %+v", d)
	}
	ib := d.IssuedBy
	if ib == nil || ib.Kind != archive.IssueResult || ib.Agency != agencyA || ib.AgencyName != ubndA.Name || ib.Dossier != dossier ||
		ib.Number != "15/2026/KS" || ib.By != staffA.Subject || ib.IssuedAt.IsZero() {
		t.Fatalf("issuedBy %+v", ib)
	}
	// The owner sees it, with its issuer, in their own vault.
	got, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
	wantCode(t, err, "")
	if got.IssuedBy == nil || got.IssuedBy.Dossier != dossier {
		t.Fatalf("the owner's view lost issuedBy: %+v", got.IssuedBy)
	}
	if e := ledgerEntry(t, v, citizenA.Subject, archive.ActionIssue); e.DocumentID != d.ID || e.Dossier != dossier || !strings.Contains(e.Purpose, agencyA) || e.Actor != staffA.Subject {
		t.Fatalf("ledger entry of the issue %+v", e)
	}
	if ev := evs.last(t); ev.Action != archive.ActionIssue || ev.DocumentID != d.ID || ev.OwnerID != citizenA.Subject || ev.Dossier != dossier {
		t.Fatalf("paper event %+v", ev)
	}

	// A retry (the workflow after a crash) gets the same document; its
	// body is not read, nothing more is stored.
	blobs := v.blobCount(t)
	again := result(citizenA.Subject, "15/2026/KS", nil)
	again.Upload = archive.Upload{Body: noRead{t}, Size: 100, FileName: "ket-qua.pdf"}
	d2, err := v.Issue(ctx, staffA2, again)
	wantCode(t, err, "")
	if d2.ID != d.ID {
		t.Fatalf("a retried issue made document %s, first was %s", d2.ID, d.ID)
	}
	o, err := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	if o.DocumentCount != 1 || v.blobCount(t) != blobs {
		t.Fatalf("after a retry: %d documents, %d blobs (was %d)", o.DocumentCount, v.blobCount(t), blobs)
	}
	// The same number of the same dossier for another owner is refused.
	_, err = v.Issue(ctx, staffA, result(citizenB.Subject, "15/2026/KS", pdfBytes("ket qua 1")))
	wantCode(t, err, "issue_number_used")

	// The register answers which papers the dossier issued.
	second, err := v.Issue(ctx, staffA, result(citizenA.Subject, "16/2026/KS", pdfBytes("ket qua 2")))
	wantCode(t, err, "")
	list, err := v.Issued(ctx, staffA, agencyA, dossier)
	wantCode(t, err, "")
	if len(list) != 2 || list[0].DocumentID != d.ID || list[1].DocumentID != second.ID || list[0].OwnerID != citizenA.Subject {
		t.Fatalf("Issued = %+v", list)
	}
	_, err = v.Issued(ctx, staffB, agencyA, dossier)
	wantCode(t, err, "not_agency_staff")
}

// ledgerEntry is the one entry of the action in owner's ledger.
func ledgerEntry(t *testing.T, v *vault, owner string, action archive.Action) archive.LedgerEntry {
	t.Helper()
	var found []archive.LedgerEntry
	for _, e := range ledger(t, v, owner) {
		if e.Action == action {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %q entries in the ledger, want 1", len(found), action)
	}
	return found[0]
}

func idsOfDocs(ds []archive.Document) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// TestIssueResumesAfterCrash: an issue claimed in the register whose
// document was never written (a crash between the two) is completed by
// the retry, under the claimed ID.
func TestIssueResumesAfterCrash(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	claimed := archive.NewID(time.Now())
	key := archive.IssueKey(agencyA, dossier, archive.IssueResult, "15/2026/KS")
	if _, _, err := v.store.ClaimIssue(ctx, archive.IssueRecord{Key: key, Agency: agencyA, Dossier: dossier, Kind: archive.IssueResult,
		Number: "15/2026/KS", DocumentID: claimed, OwnerID: citizenA.Subject, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	list, err := v.Issued(ctx, staffA, agencyA, dossier)
	wantCode(t, err, "")
	if len(list) != 0 {
		t.Fatalf("a claim without its document is listed: %+v", list)
	}
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("ket qua")))
	wantCode(t, err, "")
	if d.ID != claimed {
		t.Fatalf("the retry made %s, the register names %s", d.ID, claimed)
	}
	if list, err = v.Issued(ctx, staffA, agencyA, dossier); err != nil || len(list) != 1 || list[0].DocumentID != claimed {
		t.Fatalf("Issued after the retry = %+v, %v", list, err)
	}
}

// TestIssueConcurrent: the same issue sent at once by several processes
// makes one document.
func TestIssueConcurrent(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	const n = 6
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("ket qua")))
			ids[i], errs[i] = d.ID, err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil && !kerr.IsKind(errs[i], kerr.Conflict) {
			t.Fatalf("issue %d: %v", i, errs[i])
		}
		if errs[i] == nil && ids[i] != ids[0] && ids[0] != "" {
			t.Fatalf("issue %d made %s, another %s", i, ids[i], ids[0])
		}
	}
	p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{})
	wantCode(t, err, "")
	if len(p.Documents) != 1 {
		t.Fatalf("%d documents after concurrent issues of one paper, want 1", len(p.Documents))
	}
}

func TestIssueRefusalsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{MaxUploadBytes: 64 << 10})
	first, err := v.Issue(ctx, staffA, result(citizenA.Subject, "1/2026/KS", pdfBytes("first")))
	wantCode(t, err, "")
	blobs := v.blobCount(t)
	mod := func(f func(*archive.IssueRequest)) archive.IssueRequest {
		r := result(citizenA.Subject, "2/2026/KS", pdfBytes("refused"))
		f(&r)
		return r
	}
	noAgency := archive.Actor{Subject: "canbo.x", Role: archive.RoleStaff}
	for _, tc := range []struct {
		name string
		a    archive.Actor
		r    archive.IssueRequest
		code string
	}{
		{"citizen", citizenA, mod(func(*archive.IssueRequest) {}), "staff_only"},
		{"staff of no agency", noAgency, mod(func(*archive.IssueRequest) {}), "not_agency_staff"},
		{"staff of another agency", staffB, mod(func(*archive.IssueRequest) {}), "not_agency_staff"},
		{"bad agency code", staffA, mod(func(r *archive.IssueRequest) { r.Agency.Code = "UBND" }), "invalid_agency_code"},
		{"no agency name", staffA, mod(func(r *archive.IssueRequest) { r.Agency.Name = " " }), "agency_name_required"},
		{"no dossier", staffA, mod(func(r *archive.IssueRequest) { r.Dossier = "" }), "dossier_required"},
		{"slash in dossier", staffA, mod(func(r *archive.IssueRequest) { r.Dossier = "a/b" }), "invalid_dossier_code"},
		{"no number", staffA, mod(func(r *archive.IssueRequest) { r.Number = " " }), "number_required"},
		{"no owner", staffA, mod(func(r *archive.IssueRequest) { r.Owner = "" }), "owner_required"},
		{"unknown owner", staffA, mod(func(r *archive.IssueRequest) { r.Owner = "khong-co" }), "owner_not_found"},
		{"unknown type", staffA, mod(func(r *archive.IssueRequest) { r.TypeCode = "KHONG_CO" }), "unknown_document_type"},
		{"fields", staffA, mod(func(r *archive.IssueRequest) { r.Fields = map[string]any{"hoTen": "A"} }), "document_fields_invalid"},
		{"bad kind", staffA, mod(func(r *archive.IssueRequest) { r.Kind = "gift" }), "invalid_issue_kind"},
		{"declared too big", staffA, mod(func(r *archive.IssueRequest) { r.Size = 65<<10 + 1 }), "file_too_large"},
		{"not a pdf", staffA, mod(func(r *archive.IssueRequest) { r.Upload = upload("a.png", pngBytes) }), "content_type_mismatch"},
		{"cut off", staffA, mod(func(r *archive.IssueRequest) {
			b := pdfBytes("cut")
			r.Upload = archive.Upload{Body: bytes.NewReader(b), Size: int64(len(b)) + 5, FileName: "a.pdf"}
		}), "incomplete_upload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Issue(ctx, tc.a, tc.r)
			wantCode(t, err, tc.code)
			p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{})
			wantCode(t, err, "")
			if len(p.Documents) != 1 || p.Documents[0].ID != first.ID {
				t.Fatalf("documents after a refusal: %v", idsOfDocs(p.Documents))
			}
			if _, err := v.store.GetIssue(ctx, archive.IssueKey(agencyA, dossier, archive.IssueResult, "2/2026/KS")); !kerr.IsKind(err, kerr.NotFound) {
				t.Fatalf("a refused issue left a register record (%v)", err)
			}
			if n := v.blobCount(t); n != blobs && tc.code != "incomplete_upload" {
				t.Fatalf("%d blobs, want %d", n, blobs)
			}
		})
	}
}

// TestIssuedLocked: the owner keeps their labels but cannot change what
// the agency issued.
func TestIssuedLocked(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("ket qua")))
	wantCode(t, err, "")
	name := "Khai sinh của con"
	if _, err := v.UpdateMetadata(ctx, citizenA, d.ID, 0, archive.MetadataPatch{Name: &name}); err != nil {
		t.Fatalf("renaming an issued paper: %v", err)
	}
	number, revoked, until := "99", archive.StatusRevoked, day(2099, 1, 1)
	for _, p := range []archive.MetadataPatch{{Number: &number}, {Status: &revoked}, {ValidUntil: &until}, {Name: &name, Number: &number}} {
		_, err := v.UpdateMetadata(ctx, citizenA, d.ID, 0, p)
		wantCode(t, err, "issued_document_locked")
		_, err = v.UpdateMetadata(ctx, staff, d.ID, 0, p)
		wantCode(t, err, "issued_document_locked")
	}
	_, err = v.AddVersion(ctx, citizenA, d.ID, 0, upload("khac.pdf", pdfBytes("khac")))
	wantCode(t, err, "issued_document_locked")
	got, err := v.Get(ctx, citizenA, d.ID, archive.Access{})
	wantCode(t, err, "")
	if got.Number != "15/2026/KS" || got.Status != archive.StatusValid || got.VersionCount != 2 || got.Name != name {
		t.Fatalf("after refused changes: number %q status %s versions %d name %q", got.Number, got.Status, got.VersionCount, got.Name)
	}
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	var evs events
	v := newVault(t, archive.Config{OnPaper: evs.add})
	d, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("ket qua")))
	wantCode(t, err, "")
	// A dossier reuses it while it is valid.
	_, err = v.Reuse(ctx, staff, d.ID, archive.ReuseRequest{Dossier: "000.00.40.H29-261207-0009", Purpose: "thẩm định"})
	wantCode(t, err, "")
	plain, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("tu tai len")))
	wantCode(t, err, "")

	for _, tc := range []struct {
		name       string
		a          archive.Actor
		id, reason string
		code       string
	}{
		{"citizen", citizenA, d.ID, "sai", "staff_only"},
		{"staff of no agency", staff, d.ID, "sai", "not_agency_staff"},
		{"another agency", staffB, d.ID, "sai", "issued_document_not_found"},
		{"no reason", staffA, d.ID, "  ", "reason_required"},
		{"control characters in the reason", staffA, d.ID, "sai\u202e", "invalid_characters"},
		{"unknown paper", staffA, archive.NewID(time.Now()), "sai", "issued_document_not_found"},
		{"not an ID", staffA, "../x", "sai", "issued_document_not_found"},
		{"uploaded by the owner", staffA, plain.ID, "sai", "issued_document_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Revoke(ctx, tc.a, tc.id, tc.reason)
			wantCode(t, err, tc.code)
			got, _ := v.Get(ctx, citizenA, d.ID, archive.Access{})
			if got.Status != archive.StatusValid || got.StatusChange != nil || got.VersionCount != 1 {
				t.Fatalf("a refused revocation changed the paper: %s %+v", got.Status, got.StatusChange)
			}
		})
	}

	v.clock.Set(time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC))
	r, err := v.Revoke(ctx, staffA2, d.ID, "Cấp sai ngày sinh")
	wantCode(t, err, "")
	c := r.StatusChange
	if r.Status != archive.StatusRevoked || c == nil || c.Status != archive.StatusRevoked || c.Agency != agencyA || c.By != staffA2.Subject ||
		c.Reason != "Cấp sai ngày sinh" || !c.At.Equal(time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)) || r.Current.Change != "revoked" {
		t.Fatalf("revoked: status %s, change %+v, version change %q", r.Status, c, r.Current.Change)
	}
	if e := ledgerEntry(t, v, citizenA.Subject, archive.ActionRevoke); e.DocumentID != d.ID || e.Dossier != dossier || !strings.Contains(e.Purpose, "Cấp sai ngày sinh") {
		t.Fatalf("ledger entry of the revocation %+v", e)
	}
	if ev := evs.last(t); ev.Action != archive.ActionRevoke || ev.DocumentID != d.ID || ev.Reason != "Cấp sai ngày sinh" {
		t.Fatalf("paper event %+v", ev)
	}
	// A reuse now is refused, saying when and why.
	_, err = v.Reuse(ctx, staff, d.ID, archive.ReuseRequest{Dossier: "000.00.40.H29-261207-0010"})
	wantCode(t, err, "document_not_reusable")
	if _, msg := kerr.Public(err); !strings.Contains(msg, "thu hồi ngày 07/12/2026") || !strings.Contains(msg, "Cấp sai ngày sinh") {
		t.Fatalf("refusal message %q", msg)
	}
	// The dossier that reused it earlier sees its current status in the
	// document view.
	now, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra giấy tờ đã sử dụng lại", Dossier: "000.00.40.H29-261207-0009"})
	wantCode(t, err, "")
	if now.Status != archive.StatusRevoked || now.StatusChange == nil || now.StatusChange.Reason != "Cấp sai ngày sinh" {
		t.Fatalf("document view after revocation: %s %+v", now.Status, now.StatusChange)
	}
	// A retry of the same revocation changes nothing; another is refused.
	again, err := v.Revoke(ctx, staffA, d.ID, "Cấp sai ngày sinh")
	wantCode(t, err, "")
	if again.VersionCount != r.VersionCount {
		t.Fatalf("a retried revocation made version %d", again.VersionCount)
	}
	_, err = v.Revoke(ctx, staffA, d.ID, "lý do khác")
	wantCode(t, err, "document_not_valid")
}

func TestSupersede(t *testing.T) {
	ctx := context.Background()
	var evs events
	v := newVault(t, archive.Config{OnPaper: evs.add})
	old, err := v.Issue(ctx, staffA, result(citizenA.Subject, "15/2026/KS", pdfBytes("cu")))
	wantCode(t, err, "")
	repl, err := v.Issue(ctx, staffA, result(citizenA.Subject, "16/2026/KS", pdfBytes("moi")))
	wantCode(t, err, "")
	other, err := v.Issue(ctx, staffA, result(citizenB.Subject, "17/2026/KS", pdfBytes("nguoi khac")))
	wantCode(t, err, "")
	replB, err := v.Issue(ctx, staffB, func() archive.IssueRequest {
		r := result(citizenA.Subject, "1/2026/KS", pdfBytes("co quan khac"))
		r.Agency = archive.Agency{Code: agencyB, Name: "UBND Phường Đa Kao"}
		return r
	}())
	wantCode(t, err, "")

	for _, tc := range []struct {
		name         string
		a            archive.Actor
		oldID, newID string
		reason, code string
	}{
		{"citizen", citizenA, old.ID, repl.ID, "cấp lại", "staff_only"},
		{"no reason", staffA, old.ID, repl.ID, "", "reason_required"},
		{"same paper", staffA, old.ID, old.ID, "cấp lại", "supersede_same"},
		{"another owner's paper", staffA, old.ID, other.ID, "cấp lại", "supersede_other_owner"},
		{"another agency's replacement", staffA, old.ID, replB.ID, "cấp lại", "issued_document_not_found"},
		{"another agency", staffB, old.ID, replB.ID, "cấp lại", "issued_document_not_found"},
		{"unknown replacement", staffA, old.ID, archive.NewID(time.Now()), "cấp lại", "issued_document_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Supersede(ctx, tc.a, tc.oldID, tc.newID, tc.reason)
			wantCode(t, err, tc.code)
			got, _ := v.Get(ctx, citizenA, old.ID, archive.Access{})
			if got.Status != archive.StatusValid || got.StatusChange != nil {
				t.Fatalf("a refused replacement changed the paper: %s %+v", got.Status, got.StatusChange)
			}
		})
	}
	s, err := v.Supersede(ctx, staffA, old.ID, repl.ID, "Cấp lại do thay đổi họ tên")
	wantCode(t, err, "")
	if s.Status != archive.StatusSuperseded || s.StatusChange == nil || s.StatusChange.ReplacedBy != repl.ID || s.Current.Change != "superseded" {
		t.Fatalf("superseded: %s %+v", s.Status, s.StatusChange)
	}
	if ev := evs.last(t); ev.Action != archive.ActionSupersede || ev.ReplacedBy != repl.ID {
		t.Fatalf("paper event %+v", ev)
	}
	if e := ledgerEntry(t, v, citizenA.Subject, archive.ActionSupersede); e.DocumentID != old.ID {
		t.Fatalf("ledger entry %+v", e)
	}
	_, err = v.Reuse(ctx, staff, old.ID, archive.ReuseRequest{Dossier: "000.00.40.H29-261207-0010"})
	wantCode(t, err, "document_not_reusable")
	if _, msg := kerr.Public(err); !strings.Contains(msg, "thay thế") || !strings.Contains(msg, "Cấp lại do thay đổi họ tên") {
		t.Fatalf("refusal message %q", msg)
	}
	if _, err := v.Reuse(ctx, staff, repl.ID, archive.ReuseRequest{Dossier: "000.00.40.H29-261207-0010"}); err != nil {
		t.Fatalf("reuse of the replacement: %v", err)
	}
	// A revoked replacement cannot replace anything.
	third, err := v.Issue(ctx, staffA, result(citizenA.Subject, "18/2026/KS", pdfBytes("ba")))
	wantCode(t, err, "")
	_, err = v.Revoke(ctx, staffA, repl.ID, "sai")
	wantCode(t, err, "")
	_, err = v.Supersede(ctx, staffA, third.ID, repl.ID, "cấp lại")
	wantCode(t, err, "replacement_not_valid")
}

func TestStoreRefused(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	files := []archive.RefusedFile{
		{Name: "Tờ khai", Upload: upload("to-khai.pdf", pdfBytes("to khai"))},
		{Upload: upload("anh.png", pngBytes)},
	}
	ds, err := v.StoreRefused(ctx, staffA, citizenA.Subject, ubndA, dossier, files)
	wantCode(t, err, "")
	if len(ds) != 2 {
		t.Fatalf("%d documents", len(ds))
	}
	for i, d := range ds {
		if d.Source != archive.SourceRejected || d.IssuedBy == nil || d.IssuedBy.Kind != archive.IssueRefusal || d.IssuedBy.Dossier != dossier || d.TypeCode != "KHAC" {
			t.Fatalf("file %d: source %s, issuedBy %+v, type %s", i, d.Source, d.IssuedBy, d.TypeCode)
		}
	}
	if ds[1].Name != "Tệp hồ sơ bị từ chối "+dossier+" (2)" || ds[1].Current.MediaType != "image/png" {
		t.Fatalf("second file: %q %s", ds[1].Name, ds[1].Current.MediaType)
	}
	// The workflow retries the call: the same documents come back.
	files[0].Upload = upload("to-khai.pdf", pdfBytes("to khai"))
	files[1].Upload = upload("anh.png", pngBytes)
	again, err := v.StoreRefused(ctx, staffA, citizenA.Subject, ubndA, dossier, files)
	wantCode(t, err, "")
	if len(again) != 2 || again[0].ID != ds[0].ID || again[1].ID != ds[1].ID {
		t.Fatalf("retry made %v, first %v", idsOfDocs(again), idsOfDocs(ds))
	}
	// A refusal's file is no result: it cannot be revoked.
	_, err = v.Revoke(ctx, staffA, ds[0].ID, "sai")
	wantCode(t, err, "issued_document_not_found")
	_, err = v.StoreRefused(ctx, citizenA, citizenA.Subject, ubndA, dossier, files)
	wantCode(t, err, "staff_only")
	_, err = v.StoreRefused(ctx, staffA, citizenA.Subject, ubndA, dossier, nil)
	wantCode(t, err, "files_required")
}
