package mongo

import (
	"context"
	"fmt"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// MaxDossierBatch bounds CreateDossiers: the dossiers of one call.
const MaxDossierBatch = 10000

// CreateDossiers inserts new dossiers, each document exactly as
// CreateDossier writes it, with one InsertMany (ordered: it stops at the
// first failure) for the whole batch (at most MaxDossierBatch): for bulk
// loads (imports, the statistics benchmark over 1,000,000 dossiers), not
// for the lifecycle. Unlike SQLite's, a failed batch may have inserted
// the dossiers before the failing one; each is whole, and loading the
// batch again reports Conflict (dossier_exists) for the first of them.
// Invalid (dossier_batch_too_large) if there are too many.
func (s *Store) CreateDossiers(ctx context.Context, ds []workflow.Dossier) error {
	if len(ds) > MaxDossierBatch {
		return newErr(kerr.Invalid, "dossier_batch_too_large", "Lô hồ sơ quá lớn.",
			fmt.Sprintf("%d dossiers in one batch, at most %d", len(ds), MaxDossierBatch), nil)
	}
	if len(ds) == 0 {
		return nil
	}
	docs := make([]any, len(ds))
	for i, d := range ds {
		doc, err := fromDossier(d)
		if err != nil {
			return err
		}
		docs[i] = doc
	}
	_, err := s.db.Collection(collDossiers).InsertMany(ctx, docs)
	if isDup(err) {
		return newErr(kerr.Conflict, "dossier_exists", "Mã hồ sơ đã tồn tại.", "create dossiers", err)
	}
	return classify(err, "create dossiers")
}
