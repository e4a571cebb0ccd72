package archive

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// ScanKey is the archivist's key that signs a confirmed batch as a
// certified electronic copy, and how: the pre-signing certificate checks
// (required), the PAdES level (zero: B-B; B-T and above need TSAURL) and
// the budget of reading the PDF.
type ScanKey struct {
	Key     signing.KeySource
	Checker *signing.Checker
	Level   signing.Level
	TSAURL  string
	Budget  signing.ParseBudget
}

// ScanConfirmation is the archivist's review of pending batch ID at
// revision Rev: the paper's metadata as confirmed or corrected (its type
// is the batch's; Fields hold the type's values), and the key to sign it
// with.
type ScanConfirmation struct {
	ID  string
	Rev int64
	Metadata
	Key ScanKey
}

// GetScan returns batch id to staff or an admin acting for its agency.
// NotFound for anyone else (a citizen, staff of another agency) as for a
// batch that does not exist.
func (s *Service) GetScan(ctx context.Context, a Actor, id string) (Scan, error) {
	if err := checkActor(a); err != nil {
		return Scan{}, err
	}
	sc, err := s.store.GetScan(ctx, id)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			return Scan{}, errScanNotFound(id)
		}
		return Scan{}, storeErr("get scan", err)
	}
	if a.Role == RoleCitizen || a.Agency == "" || a.Agency != sc.Agency.Code {
		return Scan{}, errScanNotFound(id)
	}
	return sc, nil
}

func errScanNotFound(id string) error {
	return kerr.New(kerr.NotFound, "scan_not_found", "Không tìm thấy lô trang quét (có thể đã hết hạn).", "no scan %q visible to the actor", id)
}

// OpenScan opens the PDF of batch id (see GetScan for who may).
func (s *Service) OpenScan(ctx context.Context, a Actor, id string) (Scan, io.ReadCloser, error) {
	sc, err := s.GetScan(ctx, a, id)
	if err != nil {
		return Scan{}, nil, err
	}
	rc, err := s.blobs.OpenRange(ctx, sc.Blob, 0, -1)
	if err != nil {
		return Scan{}, nil, storeErr("open scan", err)
	}
	return sc, rc, nil
}

// ConfirmScan commits pending batch c.ID into its owner's vault, once the
// archivist has seen and confirmed or corrected its values: the batch's
// PDF signed with c.Key (PAdES, reason CertifiedCopyReason, the agency as
// location) as a certified electronic copy of the original, stored as a
// digitised paper (Source "digitised", IssuedBy of kind "digitised" naming
// the archivist and the agency) with c's metadata checked as Digitise
// checks it; the owner's ledger gets a "create" entry by the archivist.
// The batch becomes confirmed, naming the document, in the same step that
// writes it (a claim, as an issue's): confirming twice gives the one
// document, and a lost race gives the other's. A batch confirmed by a
// write that died before its document is committed again, under the ID
// it names, by the next confirmation.
//
// Errors: GetScan's; Permission as Digitise's; Conflict "scan_changed"
// when the batch is not at c.Rev; Invalid from the metadata's checks;
// the signer's errors (Invalid "key_missing", "checker_missing", a
// certificate refused); store errors.
func (s *Service) ConfirmScan(ctx context.Context, a Actor, c ScanConfirmation) (Document, error) {
	sc, err := s.GetScan(ctx, a, c.ID)
	if err != nil {
		return Document{}, err
	}
	if err := canIssue(a, sc.Agency.Code); err != nil {
		return Document{}, err
	}
	// recommit is a batch confirmed by a write that died before its
	// document: its document is written now, under the ID it names.
	recommit := false
	if sc.Status == ScanConfirmed {
		d, err := s.confirmedScan(ctx, sc)
		if err == nil || !kerr.IsKind(err, kerr.NotFound) {
			return d, err
		}
		recommit = true
	} else if sc.Rev != c.Rev {
		return Document{}, errScanChanged(sc.ID)
	}
	owner, err := s.issueOwner(ctx, sc.OwnerID)
	if err != nil {
		return Document{}, err
	}
	t, def, err := s.docType(ctx, sc.TypeCode)
	if err != nil {
		return Document{}, err
	}
	m := c.Metadata
	m.TypeCode, m.Status = sc.TypeCode, StatusValid
	meta, err := validateMetadata(m, t)
	if err != nil {
		return Document{}, err
	}
	if meta.Fields, err = validateFields(meta.Fields, def, s.now); err != nil {
		return Document{}, err
	}
	signed, size, err := s.signScan(ctx, sc, c.Key)
	if err != nil {
		return Document{}, err
	}
	defer func() { signed.Close(); os.Remove(signed.Name()) }()

	now := s.nowUTC()
	id := NewID(now)
	claim := func(ctx context.Context) (*Document, error) {
		_, err := s.store.ConfirmScan(ctx, sc.ID, sc.Rev, id, a.Subject, now)
		if err == nil {
			return nil, nil
		}
		if !kerr.IsKind(err, kerr.Conflict) {
			return nil, storeErr("confirm scan", err)
		}
		other, gerr := s.store.GetScan(ctx, sc.ID)
		if gerr != nil || other.Status != ScanConfirmed {
			return nil, errScanChanged(sc.ID)
		}
		d, err := s.confirmedScan(ctx, other)
		if kerr.IsKind(err, kerr.NotFound) {
			return nil, errScanChanged(sc.ID) // the other is writing it
		}
		if err != nil {
			return nil, err
		}
		return &d, nil
	}
	if recommit {
		id, claim = sc.DocumentID, nil
	}
	by := &IssuedBy{Kind: IssueDigitised, Agency: sc.Agency.Code, AgencyName: sc.Agency.Name, Number: meta.Number,
		IssuedAt: now.Truncate(1e6), By: a.Subject}
	d, err := s.commitNew(ctx, a, newDoc{id: id, owner: owner, limit: -1, source: SourceDigitised, meta: meta, def: def,
		up:     Upload{Body: signed, Size: size, FileName: "ban-so-hoa-" + sc.ID + ".pdf", MediaType: mediaPDF},
		issued: by, action: ActionCreate, fileName: "ban-so-hoa-" + sc.ID + ".pdf",
		acc:   Access{Purpose: agencyPurpose(sc.Agency, "số hoá giấy tờ bản giấy, ký bản sao điện tử chứng thực từ bản chính", sc.Purpose)},
		claim: claim})
	if err != nil {
		return Document{}, err
	}
	// The pending PDF is referenced no more: hand it to the collector.
	s.releaseBlob(ctx, a, sc.OwnerID, sc.Blob)
	return d, nil
}

