package mongo

import (
	"context"
	"fmt"
)

// AppliedVersion exposes the recorded schema version to tests.
func AppliedVersion(ctx context.Context, s *Store) (int, error) { return s.appliedVersion(ctx) }

// RunMigration runs migration v again (to test that it is idempotent).
func RunMigration(ctx context.Context, s *Store, v int) error {
	for _, m := range migrations {
		if m.Version == v {
			return m.Apply(ctx, s)
		}
	}
	return fmt.Errorf("no migration %d", v)
}
