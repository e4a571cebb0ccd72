package workflow

import (
	"bytes"
	"context"
	"io"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
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

// maxStaffFile bounds a staff directory file.
const maxStaffFile = 8 << 20

// ParseStaffList reads a staff directory file (an admin's, outside
// input): one entry as PUT /api/v1/staff/{subject} takes it with its
// subject, or a JSON array of them; member names matched exactly and
// unknown members refused (Invalid "invalid_staff_file"), at most 8 MB
// (TooLarge "staff_file_too_large"). The entries are checked by
// PutStaffList.
func ParseStaffList(r io.Reader) ([]Staff, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxStaffFile+1))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "file_unreadable", "Không đọc được tệp danh bạ cán bộ.")
	}
	if len(b) > maxStaffFile {
		return nil, kerr.New(kerr.TooLarge, "staff_file_too_large", "Tệp danh bạ cán bộ quá lớn (tối đa 8 MB).", "over %d bytes", maxStaffFile)
	}
	var ms []Staff
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		ms = make([]Staff, 1)
		err = decodeExact(bytes.NewReader(b), &ms[0])
	} else {
		err = decodeExact(bytes.NewReader(b), &ms)
	}
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "invalid_staff_file",
			"Tệp danh bạ cán bộ không đúng định dạng (một đối tượng JSON hoặc một mảng các đối tượng).")
	}
	if len(ms) == 0 {
		return nil, kerr.New(kerr.Invalid, "invalid_staff_file", "Tệp danh bạ cán bộ không có cán bộ nào.", "an empty list")
	}
	return ms, nil
}
