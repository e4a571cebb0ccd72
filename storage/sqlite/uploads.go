package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
)

// Upload intents (archive.UploadStore). An intent is a row of
// upload_intents (its body is the JSON of the intent without Blobs) and
// one row of upload_blobs per blob it names; a charge is a row of
// upload_charges, written in the same transaction as the change of the
// owner's usage that it records.

func errUploadNotFound(id string) error {
	return notFound("upload_not_found", "Không tìm thấy phiên tải lên.", "sqlite: no upload intent %q", id)
}

// BeginUpload inserts the intent and, when it charges anything, the charge,
// in one transaction: on a refused charge nothing is kept.
func (s *Store) BeginUpload(ctx context.Context, in archive.UploadIntent, limit int64) error {
	body, err := json.Marshal(uploadBody(in))
	if err != nil {
		return s.fail("encode upload", err)
	}
	exists := false
	err = s.inTx(ctx, "begin upload", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO upload_intents (id, created_at, body) VALUES (?, ?, ?)`,
			in.ID, in.CreatedAt.UnixMilli(), body)
		if isUnique(err) {
			exists = true
		}
		if err != nil || (in.Bytes == 0 && in.Docs == 0) {
			return err
		}
		return charge(ctx, tx, in.OwnerID, in.ID, in.Bytes, in.Docs, limit)
	})
	if exists {
		return conflict("upload_exists", "Phiên tải lên đã tồn tại.", "sqlite: upload intent %q exists", in.ID)
	}
	return err
}

// uploadBody is what the body column keeps: the intent without its blobs
// (they are rows of upload_blobs) and with its time in UTC milliseconds.
func uploadBody(in archive.UploadIntent) archive.UploadIntent {
	in.Blobs = nil
	in.CreatedAt = utcMs(in.CreatedAt)
	return in
}

// ChargeUpload implements archive.UploadStore.
func (s *Store) ChargeUpload(ctx context.Context, ownerID, id string, bytes, docs, limit int64) error {
	return s.inTx(ctx, "charge upload", func(tx *txn) error {
		return charge(ctx, tx, ownerID, id, bytes, docs, limit)
	})
}

// charge records the charge of upload id and adds it to the owner's
// usage, unless it is recorded already.
func charge(ctx context.Context, tx *txn, ownerID, id string, bytes, docs, limit int64) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO upload_charges (id, owner_id, bytes, docs) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, id, ownerID, bytes, docs)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // charged already
	}
	return addUsage(ctx, tx, ownerID, bytes, docs, limit)
}

// SettleUpload implements archive.UploadStore: the charge's row goes, and
// with release its amounts leave the usage, in one transaction.
func (s *Store) SettleUpload(ctx context.Context, ownerID, id string, release bool) error {
	return s.inTx(ctx, "settle upload", func(tx *txn) error {
		var bytes, docs int64
		err := tx.QueryRowContext(ctx, `DELETE FROM upload_charges WHERE id = ? AND owner_id = ? RETURNING bytes, docs`,
			id, ownerID).Scan(&bytes, &docs)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM owners WHERE id = ?`, ownerID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return errOwnerNotFound(ownerID)
			}
			return err
		}
		if err != nil || !release {
			return err
		}
		return addUsage(ctx, tx, ownerID, -bytes, -docs, 0)
	})
}

// ClaimBlob implements archive.UploadStore in one statement: the blob's
// row is made from the intent's, so a missing intent adds nothing.
func (s *Store) ClaimBlob(ctx context.Context, id, hash string) error {
	res, err := s.w.ExecContext(ctx, `
		INSERT INTO upload_blobs (hash, upload_id, created_at, seq)
		SELECT ?2, id, created_at, (SELECT count(*) FROM upload_blobs WHERE upload_id = ?1) FROM upload_intents WHERE id = ?1
		ON CONFLICT (hash, upload_id) DO NOTHING`, id, hash)
	if err != nil {
		return s.fail("claim blob", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("claim blob", err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.w.QueryRowContext(ctx, `SELECT 1 FROM upload_intents WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errUploadNotFound(id)
	}
	return s.fail("claim blob", err)
}

// KeepUploads implements archive.UploadStore in one statement (in a
// transaction, so that a Deferred store defers it too).
func (s *Store) KeepUploads(ctx context.Context, ownerID string, ids []string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return s.fail("keep uploads", err)
	}
	var n int64
	err = s.inTx(ctx, "keep uploads", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM upload_charges WHERE owner_id = ? AND id IN (SELECT value FROM json_each(?))`, ownerID, list)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil || n > 0 {
		return err
	}
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM owners WHERE id = ?`, ownerID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errOwnerNotFound(ownerID)
	}
	return s.fail("keep uploads", err)
}

// DeleteUploads implements archive.UploadStore in one transaction.
func (s *Store) DeleteUploads(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return s.fail("delete uploads", err)
	}
	return s.inTx(ctx, "delete uploads", func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM upload_blobs WHERE upload_id IN (SELECT value FROM json_each(?))`, list); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM upload_intents WHERE id IN (SELECT value FROM json_each(?))`, list)
		return err
	})
}

// The collector's queries, on the indexes upload_intents_created and
// upload_blobs' key (a test checks the query plans).
const (
	listUploadsQuery = `
		SELECT i.body, (SELECT group_concat(hash, ',') FROM (SELECT hash FROM upload_blobs b WHERE b.upload_id = i.id ORDER BY seq))
		FROM upload_intents i
		WHERE i.created_at < ? AND (i.created_at, i.id) > (?, ?)
		ORDER BY i.created_at, i.id
		LIMIT ?`
	blobClaimedQuery = `SELECT 1 FROM upload_blobs WHERE hash = ? AND created_at >= ? LIMIT 1`
)

// ListUploads implements archive.UploadStore on the index
// upload_intents_created; each intent's blobs come with it.
func (s *Store) ListUploads(ctx context.Context, before time.Time, after archive.UploadCursor, limit int) ([]archive.UploadIntent, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	afterMs := int64(-1 << 62)
	if !after.CreatedAt.IsZero() || after.ID != "" {
		afterMs = after.CreatedAt.UnixMilli()
	}
	rows, err := s.r.QueryContext(ctx, listUploadsQuery, before.UnixMilli(), afterMs, after.ID, limit)
	if err != nil {
		return nil, s.fail("list uploads", err)
	}
	defer rows.Close()
	var out []archive.UploadIntent
	for rows.Next() {
		var (
			body  []byte
			blobs sql.NullString
			in    archive.UploadIntent
		)
		if err := rows.Scan(&body, &blobs); err != nil {
			return nil, s.fail("list uploads", err)
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, s.fail("decode upload", err)
		}
		if blobs.String != "" {
			in.Blobs = strings.Split(blobs.String, ",")
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list uploads", err)
	}
	return out, nil
}

// BlobClaimed implements archive.UploadStore on upload_blobs' key.
func (s *Store) BlobClaimed(ctx context.Context, hash string, since time.Time) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, blobClaimedQuery, hash, since.UnixMilli()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("blob claimed", err)
	}
	return true, nil
}
