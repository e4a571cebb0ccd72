package sqlite

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// CreateDocuments inserts docs in one transaction, as CreateDocument would
// one by one: the benchmark's fast seeding path.
func CreateDocuments(ctx context.Context, s *Store, docs []archive.Document) error {
	return s.createDocuments(ctx, docs)
}
