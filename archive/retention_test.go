package archive_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

var archivist2 = archive.Actor{Subject: "canbo.luutru.hai", Role: archive.RoleStaff}

func date(y int, m time.Month, d int) archive.Date { return archive.Date{Year: y, Month: m, Day: d} }

// TestRetainUntil: permanent and N-year periods, counted from the base
// day; a period from 29 February ends on 1 March when the last year has
// no 29 February, and on 29 February when it has.
func TestRetainUntil(t *testing.T) {
	for _, tc := range []struct {
		r    *archive.Retention
		base archive.Date
		want archive.Date
		perm bool
	}{
		{nil, date(2020, 5, 1), archive.Date{}, true},
		{&archive.Retention{Permanent: true}, date(2020, 5, 1), archive.Date{}, true},
		{&archive.Retention{Years: 10}, date(2020, 5, 1), date(2030, 5, 1), false},
		{&archive.Retention{Years: 1}, date(2024, 2, 29), date(2025, 3, 1), false},
		{&archive.Retention{Years: 4}, date(2024, 2, 29), date(2028, 2, 29), false},
		{&archive.Retention{Years: 5}, date(2023, 12, 31), date(2028, 12, 31), false},
	} {
		got, perm := archive.RetainUntil(tc.r, tc.base)
		if got != tc.want || perm != tc.perm {
			t.Errorf("RetainUntil(%+v, %s) = %s, %v; want %s, %v", tc.r, tc.base, got, perm, tc.want, tc.perm)
		}
	}
	for _, bad := range []*archive.Retention{{Years: 0}, {Years: -1}, {Years: 201}, {Permanent: true, Years: 3}} {
		if err := archive.CheckRetention(bad); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("CheckRetention(%+v) = %v, want Invalid", bad, err)
		}
	}
}

// agencyPaper stores an agency record (a dossier component) of type KHAC
// in citizenA's vault, issued on issued, with content body.
func agencyPaper(t *testing.T, v *vault, name string, issued archive.Date, body []byte) archive.Document {
	t.Helper()
	d, err := v.Put(context.Background(), staff, archive.NewDocument{OwnerID: citizenA.Subject, Source: archive.SourceComponent,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: name, IssueDate: issued},
		Upload:   upload("tai-lieu.pdf", body)})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return d
}

