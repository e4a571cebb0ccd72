package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
)

// openFresh opens a store on a new database and drops it when t ends.
func openFresh(t testing.TB) *mongo.Store {
	t.Helper()
	return openNamed(t, testenv.UniqueName(t, "mongo"))
}

// openNamed opens a store on the named database, dropping it when t ends.
func openNamed(t testing.TB, name string) *mongo.Store {
	t.Helper()
	return openWith(t, testenv.MongoURI(t), name)
}

// openWith opens a store on the named database of the server at uri with
// opts, dropping the database when t ends.
func openWith(t testing.TB, uri, name string, opts ...mongo.Option) *mongo.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mongo.Open(ctx, uri, name, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return s
}

var baseTime = time.Date(2026, 2, 3, 4, 5, 6, 789_123_456, time.FixedZone("ICT", 7*3600))

func day(s string) archive.Date {
	d, err := archive.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// newDoc returns a first-version document; i shifts its ID's time.
func newDoc(i int, ownerID, typeCode, name string) archive.Document {
	at := baseTime.Add(time.Duration(i) * time.Second)
	meta := archive.Metadata{TypeCode: typeCode, Name: name, Status: archive.StatusValid}
	v := archive.Version{N: 1, Blob: fmt.Sprintf("%064x", i+1), Size: int64(100 + i), MediaType: "application/pdf",
		FileName: "a.pdf", Change: "create", CreatedBy: ownerID, CreatedAt: at, Meta: meta}
	return archive.Document{ID: archive.NewID(at), OwnerID: ownerID, Source: archive.SourceUpload, Metadata: meta,
		Current: v, VersionCount: 1, SearchText: archive.Fold(name), CreatedBy: ownerID, CreatedAt: at, UpdatedAt: at, Rev: 1}
}

// nextVersion returns d with a new version n+1 carrying the same blob.
func nextVersion(d archive.Document, name string) archive.Document {
	d.Name = name
	d.SearchText = archive.Fold(name)
	v := d.Current
	v.N = d.VersionCount + 1
	v.Change = "metadata"
	v.Meta = d.Metadata
	d.Current = v
	d.VersionCount = v.N
	return d
}

func TestOpenAppliesMigrationsIdempotently(t *testing.T) {
	name := testenv.UniqueName(t, "mongo")
	s1 := openNamed(t, name)
	// Reopening (in parallel, as several processes would) finds the schema
	// applied and changes nothing.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := mongo.Open(ctx, testenv.MongoURI(t), name)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = s.Close(ctx)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d of an existing database: %v", i+2, err)
		}
	}
	v, err := mongo.AppliedVersion(t.Context(), s1)
	if err != nil {
		t.Fatal(err)
	}
	if v != mongo.SchemaVersion() {
		t.Fatalf("applied schema version %d, want %d", v, mongo.SchemaVersion())
	}
	// Migration 1 runs again without error (idempotent) and leaves the
	// unique indexes in force.
	if err := mongo.RunMigration(t.Context(), s1, 1); err != nil {
		t.Fatalf("migration 1 again: %v", err)
	}
	ctx := t.Context()
	e := archive.LedgerEntry{Chain: "c", Seq: 1, At: baseTime, Actor: "a", ActorRole: archive.RoleCitizen, Action: archive.ActionRead}
	if err := s1.AppendLedger(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s1.AppendLedger(ctx, e); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("second AppendLedger of the same seq: %v, want Conflict", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := mongo.Open(ctx, "mongodb://127.0.0.1:1/?connectTimeoutMS=200", "x", mongo.WithServerSelectionTimeout(300*time.Millisecond))
	if !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("Open of an unreachable server: %v (kind %v), want Unavailable", err, kerr.KindOf(err))
	}
	if _, err := mongo.Open(ctx, "http://nope", "x"); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("Open with a bad URI: %v, want Invalid", err)
	}
	if _, err := mongo.Open(ctx, "mongodb://127.0.0.1:1/", ""); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("Open without database: %v, want Invalid", err)
	}
}

