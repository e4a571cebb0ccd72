package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
)

// schemaID is the _id of the one record in the migrations collection; its
// "version" is the highest migration applied.
const schemaID = "schema"

// migration is one versioned change of the database's shape. Apply must be
// idempotent: several processes may open the same database at once, and a
// crash between Apply and recording the version runs it again.
type migration struct {
	Version int
	Name    string
	Apply   func(ctx context.Context, s *Store) error
}

// schemaMigrations lists every migration in order. Append only: never edit or
// renumber an applied one.
var schemaMigrations = []migration{
	{1, "collections and indexes", migrateV1},
	{2, "eForm drafts and published definitions", migrateForms},
	{3, "leases of background jobs", migrateJobs},
	{4, "intents of unfinished uploads", migrateUploads},
	{5, "listing indexes by status and signature", migrateListing},
	{6, "ledger lanes, Merkle log and checkpoints", migrateLedgerLanes},
	{7, "drop the per-chain ledger heads (replaced by checkpoints)", migrateDropLedgerHeads},
	{8, "working-time calendars", migrateCalendars},
	{9, "notifications and the notification outbox", migrateNotify},
	{10, "register of issued papers", migrateIssued},
	{11, "dossier lifecycle: agencies, procedures, processes, staff, dossiers", migrateWorkflow},
	{12, "the deadline scan's index of dossiers", migrateDeadlineScan},
	{13, "shares of papers with consent", migrateShares},
	{14, "web sign-in: accounts, sessions, throttles of failed sign-ins, challenge nonces", migrateSignIn},
	{15, "fixity checking: findings and runs", migrateFixity},
	{16, "paper copies of electronic papers", migratePaperCopies},
	{17, "long-term validation renewal: signed documents by validation expiry", migrateLTV},
	{18, "archive retention: retention records and disposal lists", migrateRetention},
	{19, "batches of digitisation", migrateScans},
	{20, "the archive's renditions of versions", migrateRenditions},
	{21, "fixity over the pending batches' PDFs: scans by status and blob", migrateFixitySources},
	// Reports — Dossier statistics engine (st-engine).
	{22, "dossier statistics: pending dossiers, buckets of dossiers, aggregate buckets", migrateStats},
	// Reports — Report templates, saved and periodic reports (st-templates).
	{23, "report templates and their periodic runs", migrateReportTemplates},
	{24, "the EMC feed: outbox, delivery log, dossiers by update time", migrateEMC},
	{25, "vault statistics: monthly aggregates, owners by used bytes", migrateVaultStats},
}

// migrateDropLedgerHeads drops the ledger_heads collection that migration
// 1 made: since lanes (migration 6) the signed checkpoints anchor the
// ledger, and nothing reads the heads. Dropping a collection that is not
// there succeeds, so it is idempotent.
func migrateDropLedgerHeads(ctx context.Context, s *Store) error {
	return classify(s.db.Collection(collLedgerHeads).Drop(ctx), "drop "+collLedgerHeads)
}

// SchemaVersion is the highest migration this build knows.
func SchemaVersion() int { return schemaMigrations[len(schemaMigrations)-1].Version }

// schemaDoc is the record in the migrations collection.
type schemaDoc struct {
	ID        string    `bson:"_id"`
	Version   int       `bson:"version"`
	Name      string    `bson:"name"`
	AppliedAt time.Time `bson:"appliedAt"`
}

