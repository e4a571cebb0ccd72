package workflow

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
)

// MaxBookRows bounds the dossiers of one printed tracking book: a longer
// period is printed in several books.
const MaxBookRows = 500

// maxBookDays bounds the period of one tracking book.
const maxBookDays = 366

// Book prints the tracking book (Sổ theo dõi hồ sơ, Circular
// 01/2018/TT-VPCP form 06) of agency: the dossiers it received from day
// from to day to (days in Vietnam, both included), in the order they
// were received, with their reception, due, transfer, result and return
// times. It returns the PDF and its file name.
//
// Staff print their own agency's book (agency "" is theirs; another is
// Permission "other_agency"); an admin names one; citizens may not
// (Permission "staff_only"). The dossiers are read with one indexed query
// of the agency's dossiers (received or resolved there) by reception time
// in the period, at most MaxBookRows of them: more is TooLarge
// "book_too_large" (print a shorter period). Invalid
// "invalid_date_range" when to is before from or the period is longer
// than a year.
func (s *Service) Book(ctx context.Context, a archive.Actor, agency string, from, to archive.Date) (io.ReadCloser, string, error) {
	if err := checkActor(a); err != nil {
		return nil, "", err
	}
	switch a.Role {
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return nil, "", err
		}
		if agency != "" && agency != m.Agency {
			return nil, "", kerr.New(kerr.Permission, "other_agency", msgOtherAgency, "staff of %s may not print the book of %s", m.Agency, agency)
		}
		agency = m.Agency
	case archive.RoleAdmin:
		if !ValidAgencyCode(agency) {
			return nil, "", invalid("agency_required", "Cần chọn cơ quan để in sổ theo dõi hồ sơ.", "an admin prints one agency's book")
		}
	default:
		return nil, "", kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ xử lý hồ sơ.", "role %q may not print the book", a.Role)
	}
	if from.IsZero() || to.IsZero() {
		return nil, "", invalid("date_range_required", "Cần chọn từ ngày và đến ngày của sổ theo dõi hồ sơ.", "from %q to %q", from, to)
	}
	start, end := dayStart(from), dayStart(to).AddDate(0, 0, 1)
	if to.Before(from) || end.Sub(start).Hours() > maxBookDays*24 {
		return nil, "", invalid("invalid_date_range", "Khoảng thời gian của sổ phải từ 1 ngày đến 1 năm, ngày kết thúc không trước ngày bắt đầu.",
			"book %s..%s", from, to)
	}
	ag, err := s.getAgency(ctx, agency)
	if err != nil {
		return nil, "", err
	}
	// Either side of the agency: both drivers index (agencies, reception
	// time), so the period bounds the read; the dossiers it only resolves
	// are left out here.
	ds, more, err := s.store.ListDossiers(ctx, DossierQuery{Agency: agency, ReceivedFrom: start, ReceivedBefore: end, Limit: MaxBookRows})
	if err != nil {
		return nil, "", storeErr("list dossiers", err)
	}
	ds = slices.DeleteFunc(ds, func(d Dossier) bool { return d.Agency != agency })
	if more {
		return nil, "", kerr.New(kerr.TooLarge, "book_too_large",
			fmt.Sprintf("Trong khoảng thời gian này cơ quan tiếp nhận hơn %d hồ sơ; hãy in sổ theo từng khoảng ngắn hơn.", MaxBookRows),
			"agency %s received more than %d dossiers from %s to %s", agency, MaxBookRows, from, to)
	}
	slices.SortFunc(ds, func(x, y Dossier) int {
		if c := x.ReceivedAt.Compare(y.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(x.Code, y.Code)
	})
	book := convert.BookData{Agency: convert.Agency{Parent: strings.ToUpper(ag.Parent), Name: strings.ToUpper(ag.Name), Place: ag.Place}, From: start, To: end.Add(-1), IssuedAt: s.nowUTC(),
		Rows: make([]convert.BookRow, 0, len(ds))}
	for _, d := range ds {
		book.Rows = append(book.Rows, bookRow(d))
	}
	if s.printer == nil {
		return nil, "", errNoPrinter()
	}
	pdf, err := s.printer.PDF(ctx, convert.TemplateBook, book)
	if err != nil {
		return nil, "", err
	}
	return pdf, "so-theo-doi-ho-so-" + agency + "-" + from.String() + "-" + to.String() + ".pdf", nil
}

// bookRow is d's row in the tracking book.
func bookRow(d Dossier) convert.BookRow {
	r := convert.BookRow{
		Code: d.Code, Procedure: d.ProcedureName, Sets: 1,
		Applicant:  convert.Person{Name: d.Applicant.Name, Address: d.Applicant.Address, Phone: d.Applicant.Phone},
		Unit:       nonEmpty(d.HandlingAgencyName, d.HandlingAgency),
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, ReturnedAt: d.ReturnedAt,
		Note: d.Status.Label(),
	}
	if e, ok := firstEntry(d, ActionTransfer); ok {
		r.TransferredAt = e.At
	}
	if e, ok := lastEntry(d, ActionSign, ActionRequestSupplement, ActionRefuseIntake, ActionStop); ok {
		r.ResultAt = e.At
	}
	return r
}

// firstEntry is the first trail entry of action act, and whether there is
// one.
func firstEntry(d Dossier, act Action) (TrailEntry, bool) {
	i := slices.IndexFunc(d.Trail, func(e TrailEntry) bool { return e.Action == act })
	if i < 0 {
		return TrailEntry{}, false
	}
	return d.Trail[i], true
}
