package sqlite

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// ImportDocument inserts d and every one of its versions in one
// transaction (archive.TransferStore): the document row as
// CreateDocument writes it, with VersionCount and Current the last
// version's, then the earlier versions' rows.
func (s *Store) ImportDocument(ctx context.Context, d archive.Document, versions []archive.Version) error {
	if err := archive.CheckImportVersions(d, versions); err != nil {
		return err
	}
	var exists bool
	err := s.inTx(ctx, "import document", func(tx *txn) error {
		err := insertDocument(ctx, tx, d)
		if isUnique(err) {
			exists = true
		}
		if err != nil {
			return err
		}
		for _, v := range versions[:len(versions)-1] {
			body, err := encodeVersion(v)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO versions (document_id, n, blob, body, report_blob) VALUES (?, ?, ?, ?, ?)`,
				d.ID, v.N, v.Blob, body, reportBlob(v.Signature)); err != nil {
				return err
			}
		}
		return nil
	})
	if exists {
		return conflict("document_exists", "Giấy tờ đã tồn tại.", "sqlite: document %q exists", d.ID)
	}
	return err
}

var _ archive.TransferStore = (*Store)(nil)