// migrate applies every migration newer than the recorded version.
func (s *Store) migrate(ctx context.Context) error {
	current, err := s.appliedVersion(ctx)
	if err != nil {
		return err
	}
	if current > SchemaVersion() {
		s.log.Warn("mongo: database schema is newer than this build", "database", s.db.Name(), "schema", current, "known", SchemaVersion())
		return nil
	}
	for _, m := range schemaMigrations {
		if m.Version <= current {
			continue
		}
		s.log.Info("mongo: applying migration", "database", s.db.Name(), "version", m.Version, "name", m.Name)
		if err := m.Apply(ctx, s); err != nil {
			return err
		}
		if err := s.recordVersion(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// appliedVersion returns the recorded schema version (0 for a new database).
func (s *Store) appliedVersion(ctx context.Context) (int, error) {
	var d schemaDoc
	err := s.migrations.FindOne(ctx, bson.D{{Key: "_id", Value: schemaID}}).Decode(&d)
	if isNoDoc(err) {
		return 0, nil
	}
	if err != nil {
		return 0, classify(err, "read schema version")
	}
	return d.Version, nil
}

// recordVersion raises the recorded version to m.Version; it never lowers
// it (a newer process may have gone further meanwhile).
func (s *Store) recordVersion(ctx context.Context, m migration) error {
	filter := bson.D{{Key: "_id", Value: schemaID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: m.Version}}}}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "version", Value: m.Version},
		{Key: "name", Value: m.Name},
		{Key: "appliedAt", Value: time.Now().UTC()},
	}}}
	return s.guard(ctx, collMigrations+"/"+schemaID, func() error {
		return raiseUpsert(ctx, s.migrations, filter, update, "record schema version")
	})
}

// raiseUpsert applies update to the record matched by filter, inserting it
// when it does not exist. filter holds the record's _id and a condition
// ("value below the new one") that makes the change monotonic. When the
// record exists but fails the condition, the upsert attempts an insert and
// hits a duplicate key: that means "already at or past the new value",
// unless the record was created concurrently by someone with a lower value,
// which the retry without upsert settles.
func raiseUpsert(ctx context.Context, coll *mongo.Collection, filter, update bson.D, op string) error {
	_, err := coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if err == nil {
		return nil
	}
	if !isDup(err) {
		return classify(err, op)
	}
	_, err = coll.UpdateOne(ctx, filter, update)
	return classify(err, op)
}

// index describes one secondary index.
type index struct {
	coll   string
	name   string
	keys   bson.D
	unique bool
}

// The indexes of an owner's documents that ListDocuments names as its hint
// (listIndex).
const (
	ixOwnerID           = "owner_id"
	ixOwnerTypeID       = "owner_type_id"
	ixOwnerStatusID     = "owner_status_id"
	ixOwnerTypeStatusID = "owner_type_status_id"
	ixOwnerSignedID     = "owner_signed_id"
)

// indexesV1 are the secondary indexes of schema version 1.
var indexesV1 = []index{
	// ListDocuments: an owner's documents newest first, paged by _id.
	{collDocuments, ixOwnerID, bson.D{{Key: "ownerId", Value: 1}, {Key: "_id", Value: -1}}, false},
	// ListDocuments filtered by type.
	{collDocuments, ixOwnerTypeID, bson.D{{Key: "ownerId", Value: 1}, {Key: "typeCode", Value: 1}, {Key: "_id", Value: -1}}, false},
	// TypeStats over all owners.
	{collDocuments, "type", bson.D{{Key: "typeCode", Value: 1}}, false},
	// BlobReferenced: every version's blob hash (multikey).
	{collDocuments, "blobs", bson.D{{Key: "blobs", Value: 1}}, false},
	// ListReuses: a document's records, oldest first.
	{collReuses, "document_at", bson.D{{Key: "documentId", Value: 1}, {Key: "at", Value: 1}, {Key: "_id", Value: 1}}, false},
	// The ledger: one entry per (chain, seq); also serves ScanLedger's order.
	{collLedger, "chain_seq", bson.D{{Key: "chain", Value: 1}, {Key: "seq", Value: 1}}, true},
	// ListLedger for one document.
	{collLedger, "chain_document_seq", bson.D{{Key: "chain", Value: 1}, {Key: "documentId", Value: 1}, {Key: "seq", Value: 1}}, false},
	// TokenByHash; a hash identifies one token.
	{collTokens, "hash", bson.D{{Key: "hash", Value: 1}}, true},
}

// migrateV1 creates the collections and their indexes. Creating an index
// that exists with the same name and keys is a no-op, so it is idempotent.
func migrateV1(ctx context.Context, s *Store) error {
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return classify(err, "list collections")
	}
	have := make(map[string]bool, len(existing))
	for _, n := range existing {
		have[n] = true
	}
	var missing []string
	for _, c := range []string{collOwners, collDocTypes, collProcedures, collDocuments, collReuses, collLedger, collLedgerHeads, collTokens, collMigrations, collLocks} {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if err := s.createCollections(ctx, missing...); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesV1)
}

