package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// maxStaffList bounds the entries of one PutStaffList.
const maxStaffList = 10000

// PutStaffList adds or replaces entries of the staff directory (admin),
// as PutStaff does for each, after checking them all: an entry refused
// (Invalid, with the entry's position in the detail), a subject given
// twice ("duplicate_staff") or more than 10 000 entries
// ("too_many_staff") stores none. It returns the entries as stored.
func (s *Service) PutStaffList(ctx context.Context, a archive.Actor, ms []Staff) ([]Staff, error) {
	if err := checkAdmin(a); err != nil {
		return nil, err
	}
	if len(ms) > maxStaffList {
		return nil, invalid("too_many_staff", "Danh sách cán bộ quá dài (tối đa 10.000 người mỗi lần).", "%d entries", len(ms))
	}
	agencies := map[string]Agency{}
	seen := map[string]bool{}
	out := make([]Staff, len(ms))
	for i, m := range ms {
		ag, ok := agencies[m.Agency]
		if !ok {
			var err error
			if ag, err = s.getAgency(ctx, m.Agency); err != nil {
				return nil, withDetail(err, "staff[%d]", i)
			}
			agencies[m.Agency] = ag
		}
		v, err := validateStaff(m, ag)
		if err != nil {
			return nil, withDetail(err, "staff[%d]", i)
		}
		if seen[v.Subject] {
			return nil, invalid("duplicate_staff", "Tài khoản cán bộ bị trùng trong danh sách: "+v.Subject+".", "staff[%d]: subject %q appears twice", i, v.Subject)
		}
		seen[v.Subject] = true
		out[i] = v
	}
	for i, m := range out {
		m.UpdatedAt = s.nowUTC()
		if err := s.store.PutStaff(ctx, m); err != nil {
			return out[:i], storeErr("put staff", err)
		}
		out[i] = m
	}
	return out, nil
}
