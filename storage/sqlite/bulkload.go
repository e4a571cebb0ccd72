package sqlite

import (
	"context"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// MaxDossierBatch bounds CreateDossiers: the dossiers of one transaction.
const MaxDossierBatch = 10000

// CreateDossiers inserts new dossiers as CreateDossier would, each row
// and its name keys exactly as CreateDossier writes them, but in one
// transaction for the whole batch (at most MaxDossierBatch): for bulk
// loads (imports, the statistics benchmark over 1,000,000 dossiers), not
// for the lifecycle. The batch is all or nothing: Conflict
// (dossier_exists) if one code exists, Invalid (dossier_batch_too_large)
// if there are too many.
func (s *Store) CreateDossiers(ctx context.Context, ds []workflow.Dossier) error {
	if len(ds) > MaxDossierBatch {
		return kerr.New(kerr.Invalid, "dossier_batch_too_large", "Lô hồ sơ quá lớn.",
			"sqlite: %d dossiers in one batch, at most %d", len(ds), MaxDossierBatch)
	}
	exists := ""
	err := s.inTx(ctx, "create dossiers", func(tx *txn) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO dossiers (code, `+dossierCols+`) VALUES (?`+
			strings.Repeat(", ?", strings.Count(dossierCols, ",")+1)+`)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		name, err := tx.PrepareContext(ctx, `INSERT INTO dossier_names (word, code) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer name.Close()
		for _, d := range ds {
			args, err := dossierArgs(d)
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, append([]any{d.Code}, args...)...); err != nil {
				if isUnique(err) {
					exists = d.Code
				}
				return err
			}
			for _, k := range d.NameKeys() {
				if _, err := name.ExecContext(ctx, k, d.Code); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if exists != "" {
		return conflict("dossier_exists", "Mã hồ sơ đã tồn tại.", "sqlite: dossier %q exists", exists)
	}
	return err
}