// createCollections creates the collections names. One that exists (a
// concurrent Open may create it first) is fine.
func (s *Store) createCollections(ctx context.Context, names ...string) error {
	for _, c := range names {
		if err := s.db.CreateCollection(ctx, c); err != nil && !collectionExists(err) {
			return classify(err, "create collection "+c)
		}
	}
	return nil
}

// createIndexes creates ixs. Creating an index that exists with the same
// name and keys is a no-op.
func (s *Store) createIndexes(ctx context.Context, ixs []index) error {
	for _, ix := range ixs {
		opts := options.Index().SetName(ix.name)
		if ix.unique {
			opts.SetUnique(true)
		}
		_, err := s.db.Collection(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: opts})
		if err != nil {
			return classify(err, "create index "+ix.coll+"."+ix.name)
		}
	}
	return nil
}

// indexesListing are the indexes of migration 5: with those of version 1,
// every shape of ListDocuments' query is served on MongoDB by one index
// that holds its equality fields, then the sort key _id (the ESR rule:
// equality, sort, range), so that the page is read in order and no
// in-memory (blocking) sort happens. listIndex names the index as a hint;
// TestListDocumentsIndexes checks every shape against these definitions.
//
//	shape (with ownerId)         index                  plan on MongoDB
//	-                            owner_id               IXSCAN in _id order
//	one type                     owner_type_id          IXSCAN in _id order
//	types $in (k ≤ 200)          owner_type_id          k IXSCANs merged in _id order (SORT_MERGE)
//	types $in (k > 200)          owner_id (typeCode in FETCH)
//	status                       owner_status_id        IXSCAN in _id order
//	type(s) and status           owner_type_status_id   IXSCAN, or SORT_MERGE for $in
//	signed=true                  owner_signed_id        IXSCAN in _id order
//	signed=true with type/status the type/status index  (signed filtered in FETCH)
//	status=expired               owner_status_id        (permanent: false filtered in FETCH)
//
// The other conditions — words (a regex on searchText), validity and
// expiry (ranges, $or), signed=false ($ne) — are filtered in FETCH on the
// documents the index yields in order; the after-cursor ($lt on _id)
// bounds the index scan itself. Each stops after the page (limit + 1).
var indexesListing = []index{
	// ListDocuments filtered by status (and, from the service, expiry).
	{collDocuments, ixOwnerStatusID, bson.D{{Key: "ownerId", Value: 1}, {Key: "status", Value: 1}, {Key: "_id", Value: -1}}, false},
	// ListDocuments filtered by type(s) and status.
	{collDocuments, ixOwnerTypeStatusID, bson.D{{Key: "ownerId", Value: 1}, {Key: "typeCode", Value: 1}, {Key: "status", Value: 1}, {Key: "_id", Value: -1}}, false},
	// ListDocuments of signed documents (?signed=true).
	{collDocuments, ixOwnerSignedID, bson.D{{Key: "ownerId", Value: 1}, {Key: "current.signature.signed", Value: 1}, {Key: "_id", Value: -1}}, false},
}

// migrateListing creates indexesListing (idempotent).
func migrateListing(ctx context.Context, s *Store) error {
	return s.createIndexes(ctx, indexesListing)
}

// maxSortMergeScans is MongoDB's internalQueryMaxScansToExplode (default
// 200): the planner merges at most that many point scans of an index in
// sort order (SORT_MERGE); beyond it, it would sort in memory.
const maxSortMergeScans = 200

// listIndex is the index ListDocuments' query for q names as its hint, so
// that MongoDB's plan is the one of the table above whatever its plan
// cache holds. FerretDB 1.24 accepts the hint and ignores it.
func listIndex(q archive.DocQuery) string {
	byType := len(q.TypeCodes) >= 1 && len(q.TypeCodes) <= maxSortMergeScans
	byStatus := q.Status != ""
	switch {
	case byType && byStatus:
		return ixOwnerTypeStatusID
	case byType:
		return ixOwnerTypeID
	case byStatus:
		return ixOwnerStatusID
	case q.Signed != nil && *q.Signed:
		return ixOwnerSignedID
	}
	return ixOwnerID
}

// collectionExists reports whether err is "NamespaceExists" (code 48).
func collectionExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}
