package archivetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const ownerA, ownerB = "001090000101", "079185000202"

func versions(t *testing.T, s archive.Store, id string) []archive.Version {
	t.Helper()
	vs, err := s.ListVersions(t.Context(), id)
	if err != nil {
		t.Fatalf("ListVersions(%s): %v", id, err)
	}
	return vs
}

func testDocumentCreateGet(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := doc(ids.New(), ownerA, "KS")
	d.Source = archive.SourceResult
	d.ValidFrom = day("2020-03-01")
	d.ValidUntil = day("2030-03-01")
	d.ValidityScope = "Toàn quốc"
	d.Fields = map[string]any{"noiSinh": "Bệnh viện Từ Dũ", "canNang": 3.2, "banChinh": true}
	d.Current.Meta = d.Metadata
	d.CreatedBy = "staff:0001"
	mustCreateDoc(t, s, d)

	got := mustGetDoc(t, s, d.ID)
	sameDoc(t, "GetDocument", got, d)
	if got.Rev != 1 || got.VersionCount != 1 || got.ReuseCount != 0 {
		t.Errorf("new document has Rev %d, VersionCount %d, ReuseCount %d; want 1, 1, 0", got.Rev, got.VersionCount, got.ReuseCount)
	}
	vs := versions(t, s, d.ID)
	if len(vs) != 1 {
		t.Fatalf("ListVersions gave %d versions, want 1", len(vs))
	}
	same(t, "ListVersions[0]", vs[0], wantVersion(d.Current))
	v, err := s.GetVersion(t.Context(), d.ID, 1)
	if err != nil {
		t.Fatalf("GetVersion(1): %v", err)
	}
	same(t, "GetVersion(1)", v, wantVersion(d.Current))
}

func testDocumentCreateDuplicate(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	dup := doc(d.ID, ownerB, "CCCD")
	dup.Name = "Trùng mã"
	dup.Current.Blob = blobOf("other")
	isKind(t, "CreateDocument(same ID)", s.CreateDocument(t.Context(), dup), kerr.Conflict, "")
	sameDoc(t, "document after the refused duplicate", mustGetDoc(t, s, d.ID), d)
	if vs := versions(t, s, d.ID); len(vs) != 1 || vs[0].Blob != d.Current.Blob {
		t.Errorf("the refused duplicate changed the versions: %+v", vs)
	}
	if ok, err := s.BlobReferenced(t.Context(), blobOf("other")); err != nil || ok {
		t.Errorf("BlobReferenced(blob of the refused duplicate) = %v, %v; want false", ok, err)
	}
}

func testDocumentNotFound(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	missing := ids.New()
	_, err := s.GetDocument(ctx, missing)
	isKind(t, "GetDocument(missing)", err, kerr.NotFound, "")
	_, err = s.ListVersions(ctx, missing)
	isKind(t, "ListVersions(missing)", err, kerr.NotFound, "")
	_, err = s.GetVersion(ctx, missing, 1)
	isKind(t, "GetVersion(missing document)", err, kerr.NotFound, "")
	isKind(t, "IncReuse(missing)", s.IncReuse(ctx, missing), kerr.NotFound, "")
	isKind(t, "UpdateDocument(missing)", s.UpdateDocument(ctx, doc(missing, ownerA, "KS"), 1), kerr.NotFound, "")

	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	for _, n := range []int{0, 2, -1} {
		_, err = s.GetVersion(ctx, d.ID, n)
		isKind(t, fmt.Sprintf("GetVersion(existing document, %d)", n), err, kerr.NotFound, "")
	}
	if _, err := s.GetDocument(ctx, missing); kerr.KindOf(err) != kerr.NotFound {
		t.Errorf("GetDocument(missing) next to an existing one: %v", err)
	}
}

