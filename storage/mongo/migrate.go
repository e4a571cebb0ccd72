package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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

// indexesV1 are the secondary indexes of schema version 1.
var indexesV1 = []index{
	// ListDocuments: an owner's documents newest first, paged by _id.
	{collDocuments, "owner_id", bson.D{{Key: "ownerId", Value: 1}, {Key: "_id", Value: -1}}, false},
	// ListDocuments filtered by type.
	{collDocuments, "owner_type_id", bson.D{{Key: "ownerId", Value: 1}, {Key: "typeCode", Value: 1}, {Key: "_id", Value: -1}}, false},
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
	for _, c := range []string{collOwners, collDocTypes, collProcedures, collDocuments, collReuses, collLedger, collLedgerHeads, collTokens, collMigrations, collLocks} {
		if have[c] {
			continue
		}
		// A concurrent Open may create it first: "already exists" is fine.
		if err := s.db.CreateCollection(ctx, c); err != nil && !collectionExists(err) {
			return classify(err, "create collection "+c)
		}
	}
	for _, ix := range indexesV1 {
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

// collectionExists reports whether err is "NamespaceExists" (code 48).
func collectionExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}
