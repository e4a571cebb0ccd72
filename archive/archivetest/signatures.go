package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// signedBy returns a signature summary of a PDF signed by the names given,
// with a report blob named by report ("" = none).
func signedBy(report string, verdict signing.Verdict, names ...string) *archive.SignatureSummary {
	sig := &archive.SignatureSummary{
		Signed:     len(names) > 0,
		Count:      len(names),
		Signers:    names,
		VerifiedAt: when(7),
	}
	if len(names) > 0 {
		sig.Verdict, sig.Level = verdict, "B-T"
		if verdict != signing.TotalPassed {
			sig.SubIndication = signing.SubTryLater
			sig.Message = "Chưa kiểm tra được tình trạng thu hồi chứng thư; hãy kiểm tra lại sau."
		}
	}
	if report != "" {
		sig.Report = blobOf(report)
	}
	return sig
}

// testSignatureRoundTrip: a version's signature summary and source come
// back as stored, on the document, in its history, for new versions too.
func testSignatureRoundTrip(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := doc(ids.New(), ownerA, "KS")
	d.Current.Signature = signedBy("report-1", signing.Indeterminate, "Nguyễn Văn Ký", "Sở Tư pháp TP. Hồ Chí Minh")
	mustCreateDoc(t, s, d)
	sameDoc(t, "GetDocument", mustGetDoc(t, s, d.ID), d)

	d2 := nextVersion(d, "content", when(1))
	d2.Current.Source = archive.SourceResult
	d2.Current.Change = "signed"
	d2.Current.Signature = signedBy("report-2", signing.TotalPassed, "Trần Thị Duyệt")
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	d2.Rev = 2
	sameDoc(t, "GetDocument after a signed version", mustGetDoc(t, s, d.ID), d2)
	vs := versions(t, s, d.ID)
	same(t, "ListVersions", vs, []archive.Version{wantVersion(d.Current), wantVersion(d2.Current)})
	v1, err := s.GetVersion(ctx, d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetVersion(1)", v1, wantVersion(d.Current))

	// A checked, unsigned PDF and an unchecked file are told apart.
	u := doc(ids.New(), ownerA, "KS")
	u.Current.Signature = signedBy("", "")
	mustCreateDoc(t, s, u)
	if got := mustGetDoc(t, s, u.ID).Current.Signature; got == nil || got.Signed {
		t.Errorf("unsigned PDF: Signature = %+v, want {signed: false}", got)
	}
	n := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	if got := mustGetDoc(t, s, n.ID).Current.Signature; got != nil {
		t.Errorf("unchecked version: Signature = %+v, want nil", got)
	}
}

// testSetSignature: SetSignature changes the version it names (and Current
// when it is the current one) and nothing else; Rev stays.
func testSetSignature(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := doc(ids.New(), ownerA, "KS")
	d.Current.Signature = signedBy("r1", signing.Indeterminate, "Nguyễn Văn Ký")
	mustCreateDoc(t, s, d)
	d2 := nextVersion(d, "content", when(1))
	d2.Current.Signature = signedBy("r2", signing.Indeterminate, "Lê Văn Hai")
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	if err := s.IncReuse(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	d2.Rev, d2.ReuseCount = 2, 1

	// The older version: Current is untouched.
	old := signedBy("r1-again", signing.TotalPassed, "Nguyễn Văn Ký")
	if err := s.SetSignature(ctx, d.ID, 1, old); err != nil {
		t.Fatalf("SetSignature(1): %v", err)
	}
	sameDoc(t, "document after SetSignature of an older version", mustGetDoc(t, s, d.ID), d2)
	want1 := d.Current
	want1.Signature = old
	vs := versions(t, s, d.ID)
	same(t, "versions after SetSignature(1)", vs, []archive.Version{wantVersion(want1), wantVersion(d2.Current)})

	// The current version: Current follows, Rev and the reuse count stay.
	cur := signedBy("r2-again", signing.TotalFailed, "Lê Văn Hai")
	if err := s.SetSignature(ctx, d.ID, 2, cur); err != nil {
		t.Fatalf("SetSignature(2): %v", err)
	}
	d2.Current.Signature = cur
	sameDoc(t, "document after SetSignature of the current version", mustGetDoc(t, s, d.ID), d2)
	vs = versions(t, s, d.ID)
	same(t, "versions after SetSignature(2)", vs, []archive.Version{wantVersion(want1), wantVersion(d2.Current)})

	// A guarded update after it still works with the same Rev.
	d3 := nextVersion(d2, "metadata", when(2))
	if err := s.UpdateDocument(ctx, d3, 2); err != nil {
		t.Fatalf("UpdateDocument after SetSignature: %v", err)
	}
}

func testSetSignatureNotFound(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	sig := signedBy("r", signing.TotalPassed, "Nguyễn Văn Ký")
	isKind(t, "SetSignature on no document", s.SetSignature(ctx, ids.New(), 1, sig), kerr.NotFound, "")
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	isKind(t, "SetSignature on version 2 of 1", s.SetSignature(ctx, d.ID, 2, sig), kerr.NotFound, "")
	isKind(t, "SetSignature on version 0", s.SetSignature(ctx, d.ID, 0, sig), kerr.NotFound, "")
	sameDoc(t, "document after refused SetSignature", mustGetDoc(t, s, d.ID), d)
}

// testSignatureReportReferenced: a version's report blob is referenced,
// so that blob collection keeps it.
func testSignatureReportReferenced(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	referenced := blobReferenced(t, s)
	d := doc(ids.New(), ownerA, "KS")
	d.Current.Signature = signedBy("report-a", signing.TotalPassed, "Nguyễn Văn Ký")
	mustCreateDoc(t, s, d)
	if !referenced(blobOf("report-a")) {
		t.Error("the first version's report is not referenced")
	}
	d2 := nextVersion(d, "content", when(1))
	d2.Current.Signature = signedBy("report-b", signing.TotalPassed, "Nguyễn Văn Ký")
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatal(err)
	}
	if !referenced(blobOf("report-a")) || !referenced(blobOf("report-b")) {
		t.Error("a version's report is not referenced after a new version")
	}
	if err := s.SetSignature(ctx, d.ID, 1, signedBy("report-c", signing.TotalPassed, "Nguyễn Văn Ký")); err != nil {
		t.Fatal(err)
	}
	if !referenced(blobOf("report-c")) {
		t.Error("a report set by SetSignature is not referenced")
	}
	if referenced(blobOf("report-a")) {
		t.Error("a report replaced by SetSignature is still referenced")
	}
	// A metadata version shares its content's report: replacing the
	// report of one of the two keeps it referenced by the other.
	d3 := nextVersion(d2, "metadata", when(2))
	if err := s.UpdateDocument(ctx, d3, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSignature(ctx, d.ID, 2, signedBy("report-d", signing.TotalPassed, "Nguyễn Văn Ký")); err != nil {
		t.Fatal(err)
	}
	if !referenced(blobOf("report-b")) || !referenced(blobOf("report-d")) || !referenced(d2.Current.Blob) || !referenced(d.Current.Blob) {
		t.Error("a shared report or a content blob is no longer referenced")
	}
	// Removing a summary drops its report but never the content.
	if err := s.SetSignature(ctx, d.ID, 3, nil); err != nil {
		t.Fatal(err)
	}
	if referenced(blobOf("report-b")) || !referenced(d2.Current.Blob) {
		t.Error("after removing the summary: the report is still referenced or the content is not")
	}
	if got := mustGetDoc(t, s, d.ID).Current.Signature; got != nil {
		t.Errorf("current signature after removal = %+v", got)
	}
	if referenced(blobOf("report-z")) {
		t.Error("an unknown report is referenced")
	}
}

// testListSigned: the Signed filter, alone, with others, across pages and
// after SetSignature.
func testListSigned(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	// 0, 3, 6, 9: signed; 1, 4, 7: checked, unsigned; 2, 5, 8: not checked.
	created := seed(t, s, ids, ownerA, 10, func(i int, d *archive.Document) {
		switch i % 3 {
		case 0:
			d.Current.Signature = signedBy("r"+d.ID, signing.TotalPassed, "Nguyễn Văn Ký")
		case 1:
			d.Current.Signature = signedBy("", "")
		}
	})
	seed(t, s, ids, ownerB, 3, func(i int, d *archive.Document) {
		d.Current.Signature = signedBy("r"+d.ID, signing.TotalPassed, "Nguyễn Văn Ký")
	})
	yes, no := true, false
	sameList(t, "signed", pages(t, s, archive.DocQuery{OwnerID: ownerA, Signed: &yes, Limit: 3}), newestOf(created, 0, 3, 6, 9))
	sameList(t, "not signed", pages(t, s, archive.DocQuery{OwnerID: ownerA, Signed: &no, Limit: 2}), newestOf(created, 1, 2, 4, 5, 7, 8))
	sameList(t, "any", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 4}), newestOf(created, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))

	// Re-verification that finds a signature moves a document into the list.
	if err := s.SetSignature(ctx, created[2], 1, signedBy("late", signing.TotalPassed, "Nguyễn Văn Ký")); err != nil {
		t.Fatal(err)
	}
	sameList(t, "signed after SetSignature", pages(t, s, archive.DocQuery{OwnerID: ownerA, Signed: &yes, Limit: 1000}), newestOf(created, 0, 2, 3, 6, 9))
	// A new unsigned version moves one out.
	d := mustGetDoc(t, s, created[3])
	d2 := nextVersion(d, "content", when(30))
	d2.Current.Signature = signedBy("", "")
	if err := s.UpdateDocument(ctx, d2, d.Rev); err != nil {
		t.Fatal(err)
	}
	sameList(t, "signed after an unsigned version", pages(t, s, archive.DocQuery{OwnerID: ownerA, Signed: &yes, Limit: 1000}), newestOf(created, 0, 2, 6, 9))
}