func testDocumentUpdateReplaces(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))

	d2 := d
	d2.TypeCode = "KS.BS"
	d2.Name = "Bản sao giấy khai sinh"
	d2.Summary = ""
	d2.Status = archive.StatusSuperseded
	d2.Permanent = true
	d2.Fields = map[string]any{"banChinh": false}
	d2.SearchText = archive.Fold(d2.Name)
	d2.Current.Meta = d2.Metadata
	d2.UpdatedAt = when(10)
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument(same version count): %v", err)
	}
	want := d2
	want.Rev = 2
	sameDoc(t, "document after a metadata replacement", mustGetDoc(t, s, d.ID), want)
	if vs := versions(t, s, d.ID); len(vs) != 1 {
		t.Errorf("UpdateDocument without a new VersionCount left %d versions, want 1", len(vs))
	}

	// The current version's metadata need not be the document's: here the
	// status changes without a new version.
	d3 := want
	d3.Status = archive.StatusRevoked
	d3.Fields = map[string]any{"lyDo": "Thu hồi theo quyết định 12/QĐ"}
	d3.UpdatedAt = when(11)
	if err := s.UpdateDocument(ctx, d3, 2); err != nil {
		t.Fatalf("second UpdateDocument: %v", err)
	}
	d3.Rev = 3
	sameDoc(t, "document after the second update", mustGetDoc(t, s, d.ID), d3)
}

func testDocumentUpdateAppends(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	v1 := d.Current

	d2 := nextVersion(d, "content", when(20))
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument(new content version): %v", err)
	}
	d2.Rev = 2
	sameDoc(t, "document with version 2", mustGetDoc(t, s, d.ID), d2)

	d3 := d2
	d3.Name = "Giấy khai sinh (cấp lại)"
	d3.SearchText = archive.Fold(d3.Name + " " + d3.Summary)
	d3 = nextVersion(d3, "metadata", when(30))
	if err := s.UpdateDocument(ctx, d3, 2); err != nil {
		t.Fatalf("UpdateDocument(new metadata version): %v", err)
	}
	d3.Rev = 3
	sameDoc(t, "document with version 3", mustGetDoc(t, s, d.ID), d3)
	if d3.Current.Blob != d2.Current.Blob {
		t.Fatal("test bug: a metadata version keeps the blob")
	}

	vs := versions(t, s, d.ID)
	want := []archive.Version{wantVersion(v1), wantVersion(d2.Current), wantVersion(d3.Current)}
	same(t, "ListVersions (oldest first)", vs, want)
	for i, w := range want {
		v, err := s.GetVersion(ctx, d.ID, i+1)
		if err != nil {
			t.Fatalf("GetVersion(%d): %v", i+1, err)
		}
		same(t, fmt.Sprintf("GetVersion(%d)", i+1), v, w)
	}
	if v, err := s.GetVersion(ctx, d.ID, 1); err == nil && v.Meta.Name != "Giấy khai sinh" {
		t.Errorf("version 1 keeps the metadata it was made with; its name is now %q", v.Meta.Name)
	}
	_, err := s.GetVersion(ctx, d.ID, 4)
	isKind(t, "GetVersion(4 of 3)", err, kerr.NotFound, "")
}

func testDocumentUpdateStaleRev(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	d2 := d
	d2.Name = "Lần một"
	d2.UpdatedAt = when(1)
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	d2.Rev = 2

	stale := d
	stale.Name = "Lần hai, bản cũ"
	isKind(t, "UpdateDocument(stale Rev 1)", s.UpdateDocument(ctx, stale, 1), kerr.Conflict, "")
	isKind(t, "UpdateDocument(future Rev 7)", s.UpdateDocument(ctx, stale, 7), kerr.Conflict, "")
	isKind(t, "UpdateDocument(new version, stale Rev)", s.UpdateDocument(ctx, nextVersion(stale, "content", when(2)), 1), kerr.Conflict, "")
	sameDoc(t, "document after refused updates", mustGetDoc(t, s, d.ID), d2)
	if vs := versions(t, s, d.ID); len(vs) != 1 {
		t.Errorf("a refused update added a version: %d versions", len(vs))
	}
	if ok, err := s.BlobReferenced(ctx, blobOf(d.ID+"/2")); err != nil || ok {
		t.Errorf("BlobReferenced(blob of a refused version) = %v, %v; want false", ok, err)
	}
}

