package archivetest

import (
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// testImportDocument: ImportDocument stores a document with its whole
// history at once — every version as given (signatures and their report
// blobs too), the current one the last, found by BlobReferenced — and
// refuses a taken ID (Conflict) or a history out of order (Invalid)
// without storing anything.
func testImportDocument(t *testing.T, s archive.Store) {
	ctx := t.Context()
	mustCreateOwner(t, s, "001203012345")
	d := doc("01imp0000000000000000000aa", "001203012345", "KHAI_SINH")
	d.Source = archive.SourceImported
	d.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: "000.00.31.H29", AgencyName: "UBND phường", Dossier: "HS-1", IssuedAt: when(1), By: "canbo"}
	v1 := d.Current
	d2 := nextVersion(d, "content", when(2))
	v2 := d2.Current
	v2.Source = archive.SourceResult
	v2.Signature = &archive.SignatureSummary{Signed: true, Count: 1, Verdict: "TOTAL-PASSED", Signers: []string{"Nguyễn Văn A"},
		Level: "B-B", VerifiedAt: when(2).Add(123456 * time.Microsecond), Report: blobOf("report")}
	d3 := nextVersion(d2, "metadata", when(3))
	d3.Status = archive.StatusRevoked
	d3.StatusChange = &archive.StatusChange{Status: archive.StatusRevoked, Agency: "000.00.31.H29", By: "canbo", At: when(3), Reason: "Sai thông tin"}
	v3 := d3.Current
	v3.Blob, v3.Size = v2.Blob, v2.Size
	d3.Current = v3
	versions := []archive.Version{v1, v2, v3}

	// Refusals first: nothing may be stored by them.
	bad := d3
	isKind(t, "no versions", s.ImportDocument(ctx, bad, nil), kerr.Invalid, "import_no_versions")
	isKind(t, "versions out of order", s.ImportDocument(ctx, bad, []archive.Version{v2, v1, v3}), kerr.Invalid, "import_version_order")
	bad.Current = v1
	isKind(t, "current not the last", s.ImportDocument(ctx, bad, versions), kerr.Invalid, "import_version_order")
	if _, err := s.GetDocument(ctx, d.ID); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("a refused import stored the document: %v", err)
	}

	if err := s.ImportDocument(ctx, d3, versions); err != nil {
		t.Fatalf("ImportDocument: %v", err)
	}
	got := mustGetDoc(t, s, d.ID)
	want := d3
	want.VersionCount, want.Rev = 3, 1
	sameDoc(t, "imported document", got, want)
	vs, err := s.ListVersions(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "imported versions", vs, []archive.Version{wantVersion(v1), wantVersion(v2), wantVersion(v3)})
	for _, b := range []string{v1.Blob, v2.Blob, v2.Signature.Report} {
		if ok, err := s.BlobReferenced(ctx, b); err != nil || !ok {
			t.Errorf("BlobReferenced(%s) = %v, %v after the import", b, ok, err)
		}
	}
	// The history continues as any other document's.
	d4 := nextVersion(got, "metadata", when(4))
	if err := s.UpdateDocument(ctx, d4, 1); err != nil {
		t.Fatalf("UpdateDocument after the import: %v", err)
	}
	if v, err := s.GetVersion(ctx, d.ID, 4); err != nil || v.N != 4 {
		t.Errorf("version 4: %+v, %v", v, err)
	}
	// The same ID again: Conflict, the stored document unchanged.
	isKind(t, "import over a taken ID", s.ImportDocument(ctx, d3, versions), kerr.Conflict, "")
	if got := mustGetDoc(t, s, d.ID); got.VersionCount != 4 {
		t.Errorf("after the refused import: %d versions, want 4", got.VersionCount)
	}
}
