package archivetest

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	agencyA = "000.00.31.H29"
	agencyB = "000.00.32.H29"
)

// issuedDoc is doc as an agency's result, issued for dossier.
func issuedDoc(id, ownerID, dossier string) archive.Document {
	d := doc(id, ownerID, "KHAI_SINH")
	d.Source = archive.SourceResult
	d.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: agencyA, AgencyName: "Ủy ban nhân dân Phường Bến Nghé",
		Dossier: dossier, Number: "15/2026/KS", IssuedAt: when(1), By: "canbo.mot"}
	return d
}

// testIssuedDocument: IssuedBy is stored with the document and kept by
// every update (also a digitised paper's, which names no dossier);
// StatusChange is replaced by updates, and cleared.
func testIssuedDocument(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	mustCreateOwner(t, s, "001203012345")
	d := mustCreateDoc(t, s, issuedDoc(ids.New(), "001203012345", agencyA+"-260314-0001"))
	sameDoc(t, "created", mustGetDoc(t, s, d.ID), d)

	next := nextVersion(d, "revoked", when(5))
	next.Status = archive.StatusRevoked
	next.Current.Meta.Status = archive.StatusRevoked
	next.StatusChange = &archive.StatusChange{Status: archive.StatusRevoked, Agency: agencyA, By: "canbo.hai", At: when(5),
		Reason: "Cấp sai thông tin ngày sinh"}
	forged := next
	forged.IssuedBy = &archive.IssuedBy{Kind: archive.IssueResult, Agency: agencyB, Dossier: "khac", IssuedAt: when(5)}
	if err := s.UpdateDocument(ctx, forged, d.Rev); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	next.Rev = d.Rev + 1
	got := mustGetDoc(t, s, d.ID)
	sameDoc(t, "revoked (issuedBy as created)", got, next)
	if got.StatusChange == nil || got.StatusChange.Reason != "Cấp sai thông tin ngày sinh" {
		t.Errorf("StatusChange = %+v", got.StatusChange)
	}
	docs, _ := list(t, s, archive.DocQuery{OwnerID: "001203012345", Status: archive.StatusRevoked, Limit: 10})
	sameIDs(t, "listed as revoked", docs, d.ID)
	if len(docs) == 1 && (docs[0].IssuedBy == nil || docs[0].StatusChange == nil) {
		t.Errorf("listed document lost issuedBy or statusChange: %+v", docs[0])
	}

	back := nextVersion(got, "metadata", when(6))
	back.Status = archive.StatusValid
	back.StatusChange = nil
	if err := s.UpdateDocument(ctx, back, got.Rev); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	back.Rev = got.Rev + 1
	sameDoc(t, "status change cleared", mustGetDoc(t, s, d.ID), back)

	// A digitised paper: no dossier, its staff member and agency kept.
	dg := doc(ids.New(), "001203012345", "KHAI_SINH")
	dg.Source = archive.SourceDigitised
	dg.IssuedBy = &archive.IssuedBy{Kind: archive.IssueDigitised, Agency: agencyA, AgencyName: "Ủy ban nhân dân Phường Bến Nghé",
		Number: "112/1999", IssuedAt: when(7), By: "motcua1"}
	dg = mustCreateDoc(t, s, dg)
	sameDoc(t, "digitised", mustGetDoc(t, s, dg.ID), dg)

	plain := mustCreateDoc(t, s, doc(ids.New(), "001203012345", "KHAI_SINH"))
	if g := mustGetDoc(t, s, plain.ID); g.IssuedBy != nil || g.StatusChange != nil {
		t.Errorf("an uploaded paper came back with issuedBy %+v, statusChange %+v", g.IssuedBy, g.StatusChange)
	}
}

func issueRecord(agency, dossier string, kind archive.IssueKind, number, docID string) archive.IssueRecord {
	return archive.IssueRecord{Key: archive.IssueKey(agency, dossier, kind, number), Agency: agency, Dossier: dossier,
		Kind: kind, Number: number, DocumentID: docID, OwnerID: "001203012345", At: when(2)}
}

// testIssueRegister: a claim is stored once per key; a second claim
// returns the first; ListIssued returns one dossier's records by key,
// not those of a dossier whose code starts the same, nor another agency's.
func testIssueRegister(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d1, d2, d3 := ids.New(), ids.New(), ids.New()
	dossier := agencyA + "-260314-0001"
	first := issueRecord(agencyA, dossier, archive.IssueResult, "15/2026/KS", d1)
	got, created, err := s.ClaimIssue(ctx, first)
	if err != nil || !created {
		t.Fatalf("ClaimIssue = %v, %v; want created", created, err)
	}
	same(t, "claimed", got, wantIssue(first))
	again := first
	again.DocumentID = d2
	got, created, err = s.ClaimIssue(ctx, again)
	if err != nil || created {
		t.Fatalf("second ClaimIssue = %v, %v; want the first record", created, err)
	}
	same(t, "second claim", got, wantIssue(first))
	g, err := s.GetIssue(ctx, first.Key)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetIssue", g, wantIssue(first))
	_, err = s.GetIssue(ctx, archive.IssueKey(agencyA, dossier, archive.IssueResult, "16/2026/KS"))
	isKind(t, "GetIssue of no record", err, kerr.NotFound, "")

	refusal := issueRecord(agencyA, dossier, archive.IssueRefusal, "1", d3)
	others := []archive.IssueRecord{
		refusal,
		issueRecord(agencyA, dossier+"0", archive.IssueResult, "1", ids.New()), // a dossier code that starts the same
		issueRecord(agencyB, dossier, archive.IssueResult, "1", ids.New()),     // the same code at another agency
		issueRecord(agencyA, agencyA+"-260314-0000", archive.IssueResult, "1", ids.New()),
	}
	for _, r := range others {
		if _, created, err := s.ClaimIssue(ctx, r); err != nil || !created {
			t.Fatalf("ClaimIssue(%s) = %v, %v", r.Key, created, err)
		}
	}
	rs, err := s.ListIssued(ctx, agencyA, dossier)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListIssued", rs, []archive.IssueRecord{wantIssue(refusal), wantIssue(first)})
	rs, err = s.ListIssued(ctx, agencyB, agencyB+"-000000-0000")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListIssued of a dossier without papers", rs, []archive.IssueRecord{})
}

// testIssueClaimConcurrent: of concurrent claims of one key exactly one
// inserts, and every claim returns its record.
func testIssueClaimConcurrent(t *testing.T, s archive.Store) {
	ids := NewIDs()
	const n = 8
	docIDs := make([]string, n)
	for i := range docIDs {
		docIDs[i] = ids.New()
	}
	got := make([]archive.IssueRecord, n)
	made := make([]bool, n)
	errs := parallel(n, func(i int) error {
		var err error
		got[i], made[i], err = s.ClaimIssue(t.Context(), issueRecord(agencyA, "D-1", archive.IssueResult, "7", docIDs[i]))
		return err
	})
	winners := 0
	winner := ""
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if made[i] {
			winners++
			winner = docIDs[i]
		}
	}
	if winners != 1 {
		t.Fatalf("%d claims inserted, want 1", winners)
	}
	for i := range n {
		if got[i].DocumentID != winner {
			t.Errorf("claim %d returned document %s, want the winner's %s", i, got[i].DocumentID, winner)
		}
	}
	rs, err := s.ListIssued(t.Context(), agencyA, "D-1")
	if err != nil || len(rs) != 1 {
		t.Errorf("ListIssued = %d records (%v), want 1", len(rs), err)
	}
}

func wantIssue(r archive.IssueRecord) archive.IssueRecord {
	r.At = ms(r.At)
	return r
}