func blobExists(t *testing.T, v *vault, hash string) bool {
	t.Helper()
	_, err := v.bucket.Stat(context.Background(), hash)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestDisposal walks retention end to end on SQLite: periods per type,
// a citizen's upload never indexed, a hold that keeps a paper off the
// list and another placed after approval that keeps it at execution, the
// four-eyes rule, an execution that runs once, and a blob shared by two
// papers that survives the disposal of the first and is collected after
// the second.
func TestDisposal(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	v.clock.Set(time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC))
	if _, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("own vault"))); err != nil {
		t.Fatal(err)
	}
	if _, err := v.SetRetention(ctx, staff, "KHAC", &archive.Retention{Years: 1}); !kerr.IsKind(err, kerr.Permission) {
		t.Fatalf("staff set a retention period: %v", err)
	}
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
		t.Fatal(err)
	}
	shared := pdfBytes("shared content of two papers")
	a := agencyPaper(t, v, "Tài liệu A", date(2020, 1, 1), shared)
	b := agencyPaper(t, v, "Tài liệu B", date(2021, 1, 1), shared)
	held := agencyPaper(t, v, "Tài liệu bị phong tỏa", date(2020, 1, 2), pdfBytes("held"))
	late := agencyPaper(t, v, "Tài liệu phong tỏa sau khi duyệt", date(2020, 1, 3), pdfBytes("held late"))
	own, err := v.Put(ctx, citizenA, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Tự tải lên", IssueDate: date(2019, 1, 1)},
		Upload: upload("cua-toi.pdf", pdfBytes("citizen's own"))})
	if err != nil {
		t.Fatal(err)
	}
	perm, err := v.Put(ctx, staff, archive.NewDocument{OwnerID: citizenA.Subject, Source: archive.SourceComponent,
		Metadata: birthCert("", nil).Metadata, Upload: upload("ks.pdf", pdfBytes("permanent"))})
	if err != nil {
		t.Fatal(err)
	}

	// Let the writes settle their charges (after their answers), as they
	// have long done when a paper falls due.
	if err := v.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	// A year and a half later: index, hold, propose.
	v.clock.Set(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	rep, err := v.IndexRetention(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indexed != 5 || rep.Walked != 7 {
		t.Fatalf("index: %+v, want 5 agency records of 7 papers", rep)
	}
	if again, err := v.IndexRetention(ctx, rep.Next, 100); err != nil || again.Walked != 0 {
		t.Fatalf("index from the cursor again: %+v, %v", again, err)
	}
	ra, err := v.RetentionOf(ctx, staff, a.ID)
	if err != nil || ra.RetainUntil != date(2021, 1, 1) || ra.Permanent {
		t.Fatalf("A's retention: %+v, %v", ra, err)
	}
	if rp, err := v.RetentionOf(ctx, staff, perm.ID); err != nil || !rp.Permanent {
		t.Fatalf("a birth certificate (no period) is kept for ever: %+v, %v", rp, err)
	}
	if _, err := v.RetentionOf(ctx, staff, own.ID); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("a citizen's own upload has a retention: %v", err)
	}
	if _, err := v.RetentionOf(ctx, citizenA, a.ID); !kerr.IsKind(err, kerr.Permission) {
		t.Fatalf("a citizen read a retention record: %v", err)
	}
	if _, err := v.PlaceHold(ctx, staff, held.ID, "", ""); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("a hold without a reason: %v", err)
	}
	if _, err := v.PlaceHold(ctx, staff, held.ID, "Đang thanh tra", "123/QĐ-TTr"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PlaceHold(ctx, staff, held.ID, "lần hai", ""); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("a second hold: %v", err)
	}
	prop, err := v.ProposeDisposal(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	l, err := v.DisposalList(ctx, staff, prop.List)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(l); len(got) != 2 || !got[a.ID] || !got[late.ID] {
		t.Fatalf("proposed %v, want A and the late-held paper (B not due, one held, one permanent, one the citizen's)", got)
	}
	if again, err := v.ProposeDisposal(ctx, 100); err != nil || again.Proposed != 0 {
		t.Fatalf("proposing again: %+v, %v", again, err)
	}

	// Four eyes.
	if _, err := v.SubmitDisposal(ctx, citizenA, l.ID, l.Rev); !kerr.IsKind(err, kerr.Permission) {
		t.Fatalf("a citizen submitted a disposal list: %v", err)
	}
	l, err = v.SubmitDisposal(ctx, staff, l.ID, l.Rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.DecideDisposal(ctx, staff, l.ID, l.Rev, true, ""); !kerr.IsKind(err, kerr.Permission) {
		t.Fatalf("the submitter approved their own list: %v", err)
	}
	if _, err := v.ExecuteDisposal(ctx, staff, l.ID); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("a list not approved was executed: %v", err)
	}
	if _, err := v.DecideDisposal(ctx, archivist2, l.ID, l.Rev-1, true, ""); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("a decision on an old revision: %v", err)
	}
	l, err = v.DecideDisposal(ctx, archivist2, l.ID, l.Rev, true, "")
	if err != nil {
		t.Fatal(err)
	}
	// A hold placed after the approval keeps its paper at execution.
	if _, err := v.PlaceHold(ctx, archivist2, late.ID, "Có khiếu nại", ""); err != nil {
		t.Fatal(err)
	}
	l, err = v.ExecuteDisposal(ctx, staff, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.State != archive.DisposalExecuted || outcome(l, a.ID) != archive.OutcomeDisposed || outcome(l, late.ID) != archive.OutcomeHeld {
		t.Fatalf("executed list: %+v", l)
	}
	if _, err := v.Get(ctx, staff, a.ID, archive.Access{Purpose: "kiểm tra"}); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("A after its disposal: %v", err)
	}
	for _, id := range []string{late.ID, held.ID, b.ID, own.ID, perm.ID} {
		if _, err := v.Get(ctx, staff, id, archive.Access{Purpose: "kiểm tra"}); err != nil {
			t.Fatalf("%s was lost: %v", id, err)
		}
	}
	tomb, err := v.RetentionOf(ctx, staff, a.ID)
	if err != nil || tomb.State != archive.RetentionDisposed || tomb.Disposal == nil || tomb.Disposal.List != l.ID ||
		tomb.Disposal.By != staff.Subject || len(tomb.Disposal.Blobs) != 1 || tomb.Disposal.Blobs[0] != a.Current.Blob {
		t.Fatalf("A's tombstone: %+v, %v", tomb, err)
	}
	if _, err := v.ExecuteDisposal(ctx, staff, l.ID); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("an executed list ran again: %v", err)
	}
	wantUsageTrue(t, v, citizenA.Subject)
	entries, _, err := v.Ledger(ctx, citizenA, citizenA.Subject, a.ID, "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasAction(entries, archive.ActionDispose) {
		t.Fatalf("the owner's ledger does not show the disposal: %+v", entries)
	}
	entries, _, _ = v.Ledger(ctx, citizenA, citizenA.Subject, held.ID, "", 100, archive.Access{})
	if !hasAction(entries, archive.ActionHold) {
		t.Fatalf("the owner's ledger does not show the hold: %+v", entries)
	}

	// The collector, after the grace period: the shared blob stays (B
	// references it).
	v.clock.Set(time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	wantUsageTrue(t, v, citizenA.Subject)
	if !blobExists(t, v, a.Current.Blob) {
		t.Fatal("the blob B still references was collected")
	}

	// Lift the late hold with a reason; a year later B falls due, goes
	// on a new list and, once disposed, its blob goes too.
	if _, err := v.LiftHold(ctx, staff, late.ID, ""); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("a hold lifted without a reason: %v", err)
	}
	if r, err := v.LiftHold(ctx, staff, late.ID, "Khiếu nại đã giải quyết xong"); err != nil || r.State != archive.RetentionKept || len(r.Holds) != 2 {
		t.Fatalf("lift: %+v, %v", r, err)
	}
	v.clock.Set(time.Date(2022, 6, 1, 9, 0, 0, 0, time.UTC))
	prop, err = v.ProposeDisposal(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := v.DisposalList(ctx, staff, prop.List)
	if got := itemIDs(l2); prop.List == l.ID || len(got) != 2 || !got[b.ID] || !got[late.ID] {
		t.Fatalf("second list %s: %v", prop.List, got)
	}
	l2, err = v.SubmitDisposal(ctx, archivist2, l2.ID, l2.Rev)
	if err != nil {
		t.Fatal(err)
	}
	if l2, err = v.DecideDisposal(ctx, staff, l2.ID, l2.Rev, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err = v.ExecuteDisposal(ctx, archivist2, l2.ID); err != nil {
		t.Fatal(err)
	}
	wantUsageTrue(t, v, citizenA.Subject)
	v.clock.Set(time.Date(2022, 6, 1, 9, 30, 0, 0, time.UTC))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if !blobExists(t, v, a.Current.Blob) {
		t.Fatal("a released blob was collected within the grace period")
	}
	v.clock.Set(time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC))
	if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if blobExists(t, v, a.Current.Blob) {
		t.Fatal("the shared blob outlived both its papers")
	}
	if !blobExists(t, v, held.Current.Blob) || !blobExists(t, v, own.Current.Blob) {
		t.Fatal("the collector took a blob still referenced")
	}
}

