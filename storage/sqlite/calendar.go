package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kho-vn/kho/workflow/calendar"
)

var _ calendar.Store = (*Store)(nil)

// GetCalendar implements calendar.Store.
func (s *Store) GetCalendar(ctx context.Context, agency string) (calendar.Record, error) {
	var (
		r       = calendar.Record{Agency: agency}
		updated sql.NullInt64
	)
	err := s.r.QueryRowContext(ctx, `SELECT rev, updated_at, updated_by, body FROM calendars WHERE agency = ?`, agency).
		Scan(&r.Rev, &updated, &r.UpdatedBy, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return calendar.Record{}, calendar.ErrNotFound(agency)
	}
	if err != nil {
		return calendar.Record{}, s.fail("get calendar", err)
	}
	r.UpdatedAt = fromMillis(updated)
	return r, nil
}

// PutCalendar implements calendar.Store: an insert at revision 1, or an
// update guarded by the revision in its WHERE clause.
func (s *Store) PutCalendar(ctx context.Context, r calendar.Record, expectedRev int64) error {
	if expectedRev == 0 {
		_, err := s.w.ExecContext(ctx, `INSERT INTO calendars (agency, rev, updated_at, updated_by, body) VALUES (?, 1, ?, ?, ?)`,
			r.Agency, millis(r.UpdatedAt), r.UpdatedBy, string(r.Body))
		if isUnique(err) {
			return calendar.ErrChanged(r.Agency, expectedRev)
		}
		return s.fail("put calendar", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE calendars SET rev = rev + 1, updated_at = ?, updated_by = ?, body = ? WHERE agency = ? AND rev = ?`,
		millis(r.UpdatedAt), r.UpdatedBy, string(r.Body), r.Agency, expectedRev)
	if err != nil {
		return s.fail("put calendar", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("put calendar", err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM calendars WHERE agency = ?`, r.Agency).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return calendar.ErrNotFound(r.Agency)
	}
	if err != nil {
		return s.fail("put calendar", err)
	}
	return calendar.ErrChanged(r.Agency, expectedRev)
}