func TestUpdateDocumentConcurrentOneWins(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	d := newDoc(0, "o1", "KS", "Giấy khai sinh")
	if err := s.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.UpdateDocument(ctx, nextVersion(d, fmt.Sprintf("tên %d", i)), 1)
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Fatalf("updates %d and %d both won with rev 1", won, i)
			}
			won = i
		case kerr.IsKind(err, kerr.Conflict):
		default:
			t.Fatalf("update %d: %v, want nil or Conflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no update won")
	}
	got, err := s.GetDocument(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rev != 2 || got.VersionCount != 2 || got.Name != fmt.Sprintf("tên %d", won) {
		t.Fatalf("after the race: rev %d, versions %d, name %q; want 2, 2, %q", got.Rev, got.VersionCount, got.Name, fmt.Sprintf("tên %d", won))
	}
	vs, err := s.ListVersions(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[1].N != 2 {
		t.Fatalf("history has %d versions, want exactly 2", len(vs))
	}
	// Stale rev, missing document, version gap.
	if err := s.UpdateDocument(ctx, nextVersion(got, "x"), 1); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("stale rev: %v, want Conflict", err)
	}
	missing := newDoc(99, "o1", "KS", "không có")
	if err := s.UpdateDocument(ctx, nextVersion(missing, "x"), 1); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("missing document: %v, want NotFound", err)
	}
	if err := s.UpdateDocument(ctx, nextVersion(nextVersion(got, "x"), "y"), 2); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("skipping a version: %v, want Invalid", err)
	}
	// A metadata change without a new version replaces Current only.
	same := got
	same.Status = archive.StatusRevoked
	if err := s.UpdateDocument(ctx, same, 2); err != nil {
		t.Fatal(err)
	}
	if vs, _ := s.ListVersions(ctx, d.ID); len(vs) != 2 {
		t.Fatalf("update without a new version changed the history to %d versions", len(vs))
	}
	if g, _ := s.GetDocument(ctx, d.ID); g.Status != archive.StatusRevoked || g.Rev != 3 {
		t.Fatalf("after status change: %q rev %d", g.Status, g.Rev)
	}
}

func TestGetVersionSlice(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	d := newDoc(0, "o1", "KS", "v1")
	if err := s.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 5; i++ {
		next := nextVersion(d, fmt.Sprintf("v%d", i))
		next.Current.Blob = fmt.Sprintf("%064x", 1000+i)
		if err := s.UpdateDocument(ctx, next, d.Rev); err != nil {
			t.Fatal(err)
		}
		d = next
		d.Rev++
	}
	for n := 1; n <= 5; n++ {
		v, err := s.GetVersion(ctx, d.ID, n)
		if err != nil {
			t.Fatalf("GetVersion(%d): %v", n, err)
		}
		if v.N != n || v.Meta.Name != fmt.Sprintf("v%d", n) && n > 1 {
			t.Fatalf("GetVersion(%d) = N %d, name %q", n, v.N, v.Meta.Name)
		}
	}
	for _, n := range []int{0, -1, 6} {
		if _, err := s.GetVersion(ctx, d.ID, n); !kerr.IsKind(err, kerr.NotFound) || kerr.Outer(err).Code != "version_not_found" {
			t.Fatalf("GetVersion(%d): %v, want version_not_found", n, err)
		}
	}
	if _, err := s.GetVersion(ctx, "nope", 1); kerr.Outer(err) == nil || kerr.Outer(err).Code != "document_not_found" {
		t.Fatalf("GetVersion of a missing document: %v, want document_not_found", err)
	}
	for i := 2; i <= 5; i++ {
		ok, err := s.BlobReferenced(ctx, fmt.Sprintf("%064x", 1000+i))
		if err != nil || !ok {
			t.Fatalf("BlobReferenced(version %d's blob) = %v, %v", i, ok, err)
		}
	}
}