func testDocumentUpdateKeepsReuseCount(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	for i := 0; i < 2; i++ {
		if err := s.IncReuse(ctx, d.ID); err != nil {
			t.Fatalf("IncReuse: %v", err)
		}
	}
	// The caller read the document before the reuses: its ReuseCount is 0.
	// The unguarded counter must survive the guarded update.
	d2 := nextVersion(d, "content", when(5))
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument after IncReuse (IncReuse must not change Rev): %v", err)
	}
	got := mustGetDoc(t, s, d.ID)
	if got.ReuseCount != 2 {
		t.Errorf("ReuseCount = %d after UpdateDocument, want 2 (updates must not overwrite the reuse counter)", got.ReuseCount)
	}
	if got.Rev != 2 || got.VersionCount != 2 {
		t.Errorf("Rev, VersionCount = %d, %d; want 2, 2", got.Rev, got.VersionCount)
	}
}

// testDocumentUpdateConcurrent: of k writers holding the same Rev exactly
// one wins; the others get Conflict and leave no trace.
func testDocumentUpdateConcurrent(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	const k = 8
	cands := make([]archive.Document, k)
	for i := range cands {
		c := d
		c.Name = fmt.Sprintf("Người sửa %d", i)
		c.SearchText = archive.Fold(c.Name)
		c = nextVersion(c, "content", when(i+1))
		c.Current.Blob = blobOf(fmt.Sprintf("writer %d", i))
		cands[i] = c
	}
	errs := parallel(k, func(i int) error { return s.UpdateDocument(t.Context(), cands[i], 1) })
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("writers %d and %d both updated Rev 1", winner, i)
			}
			winner = i
		case kerr.KindOf(err) != kerr.Conflict:
			t.Errorf("writer %d: %v (kind %v), want nil or Conflict", i, err, kerr.KindOf(err))
		}
	}
	if winner < 0 {
		t.Fatal("no concurrent writer succeeded")
	}
	want := cands[winner]
	want.Rev = 2
	sameDoc(t, "document after the race", mustGetDoc(t, s, d.ID), want)
	vs := versions(t, s, d.ID)
	if len(vs) != 2 {
		t.Fatalf("after the race there are %d versions, want 2", len(vs))
	}
	same(t, "version 2 after the race", vs[1], wantVersion(want.Current))
	for i := range cands {
		ok, err := s.BlobReferenced(t.Context(), cands[i].Current.Blob)
		if err != nil {
			t.Fatalf("BlobReferenced: %v", err)
		}
		if ok != (i == winner) {
			t.Errorf("BlobReferenced(writer %d's blob) = %v; winner is %d", i, ok, winner)
		}
	}
}

func testDocumentFields(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := doc(ids.New(), ownerA, "KS")
	d.Fields = map[string]any{
		"noiSinh":  "Hà Nội",
		"rong":     "",
		"ngay":     "2020-02-29",
		"canNang":  3.25,
		"soCon":    2,
		"am":       -7,
		"lon":      int64(1_000_000_000_000),
		"khong":    0,
		"banChinh": true,
		"saoY":     false,
		// eForm values: checkbox choices, a date range, dynamic rows.
		"soThich": []any{"doc_sach", "the_thao"},
		"thoiHan": map[string]any{"from": "2025-01-01", "to": "2025-12-31"},
		"conCai":  []any{map[string]any{"hoTen": "Bé An", "tuoi": 3.0}, map[string]any{"hoTen": "Bé Bình"}},
	}
	d.Current.Meta = d.Metadata
	mustCreateDoc(t, s, d)
	got := mustGetDoc(t, s, d.ID)
	sameDoc(t, "GetDocument with fields", got, d)
	for k, v := range got.Fields {
		switch v.(type) {
		case string, bool, float64, float32, int, int32, int64, []any, map[string]any:
		default:
			t.Errorf("field %q came back as %T; want a JSON value (string, bool, number, []any, map[string]any)", k, v)
		}
	}
	vs := versions(t, s, d.ID)
	if len(vs) == 1 {
		same(t, "version 1's fields", vs[0].Meta.Fields, d.Fields)
	}
	docs, _ := list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 10})
	if len(docs) == 1 {
		same(t, "listed document's fields", docs[0].Fields, d.Fields)
	}

	plain := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	if got := mustGetDoc(t, s, plain.ID); len(got.Fields) != 0 || len(got.Current.Meta.Fields) != 0 {
		t.Errorf("a document without fields came back with %v / %v", got.Fields, got.Current.Meta.Fields)
	}
}

