package mongo

import (
	"context"
	"regexp"
	"slices"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

func documentNotFound(id, op string, err error) error {
	return newErr(kerr.NotFound, "document_not_found", "Không tìm thấy giấy tờ.", op+" "+id, err)
}

func versionNotFound(id string, n int) error {
	return kerr.New(kerr.NotFound, "version_not_found", "Không tìm thấy phiên bản giấy tờ.", "mongo: document %s has no version %d", id, n)
}

// CreateDocument inserts d with Rev 1 and VersionCount 1, its history
// holding d.Current. Conflict "document_exists" if d.ID exists.
func (s *Store) CreateDocument(ctx context.Context, d archive.Document) error {
	doc, err := newDocumentDoc(d)
	if err != nil {
		return err
	}
	_, err = s.documents.InsertOne(ctx, doc)
	if isDup(err) {
		return newErr(kerr.Conflict, "document_exists", "Giấy tờ đã tồn tại.", "create document "+d.ID, err)
	}
	return classify(err, "create document")
}

// insertDocuments inserts first-version documents with InsertMany in
// batches (unordered): a bulk loader for imports and benchmarks.
func (s *Store) insertDocuments(ctx context.Context, docs []archive.Document, batch int) error {
	if batch < 1 {
		batch = 1000
	}
	for len(docs) > 0 {
		n := min(batch, len(docs))
		rows := make([]documentDoc, 0, n)
		for _, d := range docs[:n] {
			row, err := newDocumentDoc(d)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
		if _, err := s.documents.InsertMany(ctx, rows, options.InsertMany().SetOrdered(false)); err != nil {
			return classify(err, "insert documents")
		}
		docs = docs[n:]
	}
	return nil
}

// newDocumentDoc is the stored form of a new document: Rev 1, one version.
func newDocumentDoc(d archive.Document) (documentDoc, error) {
	meta, err := fromMeta(d.Metadata)
	if err != nil {
		return documentDoc{}, err
	}
	cur, err := fromVersion(d.Current)
	if err != nil {
		return documentDoc{}, err
	}
	return documentDoc{
		ID: d.ID, OwnerID: d.OwnerID, Source: string(d.Source), Meta: meta,
		Current: cur, VersionCount: 1, ReuseCount: d.ReuseCount, SearchText: d.SearchText, SearchVersion: d.SearchVersion,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Rev: 1,
		Versions: []versionDoc{cur}, Blobs: cur.blobsOf(),
		IssuedBy: fromIssuedBy(d.IssuedBy), StatusChange: fromStatusChange(d.StatusChange),
	}, nil
}

// GetDocument returns a document with its current version (without the
// history). NotFound if none.
func (s *Store) GetDocument(ctx context.Context, id string) (archive.Document, error) {
	var d documentDoc
	err := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(documentProjection())).Decode(&d)
	if isNoDoc(err) {
		return archive.Document{}, documentNotFound(id, "get document", err)
	}
	if err != nil {
		return archive.Document{}, classify(err, "get document")
	}
	return d.document()
}

// UpdateDocument replaces the metadata, Status and Current of the document
// whose Rev is expectedRev, appends d.Current to its history when
// d.VersionCount is one more than the stored count, and increments Rev —
// all in one conditional update, {_id, rev: expectedRev, versionCount}.
// When nothing matches it reads the document once to tell NotFound from
// Conflict ("document_changed"). Invalid when d.Current.N is not
// d.VersionCount or the new count skips versions.
func (s *Store) UpdateDocument(ctx context.Context, d archive.Document, expectedRev int64) error {
	return s.guard(ctx, collDocuments+"/"+d.ID, func() error { return s.updateDocument(ctx, d, expectedRev) })
}

func (s *Store) updateDocument(ctx context.Context, d archive.Document, expectedRev int64) error {
	if d.Current.N != d.VersionCount || d.VersionCount < 1 {
		return kerr.New(kerr.Invalid, "invalid_version", "Phiên bản giấy tờ không hợp lệ.",
			"mongo: document %s: current version %d does not match version count %d", d.ID, d.Current.N, d.VersionCount)
	}
	meta, err := fromMeta(d.Metadata)
	if err != nil {
		return err
	}
	cur, err := fromVersion(d.Current)
	if err != nil {
		return err
	}
	set := bson.D{
		{Key: "typeCode", Value: meta.TypeCode},
		{Key: "name", Value: meta.Name},
		{Key: "summary", Value: meta.Summary},
		{Key: "number", Value: meta.Number},
		{Key: "issuer", Value: meta.Issuer},
		{Key: "issueDate", Value: meta.IssueDate},
		{Key: "validFrom", Value: meta.ValidFrom},
		{Key: "validUntil", Value: meta.ValidUntil},
		{Key: "permanent", Value: meta.Permanent},
		{Key: "validityScope", Value: meta.ValidityScope},
		{Key: "status", Value: meta.Status},
		{Key: "current", Value: cur},
		{Key: "versionCount", Value: d.VersionCount},
		{Key: "searchText", Value: d.SearchText},
		{Key: "searchVersion", Value: d.SearchVersion},
		{Key: "updatedAt", Value: d.UpdatedAt},
	}
	// "No fields" and "no status change" are stored as absent fields;
	// issuedBy is kept as created.
	var common, unset bson.D
	if meta.Fields != nil {
		set = append(set, bson.E{Key: "fields", Value: meta.Fields})
	} else {
		unset = append(unset, bson.E{Key: "fields", Value: ""})
	}
	if d.StatusChange != nil {
		set = append(set, bson.E{Key: "statusChange", Value: fromStatusChange(d.StatusChange)})
	} else {
		unset = append(unset, bson.E{Key: "statusChange", Value: ""})
	}
	if len(unset) > 0 {
		common = append(common, bson.E{Key: "$unset", Value: unset})
	}
	common = append(common, bson.E{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}})

	// The usual case: a new version.
	filter := bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: expectedRev}, {Key: "versionCount", Value: d.VersionCount - 1}}
	update := bson.D{
		{Key: "$set", Value: set},
		{Key: "$push", Value: bson.D{{Key: "versions", Value: cur}}},
		{Key: "$addToSet", Value: bson.D{{Key: "blobs", Value: bson.D{{Key: "$each", Value: cur.blobsOf()}}}}},
	}
	update = append(update, common...)
	res, err := s.documents.UpdateOne(ctx, filter, update)
	if err != nil {
		return classify(err, "update document")
	}
	if res.MatchedCount == 1 {
		return nil
	}

	// No new version: replace metadata and Current only.
	filter = bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: expectedRev}, {Key: "versionCount", Value: d.VersionCount}}
	update = bson.D{{Key: "$set", Value: set}}
	update = append(update, common...)
	res, err = s.documents.UpdateOne(ctx, filter, update)
	if err != nil {
		return classify(err, "update document")
	}
	if res.MatchedCount == 1 {
		return nil
	}

	// Nothing matched: find out why.
	var got struct {
		Rev          int64 `bson:"rev"`
		VersionCount int   `bson:"versionCount"`
	}
	err = s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
		options.FindOne().SetProjection(bson.D{{Key: "rev", Value: 1}, {Key: "versionCount", Value: 1}})).Decode(&got)
	if isNoDoc(err) {
		return documentNotFound(d.ID, "update document", err)
	}
	if err != nil {
		return classify(err, "update document")
	}
	if got.Rev != expectedRev {
		return kerr.New(kerr.Conflict, "document_changed", "Giấy tờ đã được thay đổi; vui lòng tải lại và thử lại.",
			"mongo: document %s is at rev %d, not %d", d.ID, got.Rev, expectedRev)
	}
	if got.VersionCount > d.VersionCount {
		// The stored history is longer than the caller's: it read an old state.
		return kerr.New(kerr.Conflict, "document_changed", "Giấy tờ đã được thay đổi; vui lòng tải lại và thử lại.",
			"mongo: document %s has %d versions, caller has %d", d.ID, got.VersionCount, d.VersionCount)
	}
	return kerr.New(kerr.Invalid, "invalid_version", "Phiên bản giấy tờ không hợp lệ.",
		"mongo: document %s has %d versions; version %d would skip some", d.ID, got.VersionCount, d.VersionCount)
}

