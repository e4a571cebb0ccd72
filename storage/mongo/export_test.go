package mongo

import (
	"context"
	"fmt"
	"time"

	"github.com/kho-vn/kho/archive"
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
