package workflow

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// SearchQuery is a search of dossiers by the attributes of 2025 item 21,
// singly or combined (every criterion given must hold). Days are days in
// Vietnam, both ends included.
type SearchQuery struct {
	// Agency is the agency searched: staff search their own (this is
	// "" or theirs); an admin names one.
	Agency string `json:"agency,omitempty"`
	// ReceivedFrom and ReceivedTo bound the day of reception.
	ReceivedFrom archive.Date `json:"receivedFrom,omitzero"`
	ReceivedTo   archive.Date `json:"receivedTo,omitzero"`
	// Field is the procedure's field (lĩnh vực), as the catalogue writes it.
	Field string `json:"field,omitempty"`
	// Unit is the competent agency (đơn vị giải quyết).
	Unit string `json:"unit,omitempty"`
	// DueBy selects the dossiers due on or before that day.
	DueBy     archive.Date `json:"dueBy,omitzero"`
	Status    Status       `json:"status,omitempty"`
	Procedure string       `json:"procedure,omitempty"`
	// CitizenName and BusinessName match people's and organisations'
	// names (applicant or representative) word by word, each word given
	// beginning a word of the name, without regard to case or diacritics:
	// "nguyen v" finds "Nguyễn Văn An".
	CitizenName  string `json:"citizenName,omitempty"`
	BusinessName string `json:"businessName,omitempty"`
	Cursor       string `json:"cursor,omitempty"`
	Limit        int    `json:"limit,omitempty"`
}

// maxSearchWords bounds the words of the names searched.
const maxSearchWords = 10

// Search finds the dossiers of an agency that meet every criterion given,
// newest first, a page at a time (staff: their agency's; admin: the
// agency named; citizens list their own with List — Permission
// "staff_only"). The store answers from its indexes; Invalid
// "empty_search" when no criterion is given, "too_many_words",
// "invalid_date_range" and the text rules for bad input.
func (s *Service) Search(ctx context.Context, a archive.Actor, q SearchQuery) (Page, error) {
	if err := checkActor(a); err != nil {
		return Page{}, err
	}
	var staff *Staff
	switch a.Role {
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return Page{}, err
		}
		if q.Agency != "" && q.Agency != m.Agency {
			return Page{}, kerr.New(kerr.Permission, "other_agency", msgOtherAgency, "staff of %s may not search %s", m.Agency, q.Agency)
		}
		q.Agency, staff = m.Agency, &m
	case archive.RoleAdmin:
		if !ValidAgencyCode(q.Agency) {
			return Page{}, invalid("agency_required", "Cần chọn cơ quan để tìm kiếm hồ sơ.", "an admin searches one agency's dossiers")
		}
	default:
		return Page{}, kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ xử lý hồ sơ.", "role %q may not search dossiers", a.Role)
	}
	dq, err := searchQuery(q)
	if err != nil {
		return Page{}, err
	}
	return s.page(ctx, dq, a, staff)
}

// dayStart is the first moment of day d in Vietnam.
func dayStart(d archive.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Vietnam)
}

// searchQuery checks q and makes it the store's query.
func searchQuery(q SearchQuery) (DossierQuery, error) {
	dq := DossierQuery{Agency: q.Agency, Field: q.Field, Procedure: q.Procedure, Limit: q.Limit}
	if dq.Limit == 0 {
		dq.Limit = 50
	}
	if dq.Limit < 1 || dq.Limit > 1000 {
		return dq, invalid("invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "limit %d", q.Limit)
	}
	var err error
	if dq.After, err = decodeCursor(q.Cursor); err != nil {
		return dq, err
	}
	for _, t := range []struct{ field, label, v string }{
		{"field", "Lĩnh vực", q.Field}, {"citizenName", "Tên công dân", q.CitizenName}, {"businessName", "Tên doanh nghiệp", q.BusinessName},
	} {
		if err := checkText(t.field, t.label, t.v, maxNameRunes, false); err != nil {
			return dq, err
		}
	}
	if q.Status != "" {
		if !q.Status.Valid() {
			return dq, invalid("invalid_status", "Trạng thái hồ sơ không hợp lệ.", "status %q", q.Status)
		}
		dq.Status = q.Status
	}
	if q.Procedure != "" && !codeRE.MatchString(q.Procedure) {
		return dq, invalid("invalid_procedure_code", "Mã thủ tục không hợp lệ.", "procedure %q", q.Procedure)
	}
	if q.Unit != "" {
		if !ValidAgencyCode(q.Unit) {
			return dq, invalid("invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "unit %q", q.Unit)
		}
		dq.Handling = q.Unit
	}
	if !q.ReceivedFrom.IsZero() {
		dq.ReceivedFrom = dayStart(q.ReceivedFrom)
	}
	if !q.ReceivedTo.IsZero() {
		dq.ReceivedBefore = dayStart(q.ReceivedTo).AddDate(0, 0, 1)
	}
	if !q.ReceivedFrom.IsZero() && !q.ReceivedTo.IsZero() && q.ReceivedTo.Before(q.ReceivedFrom) {
		return dq, invalid("invalid_date_range", "Ngày kết thúc phải không trước ngày bắt đầu.", "received %s..%s", q.ReceivedFrom, q.ReceivedTo)
	}
	if !q.DueBy.IsZero() {
		dq.DueBefore = dayStart(q.DueBy).AddDate(0, 0, 1)
	}
	for _, n := range []struct{ prefix, v string }{{"p:", q.CitizenName}, {"o:", q.BusinessName}} {
		for _, w := range FoldWords(n.v) {
			dq.Words = append(dq.Words, n.prefix+w)
		}
	}
	if len(dq.Words) > maxSearchWords {
		return dq, invalid("too_many_words", "Tên tìm kiếm quá nhiều từ (tối đa 10 từ).", "%d words", len(dq.Words))
	}
	if dq.Status == "" && dq.Field == "" && dq.Procedure == "" && dq.Handling == "" && dq.ReceivedFrom.IsZero() && dq.ReceivedBefore.IsZero() &&
		dq.DueBefore.IsZero() && len(dq.Words) == 0 {
		return dq, invalid("empty_search", "Cần nhập ít nhất một tiêu chí tìm kiếm.", "no criterion")
	}
	return dq, nil
}