// TestDisposalReject: a rejected list needs a reason and puts its papers
// back, so that the next proposal finds them again.
func TestDisposalReject(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{BlobGrace: time.Hour})
	v.clock.Set(time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC))
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("own vault"))); err != nil {
		t.Fatal(err)
	}
	a := agencyPaper(t, v, "Tài liệu A", date(2019, 1, 1), pdfBytes("A"))
	v.clock.Set(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	if _, err := v.IndexRetention(ctx, "", 100); err != nil {
		t.Fatal(err)
	}
	prop, err := v.ProposeDisposal(ctx, 100)
	if err != nil || prop.Proposed != 1 {
		t.Fatalf("propose: %+v, %v", prop, err)
	}
	l, _ := v.DisposalList(ctx, staff, prop.List)
	l, _ = v.SubmitDisposal(ctx, staff, l.ID, l.Rev)
	if _, err := v.DecideDisposal(ctx, archivist2, l.ID, l.Rev, false, " "); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("a rejection without a reason: %v", err)
	}
	if l, err = v.DecideDisposal(ctx, archivist2, l.ID, l.Rev, false, "Cần thẩm định lại giá trị tài liệu"); err != nil || l.State != archive.DisposalRejected {
		t.Fatalf("reject: %+v, %v", l, err)
	}
	if r, _ := v.RetentionOf(ctx, staff, a.ID); r.State != archive.RetentionKept || r.ListID != "" {
		t.Fatalf("after the rejection: %+v", r)
	}
	prop, err = v.ProposeDisposal(ctx, 100)
	if err != nil || prop.Proposed != 1 || prop.List == l.ID {
		t.Fatalf("propose after the rejection: %+v, %v", prop, err)
	}
	// A longer period set meanwhile keeps the paper: it is not proposed.
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 10}); err != nil {
		t.Fatal(err)
	}
	b := agencyPaper(t, v, "Tài liệu B", date(2019, 1, 1), pdfBytes("B"))
	_ = b
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
		t.Fatal(err)
	}
	v.clock.Set(time.Date(2021, 6, 1, 10, 0, 0, 0, time.UTC))
	if _, err := v.IndexRetention(ctx, "", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 10}); err != nil {
		t.Fatal(err)
	}
	prop, err = v.ProposeDisposal(ctx, 100)
	if err != nil || prop.Proposed != 0 || prop.Extended != 1 {
		t.Fatalf("propose under a longer period: %+v, %v", prop, err)
	}
	if r, _ := v.RetentionOf(ctx, staff, b.ID); r.RetainUntil != date(2029, 1, 1) {
		t.Fatalf("B's retention under the longer period: %+v", r)
	}
}

