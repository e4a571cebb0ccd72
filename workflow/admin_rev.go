package workflow

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Rev is the revision of an agency or a staff entry that a form carries
// to change it: its UpdatedAt in Unix milliseconds (0: not stored yet).
func Rev(updated time.Time) int64 {
	if updated.IsZero() {
		return 0
	}
	return updated.UnixMilli()
}

// PutAgencyAt is PutAgency over the revision rev the admin saw (Rev of
// its UpdatedAt; 0: a new agency): Conflict "agency_exists" when a new
// one's code is taken, "agency_changed" when the stored one is at another
// revision. The check and the write are two store calls: two admins
// saving within the same instant may still both pass (the store has no
// conditional write of agencies).
func (s *Service) PutAgencyAt(ctx context.Context, a archive.Actor, ag Agency, rev int64) (Agency, error) {
	if err := checkAdmin(a); err != nil {
		return Agency{}, err
	}
	cur, err := s.store.GetAgency(ctx, ag.Code)
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		if rev != 0 {
			return Agency{}, errRevChanged("agency_changed", "Cơ quan vừa bị xoá hoặc thay đổi; hãy tải lại trang.", ag.Code, rev, 0)
		}
	case err != nil:
		return Agency{}, storeErr("get agency", err)
	case rev == 0:
		return Agency{}, kerr.New(kerr.Conflict, "agency_exists", "Đã có cơ quan mang mã định danh này.", "agency %q exists", ag.Code)
	case Rev(cur.UpdatedAt) != rev:
		return Agency{}, errRevChanged("agency_changed", "Cơ quan vừa được người khác thay đổi; hãy tải lại trang và thử lại.", ag.Code, rev, Rev(cur.UpdatedAt))
	}
	return s.putAgency(ctx, ag, cur.UpdatedAt)
}

// PutStaffAt is PutStaff over the revision rev the admin saw (0: a new
// entry): Conflict "staff_exists" or "staff_changed", as PutAgencyAt.
func (s *Service) PutStaffAt(ctx context.Context, a archive.Actor, m Staff, rev int64) (Staff, error) {
	if err := checkAdmin(a); err != nil {
		return Staff{}, err
	}
	cur, err := s.store.GetStaff(ctx, m.Subject)
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		if rev != 0 {
			return Staff{}, errRevChanged("staff_changed", "Cán bộ vừa bị xoá hoặc thay đổi; hãy tải lại trang.", m.Subject, rev, 0)
		}
	case err != nil:
		return Staff{}, storeErr("get staff", err)
	case rev == 0:
		return Staff{}, kerr.New(kerr.Conflict, "staff_exists", "Đã có cán bộ với tài khoản này trong danh bạ.", "staff %q exists", m.Subject)
	case Rev(cur.UpdatedAt) != rev:
		return Staff{}, errRevChanged("staff_changed", "Thông tin cán bộ vừa được người khác thay đổi; hãy tải lại trang và thử lại.", m.Subject, rev, Rev(cur.UpdatedAt))
	}
	ag, err := s.getAgency(ctx, m.Agency)
	if err != nil {
		return Staff{}, err
	}
	if m, err = validateStaff(m, ag); err != nil {
		return Staff{}, err
	}
	m.UpdatedAt = s.after(cur.UpdatedAt)
	if err := s.store.PutStaff(ctx, m); err != nil {
		return Staff{}, storeErr("put staff", err)
	}
	return m, nil
}

// putAgency validates and stores ag with an UpdatedAt after prev.
func (s *Service) putAgency(ctx context.Context, ag Agency, prev time.Time) (Agency, error) {
	ag, err := validateAgency(ag)
	if err != nil {
		return Agency{}, err
	}
	ag.UpdatedAt = s.after(prev)
	if err := s.store.PutAgency(ctx, ag); err != nil {
		return Agency{}, storeErr("put agency", err)
	}
	return ag, nil
}

// after is now, or a millisecond after prev if the clock has not passed
// it: a change always makes a new revision.
func (s *Service) after(prev time.Time) time.Time {
	now := s.nowUTC()
	if !now.After(prev) {
		now = prev.Add(time.Millisecond)
	}
	return now
}

// errRevChanged is the Conflict of a record at another revision than the
// one its form carried.
func errRevChanged(code, msg, key string, rev, stored int64) error {
	return kerr.New(kerr.Conflict, code, msg, "%s is at revision %d, not %d", key, stored, rev)
}