func testDocumentUnicode(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := doc(ids.New(), ownerA, "GPLX")
	d.Name = "Giấy phép lái xe hạng B2 — Sở Giao thông vận tải Thừa Thiên Huế"
	d.Summary = "Ông Đặng Quốc Bảo, sinh ngày 01/01/1985; địa chỉ: số 12 đường Nguyễn Thị Minh Khai, phường Đa Kao, Quận 1"
	d.Issuer = "Sở GTVT tỉnh Thừa Thiên Huế"
	d.Number = "790123456789 (Ấn phẩm PET)"
	// The same name in decomposed form (NFD) must come back in that form.
	d.ValidityScope = "Nguye\u0302\u0303n – toàn quốc"
	d.Fields = map[string]any{"ghiChu": "Đã đổi sang thẻ PET 🚗"}
	d.SearchText = archive.Fold(d.Name + " " + d.Summary)
	d.Current.Meta = d.Metadata
	d.Current.FileName = "Giấy phép lái xe.pdf"
	mustCreateDoc(t, s, d)
	sameDoc(t, "Vietnamese document", mustGetDoc(t, s, d.ID), d)
	docs, _ := list(t, s, archive.DocQuery{OwnerID: ownerA, Words: []string{"dang quoc bao", "thua thien hue"}, Limit: 5})
	sameIDs(t, "search by folded words", docs, d.ID)
}

func testTimes(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	// 999.999999 ms: a store must truncate, not round up to the next second.
	at := time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, ict)
	check := func(what string, got time.Time) {
		t.Helper()
		want := time.Date(2026, 12, 31, 16, 59, 59, 999_000_000, time.UTC)
		if !got.Equal(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s is in %v, want UTC", what, got.Location())
		}
	}
	o := owner("001090000777")
	o.CreatedAt = at
	if err := s.CreateOwner(ctx, o); err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	check("Owner.CreatedAt", getOwner(t, s, o.ID).CreatedAt)

	d := doc(ids.New(), o.ID, "KS")
	d.CreatedAt, d.UpdatedAt, d.Current.CreatedAt = at, at, at
	mustCreateDoc(t, s, d)
	got := mustGetDoc(t, s, d.ID)
	check("Document.CreatedAt", got.CreatedAt)
	check("Document.UpdatedAt", got.UpdatedAt)
	check("Document.Current.CreatedAt", got.Current.CreatedAt)
	if vs := versions(t, s, d.ID); len(vs) == 1 {
		check("Version.CreatedAt", vs[0].CreatedAt)
	}
	docs, _ := list(t, s, archive.DocQuery{OwnerID: o.ID, Limit: 1})
	if len(docs) == 1 {
		check("listed Document.CreatedAt", docs[0].CreatedAt)
	}

	if err := s.PutDocumentType(ctx, archive.DocumentType{Code: "KS", Name: "Giấy khai sinh", UpdatedAt: at}); err != nil {
		t.Fatalf("PutDocumentType: %v", err)
	}
	if dt, err := s.GetDocumentType(ctx, "KS"); err == nil {
		check("DocumentType.UpdatedAt", dt.UpdatedAt)
	}
	if err := s.PutProcedure(ctx, archive.Procedure{Code: "1.1", Name: "Thủ tục", UpdatedAt: at}); err != nil {
		t.Fatalf("PutProcedure: %v", err)
	}
	if p, err := s.GetProcedure(ctx, "1.1"); err == nil {
		check("Procedure.UpdatedAt", p.UpdatedAt)
	}

	r := archive.ReuseRecord{ID: ids.New(), DocumentID: d.ID, OwnerID: o.ID, TypeCode: "KS", Version: 1, Dossier: "HS-1", By: "staff", At: at}
	if err := s.AddReuse(ctx, r); err != nil {
		t.Fatalf("AddReuse: %v", err)
	}
	if rs, err := s.ListReuses(ctx, d.ID); err == nil && len(rs) == 1 {
		check("ReuseRecord.At", rs[0].At)
	}

	e := entry(o.ID, 1, "", d.ID)
	e.At = at
	e.Hash = archive.EntryHash(e)
	if err := s.AppendLedger(ctx, e); err != nil {
		t.Fatalf("AppendLedger: %v", err)
	}
	if last, err := s.LastLedger(ctx, o.ID, e.Lane); err == nil {
		check("LedgerEntry.At", last.At)
		if archive.EntryHash(last) != e.Hash {
			t.Error("the entry read back no longer hashes to its Hash")
		}
	}
}

