package archive

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// PDFSigner signs a PDF: *signing.Signer is one. Errors are kerr errors
// with a Vietnamese message for the signer (an expired or revoked
// certificate, a TSA that does not answer, a PDF that cannot be signed).
type PDFSigner interface {
	Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer) (signing.Result, error)
}

// SignatureReport returns version n (0 = current) with the JSON
// verification report kept for it, and records a "read" in the owner's
// ledger (staff and admin must give a purpose, Invalid "purpose_required").
// A version checked and found unsigned gets a report without
// signatures. NotFound "signature_report_not_found" when the version was
// never verified or the verifier could not judge it.
func (s *Service) SignatureReport(ctx context.Context, a Actor, id string, n int, acc Access) (Version, []byte, error) {
	d, acc, err := s.readDoc(ctx, a, id, acc)
	if err != nil {
		return Version{}, nil, err
	}
	v, err := s.version(ctx, d, n)
	if err != nil {
		return Version{}, nil, err
	}
	sig := v.Signature
	var body []byte
	switch {
	case sig == nil:
		return Version{}, nil, kerr.New(kerr.NotFound, "signature_report_not_found",
			"Phiên bản này chưa được kiểm tra chữ ký số.", "document %s version %d has no signature summary", d.ID, v.N)
	case !sig.Signed:
		body, err = json.Marshal(signing.Report{Size: v.Size, VerifiedAt: sig.VerifiedAt, Signatures: []*signing.SignatureReport{}})
		if err != nil {
			return Version{}, nil, kerr.Wrap(err, kerr.Internal, "report_encode_failed", "Không tạo được báo cáo chữ ký.")
		}
	case sig.Report == "":
		msg := sig.Message
		if msg == "" {
			msg = "Chưa có báo cáo kiểm tra chữ ký cho phiên bản này; hãy kiểm tra lại."
		}
		return Version{}, nil, kerr.New(kerr.NotFound, "signature_report_not_found", msg,
			"document %s version %d has no stored report", d.ID, v.N)
	default:
		rc, err := s.blobs.OpenRange(ctx, sig.Report, 0, -1)
		if err != nil {
			return Version{}, nil, storeErr("open signature report", err)
		}
		body, err = io.ReadAll(io.LimitReader(rc, maxReportBytes+1))
		rc.Close()
		if err != nil {
			return Version{}, nil, storeErr("read signature report", err)
		}
		// Reports stored before 2026-12-07 have snake_case keys: serve
		// every report in today's camelCase.
		rep, err := signing.ReadReport(body)
		if err == nil {
			body, err = json.Marshal(rep)
		}
		if err != nil {
			return Version{}, nil, kerr.Wrap(err, kerr.Integrity, "signature_report_unreadable", "Không đọc được báo cáo kiểm tra chữ ký đã lưu.")
		}
	}
	if err := s.record(ctx, a, ActionRead, d, v.N, acc); err != nil {
		return Version{}, nil, err
	}
	return v, body, nil
}

// Reverify verifies version n (0 = current) again now — with today's
// trust anchors and revocation answers — and keeps the new summary and
// report with the version, and with the current version when it has the
// same content (Rev does not change). Invalid "not_pdf" for
// other files; Unavailable "verifier_not_configured" without a verifier.
func (s *Service) Reverify(ctx context.Context, a Actor, id string, n int) (Version, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return Version{}, err
	}
	v, err := s.version(ctx, d, n)
	if err != nil {
		return Version{}, err
	}
	if v.MediaType != mediaPDF {
		return Version{}, invalid("not_pdf", "Chỉ kiểm tra được chữ ký số của tệp PDF.", "version %d of %s is %s", v.N, d.ID, v.MediaType)
	}
	if s.cfg.Verifier == nil {
		return Version{}, kerr.New(kerr.Unavailable, "verifier_not_configured",
			"Máy chủ chưa được cấu hình để kiểm tra chữ ký số.", "archive.Config.Verifier is nil")
	}
	// A report blob is named in an intent of its own before it is stored,
	// like an upload's (see UploadIntent); the intent is made only when
	// there is a report to store.
	var u *upload
	claim := func(ctx context.Context, hash string) error {
		if u == nil {
			u = s.beginUpload(ctx, s.newIntent(a, d.OwnerID, d.ID, 0), Owner{ID: d.OwnerID}, -1)
		}
		return u.claim(ctx, hash)
	}
	v.Signature = s.verifyBlob(ctx, v.Blob, v.Size, claim)
	if u != nil {
		if err := u.fresh(); err != nil {
			u.fail(ctx, true)
			return Version{}, err
		}
	}
	// The current version shows in listings: when it has the same content
	// (a metadata change since), it gets the new summary too.
	targets := []int{v.N}
	if v.N != d.Current.N && d.Current.Blob == v.Blob {
		targets = append(targets, d.Current.N)
	}
	for _, n := range targets {
		if err := s.store.SetSignature(ctx, d.ID, n, v.Signature); err != nil {
			if u != nil {
				u.fail(ctx, surely(err))
			}
			if kerr.IsKind(err, kerr.NotFound) {
				return Version{}, errDocNotFound(d.ID)
			}
			return Version{}, storeErr("set signature", err)
		}
	}
	if u != nil {
		u.done()
	}
	s.recordChange(ctx, a, ActionRead, d, v.N, Access{Purpose: "kiểm tra lại chữ ký số"})
	return v, nil
}

// SignVersion signs the current version of a document with signer (staff
// and admin only) and stores the signed PDF as a new version with Source
// SourceResult and Change "signed", verified like any stored PDF.
// Permission "staff_only" for a citizen; Invalid "not_pdf" when the
// current version is not a PDF; the signer's own errors pass through.
func (s *Service) SignVersion(ctx context.Context, a Actor, id string, expectedRev int64, signer PDFSigner) (Document, error) {
	if err := checkActor(a); err != nil {
		return Document{}, err
	}
	if a.Role == RoleCitizen {
		return Document{}, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not sign with the agency's keys")
	}
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return Document{}, err
	}
	if expectedRev != 0 && d.Rev != expectedRev {
		return Document{}, errChanged(d.ID, expectedRev, d.Rev)
	}
	cur := d.Current
	if cur.MediaType != mediaPDF {
		return Document{}, invalid("not_pdf", "Chỉ ký số được giấy tờ dạng PDF.", "current version of %s is %s", d.ID, cur.MediaType)
	}
	in, release, err := s.spool(ctx, cur.Blob, cur.Size)
	if err != nil {
		return Document{}, storeErr("read current version", err)
	}
	defer release()
	out, err := os.CreateTemp("", "kho-signed-*.pdf")
	if err != nil {
		return Document{}, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không tạo được tệp tạm để ký.")
	}
	defer func() { out.Close(); os.Remove(out.Name()) }()
	if _, err := signer.Sign(ctx, in, cur.Size, out); err != nil {
		return Document{}, err
	}
	size, err := out.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = out.Seek(0, io.SeekStart)
	}
	if err != nil {
		return Document{}, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không đọc lại được tệp đã ký.")
	}
	return s.addVersion(ctx, a, d, d.Rev, Upload{Body: out, Size: size, FileName: cur.FileName, MediaType: mediaPDF}, "signed", SourceResult)
}
