package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// scanBatch is how many entries ScanLedger reads per query: it never holds
// a read transaction open while fn runs.
const scanBatch = 500

// AppendLedger inserts e. Conflict if (e.Chain, e.Seq) exists.
func (s *Store) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	e.At = utcMs(e.At)
	body, err := json.Marshal(e)
	if err != nil {
		return s.fail("encode ledger entry", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO ledger (chain, seq, document_id, body) VALUES (?, ?, ?, ?)`,
		e.Chain, e.Seq, e.DocumentID, body)
	if isUnique(err) {
		return conflict("ledger_seq_taken", "Nhật ký truy cập vừa được ghi thêm; vui lòng thử lại.",
			"sqlite: ledger chain %q already has entry %d", e.Chain, e.Seq)
	}
	return s.fail("append ledger", err)
}

func decodeEntry(body []byte) (archive.LedgerEntry, error) {
	var e archive.LedgerEntry
	err := json.Unmarshal(body, &e)
	return e, err
}

// LastLedger returns the entry with the highest Seq in chain. NotFound if
// the chain is empty.
func (s *Store) LastLedger(ctx context.Context, chain string) (archive.LedgerEntry, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM ledger WHERE chain = ? ORDER BY seq DESC LIMIT 1`, chain).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.LedgerEntry{}, notFound("ledger_empty", "Nhật ký truy cập chưa có bản ghi nào.", "sqlite: ledger chain %q is empty", chain)
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

// ListLedger returns entries of q.Chain (of q.DocumentID if set) with Seq >
// q.AfterSeq in Seq order, at most q.Limit, and whether more follow.
// Invalid if Limit is outside 1..1000.
func (s *Store) ListLedger(ctx context.Context, q archive.LedgerQuery) ([]archive.LedgerEntry, bool, error) {
	if q.Limit < 1 || q.Limit > 1000 {
		return nil, false, kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "sqlite: LedgerQuery.Limit %d is outside 1..1000", q.Limit)
	}
	var (
		rows *sql.Rows
		err  error
	)
	if q.DocumentID != "" {
		rows, err = s.r.QueryContext(ctx,
			`SELECT body FROM ledger WHERE chain = ? AND document_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
			q.Chain, q.DocumentID, q.AfterSeq, q.Limit+1)
	} else {
		rows, err = s.r.QueryContext(ctx,
			`SELECT body FROM ledger WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?`,
			q.Chain, q.AfterSeq, q.Limit+1)
	}
	if err != nil {
		return nil, false, s.fail("list ledger", err)
	}
	defer rows.Close()
	var out []archive.LedgerEntry
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, false, s.fail("list ledger", err)
		}
		e, err := decodeEntry(body)
		if err != nil {
			return nil, false, s.fail("decode ledger entry", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.fail("list ledger", err)
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// ScanLedger calls fn for every entry ordered by Chain then Seq, in batches,
// and stops at fn's first error, returning it unchanged.
func (s *Store) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	var (
		chain string
		seq   int64
		first = true
	)
	for {
		var (
			rows *sql.Rows
			err  error
		)
		if first {
			rows, err = s.r.QueryContext(ctx, `SELECT body FROM ledger ORDER BY chain, seq LIMIT ?`, scanBatch)
		} else {
			rows, err = s.r.QueryContext(ctx, `SELECT body FROM ledger WHERE (chain, seq) > (?, ?) ORDER BY chain, seq LIMIT ?`, chain, seq, scanBatch)
		}
		if err != nil {
			return s.fail("scan ledger", err)
		}
		batch := make([]archive.LedgerEntry, 0, scanBatch)
		for rows.Next() {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				rows.Close()
				return s.fail("scan ledger", err)
			}
			e, err := decodeEntry(body)
			if err != nil {
				rows.Close()
				return s.fail("decode ledger entry", err)
			}
			batch = append(batch, e)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return s.fail("scan ledger", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		last := batch[len(batch)-1]
		chain, seq, first = last.Chain, last.Seq, false
	}
}

// AdvanceLedgerHead sets the chain's head to h if h.Seq is greater than the
// stored head's (or there is none).
func (s *Store) AdvanceLedgerHead(ctx context.Context, h archive.LedgerHead) error {
	_, err := s.w.ExecContext(ctx, `
		INSERT INTO ledger_heads (chain, seq, hash) VALUES (?, ?, ?)
		ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
		WHERE excluded.seq > ledger_heads.seq`,
		h.Chain, h.Seq, h.Hash)
	return s.fail("advance ledger head", err)
}

// LedgerHeads returns every chain's head, ordered by Chain.
func (s *Store) LedgerHeads(ctx context.Context) ([]archive.LedgerHead, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT chain, seq, hash FROM ledger_heads ORDER BY chain`)
	if err != nil {
		return nil, s.fail("ledger heads", err)
	}
	defer rows.Close()
	var out []archive.LedgerHead
	for rows.Next() {
		var h archive.LedgerHead
		if err := rows.Scan(&h.Chain, &h.Seq, &h.Hash); err != nil {
			return nil, s.fail("ledger heads", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("ledger heads", err)
	}
	return out, nil
}
