package archivetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	shareOwner  = "001203012345"
	sharePerson = "079080001234"
)

// share is a share of docID by shareOwner to grantee (an agency code or a
// person's number) until the day until, made at when(i).
func share(id, docID string, grantee string, until string, i int) archive.Share {
	kind := archive.GranteePerson
	if len(grantee) != 12 {
		kind = archive.GranteeAgency
	}
	return archive.Share{ID: id, DocumentID: docID, OwnerID: shareOwner, Version: 1, GranteeKind: kind, Grantee: grantee,
		Purpose: "Xét tuyển viên chức — nộp bản sao căn cước", ValidUntil: day(until), TypeCode: "CAN_CUOC",
		DocumentName: "Căn cước công dân", CreatedAt: when(i), CreatedBy: shareOwner}
}

// wantShare is sh as a store must return it.
func wantShare(sh archive.Share) archive.Share {
	sh.CreatedAt, sh.RevokedAt = ms(sh.CreatedAt), ms(sh.RevokedAt)
	return sh
}

func mustCreateShare(t *testing.T, s archive.Store, sh archive.Share) archive.Share {
	t.Helper()
	if err := s.CreateShare(t.Context(), sh); err != nil {
		t.Fatalf("CreateShare(%s): %v", sh.ID, err)
	}
	return sh
}

func shareIDs(shs []archive.Share) []string {
	out := make([]string, len(shs))
	for i, sh := range shs {
		out[i] = sh.ID
	}
	return out
}

func sameShareIDs(t *testing.T, what string, got []archive.Share, want ...string) {
	t.Helper()
	if fmt.Sprint(shareIDs(got)) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", what, shareIDs(got), want)
	}
}

// testShareCreateGet: a share comes back as stored (UTC milliseconds,
// Vietnamese text byte for byte); a second insert of its ID is Conflict; an
// unknown ID is NotFound.
func testShareCreateGet(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	sh := mustCreateShare(t, s, share(ids.New(), ids.New(), "000.00.31.H29", "2026-06-30", 1))
	got, err := s.GetShare(ctx, sh.ID)
	if err != nil {
		t.Fatalf("GetShare: %v", err)
	}
	same(t, "stored share", got, wantShare(sh))
	if got.GranteeKey() != "agency:000.00.31.H29" {
		t.Errorf("GranteeKey = %q", got.GranteeKey())
	}
	isKind(t, "CreateShare of an existing ID", s.CreateShare(ctx, sh), kerr.Conflict, "")
	_, err = s.GetShare(ctx, ids.New())
	isKind(t, "GetShare of no share", err, kerr.NotFound, "")
}

// testShareRevokeOnce: RevokeShare sets the revocation once and returns the
// share as stored after; a second is Conflict and changes nothing; an
// unknown ID is NotFound.
func testShareRevokeOnce(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	sh := mustCreateShare(t, s, share(ids.New(), ids.New(), sharePerson, "2026-06-30", 1))
	got, err := s.RevokeShare(ctx, sh.ID, when(2), shareOwner, "Đã nộp xong hồ sơ")
	if err != nil {
		t.Fatalf("RevokeShare: %v", err)
	}
	want := sh
	want.RevokedAt, want.RevokedBy, want.RevokeReason = when(2), shareOwner, "Đã nộp xong hồ sơ"
	same(t, "RevokeShare's answer", got, wantShare(want))
	stored, err := s.GetShare(ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "revoked share", stored, wantShare(want))
	_, err = s.RevokeShare(ctx, sh.ID, when(3), "someone", "again")
	isKind(t, "second RevokeShare", err, kerr.Conflict, "share_revoked")
	stored, _ = s.GetShare(ctx, sh.ID)
	same(t, "after the second RevokeShare", stored, wantShare(want))
	_, err = s.RevokeShare(ctx, ids.New(), when(3), shareOwner, "")
	isKind(t, "RevokeShare of no share", err, kerr.NotFound, "")
}

// testShareRevokeConcurrent: of 8 concurrent revocations of one share,
// exactly one applies; the others are Conflict.
func testShareRevokeConcurrent(t *testing.T, s archive.Store) {
	ids := NewIDs()
	sh := mustCreateShare(t, s, share(ids.New(), ids.New(), sharePerson, "2026-06-30", 1))
	errs := parallel(8, func(i int) error {
		_, err := s.RevokeShare(t.Context(), sh.ID, when(10+i), fmt.Sprintf("by-%d", i), fmt.Sprintf("reason %d", i))
		return err
	})
	ok := -1
	for i, err := range errs {
		switch {
		case err == nil && ok >= 0:
			t.Errorf("revocations %d and %d both applied", ok, i)
		case err == nil:
			ok = i
		default:
			var ke *kerr.Error
			if !errors.As(err, &ke) || kerr.KindOf(err) != kerr.Conflict {
				t.Errorf("revocation %d: %v, want Conflict", i, err)
			}
		}
	}
	if ok < 0 {
		t.Fatal("no revocation applied")
	}
	got, _ := s.GetShare(t.Context(), sh.ID)
	if got.RevokedBy != fmt.Sprintf("by-%d", ok) || got.RevokeReason != fmt.Sprintf("reason %d", ok) || !got.RevokedAt.Equal(ms(when(10+ok))) {
		t.Errorf("stored revocation %+v is not the one that applied (%d)", got, ok)
	}
}

