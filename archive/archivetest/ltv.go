package archivetest

import (
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// expiring returns a signature summary of a signed PDF whose validation
// expires at exp (zero: unknown).
func expiring(exp time.Time) *archive.SignatureSummary {
	sig := signedBy("", signing.TotalPassed, "Nguyễn Văn Ký")
	sig.ExpiresAt = exp
	return sig
}

// ltvBase is a whole-second time the expiries of the LTV tests count from.
var ltvBase = time.Date(2028, 12, 7, 3, 0, 0, 0, time.UTC)

func docIDs(ds []archive.Document) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// ltvSeed stores the documents of the LTV tests: due in 1 and 5 days (two
// with the same expiry), in 400 days, signed without an expiry, checked
// and unsigned, and unchecked.
func ltvSeed(t *testing.T, s archive.Store) (day1, day5a, day5b, day400, unknown string) {
	ids := NewIDs()
	mk := func(sig *archive.SignatureSummary) string {
		d := doc(ids.New(), ownerA, "KS")
		d.Current.Signature = sig
		mustCreateDoc(t, s, d)
		return d.ID
	}
	day := 24 * time.Hour
	day5b = mk(expiring(ltvBase.Add(5 * day))) // created first: the smaller ID
	day400 = mk(expiring(ltvBase.Add(400 * day)))
	day1 = mk(expiring(ltvBase.Add(day)))
	unknown = mk(expiring(time.Time{}))
	mk(signedBy("", ""))
	mk(nil)
	day5a = mk(expiring(ltvBase.Add(5 * day)))
	// The order is by expiry, then ID: day5b's ID is smaller than day5a's.
	day5a, day5b = day5b, day5a
	return
}

// testLTVDue: DueForRenewal returns the signed documents whose validation
// expires by the time given — the bound included, in any time zone — by
// expiry then ID, paged by the cursor; the expiry comes back as stored.
func testLTVDue(t *testing.T, s archive.Store) {
	ctx := t.Context()
	day1, day5a, day5b, _, _ := ltvSeed(t, s)
	due, err := s.DueForRenewal(ctx, ltvBase.Add(10*24*time.Hour).In(ict), archive.RenewCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due within 10 days", docIDs(due), []string{day1, day5a, day5b})
	if got := due[0].Current.Signature.ExpiresAt; !got.Equal(ltvBase.Add(24*time.Hour)) || got.Location() != time.UTC {
		t.Errorf("ExpiresAt = %v, want %v in UTC", got, ltvBase.Add(24*time.Hour))
	}
	// The bound is included.
	due, err = s.DueForRenewal(ctx, ltvBase.Add(5*24*time.Hour), archive.RenewCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due by the fifth day", docIDs(due), []string{day1, day5a, day5b})
	due, err = s.DueForRenewal(ctx, ltvBase.Add(5*24*time.Hour-time.Second), archive.RenewCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due a second before the fifth day", docIDs(due), []string{day1})
	// Pages of one, by the cursor: the tie on the expiry is broken by ID.
	var paged []string
	cur := archive.RenewCursor{}
	for range 5 {
		page, err := s.DueForRenewal(ctx, ltvBase.Add(10*24*time.Hour), cur, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].ID)
		cur = archive.RenewCursor{ExpiresAt: page[0].Current.Signature.ExpiresAt, ID: page[0].ID}
	}
	same(t, "paged one by one", paged, []string{day1, day5a, day5b})
	for _, limit := range []int{0, 1001} {
		if _, err := s.DueForRenewal(ctx, ltvBase, archive.RenewCursor{}, limit); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("limit %d: err = %v, want Invalid", limit, err)
		}
	}
}

// testLTVRenewed: a new current version with a later expiry (a renewal)
// leaves the due list; SetSignature of the current version puts a paper in
// it, of an older version does not.
func testLTVRenewed(t *testing.T, s archive.Store) {
	ctx := t.Context()
	day1, day5a, day5b, day400, _ := ltvSeed(t, s)
	before := ltvBase.Add(10 * 24 * time.Hour)
	d := mustGetDoc(t, s, day1)
	next := nextVersion(d, archive.ChangeLTV, when(3))
	next.Current.Signature = expiring(ltvBase.Add(3 * 365 * 24 * time.Hour))
	if err := s.UpdateDocument(ctx, next, d.Rev); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueForRenewal(ctx, before, archive.RenewCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due after the renewal of one", docIDs(due), []string{day5a, day5b})
	// The old version's summary changing does not bring it back.
	if err := s.SetSignature(ctx, day1, 1, expiring(ltvBase)); err != nil {
		t.Fatal(err)
	}
	// The current version's summary re-verified with an earlier expiry does.
	if err := s.SetSignature(ctx, day400, 1, expiring(ltvBase.Add(2*24*time.Hour))); err != nil {
		t.Fatal(err)
	}
	due, err = s.DueForRenewal(ctx, before, archive.RenewCursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "due after SetSignature", docIDs(due), []string{day400, day5a, day5b})
}

// testLTVWithoutExpiry: SignedWithoutExpiry returns the signed documents
// without an expiry only, by ID after the cursor; one given an expiry
// leaves it.
func testLTVWithoutExpiry(t *testing.T, s archive.Store) {
	ctx := t.Context()
	_, _, _, _, unknown := ltvSeed(t, s)
	ids := NewIDs()
	ids.next = ids.next.Add(time.Hour) // after the seed's IDs
	second := doc(ids.New(), ownerB, "KS")
	second.Current.Signature = expiring(time.Time{})
	mustCreateDoc(t, s, second)
	got, err := s.SignedWithoutExpiry(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{unknown, second.ID}
	slices.Sort(want)
	same(t, "signed without expiry", docIDs(got), want)
	got, err = s.SignedWithoutExpiry(ctx, want[0], 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "after the first", docIDs(got), want[1:])
	if err := s.SetSignature(ctx, unknown, 1, expiring(ltvBase)); err != nil {
		t.Fatal(err)
	}
	got, err = s.SignedWithoutExpiry(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "after one got an expiry", docIDs(got), []string{second.ID})
	if _, err := s.SignedWithoutExpiry(ctx, "", 0); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("limit 0: err = %v, want Invalid", err)
	}
}