// history reads a document's versions.
func (s *Store) history(ctx context.Context, id string, projection bson.D, op string) ([]versionDoc, error) {
	var d struct {
		Versions []versionDoc `bson:"versions"`
	}
	err := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(projection)).Decode(&d)
	if isNoDoc(err) {
		return nil, documentNotFound(id, op, err)
	}
	if err != nil {
		return nil, classify(err, op)
	}
	return d.Versions, nil
}

// ListVersions returns every version of a document, oldest first.
// NotFound if no document.
func (s *Store) ListVersions(ctx context.Context, id string) ([]archive.Version, error) {
	vs, err := s.history(ctx, id, bson.D{{Key: "versions", Value: 1}}, "list versions")
	if err != nil {
		return nil, err
	}
	out := make([]archive.Version, 0, len(vs))
	for _, v := range vs {
		av, err := v.version()
		if err != nil {
			return nil, err
		}
		out = append(out, av)
	}
	return out, nil
}

// GetVersion returns version n. It reads the whole history: the $slice
// projection that would fetch one element is not implemented by FerretDB.
// NotFound if no such document or version.
func (s *Store) GetVersion(ctx context.Context, id string, n int) (archive.Version, error) {
	vs, err := s.history(ctx, id, bson.D{{Key: "versions", Value: 1}}, "get version")
	if err != nil {
		return archive.Version{}, err
	}
	for _, v := range vs {
		if v.N == n {
			return v.version()
		}
	}
	return archive.Version{}, versionNotFound(id, n)
}