// testSharesGiven: an owner's shares newest first, in pages, of one
// document when asked, never another owner's; revoked ones included.
func testSharesGiven(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	docA, docB := ids.New(), ids.New()
	var all, ofA []string
	for i := 0; i < 5; i++ {
		d := docA
		if i%2 == 1 {
			d = docB
		}
		sh := mustCreateShare(t, s, share(ids.New(), d, "000.00.31.H29", "2026-06-30", i))
		all = append(all, sh.ID)
		if d == docA {
			ofA = append(ofA, sh.ID)
		}
	}
	other := share(ids.New(), docA, sharePerson, "2026-06-30", 9)
	other.OwnerID = "001099054321"
	mustCreateShare(t, s, other)
	if _, err := s.RevokeShare(ctx, all[1], when(20), shareOwner, ""); err != nil {
		t.Fatal(err)
	}
	var got []archive.Share
	after := ""
	for page := 0; page < 5; page++ {
		shs, more, err := s.ListSharesGiven(ctx, archive.GivenQuery{OwnerID: shareOwner, After: after, Limit: 2})
		if err != nil {
			t.Fatalf("ListSharesGiven: %v", err)
		}
		got = append(got, shs...)
		if !more {
			break
		}
		after = shs[len(shs)-1].ID
	}
	sameShareIDs(t, "the owner's shares in pages of 2", got, reverse(all)...)
	shs, more, err := s.ListSharesGiven(ctx, archive.GivenQuery{OwnerID: shareOwner, DocumentID: docA, Limit: 10})
	if err != nil || more {
		t.Fatalf("ListSharesGiven of one document: more %v, %v", more, err)
	}
	sameShareIDs(t, "the shares of one document", shs, reverse(ofA)...)
	if len(got) == 5 && got[3].RevokedAt.IsZero() {
		t.Errorf("the revoked share is listed without its revocation: %+v", got[3])
	}
	_, _, err = s.ListSharesGiven(ctx, archive.GivenQuery{OwnerID: shareOwner, Limit: 0})
	isKind(t, "ListSharesGiven with limit 0", err, kerr.Invalid, "")
}

// testSharesReceived: a grantee's shares that are neither revoked nor
// ended before the day, by last day then ID, in pages; another grantee's
// are not listed.
func testSharesReceived(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	const agency = "000.00.31.H29"
	doc := ids.New()
	ended := mustCreateShare(t, s, share(ids.New(), doc, agency, "2026-03-13", 1))
	late := mustCreateShare(t, s, share(ids.New(), doc, agency, "2027-01-01", 2))
	today1 := mustCreateShare(t, s, share(ids.New(), doc, agency, "2026-03-14", 3))
	soon := mustCreateShare(t, s, share(ids.New(), doc, agency, "2026-04-01", 4))
	revoked := mustCreateShare(t, s, share(ids.New(), doc, agency, "2026-05-01", 5))
	today2 := mustCreateShare(t, s, share(ids.New(), doc, agency, "2026-03-14", 6))
	mustCreateShare(t, s, share(ids.New(), doc, "000.00.32.H29", "2026-05-01", 7))
	mustCreateShare(t, s, share(ids.New(), doc, sharePerson, "2026-05-01", 8))
	if _, err := s.RevokeShare(ctx, revoked.ID, when(9), shareOwner, ""); err != nil {
		t.Fatal(err)
	}
	_ = ended
	key := archive.GranteeKey(archive.GranteeAgency, agency)
	var got []archive.Share
	var after archive.ShareCursor
	for page := 0; page < 5; page++ {
		shs, more, err := s.ListSharesReceived(ctx, archive.ReceivedQuery{Grantee: key, ActiveOn: day("2026-03-14"), After: after, Limit: 1})
		if err != nil {
			t.Fatalf("ListSharesReceived: %v", err)
		}
		got = append(got, shs...)
		if !more {
			break
		}
		last := shs[len(shs)-1]
		after = archive.ShareCursor{Until: last.ValidUntil, ID: last.ID}
	}
	sameShareIDs(t, "the agency's active shares, one a page", got, today1.ID, today2.ID, soon.ID, late.ID)
	shs, _, err := s.ListSharesReceived(ctx, archive.ReceivedQuery{Grantee: key, ActiveOn: day("2026-03-14"), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	sameShareIDs(t, "the agency's active shares in one page", shs, today1.ID, today2.ID, soon.ID, late.ID)
	if len(shs) == 4 {
		same(t, "a listed share", shs[3], wantShare(late))
	}
	person, _, err := s.ListSharesReceived(ctx, archive.ReceivedQuery{Grantee: archive.GranteeKey(archive.GranteePerson, sharePerson),
		ActiveOn: day("2026-04-02"), Limit: 10})
	if err != nil || len(person) != 1 {
		t.Errorf("the person's shares: %v, %v", shareIDs(person), err)
	}
	_, _, err = s.ListSharesReceived(ctx, archive.ReceivedQuery{Grantee: key, ActiveOn: day("2026-03-14"), Limit: 1001})
	isKind(t, "ListSharesReceived with limit 1001", err, kerr.Invalid, "")
}

// testLedgerShareFields: a ledger entry's Share and Grantee come back, and
// its hash with them.
func testLedgerShareFields(t *testing.T, s archive.Store) {
	e := laneEntry(shareOwner, "w1-0", 1, 1, "", NewIDs().New())
	e.Action, e.Share, e.Grantee = archive.ActionDownload, NewIDs().New(), "agency:000.00.31.H29"
	e.Hash = archive.EntryHash(e)
	if err := s.AppendLedger(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	got, err := s.LastLedger(t.Context(), shareOwner, "w1-0")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "entry with a share", got, wantLedger(e))
	if archive.EntryHash(got) != got.Hash {
		t.Errorf("the entry read back does not hash to its Hash")
	}
}
