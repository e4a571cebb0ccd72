package workflow

import (
	"context"
	"slices"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// refusalActions are the actions after which a dossier's files go to the
// applicant's vault as a refused dossier's (2025 appendix item 29.2): a
// refusal at intake and a stop during resolution.
var refusalActions = []Action{ActionRefuseIntake, ActionStop}

// StoreRefusedFiles stores the files uploaded for a refused or stopped
// dossier into the applicant's vault (archive.StoreRefused): one paper per
// uploaded component, of the component's type, issued by the agency that
// refused it (the receiving agency for a refusal at intake, the competent
// one for a stop) and naming the dossier. Components filled by reusing a
// paper are the applicant's papers already; eForm data is kept on the
// dossier. Act calls it after refuse_intake and stop; it is idempotent
// (the vault's issue register is keyed by agency, dossier and position),
// so staff of that agency may call it again after a failure.
//
// Errors: load's; Conflict "dossier_not_refused" for a dossier in another
// status; Unavailable "vault_unavailable" when the workflow has no
// Results.Vault; the vault's.
func (s *Service) StoreRefusedFiles(ctx context.Context, a archive.Actor, code string) ([]archive.Document, error) {
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return nil, err
	}
	agency, name := d.HandlingAgency, d.HandlingAgencyName
	switch d.Status {
	case StatusIntakeRefused:
		agency, name = d.Agency, d.AgencyName
	case StatusStopped:
	default:
		return nil, kerr.New(kerr.Conflict, "dossier_not_refused", "Hồ sơ không ở trạng thái bị từ chối hoặc dừng xử lý.",
			"dossier %s is %s", code, d.State())
	}
	if staff == nil {
		return nil, kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ xử lý hồ sơ.", "%s %q is not staff", a.Role, a.Subject)
	}
	if staff.Agency != agency {
		return nil, kerr.New(kerr.Permission, "other_agency", msgOtherAgency, "only staff of %s store the files of %s", agency, code)
	}
	if s.results == nil || s.results.Vault == nil {
		return nil, kerr.New(kerr.Unavailable, "vault_unavailable", "Chưa lưu được tệp hồ sơ vào kho dữ liệu; vui lòng thử lại sau.",
			"workflow.Config.Results.Vault is not set")
	}
	acc := archive.Access{Purpose: "Lưu hồ sơ bị từ chối " + d.Code + " vào kho dữ liệu của người nộp", Dossier: d.Code}
	var files []archive.RefusedFile
	defer func() {
		for _, f := range files {
			if c, ok := f.Body.(interface{ Close() error }); ok {
				c.Close()
			}
		}
	}()
	for _, c := range d.Components {
		if c.Source != SourceUpload || c.DocumentID == "" {
			continue
		}
		content, err := s.results.Vault.Open(ctx, a, c.DocumentID, c.Version, acc)
		if err != nil {
			return nil, err
		}
		files = append(files, archive.RefusedFile{TypeCode: c.TypeCode,
			Name: strings.TrimSpace(content.Document.Name + " (hồ sơ " + d.Code + " bị từ chối)"),
			Upload: archive.Upload{Body: content, Size: content.Version.Size, FileName: content.Version.FileName,
				MediaType: content.Version.MediaType}})
	}
	if len(files) == 0 {
		return []archive.Document{}, nil
	}
	issuer := archive.Actor{Subject: a.Subject, Role: a.Role, Agency: agency}
	return s.results.Vault.StoreRefused(ctx, issuer, d.Applicant.ID, archive.Agency{Code: agency, Name: name}, d.Code, files)
}

// afterRefusal stores a refused dossier's files once its refusal is
// written; a failure is logged, not returned: the refusal stands, and
// StoreRefusedFiles may be called again.
func (s *Service) afterRefusal(ctx context.Context, a archive.Actor, v View) {
	if s.results == nil || !slices.Contains(refusalActions, v.Trail[len(v.Trail)-1].Action) {
		return
	}
	if _, err := s.StoreRefusedFiles(ctx, a, v.Code); err != nil {
		s.log.Error("không lưu được tệp của hồ sơ bị từ chối vào kho dữ liệu", "dossier", v.Code, "err", err)
	}
}