// ListDocuments returns at most q.Limit documents, newest first, and
// whether more follow. It asks for one more than the page to know.
func (s *Store) ListDocuments(ctx context.Context, q archive.DocQuery) ([]archive.Document, bool, error) {
	lq, err := listDocumentsQuery(q)
	if err != nil {
		return nil, false, err
	}
	opts := options.Find().
		SetSort(lq.sort).
		SetHint(lq.hint).
		SetLimit(int64(q.Limit) + 1).
		SetProjection(documentProjection())
	cur, err := s.documents.Find(ctx, lq.filter, opts)
	if err != nil {
		return nil, false, classify(err, "list documents")
	}
	var ds []documentDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, false, classify(err, "list documents")
	}
	more := len(ds) > q.Limit
	if more {
		ds = ds[:q.Limit]
	}
	out := make([]archive.Document, 0, len(ds))
	for _, d := range ds {
		doc, err := d.document()
		if err != nil {
			return nil, false, err
		}
		out = append(out, doc)
	}
	return out, more, nil
}

// listQuery is what ListDocuments sends: the filter, the sort and the
// index it names as a hint.
type listQuery struct {
	filter bson.D
	sort   bson.D
	hint   string
}

// listDocumentsQuery builds ListDocuments' query. The conditions that a
// MongoDB-wire server can push down as equality (owner, one type, status)
// stay at the top level; the rest go into $and. The hint is listIndex's
// (see there and indexesListing in migrate.go for which index serves which
// shape on MongoDB).
func listDocumentsQuery(q archive.DocQuery) (listQuery, error) {
	if q.OwnerID == "" {
		return listQuery{}, invalidQuery("document query without owner")
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return listQuery{}, invalidQuery("page size %d is not within 1..1000", q.Limit)
	}
	filter := bson.D{{Key: "ownerId", Value: q.OwnerID}}
	switch len(q.TypeCodes) {
	case 0:
	case 1:
		filter = append(filter, bson.E{Key: "typeCode", Value: q.TypeCodes[0]})
	default:
		filter = append(filter, bson.E{Key: "typeCode", Value: bson.D{{Key: "$in", Value: q.TypeCodes}}})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(q.Status)})
	}
	var and bson.A
	if q.After != "" {
		and = append(and, bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.After}}}})
	}
	var words bson.A
	for _, w := range q.Words {
		if w == "" {
			continue
		}
		words = append(words, bson.D{{Key: "searchText", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(w)}}}})
	}
	switch {
	case len(words) == 0:
	case q.SearchVersion > 0:
		// Every word, or a text made by older rules (searchVersion below
		// q's or absent), for the caller to recompute.
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "$and", Value: words}},
			staleSearch(q.SearchVersion),
		}}})
	default:
		and = append(and, words...)
	}
	if !q.ValidOn.IsZero() {
		day := q.ValidOn.String()
		// A missing ValidFrom is stored as "", which sorts before every day.
		and = append(and,
			bson.D{{Key: "validFrom", Value: bson.D{{Key: "$lte", Value: day}}}},
			bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "permanent", Value: true}},
				bson.D{{Key: "validUntil", Value: ""}},
				bson.D{{Key: "validUntil", Value: bson.D{{Key: "$gte", Value: day}}}},
			}}},
		)
	}
	if q.Signed != nil {
		if *q.Signed {
			and = append(and, bson.D{{Key: "current.signature.signed", Value: true}})
		} else {
			and = append(and, bson.D{{Key: "current.signature.signed", Value: bson.D{{Key: "$ne", Value: true}}}})
		}
	}
	if !q.ExpiredOn.IsZero() {
		and = append(and,
			bson.D{{Key: "permanent", Value: false}},
			bson.D{{Key: "validUntil", Value: bson.D{{Key: "$gt", Value: ""}, {Key: "$lt", Value: q.ExpiredOn.String()}}}},
		)
	}
	if len(and) > 0 {
		filter = append(filter, bson.E{Key: "$and", Value: and})
	}
	return listQuery{filter: filter, sort: bson.D{{Key: "_id", Value: -1}}, hint: listIndex(q)}, nil
}

