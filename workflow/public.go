package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// PublicStatus is what anyone may learn of a dossier from its code (2025
// item 26: lookup by dossier code or QR code, without signing in): its
// procedure, status, dates and agency — no name, no identity number, no
// component, no reason or note typed by staff.
type PublicStatus struct {
	Code          string    `json:"code"`
	ProcedureName string    `json:"procedureName"`
	Status        Status    `json:"status"`
	Label         string    `json:"label"`
	Info          string    `json:"info,omitempty"`
	ReceivedAt    time.Time `json:"receivedAt,omitzero"`
	DueAt         time.Time `json:"dueAt,omitzero"`
	AgencyName    string    `json:"agencyName"`
}

// PublicLookup returns the public status of the dossier with that code,
// for anyone. NotFound "dossier_not_found" for a code of the wrong shape
// or no dossier. A dossier still being drafted ("Mới đăng ký") is not
// public yet: NotFound too. The answer may be up to Config.PublicLookupTTL
// old when the dossier changed through another process
// (publiccache.go).
func (s *Service) PublicLookup(ctx context.Context, code string) (PublicStatus, error) {
	if !ValidDossierCode(code) {
		return PublicStatus{}, errDossierNotFound(code)
	}
	return s.cachedPublicLookup(ctx, code)
}

// publicLookup is PublicLookup read from the store.
func (s *Service) publicLookup(ctx context.Context, code string) (PublicStatus, error) {
	d, err := s.publicDossier(ctx, code)
	if err != nil {
		return PublicStatus{}, err
	}
	return PublicStatus{Code: d.Code, ProcedureName: d.ProcedureName, Status: d.Status, Label: d.Status.Label(),
		Info: publicInfo(d, s.now(), s.displayDeadlines(ctx, d)), ReceivedAt: d.ReceivedAt, DueAt: d.DueAt,
		AgencyName: nonEmpty(d.HandlingAgencyName, d.HandlingAgency)}, nil
}

// publicInfo is the extra information of d's status that carries nothing
// personal: dates, the stage, the deadline and lateness; where the rules
// show a reason typed by staff, a pointer to the signed-in view instead.
func publicInfo(d Dossier, now time.Time, dl Deadlines) string {
	switch d.Status {
	case StatusReceived:
		return longDate(d.ReceivedAt)
	case StatusIntakeSupplementRequested, StatusSupplementRequested, StatusAwaitingSupplement:
		return "Hồ sơ cần bổ sung; người nộp đăng nhập để xem nội dung cần bổ sung."
	case StatusIntakeRefused, StatusStopped:
		return "Người nộp đăng nhập để xem lý do."
	case StatusPaymentRequired:
		return "Người nộp đăng nhập để xem nghĩa vụ tài chính cần thực hiện."
	case StatusProcessing:
		if d.DueAt.IsZero() {
			return d.Stage.Label()
		}
		if late := dl.DaysLate(d.DueAt, now); late > 0 {
			return fmt.Sprintf("Hạn xử lý %s - Quá hạn %d ngày", longDate(d.DueAt), late)
		}
		return d.Stage.Label() + "; hạn xử lý " + longDate(d.DueAt)
	case StatusResolved:
		return "Đang trả kết quả"
	case StatusResultReturned:
		return longDate(d.ReturnedAt)
	}
	return ""
}

// publicDossier reads the dossier with that code for a public answer:
// NotFound "dossier_not_found" for no dossier and for one still being
// drafted ("Mới đăng ký"), which is not public yet.
func (s *Service) publicDossier(ctx context.Context, code string) (Dossier, error) {
	d, err := s.store.GetDossier(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) || (err == nil && d.Status == StatusRegistered) {
		return Dossier{}, errDossierNotFound(code)
	}
	if err != nil {
		return Dossier{}, storeErr("get dossier", err)
	}
	return d, nil
}