func itemIDs(l archive.DisposalList) map[string]bool {
	m := map[string]bool{}
	for _, it := range l.Items {
		m[it.DocumentID] = true
	}
	return m
}

func outcome(l archive.DisposalList, id string) archive.DisposalOutcome {
	for _, it := range l.Items {
		if it.DocumentID == id {
			return it.Outcome
		}
	}
	return "missing"
}

func hasAction(es []archive.LedgerEntry, a archive.Action) bool {
	for _, e := range es {
		if e.Action == a {
			return true
		}
	}
	return false
}

// downAt is the vault's store that fails each method named in fail once,
// as a process stopped there would leave the work.
type downAt struct {
	archive.Store
	fail map[string]bool
}

func (s *downAt) down(name string) bool {
	if s.fail[name] {
		delete(s.fail, name)
		return true
	}
	return false
}

func (s *downAt) DeleteDocument(ctx context.Context, id string) error {
	if s.down("DeleteDocument") {
		return errDown
	}
	return s.Store.DeleteDocument(ctx, id)
}

func (s *downAt) PutRetention(ctx context.Context, r archive.RetentionRecord, rev int64) error {
	if r.State == archive.RetentionDisposed && s.down("PutRetention") {
		return errDown
	}
	return s.Store.PutRetention(ctx, r, rev)
}

func (s *downAt) UpdateDisposalList(ctx context.Context, l archive.DisposalList, rev int64) error {
	if s.down("UpdateDisposalList") {
		return errDown
	}
	return s.Store.UpdateDisposalList(ctx, l, rev)
}

// TestDisposalResumes: an execution that stops at any step — before the
// tombstone, after it before the document's deletion, after the
// deletion before the list records the outcome — is finished by running
// it again: the paper is disposed of once, its usage given back once, its
// blob released and collected, and the list executed.
func TestDisposalResumes(t *testing.T) {
	for _, step := range []string{"PutRetention", "DeleteDocument", "UpdateDisposalList"} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			v := newVault(t, archive.Config{BlobGrace: time.Hour})
			v.clock.Set(time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC))
			if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("own vault"))); err != nil {
				t.Fatal(err)
			}
			a := agencyPaper(t, v, "Tài liệu A", date(2019, 1, 1), pdfBytes("A"))
			if err := v.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			v.clock.Set(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
			if _, err := v.IndexRetention(ctx, "", 100); err != nil {
				t.Fatal(err)
			}
			prop, err := v.ProposeDisposal(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			l, _ := v.SubmitDisposal(ctx, staff, prop.List, 0)
			if _, err := v.DecideDisposal(ctx, archivist2, l.ID, 0, true, ""); err != nil {
				t.Fatal(err)
			}
			flaky := &downAt{Store: v.store, fail: map[string]bool{step: true}}
			stopped := archive.New(flaky, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
			if _, err := stopped.ExecuteDisposal(ctx, staff, l.ID); err == nil {
				t.Fatal("the execution did not stop")
			}
			l, err = v.ExecuteDisposal(ctx, staff, l.ID)
			if err != nil {
				t.Fatalf("the execution run again: %v", err)
			}
			if l.State != archive.DisposalExecuted || outcome(l, a.ID) != archive.OutcomeDisposed {
				t.Fatalf("list: %+v", l)
			}
			if _, err := v.Get(ctx, staff, a.ID, archive.Access{Purpose: "kiểm tra"}); !kerr.IsKind(err, kerr.NotFound) {
				t.Fatalf("the paper after the execution: %v", err)
			}
			wantUsageTrue(t, v, citizenA.Subject)
			v.clock.Set(time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC))
			if _, err := v.CollectGarbageWith(ctx, archive.GCOptions{}); err != nil {
				t.Fatal(err)
			}
			if blobExists(t, v, a.Current.Blob) {
				t.Fatal("the disposed paper's blob was not collected")
			}
			wantUsageTrue(t, v, citizenA.Subject)
		})
	}
}