func testIncReuse(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	other := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	for i := 0; i < 3; i++ {
		if err := s.IncReuse(ctx, d.ID); err != nil {
			t.Fatalf("IncReuse: %v", err)
		}
	}
	got := mustGetDoc(t, s, d.ID)
	if got.ReuseCount != 3 {
		t.Errorf("ReuseCount = %d, want 3", got.ReuseCount)
	}
	if got.Rev != 1 {
		t.Errorf("IncReuse changed Rev to %d", got.Rev)
	}
	want := d
	want.ReuseCount = 3
	sameDoc(t, "document after IncReuse", got, want)
	if o := mustGetDoc(t, s, other.ID); o.ReuseCount != 0 {
		t.Errorf("another document's ReuseCount = %d", o.ReuseCount)
	}
}

func testIncReuseConcurrent(t *testing.T, s archive.Store) {
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	const n = 24
	for i, err := range parallel(n, func(int) error { return s.IncReuse(t.Context(), d.ID) }) {
		if err != nil {
			t.Errorf("IncReuse %d: %v", i, err)
		}
	}
	if got := mustGetDoc(t, s, d.ID); got.ReuseCount != n || got.Rev != 1 {
		t.Errorf("after %d concurrent IncReuse: ReuseCount %d, Rev %d; want %d, 1", n, got.ReuseCount, got.Rev, n)
	}
}

// blobReferenced returns a function asking s whether a blob is referenced.
func blobReferenced(t *testing.T, s archive.Store) func(blob string) bool {
	return func(blob string) bool {
		t.Helper()
		ok, err := s.BlobReferenced(t.Context(), blob)
		if err != nil {
			t.Fatalf("BlobReferenced: %v", err)
		}
		return ok
	}
}

func testBlobReferenced(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	referenced := blobReferenced(t, s)
	if referenced(blobOf("nothing")) {
		t.Error("an empty store references a blob")
	}
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	v1 := d.Current.Blob
	if !referenced(v1) {
		t.Error("the current version's blob is not referenced")
	}
	d2 := nextVersion(d, "content", when(1))
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	if !referenced(v1) {
		t.Error("an older version's blob is no longer referenced")
	}
	if !referenced(d2.Current.Blob) {
		t.Error("the new version's blob is not referenced")
	}
	// Another owner's document sharing the content.
	e := doc(ids.New(), ownerB, "KS")
	e.Current.Blob = v1
	mustCreateDoc(t, s, e)
	if !referenced(v1) || referenced(blobOf("unrelated")) {
		t.Error("BlobReferenced is wrong with shared content")
	}
}
