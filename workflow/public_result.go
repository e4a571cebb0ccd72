package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// PublicResult returns what the issuing system says now of the result the
// dossier with that code issued, for anyone (the public verifier, and the
// QR code printed on the result): archive.PublicPaper — the paper's name,
// number, agency, issue date and status today, nothing personal. NotFound
// "dossier_not_found" as PublicLookup; NotFound "result_not_issued" when
// the dossier has issued no paper (yet); Unavailable "vault_unavailable"
// without a vault to ask.
func (s *Service) PublicResult(ctx context.Context, code string) (archive.PublicPaper, error) {
	if !ValidDossierCode(code) {
		return archive.PublicPaper{}, errDossierNotFound(code)
	}
	d, err := s.publicDossier(ctx, code)
	if err != nil {
		return archive.PublicPaper{}, err
	}
	if d.Result == nil || d.Result.DocumentID == "" {
		return archive.PublicPaper{}, kerr.New(kerr.NotFound, "result_not_issued", "Hồ sơ chưa có giấy tờ kết quả được cấp.",
			"dossier %s has issued no result", code)
	}
	if s.results == nil || s.results.Vault == nil {
		return archive.PublicPaper{}, kerr.New(kerr.Unavailable, "vault_unavailable", "Chưa đọc được tình trạng giấy tờ kết quả; vui lòng thử lại sau.",
			"workflow.Config.Results.Vault is not set")
	}
	return s.results.Vault.PublicPaper(ctx, d.Result.DocumentID)
}