// TestRetentionCatalogue: a catalogue file sets periods; a bad period is
// refused with its code and nothing of that catalogue entry is stored.
func TestRetentionCatalogue(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	good := `{"documentTypes":[{"code":"HS_DAT_DAI","name":"Hồ sơ đất đai","retention":{"years":20}},{"code":"HS_VV","name":"Hồ sơ vĩnh viễn","retention":{"permanent":true}}]}`
	if _, _, err := v.LoadCatalog(ctx, admin, strings.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	if dt, _ := v.DocumentType(ctx, staff, "HS_DAT_DAI"); dt.Retention == nil || dt.Retention.Years != 20 || dt.Retention.Label() != "20 năm" {
		t.Fatalf("HS_DAT_DAI: %+v", dt.Retention)
	}
	if dt, _ := v.DocumentType(ctx, staff, "HS_VV"); dt.Retention == nil || dt.Retention.Label() != "Vĩnh viễn" {
		t.Fatalf("HS_VV: %+v", dt.Retention)
	}
	for _, bad := range []string{`{"years":0}`, `{"years":201}`, `{"permanent":true,"years":5}`} {
		_, _, err := v.LoadCatalog(ctx, admin, strings.NewReader(`{"documentTypes":[{"code":"HS_SAI","name":"Sai","retention":`+bad+`}]}`))
		wantCode(t, err, "retention_invalid")
		if _, err := v.DocumentType(ctx, staff, "HS_SAI"); !kerr.IsKind(err, kerr.NotFound) {
			t.Fatalf("a type with the bad period %s was stored: %v", bad, err)
		}
	}
}

// TestHoldOwner: a hold on an owner's vault holds each of their agency
// records, page by page, skips their own uploads, counts those held
// already, and keeps every one of them off the disposal list.
func TestHoldOwner(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v.clock.Set(time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC))
	if _, err := v.SetRetention(ctx, admin, "KHAC", &archive.Retention{Years: 1}); err != nil {
		t.Fatal(err)
	}
	own, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("own vault")))
	if err != nil {
		t.Fatal(err)
	}
	var papers []archive.Document
	for i := range 5 {
		papers = append(papers, agencyPaper(t, v, "Giấy tờ "+strconv.Itoa(i), date(2019, 1, 1), pdfBytes("paper "+strconv.Itoa(i))))
	}
	if _, err := v.PlaceHold(ctx, staff, papers[0].ID, "Riêng", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := v.HoldOwner(ctx, citizenA, citizenA.Subject, "x", "", "", 2); !kerr.IsKind(err, kerr.Permission) {
		t.Fatalf("a citizen held a vault: %v", err)
	}
	var total archive.OwnerHolds
	after, pages := "", 0
	for {
		rep, err := v.HoldOwner(ctx, staff, citizenA.Subject, "Quyết định thanh tra", "7/QĐ-TTr", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		total.Held += rep.Held
		total.Already += rep.Already
		pages++
		if rep.Next == "" {
			break
		}
		after = rep.Next
	}
	if total.Held != 4 || total.Already != 1 || pages != 3 {
		t.Fatalf("held %d, already %d, in %d pages", total.Held, total.Already, pages)
	}
	if _, err := v.RetentionOf(ctx, staff, own.ID); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("the citizen's own upload: %v", err)
	}
	v.clock.Set(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	if _, err := v.IndexRetention(ctx, "", 100); err != nil {
		t.Fatal(err)
	}
	if p, err := v.ProposeDisposal(ctx, 100); err != nil || p.Proposed != 0 {
		t.Fatalf("held papers proposed: %+v, %v", p, err)
	}
}