// TestLedgerLanesMigration: a ledger written before lanes (one chain per
// owner, unique (chain, seq)) becomes the lane "" of each owner: its
// entries keep their content and hashes, get their listing key, and new
// lanes may reuse their Seq numbers.
func TestLedgerLanesMigration(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	var old []archive.LedgerEntry
	prev := ""
	for i := range 3 {
		e := archive.LedgerEntry{Chain: "001099000001", Seq: int64(i + 1), At: baseTime.Add(time.Duration(i) * time.Second),
			Actor: "canbo", ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem", PrevHash: prev}
		e.Hash = archive.EntryHash(e)
		prev = e.Hash
		old = append(old, e)
	}
	if err := mongo.PlantLegacyLedger(ctx, s, old); err != nil {
		t.Fatal(err)
	}
	if err := mongo.RunMigration(ctx, s, 6); err != nil {
		t.Fatalf("migration 6: %v", err)
	}
	if err := mongo.RunMigration(ctx, s, 6); err != nil {
		t.Fatalf("migration 6 again: %v", err)
	}
	last, err := s.LastLedger(ctx, "001099000001", "")
	if err != nil || last.Hash != old[2].Hash || archive.EntryHash(last) != last.Hash {
		t.Fatalf("LastLedger(lane \"\") = %+v, %v", last, err)
	}
	// A new lane may use Seq 1 again; the listing merges both in time order.
	e := archive.LedgerEntry{Chain: "001099000001", Lane: "abc-0", Seq: 1, At: baseTime.Add(time.Minute), Actor: "canbo",
		ActorRole: archive.RoleStaff, Action: archive.ActionRead, Purpose: "xem"}
	e.Hash = archive.EntryHash(e)
	if err := s.AppendLedger(ctx, e); err != nil {
		t.Fatalf("AppendLedger(new lane, Seq 1): %v", err)
	}
	es, more, err := s.ListLedger(ctx, archive.LedgerQuery{Chain: "001099000001", Limit: 10})
	if err != nil || more || len(es) != 4 || es[0].Hash != old[0].Hash || es[2].Hash != old[2].Hash || es[3].Lane != "abc-0" {
		t.Fatalf("ListLedger after the migration: %+v more=%v, %v", es, more, err)
	}
	if err := s.AppendLedger(ctx, old[1]); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("AppendLedger(an old entry again) = %v, want Conflict", err)
	}
}

