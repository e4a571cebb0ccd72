package mongo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// AppliedVersion exposes the recorded schema version to tests.
func AppliedVersion(ctx context.Context, s *Store) (int, error) { return s.appliedVersion(ctx) }

// RunMigration runs migration v again (to test that it is idempotent).
func RunMigration(ctx context.Context, s *Store, v int) error {
	for _, m := range schemaMigrations {
		if m.Version == v {
			return m.Apply(ctx, s)
		}
	}
	return fmt.Errorf("no migration %d", v)
}

// LocksWrites reports whether s serialises updates with write locks.
func LocksWrites(s *Store) bool { return s.lockWrites }

// PlantLock inserts a write lock on key taken at the given time, as a
// crashed process would leave it.
func PlantLock(ctx context.Context, s *Store, key string, at time.Time) error {
	_, err := s.locks.InsertOne(ctx, lockDoc{ID: key, Token: "planted", At: at})
	return err
}

// SeedDocuments inserts docs (first versions, as CreateDocument would)
// with InsertMany in batches of batch: the benchmark's fast loader.
func SeedDocuments(ctx context.Context, s *Store, docs []archive.Document, batch int) error {
	return s.insertDocuments(ctx, docs, batch)
}

// WithMonitor makes Open's client report every command to m.
func WithMonitor(m *event.CommandMonitor) Option {
	return func(c *config) { c.monitor = m }
}

// PlantHolderLock inserts a write lock on key held by the instance holder,
// taken at the given time.
func PlantHolderLock(ctx context.Context, s *Store, key, holder string, at time.Time) error {
	_, err := s.locks.InsertOne(ctx, lockDoc{ID: key, Token: "planted-" + holder, At: at, Holder: holder})
	return err
}

// PlantHolder writes the liveness record of an instance at a given beat,
// as a process that then crashed would leave it.
func PlantHolder(ctx context.Context, s *Store, holder string, beat int64) error {
	_, err := s.lockHolders.InsertOne(ctx, holderDoc{ID: holder, Beat: beat, At: time.Now().UTC()})
	return err
}

// Instance returns the instance ID s writes in its locks ("" on a server
// without write locks).
func Instance(s *Store) string { return s.holders.id }

// IndexKeys returns the indexes of a collection: name → keys as
// "field:order,…".
func IndexKeys(ctx context.Context, s *Store, coll string) (map[string]string, error) {
	cur, err := s.db.Collection(coll).Indexes().List(ctx)
	if err != nil {
		return nil, err
	}
	var specs []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, sp := range specs {
		var parts []string
		for _, e := range sp.Key {
			parts = append(parts, fmt.Sprintf("%s:%v", e.Key, e.Value))
		}
		out[sp.Name] = strings.Join(parts, ",")
	}
	return out, nil
}

// ListQuery returns the filter, sort and hint that ListDocuments sends for q.
func ListQuery(q archive.DocQuery) (filter, sort bson.D, hint string, err error) {
	lq, err := listDocumentsQuery(q)
	return lq.filter, lq.sort, lq.hint, err
}

// Index is one secondary index that the migrations create.
type Index struct {
	Coll, Name string
	Keys       bson.D
	Unique     bool
}

// SchemaIndexes returns the secondary indexes of every migration that
// creates some (add a new migration's list here).
func SchemaIndexes() []Index {
	var out []Index
	for _, list := range [][]index{indexesV1, indexesForms, indexesListing, indexesLanes, indexesWorkflow, indexesDeadlineScan} {
		for _, ix := range list {
			out = append(out, Index{Coll: ix.coll, Name: ix.name, Keys: ix.keys, Unique: ix.unique})
		}
	}
	return out
}

// MaxSortMergeScans is the most point scans MongoDB merges in sort order.
const MaxSortMergeScans = maxSortMergeScans

// PlantLegacyLedger makes the ledger look as a database of schema 3 left
// it — the unique (chain, seq) index instead of the lanes' indexes — and
// inserts es as such a database held them: no lane, no key, _id chain/seq.
func PlantLegacyLedger(ctx context.Context, s *Store, es []archive.LedgerEntry) error {
	for _, ix := range indexesLanes {
		if ix.coll == collLedger {
			if err := s.ledger.Indexes().DropOne(ctx, ix.name); err != nil {
				return err
			}
		}
	}
	for _, ix := range indexesV1 {
		if ix.coll == collLedger {
			opts := options.Index().SetName(ix.name).SetUnique(ix.unique)
			if _, err := s.ledger.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: opts}); err != nil {
				return err
			}
		}
	}
	for _, e := range es {
		d := fromLedger(e)
		doc := bson.D{{Key: "_id", Value: d.ID}, {Key: "chain", Value: d.Chain}, {Key: "seq", Value: d.Seq}, {Key: "at", Value: d.At},
			{Key: "actor", Value: d.Actor}, {Key: "actorRole", Value: d.ActorRole}, {Key: "action", Value: d.Action},
			{Key: "documentId", Value: d.DocumentID}, {Key: "version", Value: d.Version}, {Key: "purpose", Value: d.Purpose},
			{Key: "dossier", Value: d.Dossier}, {Key: "prevHash", Value: d.PrevHash}, {Key: "hash", Value: d.Hash}}
		if _, err := s.ledger.InsertOne(ctx, doc); err != nil {
			return err
		}
	}
	return nil
}

// CollectionNames lists the collections of s's database.
func CollectionNames(ctx context.Context, s *Store) ([]string, error) {
	return s.db.ListCollectionNames(ctx, bson.D{})
}

// DatabaseName is the name of the store's database, to open another
// store on it.
func (s *Store) DatabaseName() string { return s.db.Name() }

// DossierFilter is the filter ListDossiers and CountDossiers send for q.
func DossierFilter(q workflow.DossierQuery) (bson.D, error) { return dossierFilter(q) }

// SeedDossiers inserts dossiers as CreateDossier stores them, in batches,
// for tests that need many.
func SeedDossiers(ctx context.Context, s *Store, ds []workflow.Dossier, batch int) error {
	for len(ds) > 0 {
		n := min(batch, len(ds))
		docs := make([]any, n)
		for i, d := range ds[:n] {
			doc, err := fromDossier(d)
			if err != nil {
				return err
			}
			docs[i] = doc
		}
		if _, err := s.db.Collection(collDossiers).InsertMany(ctx, docs); err != nil {
			return err
		}
		ds = ds[n:]
	}
	return nil
}

// WatchFilter is the filter of DossiersDueBefore.
func WatchFilter(before time.Time, after string) bson.D { return watchFilter(before, after) }