// staleSearch matches documents whose search text was made by rules older
// than version: searchVersion below it, or absent.
func staleSearch(version int) bson.D {
	return bson.D{{Key: "searchVersion", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gte", Value: version}}}}}}
}

// SetSearchText stores each update's text and version with one
// conditional update per document, {_id, rev, searchVersion below}; Rev
// does not change. Documents changed since, indexed already or gone are
// left alone.
func (s *Store) SetSearchText(ctx context.Context, updates []archive.SearchTextUpdate) error {
	for _, u := range updates {
		filter := append(bson.D{{Key: "_id", Value: u.ID}, {Key: "rev", Value: u.Rev}}, staleSearch(u.Version)...)
		update := bson.D{{Key: "$set", Value: bson.D{{Key: "searchText", Value: u.Text}, {Key: "searchVersion", Value: u.Version}}}}
		err := s.guard(ctx, collDocuments+"/"+u.ID, func() error {
			_, err := s.documents.UpdateOne(ctx, filter, update)
			return err
		})
		if err != nil {
			return classify(err, "set search text")
		}
	}
	return nil
}

// SetSignature replaces the signature of version n — versions[n-1], and
// current when n is the current version — and recomputes the indexed
// "blobs" array from the history, in one update guarded by versionCount
// (retried when a new version lands in between). Rev does not change. NotFound if
// no such document or version.
func (s *Store) SetSignature(ctx context.Context, id string, n int, sig *archive.SignatureSummary) error {
	return s.guard(ctx, collDocuments+"/"+id, func() error { return s.setSignature(ctx, id, n, sig) })
}

func (s *Store) setSignature(ctx context.Context, id string, n int, sig *archive.SignatureSummary) error {
	sd := fromSignature(sig)
	for attempt := 0; attempt < 5; attempt++ {
		var got struct {
			VersionCount int          `bson:"versionCount"`
			Versions     []versionDoc `bson:"versions"`
		}
		err := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
			options.FindOne().SetProjection(bson.D{{Key: "versionCount", Value: 1}, {Key: "versions", Value: 1}})).Decode(&got)
		if isNoDoc(err) {
			return documentNotFound(id, "set signature", err)
		}
		if err != nil {
			return classify(err, "set signature")
		}
		if n < 1 || n > got.VersionCount || n > len(got.Versions) || got.Versions[n-1].N != n {
			return versionNotFound(id, n)
		}
		// "blobs" is recomputed from the history with the new summary, so
		// that a replaced report no longer counts as referenced.
		got.Versions[n-1].Signature = sd
		blobs := []string{}
		for _, v := range got.Versions {
			for _, b := range v.blobsOf() {
				if !slices.Contains(blobs, b) {
					blobs = append(blobs, b)
				}
			}
		}
		path := "versions." + strconv.Itoa(n-1) + ".signature"
		set := bson.D{{Key: "blobs", Value: blobs}}
		var unset bson.D
		for _, p := range []string{path, "current.signature"} {
			if p == "current.signature" && n != got.VersionCount {
				continue
			}
			if sd == nil {
				unset = append(unset, bson.E{Key: p, Value: ""})
			} else {
				set = append(set, bson.E{Key: p, Value: sd})
			}
		}
		update := bson.D{{Key: "$set", Value: set}}
		if len(unset) > 0 {
			update = append(update, bson.E{Key: "$unset", Value: unset})
		}
		res, err := s.documents.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "versionCount", Value: got.VersionCount}}, update)
		if err != nil {
			return classify(err, "set signature")
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return kerr.New(kerr.Conflict, "document_changed", "Giấy tờ đã được thay đổi; vui lòng tải lại và thử lại.",
		"mongo: document %s kept getting new versions while its signature was set", id)
}

// IncReuse atomically adds 1 to the document's ReuseCount; Rev is not
// changed. NotFound if no document.
func (s *Store) IncReuse(ctx context.Context, id string) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collDocuments+"/"+id, func() (err error) {
		res, err = s.documents.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "reuseCount", Value: int64(1)}}}})
		return err
	})
	if err != nil {
		return classify(err, "count reuse")
	}
	if res.MatchedCount == 0 {
		return documentNotFound(id, "count reuse", nil)
	}
	return nil
}

// BlobReferenced reports whether any version of any document points at
// blob, using the indexed "blobs" array.
func (s *Store) BlobReferenced(ctx context.Context, blob string) (bool, error) {
	err := s.documents.FindOne(ctx, bson.D{{Key: "blobs", Value: blob}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if isNoDoc(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "blob referenced")
	}
	return true, nil
}