func TestListDocumentsPagesAndFilters(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	var ids []string
	for i := range 120 {
		typ := "KS"
		if i%3 == 0 {
			typ = "HN"
		}
		d := newDoc(i, "o1", typ, fmt.Sprintf("Giấy tờ số %d (bản [a-z]*)", i))
		switch i % 4 {
		case 1:
			d.ValidFrom, d.ValidUntil = day("2025-01-01"), day("2025-12-31")
		case 2:
			d.Permanent, d.ValidUntil = true, day("2020-01-01")
		case 3:
			d.Status = archive.StatusRevoked
		}
		if err := s.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		// Another owner's documents interleave and must never show.
		if err := s.CreateDocument(ctx, newDoc(1000+i, "o2", typ, "khác")); err != nil {
			t.Fatal(err)
		}
	}
	slices.Reverse(ids)

	// All pages, newest first.
	var got []string
	after := ""
	for page := 0; ; page++ {
		docs, more, err := s.ListDocuments(ctx, archive.DocQuery{OwnerID: "o1", After: after, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			got = append(got, d.ID)
		}
		if want := page < 2; more != want {
			t.Fatalf("page %d: more = %v, want %v", page, more, want)
		}
		if !more {
			break
		}
		after = docs[len(docs)-1].ID
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("paged listing differs from all IDs newest first:\n got %v\nwant %v", got, ids)
	}

	count := func(q archive.DocQuery) int {
		t.Helper()
		q.OwnerID, q.Limit = "o1", 1000
		docs, more, err := s.ListDocuments(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if more {
			t.Fatalf("%+v: more with limit 1000", q)
		}
		return len(docs)
	}
	cases := []struct {
		name string
		q    archive.DocQuery
		want int
	}{
		{"type HN", archive.DocQuery{TypeCodes: []string{"HN"}}, 40},
		{"types HN KS", archive.DocQuery{TypeCodes: []string{"HN", "KS"}}, 120},
		{"type missing", archive.DocQuery{TypeCodes: []string{"XX"}}, 0},
		{"revoked", archive.DocQuery{Status: archive.StatusRevoked}, 30},
		{"words", archive.DocQuery{Words: []string{"so", "11"}}, 11}, // 11 and 110..119
		{"regex chars literal", archive.DocQuery{Words: []string{"[a-z]*"}}, 120},
		{"regex chars no match", archive.DocQuery{Words: []string{"b.n"}}, 0},
		{"valid on 2025-06-01", archive.DocQuery{ValidOn: day("2025-06-01")}, 120},
		{"valid on 2026-06-01", archive.DocQuery{ValidOn: day("2026-06-01")}, 90},
		{"valid on 2024-06-01", archive.DocQuery{ValidOn: day("2024-06-01")}, 90},
		{"expired on 2026-06-01", archive.DocQuery{ExpiredOn: day("2026-06-01")}, 30},
		{"expired on 2025-06-01", archive.DocQuery{ExpiredOn: day("2025-06-01")}, 0},
	}
	for _, c := range cases {
		if n := count(c.q); n != c.want {
			t.Errorf("%s: %d documents, want %d", c.name, n, c.want)
		}
	}
	for _, q := range []archive.DocQuery{{OwnerID: "o1"}, {OwnerID: "o1", Limit: 1001}, {Limit: 5}} {
		if _, _, err := s.ListDocuments(ctx, q); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("ListDocuments(%+v): %v, want Invalid", q, err)
		}
	}
}

func TestTypeStatsNumbers(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	type want struct{ docs, bytes, reuses int64 }
	wantAll := map[string]*want{}
	wantO1 := map[string]*want{}
	for i := range 30 {
		typ := []string{"A", "B", "C"}[i%3]
		ownerID := []string{"o1", "o2"}[i%2]
		d := newDoc(i, ownerID, typ, "x")
		d.Current.Size = int64(1000*i + 7)
		if err := s.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		for range i % 4 {
			if err := s.IncReuse(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		add := func(m map[string]*want) {
			w := m[typ]
			if w == nil {
				w = &want{}
				m[typ] = w
			}
			w.docs++
			w.bytes += d.Current.Size
			w.reuses += int64(i % 4)
		}
		add(wantAll)
		if ownerID == "o1" {
			add(wantO1)
		}
	}
	check := func(ownerID string, m map[string]*want) {
		t.Helper()
		stats, err := s.TypeStats(ctx, ownerID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) != len(m) {
			t.Fatalf("TypeStats(%q): %d types, want %d: %+v", ownerID, len(stats), len(m), stats)
		}
		for i, st := range stats {
			if i > 0 && stats[i-1].TypeCode >= st.TypeCode {
				t.Fatalf("TypeStats(%q) not ordered by code: %+v", ownerID, stats)
			}
			w := m[st.TypeCode]
			if w == nil || st.Documents != w.docs || st.Bytes != w.bytes || st.Reuses != w.reuses {
				t.Fatalf("TypeStats(%q)[%s] = %+v, want %+v", ownerID, st.TypeCode, st, w)
			}
		}
	}
	check("", wantAll)
	check("o1", wantO1)
	if stats, err := s.TypeStats(ctx, "nobody"); err != nil || len(stats) != 0 {
		t.Fatalf("TypeStats(nobody) = %+v, %v", stats, err)
	}
}

func TestAddUsageQuotaBoundary(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	if err := s.CreateOwner(ctx, archive.Owner{ID: "o1", Kind: archive.Individual, CreatedAt: baseTime}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		bytes, limit int64
		kind         kerr.Kind
		used         int64
	}{
		{60, 100, kerr.Other, 60},
		{41, 100, kerr.TooLarge, 60},
		{40, 100, kerr.Other, 100},
		{1, 100, kerr.TooLarge, 100},
		{-30, 100, kerr.Other, 70},
		{500, 0, kerr.Other, 570}, // no limit
		{200, 100, kerr.TooLarge, 570},
	}
	for i, st := range steps {
		err := s.AddUsage(ctx, "o1", st.bytes, 1, st.limit)
		if kerr.KindOf(err) != st.kind {
			t.Fatalf("step %d: AddUsage(%d, limit %d) = %v, want kind %v", i, st.bytes, st.limit, err, st.kind)
		}
		if st.kind == kerr.TooLarge && kerr.Outer(err).Code != "quota_exceeded" {
			t.Fatalf("step %d: code %q, want quota_exceeded", i, kerr.Outer(err).Code)
		}
		o, err := s.GetOwner(ctx, "o1")
		if err != nil {
			t.Fatal(err)
		}
		if o.UsedBytes != st.used {
			t.Fatalf("step %d: used %d, want %d", i, o.UsedBytes, st.used)
		}
	}
	if err := s.AddUsage(ctx, "nobody", 1, 1, 100); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("AddUsage of a missing owner: %v, want NotFound", err)
	}
}

func TestErrorsCarryNoDriverTypes(t *testing.T) {
	s := openFresh(t)
	_, err := s.GetDocument(t.Context(), "nope")
	var ke *kerr.Error
	if !errors.As(err, &ke) || ke.Kind != kerr.NotFound || ke.Code != "document_not_found" || ke.Message == "" {
		t.Fatalf("GetDocument(nope) = %#v", err)
	}
}

// lockedDoc creates a document on s, a store that takes write locks
// (the test is skipped, saying why, on a server that needs none).
func lockedDoc(t *testing.T, s *mongo.Store) archive.Document {
	t.Helper()
	if !mongo.LocksWrites(s) {
		t.Skip("the server's updates are atomic: no write locks to test")
	}
	d := newDoc(0, "o1", "KS", "a")
	if err := s.CreateDocument(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestWriteLocks(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	d := lockedDoc(t, s)
	// A lock left by a crashed writer an hour ago is broken.
	if err := mongo.PlantLock(ctx, s, "documents/"+d.ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateDocument(ctx, nextVersion(d, "b"), 1); err != nil {
		t.Fatalf("update past a stale lock: %v", err)
	}
	// A live lock makes writers wait; when their context ends they get Unavailable.
	if err := mongo.PlantLock(ctx, s, "documents/"+d.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.IncReuse(wctx, d.ID); !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("IncReuse under a live lock: %v, want Unavailable", err)
	}
	// Other records are not blocked.
	other := newDoc(1, "o1", "KS", "c")
	if err := s.CreateDocument(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.IncReuse(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
}

// TestWriteLocksOfAGoneHolder: a write lock whose holder is gone — no
// liveness record, or a record whose beat stopped, as a killed process
// leaves it — is broken within seconds, not after the 30 s lease; the
// lock of a live holder (another Store on the same database) is not.
func TestWriteLocksOfAGoneHolder(t *testing.T) {
	name := testenv.UniqueName(t, "mongo")
	s := openNamed(t, name)
	ctx := t.Context()
	d := lockedDoc(t, s)
	key := "documents/" + d.ID
	update := func(rev int64, name string) time.Duration {
		t.Helper()
		cur, err := s.GetDocument(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if err := s.UpdateDocument(ctx, nextVersion(cur, name), rev); err != nil {
			t.Fatalf("update past the lock: %v", err)
		}
		return time.Since(t0)
	}

	// A holder with no liveness record is gone: its lock is broken at once.
	if err := mongo.PlantHolderLock(ctx, s, key, "never-seen", time.Now()); err != nil {
		t.Fatal(err)
	}
	if took := update(1, "b"); took > 1500*time.Millisecond {
		t.Errorf("a lock of a holder without a liveness record took %v to break", took)
	}

	// A killed holder: its record stays, its beat stops. Broken once the
	// beat has been seen unchanged for two seconds, not sooner.
	if err := mongo.PlantHolder(ctx, s, "killed", 41); err != nil {
		t.Fatal(err)
	}
	if err := mongo.PlantHolderLock(ctx, s, key, "killed", time.Now()); err != nil {
		t.Fatal(err)
	}
	took := update(2, "c")
	if took < 1500*time.Millisecond || took > 10*time.Second {
		t.Errorf("a lock of a holder whose beat stopped broke after %v, want about 2 s", took)
	}

	// If the holder judged gone beats again, it was only slow: its next
	// lock is waited for like any other.
	if err := mongo.PlantHolder(ctx, s, "killed", 42); err != nil {
		t.Fatal(err)
	}
	d2 := newDoc(1, "o1", "KS", "e")
	if err := s.CreateDocument(ctx, d2); err != nil {
		t.Fatal(err)
	}
	if err := mongo.PlantHolderLock(ctx, s, "documents/"+d2.ID, "killed", time.Now()); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	defer scancel()
	if err := s.IncReuse(sctx, d2.ID); !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("IncReuse under the lock of a holder that beat again: %v, want Unavailable after waiting", err)
	}

	// A live holder: another Store on the same database, beating.
	other, err := mongo.Open(ctx, testenv.MongoURI(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := mongo.PlantHolderLock(ctx, s, key, mongo.Instance(other), time.Now()); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	if err := s.IncReuse(wctx, d.ID); !kerr.IsKind(err, kerr.Unavailable) {
		t.Fatalf("IncReuse under a live holder's lock: %v, want Unavailable after waiting", err)
	}
	// Once it closes (its record goes), its lock is broken at once.
	if err := other.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if took := update(3, "d"); took > 1500*time.Millisecond {
		t.Errorf("a lock of a closed holder took %v to break", took)
	}
}

// TestLedgerHeadsDropped: migration 7 drops the per-chain heads that
// migration 1 makes (checkpoints replaced them), and runs again harmlessly.
func TestLedgerHeadsDropped(t *testing.T) {
	ctx := t.Context()
	s := openFresh(t)
	for range 2 {
		names, err := mongo.CollectionNames(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, "ledger_heads") || !slices.Contains(names, "ledger") {
			t.Fatalf("collections %v: want ledger and no ledger_heads", names)
		}
		if err := mongo.RunMigration(ctx, s, 7); err != nil {
			t.Fatalf("migration 7 again: %v", err)
		}
	}
}