func errScanChanged(id string) error {
	return kerr.New(kerr.Conflict, "scan_changed", "Lô trang quét đã được xác nhận hoặc thay đổi; vui lòng tải lại trang.", "scan %q is not at the revision confirmed", id)
}

// confirmedScan is the document a confirmed batch committed.
func (s *Service) confirmedScan(ctx context.Context, sc Scan) (Document, error) {
	d, err := s.store.GetDocument(ctx, sc.DocumentID)
	if err != nil {
		if kerr.IsKind(err, kerr.NotFound) {
			// Confirmed by a write that died before its document.
			return Document{}, kerr.New(kerr.NotFound, "scan_document_missing", "Giấy tờ của lô trang quét chưa được lưu; hãy xác nhận lại.",
				"scan %q names document %q, which does not exist", sc.ID, sc.DocumentID)
		}
		return Document{}, storeErr("get document", err)
	}
	return d, nil
}

// signScan signs the batch's PDF into a temporary file, returned open at
// its start with its size.
func (s *Service) signScan(ctx context.Context, sc Scan, k ScanKey) (*os.File, int64, error) {
	signer, err := signing.New(k.Key, signing.Options{Level: k.Level, TSAURL: k.TSAURL, Checker: k.Checker, Budget: k.Budget,
		Reason: CertifiedCopyReason, Location: sc.Agency.Name})
	if err != nil {
		return nil, 0, err
	}
	src, err := os.CreateTemp("", "kho-scan-src-*.pdf")
	if err != nil {
		return nil, 0, kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	defer func() { src.Close(); os.Remove(src.Name()) }()
	rc, err := s.blobs.OpenRange(ctx, sc.Blob, 0, -1)
	if err != nil {
		return nil, 0, storeErr("open scan", err)
	}
	n, err := io.Copy(src, rc)
	rc.Close()
	if err != nil {
		return nil, 0, storeErr("read scan", err)
	}
	out, err := os.CreateTemp("", "kho-scan-signed-*.pdf")
	if err != nil {
		return nil, 0, kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal)
	}
	fail := func(err error) (*os.File, int64, error) {
		out.Close()
		os.Remove(out.Name())
		return nil, 0, err
	}
	if _, err := signer.Sign(ctx, src, n, out); err != nil {
		return fail(err)
	}
	size, err := out.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = out.Seek(0, io.SeekStart)
	}
	if err != nil {
		return fail(kerr.Wrap(err, kerr.Internal, "scan_temp", msgScanInternal))
	}
	return out, size, nil
}

// releaseBlob hands a blob no record references any more to the
// collector: an intent that names it, which the collector settles after
// the grace period (deleting the blob unless something uses it then). A
// failure leaves the blob stored, never a reference without its blob.
func (s *Service) releaseBlob(ctx context.Context, a Actor, ownerID, hash string) {
	in := s.newIntent(a, ownerID, "", 0)
	if err := s.store.BeginUpload(ctx, in, -1); err != nil {
		s.log.Warn("archive: release blob", "hash", hash, "err", err)
		return
	}
	if err := s.store.ClaimBlob(ctx, in.ID, hash); err != nil {
		s.log.Warn("archive: release blob", "hash", hash, "err", err)
	}
}

// ExpireScans deletes at most limit (1..1000) pending batches past their
// ExpiresAt, oldest first, handing their PDFs to the collector: a bounded
// piece of work, through the store's index on expiry. It returns how
// many it deleted; a batch confirmed meanwhile is skipped.
func (s *Service) ExpireScans(ctx context.Context, limit int) (int, error) {
	limit = max(1, min(limit, 1000))
	scs, err := s.store.ExpiredScans(ctx, s.nowUTC(), limit)
	if err != nil {
		return 0, storeErr("expired scans", err)
	}
	n := 0
	for _, sc := range scs {
		// The blob is released first: the collector keeps it while the
		// batch is pending, so it goes only once the batch is gone.
		s.releaseBlob(ctx, Actor{Subject: "kho", Role: RoleAdmin}, sc.OwnerID, sc.Blob)
		err := s.store.DeleteScan(ctx, sc.ID, sc.Rev)
		switch {
		case err == nil:
			n++
		case kerr.IsKind(err, kerr.Conflict), kerr.IsKind(err, kerr.NotFound):
		default:
			return n, storeErr("delete scan", err)
		}
	}
	return n, nil
}

// ScanTextPreview is the start of a batch's OCR text, at most n runes,
// cut between words: the summary the review page proposes.
func ScanTextPreview(text string, n int) string {
	text = strings.TrimSpace(text)
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := string(r[:n])
	if i := strings.LastIndexAny(cut, " \n"); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut)
}
