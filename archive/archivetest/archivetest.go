// Package archivetest is the conformance suite for archive.Store. Every
// metadata driver (storage/sqlite, storage/mongo) runs it:
//
//	func TestConformance(t *testing.T) {
//		archivetest.Run(t, func(t *testing.T) archive.Store { return openFresh(t) })
//	}
//
// open must return a new, empty store and arrange (with t.Cleanup) to close
// it; the suite never calls Close. Subtests do not call t.Parallel; a driver
// may run Run itself in parallel with other tests.
//
// Comparison rules the suite applies (and so every store must meet):
//   - Times come back in UTC, truncated to the millisecond; zero times come
//     back zero.
//   - Values in Metadata.Fields are compared by their JSON encoding: a string
//     must come back a string, a bool a bool, and a number any Go numeric type
//     (float64, int32, int64, …) with the same value. The suite only stores
//     numbers exactly representable as float64.
//   - A nil and an empty map or slice are the same.
//   - Text (Vietnamese with diacritics) comes back byte for byte.
//
// Where archive/store.go leaves room, the suite holds stores to this reading:
//   - UpdateDocument never changes ReuseCount: IncReuse is not guarded by
//     Rev, so a guarded update must not overwrite increments it did not see.
//   - Words are matched as plain substrings: "%", "_", "." and other LIKE or
//     regular-expression syntax match only themselves.
//   - ListReuses orders by At (then ID); LastLedger is the highest Seq of the
//     lane, not the last inserted.
package archivetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Run runs every conformance test against stores made by open. Each subtest
// opens its own fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) archive.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s archive.Store)
	}{
		{"Ping", testPing},
		// owners
		{"OwnerCreateGet", testOwnerCreateGet},
		{"OwnerCreateDuplicate", testOwnerCreateDuplicate},
		{"OwnerNotFound", testOwnerNotFound},
		{"OwnerSetQuota", testOwnerSetQuota},
		{"OwnerAddUsage", testOwnerAddUsage},
		{"OwnerAddUsageQuota", testOwnerAddUsageQuota},
		{"OwnerAddUsageConcurrentQuota", testOwnerAddUsageConcurrent},
		// catalogue
		{"DocumentTypes", testDocumentTypes},
		{"Procedures", testProcedures},
		// documents
		{"DocumentCreateGet", testDocumentCreateGet},
		{"DocumentCreateDuplicate", testDocumentCreateDuplicate},
		{"DocumentNotFound", testDocumentNotFound},
		{"DocumentUpdateReplacesMetadata", testDocumentUpdateReplaces},
		{"DocumentUpdateAppendsVersion", testDocumentUpdateAppends},
		{"DocumentUpdateStaleRev", testDocumentUpdateStaleRev},
		{"DocumentUpdateKeepsReuseCount", testDocumentUpdateKeepsReuseCount},
		{"DocumentUpdateConcurrent", testDocumentUpdateConcurrent},
		{"DocumentFieldsRoundTrip", testDocumentFields},
		{"DocumentUnicode", testDocumentUnicode},
		{"TimesUTCMillisecond", testTimes},
		{"IncReuse", testIncReuse},
		{"IncReuseConcurrent", testIncReuseConcurrent},
		{"BlobReferenced", testBlobReferenced},
		// signature summaries
		{"SignatureRoundTrip", testSignatureRoundTrip},
		{"SetSignature", testSetSignature},
		{"SetSignatureNotFound", testSetSignatureNotFound},
		{"SignatureReportReferenced", testSignatureReportReferenced},
		{"ListSigned", testListSigned},
		// listing
		{"ListOrderAndPages", testListOrderAndPages},
		{"ListOwnerIsolation", testListOwnerIsolation},
		{"ListTypeCodes", testListTypeCodes},
		{"ListStatus", testListStatus},
		{"ListWords", testListWords},
		{"ListValidOn", testListValidOn},
		{"ListExpiredOn", testListExpiredOn},
		{"ListFilteredPages", testListFilteredPages},
		{"ListSeesUpdates", testListSeesUpdates},
		{"ListOldSearchText", testListOldSearchText},
		{"SetSearchText", testSetSearchText},
		{"SetSearchTextConcurrentUpdate", testSetSearchTextConcurrentUpdate},
		// statistics and reuse
		{"TypeStats", testTypeStats},
		{"Reuses", testReuses},
		// ledger
		{"LedgerAppendLast", testLedgerAppendLast},
		{"LedgerList", testLedgerList},
		{"LedgerListDocument", testLedgerListDocument},
		{"LedgerConcurrentAppend", testLedgerConcurrentAppend},
		{"LedgerSince", testLedgerSince},
		{"LedgerScan", testLedgerScan},
		{"LogLeaves", testLogLeaves},
		{"LaneLeaves", testLaneLeaves},
		{"Checkpoints", testCheckpoints},
		// upload intents and their charges
		{"UploadBeginCharges", testUploadBeginCharges},
		{"UploadBeginRefused", testUploadBeginRefused},
		{"UploadChargeOnce", testUploadChargeOnce},
		{"UploadSettle", testUploadSettle},
		{"UploadSettleConcurrent", testUploadSettleConcurrent},
		{"UploadKeepAndDelete", testUploadKeepAndDelete},
		{"UploadClaimBlob", testUploadClaimBlob},
		{"UploadList", testUploadList},
		// papers agencies issued
		{"IssuedDocument", testIssuedDocument},
		{"IssueRegister", testIssueRegister},
		{"IssueClaimConcurrent", testIssueClaimConcurrent},
		// shares with consent
		{"ShareCreateGet", testShareCreateGet},
		{"ShareRevokeOnce", testShareRevokeOnce},
		{"ShareRevokeConcurrent", testShareRevokeConcurrent},
		{"SharesGiven", testSharesGiven},
		{"SharesReceived", testSharesReceived},
		{"LedgerShareFields", testLedgerShareFields},
		// The archive's stores, one section for each part.
		// Archive — Conversion (arc-convert).
		{"RenditionAddGet", testRenditionAddGet},
		{"RenditionList", testRenditionList},
		{"RenditionBlobReferenced", testRenditionBlobReferenced},
		{"RenditionAddConcurrent", testRenditionAddConcurrent},

		// Archive — Digitisation (arc-digitise).
		{"Scans", testScans},
		{"ScansExpired", testScansExpired},
		{"ScansConfirmConcurrent", testScansConfirmConcurrent},

		// Archive — Paper copies (arc-paper).
		{"PaperCopyAddGet", testPaperCopyAddGet},
		{"PaperCopyDuplicate", testPaperCopyDuplicate},
		{"PaperCopyBlobReferenced", testPaperCopyBlobReferenced},

		// Archive — Retention, legal holds, disposal (arc-retention).
		{"RetentionPutGet", testRetentionPutGet},
		{"RetentionDue", testRetentionDue},
		{"DisposalLists", testDisposalLists},
		{"DocumentsWalkDelete", testDocumentsWalkDelete},
		{"DocumentTypeRetention", testDocumentTypeRetention},

		// Archive — Fixity (arc-fixity).
		{"FixityReferencedBlobs", testFixityReferencedBlobs},
		{"FixityReferencedBlobsMany", testFixityReferencedBlobsMany},
		{"FixityBlobUsers", testFixityBlobUsers},
		{"FixityFindings", testFixityFindings},
		{"FixityRuns", testFixityRuns},
		{"FixitySources", testFixitySources},

		// Archive — Transfer: BagIt export and import (arc-bagit).
		{"ImportDocument", testImportDocument},

		// Archive — Long-term validation renewal (arc-ltv).
		{"LTVDue", testLTVDue},
		{"LTVRenewed", testLTVRenewed},
		{"LTVWithoutExpiry", testLTVWithoutExpiry},

		// Reports and statistics (issue 13).
		// Reports — Vault statistics (st-vault).
		{"VaultAggs", testVaultAggs},
		{"ReusesAfter", testReusesAfter},
		{"TopOwners", testTopOwners},
		{"ReuseProcedure", testReuseProcedure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

func testPing(t *testing.T, s archive.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// ---- helpers shared by the tests -------------------------------------------

// IDs makes document and record IDs of the form the service uses (see
// archive.NewID): 26 lower-case base32 characters that sort by creation
// time. Each call is one millisecond after the previous one, so IDs made
// later always sort after IDs made earlier.
type IDs struct {
	mu   sync.Mutex
	next time.Time
}

// NewIDs returns an ID source starting at a fixed instant.
func NewIDs() *IDs {
	return &IDs{next: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// New returns the next ID.
func (g *IDs) New() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := archive.NewID(g.next)
	g.next = g.next.Add(time.Millisecond)
	return id
}

// ict is Vietnam's time zone: the suite writes local times with nanoseconds
// and expects UTC milliseconds back.
var ict = time.FixedZone("ICT", 7*3600)

// when returns a fixed local time with sub-millisecond digits, offset by i minutes.
func when(i int) time.Time {
	return time.Date(2026, 3, 14, 9, 26, 53, 589793238, ict).Add(time.Duration(i) * time.Minute)
}

// ms is what a store must return for t.
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// blobOf returns a fake content hash (64 hex digits) named by s.
func blobOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func day(s string) archive.Date {
	d, err := archive.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func owner(id string) archive.Owner {
	return archive.Owner{
		ID:             id,
		Kind:           archive.Individual,
		IdentityNumber: id,
		Name:           "Nguyễn Thị Thu Hằng",
		BirthYear:      1990,
		IDIssueDate:    day("2021-05-17"),
		IDIssuer:       "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
		CreatedAt:      when(0),
		Rev:            1,
	}
}

func mustCreateOwner(t *testing.T, s archive.Store, id string) archive.Owner {
	t.Helper()
	o := owner(id)
	if err := s.CreateOwner(t.Context(), o); err != nil {
		t.Fatalf("CreateOwner(%q): %v", id, err)
	}
	return o
}

// doc returns a valid first-version document of owner and type.
func doc(id, ownerID, typeCode string) archive.Document {
	meta := archive.Metadata{
		TypeCode:  typeCode,
		Name:      "Giấy khai sinh",
		Summary:   "Bản chính giấy khai sinh của " + id,
		Number:    "123/2020",
		Issuer:    "UBND phường Bến Nghé",
		IssueDate: day("2020-02-29"),
		Status:    archive.StatusValid,
	}
	v := archive.Version{
		N:         1,
		Blob:      blobOf(id + "/1"),
		Size:      1000,
		MediaType: "application/pdf",
		FileName:  "khai-sinh.pdf",
		Change:    "create",
		CreatedBy: ownerID,
		CreatedAt: when(0),
		Meta:      meta,
	}
	return archive.Document{
		ID:           id,
		OwnerID:      ownerID,
		Source:       archive.SourceUpload,
		Metadata:     meta,
		Current:      v,
		VersionCount: 1,
		SearchText:   archive.Fold(meta.Name + " " + meta.Summary),
		// A version the conformance tests round-trip; no store computes it.
		SearchVersion: 7,
		CreatedBy:     ownerID,
		CreatedAt:     when(0),
		UpdatedAt:     when(0),
		Rev:           1,
	}
}

func mustCreateDoc(t *testing.T, s archive.Store, d archive.Document) archive.Document {
	t.Helper()
	if err := s.CreateDocument(t.Context(), d); err != nil {
		t.Fatalf("CreateDocument(%s): %v", d.ID, err)
	}
	return d
}

func mustGetDoc(t *testing.T, s archive.Store, id string) archive.Document {
	t.Helper()
	d, err := s.GetDocument(t.Context(), id)
	if err != nil {
		t.Fatalf("GetDocument(%s): %v", id, err)
	}
	return d
}

// nextVersion returns d changed to carry a new version (content or metadata).
func nextVersion(d archive.Document, change string, at time.Time) archive.Document {
	d.VersionCount++
	v := d.Current
	v.N = d.VersionCount
	v.Change = change
	v.CreatedAt = at
	if change == "content" {
		v.Blob = blobOf(fmt.Sprintf("%s/%d", d.ID, v.N))
		v.Size = d.Current.Size + 500
		v.FileName = fmt.Sprintf("ban-%d.pdf", v.N)
	}
	v.Meta = d.Metadata
	d.Current = v
	d.UpdatedAt = at
	return d
}

// wantDoc is what a store must return for d as stored.
func wantDoc(d archive.Document) archive.Document {
	d.CreatedAt = ms(d.CreatedAt)
	d.UpdatedAt = ms(d.UpdatedAt)
	d.Current = wantVersion(d.Current)
	if d.IssuedBy != nil {
		ib := *d.IssuedBy
		ib.IssuedAt = ms(ib.IssuedAt)
		d.IssuedBy = &ib
	}
	if d.StatusChange != nil {
		sc := *d.StatusChange
		sc.At = ms(sc.At)
		d.StatusChange = &sc
	}
	return d
}

func wantVersion(v archive.Version) archive.Version {
	v.CreatedAt = ms(v.CreatedAt)
	if v.Signature != nil {
		sig := *v.Signature
		sig.VerifiedAt = ms(sig.VerifiedAt)
		v.Signature = &sig
	}
	return v
}

func wantOwner(o archive.Owner) archive.Owner {
	o.CreatedAt = ms(o.CreatedAt)
	return o
}

func wantLedger(e archive.LedgerEntry) archive.LedgerEntry {
	e.At = ms(e.At)
	return e
}

// same fails the test when got and want differ in their JSON encoding (see
// the package comment for why JSON). It also checks that every time in got
// is UTC with millisecond precision, via the encoding: a non-UTC time shows
// an offset, extra digits show sub-millisecond precision.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: cannot encode the store's answer: %v", what, err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("%s: cannot encode the expected value: %v", what, err)
	}
	g, w = bytes.ReplaceAll(g, []byte("null"), []byte("[]")), bytes.ReplaceAll(w, []byte("null"), []byte("[]"))
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// sameDoc compares documents, including SearchText and SearchVersion (not
// in their JSON).
func sameDoc(t *testing.T, what string, got, want archive.Document) {
	t.Helper()
	same(t, what, got, wantDoc(want))
	if got.SearchText != want.SearchText || got.SearchVersion != want.SearchVersion {
		t.Errorf("%s: SearchText = %q (version %d), want %q (version %d)", what, got.SearchText, got.SearchVersion, want.SearchText, want.SearchVersion)
	}
}

// isKind fails the test unless err has the kind (and, if code != "", the code).
func isKind(t *testing.T, what string, err error, kind kerr.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, kind)
		return
	}
	if k := kerr.KindOf(err); k != kind {
		t.Errorf("%s: error kind %v (%v), want %v", what, k, err, kind)
		return
	}
	if code != "" {
		if ke := kerr.Outer(err); ke == nil || ke.Code != code {
			t.Errorf("%s: error %v, want code %q", what, err, code)
		}
	}
}

// ids returns the IDs of docs, in order.
func idsOf(docs []archive.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

func sameIDs(t *testing.T, what string, got []archive.Document, want ...string) {
	t.Helper()
	g := idsOf(got)
	if len(g) != len(want) {
		t.Errorf("%s: got %d documents %v, want %d %v", what, len(g), g, len(want), want)
		return
	}
	for i := range g {
		if g[i] != want[i] {
			t.Errorf("%s: got %v, want %v", what, g, want)
			return
		}
	}
}

// list runs ListDocuments and fails the test on error.
func list(t *testing.T, s archive.Store, q archive.DocQuery) ([]archive.Document, bool) {
	t.Helper()
	docs, more, err := s.ListDocuments(t.Context(), q)
	if err != nil {
		t.Fatalf("ListDocuments(%+v): %v", q, err)
	}
	return docs, more
}

// reverse returns ids newest first (they were made oldest first).
func reverse(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}

// parallel runs fn n times at once and returns the errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

var errStop = errors.New("archivetest: stop")
