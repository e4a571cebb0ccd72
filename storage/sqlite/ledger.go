package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kho-vn/kho/archive"
)

// scanBatch is how many entries ScanLedger reads per query: it never holds
// a read transaction open while fn runs.
const scanBatch = 500

// AppendLedger inserts e. Conflict if (e.Chain, e.Lane, e.Seq) exists.
func (s *Store) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	e.At = utcMs(e.At)
	body, err := json.Marshal(e)
	if err != nil {
		return s.fail("encode ledger entry", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO ledger (chain, lane, seq, key, document_id, body) VALUES (?, ?, ?, ?, ?, ?)`,
		e.Chain, e.Lane, e.Seq, archive.LedgerKey(e), e.DocumentID, body)
	if isUnique(err) {
		return conflict("ledger_seq_taken", "Nhật ký truy cập vừa được ghi thêm; vui lòng thử lại.",
			"sqlite: ledger lane %q/%q already has entry %d", e.Chain, e.Lane, e.Seq)
	}
	return s.fail("append ledger", err)
}

func decodeEntry(body []byte) (archive.LedgerEntry, error) {
	var e archive.LedgerEntry
	err := json.Unmarshal(body, &e)
	return e, err
}

// LastLedger returns the entry with the highest Seq in the lane. NotFound
// if the lane is empty.
func (s *Store) LastLedger(ctx context.Context, chain, lane string) (archive.LedgerEntry, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM ledger WHERE chain = ? AND lane = ? ORDER BY seq DESC LIMIT 1`, chain, lane).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.LedgerEntry{}, notFound("ledger_empty", "Nhật ký truy cập chưa có bản ghi nào.", "sqlite: ledger lane %q/%q is empty", chain, lane)
	}
	if err != nil {
		return archive.LedgerEntry{}, s.fail("last ledger entry", err)
	}
	e, err := decodeEntry(body)
	if err != nil {
		return archive.LedgerEntry{}, s.fail("decode ledger entry", err)
	}
	return e, nil
}

// ListLedger returns entries of q.Chain (of q.DocumentID if set), every
// lane, with LedgerKey > q.After in key order, at most q.Limit, and
// whether more follow.
func (s *Store) ListLedger(ctx context.Context, q archive.LedgerQuery) ([]archive.LedgerEntry, bool, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	var (
		rows *sql.Rows
		err  error
	)
	if q.DocumentID != "" {
		rows, err = s.r.QueryContext(ctx,
			`SELECT body FROM ledger WHERE chain = ? AND document_id = ? AND key > ? ORDER BY key LIMIT ?`,
			q.Chain, q.DocumentID, q.After, q.Limit+1)
	} else {
		rows, err = s.r.QueryContext(ctx,
			`SELECT body FROM ledger WHERE chain = ? AND key > ? ORDER BY key LIMIT ?`,
			q.Chain, q.After, q.Limit+1)
	}
	if err != nil {
		return nil, false, s.fail("list ledger", err)
	}
	out, err := jsonRows[archive.LedgerEntry](s, rows, "list ledger", "ledger entry")
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// LedgerSince returns at most limit entries with LedgerKey > afterKey, in
// key order.
func (s *Store) LedgerSince(ctx context.Context, afterKey string, limit int) ([]archive.LedgerEntry, error) {
	if limit < 1 {
		return nil, checkLimit(limit)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM ledger WHERE key > ? ORDER BY key LIMIT ?`, afterKey, limit)
	if err != nil {
		return nil, s.fail("ledger since", err)
	}
	return jsonRows[archive.LedgerEntry](s, rows, "ledger since", "ledger entry")
}

// ScanLedger calls fn for every entry ordered by Chain, Lane, then Seq, in
// batches, and stops at fn's first error, returning it unchanged.
func (s *Store) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	var (
		last  archive.LedgerEntry
		first = true
	)
	for {
		var (
			rows *sql.Rows
			err  error
		)
		if first {
			rows, err = s.r.QueryContext(ctx, `SELECT body FROM ledger ORDER BY chain, lane, seq LIMIT ?`, scanBatch)
		} else {
			rows, err = s.r.QueryContext(ctx, `SELECT body FROM ledger WHERE (chain, lane, seq) > (?, ?, ?) ORDER BY chain, lane, seq LIMIT ?`,
				last.Chain, last.Lane, last.Seq, scanBatch)
		}
		if err != nil {
			return s.fail("scan ledger", err)
		}
		batch, err := jsonRows[archive.LedgerEntry](s, rows, "scan ledger", "ledger entry")
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		last, first = batch[len(batch)-1], false
	}
}

// ---- the Merkle log of lane heads and its checkpoints -----------------------

// hashSize is the size of one stored tree hash (SHA-256).
const hashSize = 32

// AppendLogLeaves inserts leaves in one transaction. Conflict if one of
// their N exists (none is then stored).
func (s *Store) AppendLogLeaves(ctx context.Context, leaves []archive.LogLeaf) error {
	if len(leaves) == 0 {
		return nil
	}
	dup := false
	err := s.inTx(ctx, "append log leaves", func(tx *txn) error {
		for _, l := range leaves {
			var hashes []byte
			for _, h := range l.Hashes {
				if len(h) != hashSize {
					return fmt.Errorf("leaf %d: stored hash of %d bytes", l.N, len(h))
				}
				hashes = append(hashes, h...)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO ledger_log (n, chain, lane, seq, hash, hashes) VALUES (?, ?, ?, ?, ?, ?)`,
				l.N, l.Chain, l.Lane, l.Seq, l.Hash, hashes)
			if isUnique(err) {
				dup = true
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if dup {
		return conflict("log_leaf_taken", "Nhật ký truy cập đang được chốt bởi tiến trình khác.",
			"sqlite: a leaf of the ledger log at %d..%d exists", leaves[0].N, leaves[len(leaves)-1].N)
	}
	return err
}

// LogSize returns the number of leaves.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT max(n) FROM ledger_log`).Scan(&n); err != nil {
		return 0, s.fail("log size", err)
	}
	if !n.Valid {
		return 0, nil
	}
	return n.Int64 + 1, nil
}

const leafColumns = `n, chain, lane, seq, hash, hashes`

func (s *Store) leaves(rows *sql.Rows, op string) ([]archive.LogLeaf, error) {
	defer rows.Close()
	var out []archive.LogLeaf
	for rows.Next() {
		var (
			l      archive.LogLeaf
			hashes []byte
		)
		if err := rows.Scan(&l.N, &l.Chain, &l.Lane, &l.Seq, &l.Hash, &hashes); err != nil {
			return nil, s.fail(op, err)
		}
		if len(hashes)%hashSize != 0 {
			return nil, s.fail(op, fmt.Errorf("leaf %d: stored hashes of %d bytes", l.N, len(hashes)))
		}
		for i := 0; i < len(hashes); i += hashSize {
			l.Hashes = append(l.Hashes, hashes[i:i+hashSize:i+hashSize])
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// LogLeaves returns the leaves with the given N, in N order.
func (s *Store) LogLeaves(ctx context.Context, ns []int64) ([]archive.LogLeaf, error) {
	if len(ns) == 0 {
		return nil, nil
	}
	args := make([]any, len(ns))
	for i, n := range ns {
		args[i] = n
	}
	// The IN list's length varies: run it unprepared rather than fill the
	// statement cache with one text per length.
	q := `SELECT ` + leafColumns + ` FROM ledger_log WHERE n IN (?` + strings.Repeat(", ?", len(ns)-1) + `) ORDER BY n`
	rows, err := s.r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("log leaves", err)
	}
	return s.leaves(rows, "log leaves")
}

// ScanLogLeaves calls fn for every leaf in N order, in batches.
func (s *Store) ScanLogLeaves(ctx context.Context, fn func(archive.LogLeaf) error) error {
	next := int64(0)
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT `+leafColumns+` FROM ledger_log WHERE n >= ? ORDER BY n LIMIT ?`, next, scanBatch)
		if err != nil {
			return s.fail("scan log leaves", err)
		}
		batch, err := s.leaves(rows, "scan log leaves")
		if err != nil {
			return err
		}
		for _, l := range batch {
			if err := fn(l); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		next = batch[len(batch)-1].N + 1
	}
}

// LaneLeaves returns, per lane of chain, the leaf with the highest Seq
// among those with N < below.
func (s *Store) LaneLeaves(ctx context.Context, chain string, below int64) ([]archive.LogLeaf, error) {
	// SQLite returns the other columns of the row that holds max(seq).
	rows, err := s.r.QueryContext(ctx, `SELECT n, chain, lane, max(seq), hash, hashes FROM ledger_log
		WHERE chain = ? AND n < ? GROUP BY lane ORDER BY lane`, chain, below)
	if err != nil {
		return nil, s.fail("lane leaves", err)
	}
	return s.leaves(rows, "lane leaves")
}

// AddCheckpoint inserts c. Conflict if a checkpoint of c.Size exists.
func (s *Store) AddCheckpoint(ctx context.Context, c archive.Checkpoint) error {
	c.At = utcMs(c.At)
	body, err := json.Marshal(c)
	if err != nil {
		return s.fail("encode checkpoint", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO ledger_checkpoints (size, body) VALUES (?, ?)`, c.Size, body)
	if isUnique(err) {
		return conflict("checkpoint_exists", "Điểm chốt nhật ký này đã có.", "sqlite: a checkpoint of size %d exists", c.Size)
	}
	return s.fail("add checkpoint", err)
}

// LatestCheckpoint returns the checkpoint with the highest Size. NotFound
// if none.
func (s *Store) LatestCheckpoint(ctx context.Context) (archive.Checkpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`)
	if err != nil {
		return archive.Checkpoint{}, s.fail("latest checkpoint", err)
	}
	cs, err := jsonRows[archive.Checkpoint](s, rows, "latest checkpoint", "checkpoint")
	if err != nil {
		return archive.Checkpoint{}, err
	}
	if len(cs) == 0 {
		return archive.Checkpoint{}, notFound("no_checkpoint", "Nhật ký truy cập chưa được chốt lần nào.", "sqlite: no ledger checkpoint")
	}
	return cs[0], nil
}

// Checkpoints returns at most limit checkpoints with Size > afterSize.
func (s *Store) Checkpoints(ctx context.Context, afterSize int64, limit int) ([]archive.Checkpoint, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM ledger_checkpoints WHERE size > ? ORDER BY size LIMIT ?`, afterSize, limit)
	if err != nil {
		return nil, s.fail("checkpoints", err)
	}
	return jsonRows[archive.Checkpoint](s, rows, "checkpoints", "checkpoint")
}
