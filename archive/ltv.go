package archive

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// Long-term validation renewal (issue 12, item 7). A signed PDF stays
// verifiable only while the certificates its validation rests on are
// valid: the signer's chain, the time-stamp authorities' chains, and —
// once the paper is at PAdES B-LTA — the chain of its last document
// time-stamp, which vouches for everything before it. The vault keeps the
// earliest of those expiries with each version's signature summary
// (SignatureSummary.ExpiresAt), and the store finds the papers whose
// expiry comes within a margin through an index on it (LTVStore). Renewal
// runs signing.Extend at B-LTA on the current version — fresh OCSP/CRL
// answers in a DSS and a new document time-stamp, appended as an
// incremental update so the original signatures stay valid — and stores
// the result as a new version with Change ChangeLTV. The new version's
// summary has the new time-stamp's expiry, so the paper is no longer due.

// ChangeLTV is the Change of a version made by renewing the validation
// data of the version before it (Service.Renew).
const ChangeLTV = "ltv"

// DefaultRenewWithin is how long before the expiry a paper is due when
// RenewalConfig.Within is zero.
const DefaultRenewWithin = 90 * 24 * time.Hour

// renewAgainAfter is how long after a renewal a paper still due is left
// alone by the job (RenewOptions.DueWithin): its renewal did not help.
const renewAgainAfter = 7 * 24 * time.Hour

// maxRenewBatch bounds a page of due papers.
const maxRenewBatch = 1000

// SystemRenewer is the actor the background job renews as; the owner's
// ledger names it.
var SystemRenewer = Actor{Subject: "kho-system", Role: RoleAdmin}

// renewPurpose is the purpose written in the owner's ledger.
const renewPurpose = "gia hạn chữ ký số (B-LTA)"

// RenewalConfig configures Service.Renew.
type RenewalConfig struct {
	// Checker fetches the OCSP answers and CRLs and builds the chains to
	// its Roots; nil: renewal is not configured.
	Checker *signing.Checker
	// TSAURL is the RFC 3161 time-stamp authority of the new document
	// time-stamps; "": renewal is not configured.
	TSAURL string
	// TSATimeout bounds a time-stamp request (zero: signing's default).
	TSATimeout time.Duration
	// Within is how long before its expiry a paper is due (zero:
	// DefaultRenewWithin).
	Within time.Duration
}

// RenewalConfigured says whether the vault can renew papers: a time-stamp
// authority, a checker and a verifier (a renewed version is verified).
func (s *Service) RenewalConfigured() bool {
	return s.cfg.Renewal.Checker != nil && s.cfg.Renewal.TSAURL != "" && s.cfg.Verifier != nil
}

// RenewWithin is the configured margin before expiry.
func (s *Service) RenewWithin() time.Duration {
	if s.cfg.Renewal.Within > 0 {
		return s.cfg.Renewal.Within
	}
	return DefaultRenewWithin
}

// ValidationExpiry is when the validation of the signatures of rep stops
// resting on valid certificates. When every signature reached B-LTA and
// the last document time-stamp passed, that time-stamp vouches for all
// before it: its TSA chain's expiry. Otherwise the earliest expiry of every
// chain built — signers', signature time-stamps', document time-stamps'.
// Zero when no chain was built. UTC, whole seconds.
func ValidationExpiry(rep *signing.Report) time.Time {
	if rep == nil {
		return time.Time{}
	}
	var last *signing.SignatureReport
	allLTA, seen := true, false
	for _, sig := range rep.Signatures {
		if sig == nil {
			continue
		}
		seen = true
		if sig.Kind == signing.KindDocTimestamp {
			last = sig
			continue
		}
		if sig.Level != "B-LTA" {
			allLTA = false
		}
	}
	if !seen {
		return time.Time{}
	}
	if allLTA && last != nil && last.Verdict == signing.TotalPassed && !last.ChainExpires.IsZero() {
		return last.ChainExpires.UTC().Truncate(time.Second)
	}
	var first time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	for _, sig := range rep.Signatures {
		if sig == nil {
			continue
		}
		earlier(sig.ChainExpires)
		earlier(sig.Timestamp.ChainExpires)
	}
	return first.UTC().Truncate(time.Second)
}

// RenewalItem is one paper due for renewal, as the archivists' list shows
// it: what identifies the paper and its signatures, not its content.
type RenewalItem struct {
	DocumentID string    `json:"documentId"`
	OwnerID    string    `json:"ownerId"`
	TypeCode   string    `json:"typeCode"`
	Version    int       `json:"version"`
	Level      string    `json:"level,omitempty"`
	Signers    []string  `json:"signers,omitempty"`
	ExpiresAt  time.Time `json:"expiresAt"`
	// RenewBy is ExpiresAt less the margin: the paper is due from then.
	RenewBy time.Time `json:"renewBy"`
	Rev     int64     `json:"rev"`
}

// DueRenewals lists, for staff and admin, the papers whose validation
// expires within `within` of now (0: RenewWithin), earliest first, a page
// of at most limit (1..1000) after the cursor, and whether more follow.
// Permission "staff_only" for a citizen; Invalid "invalid_limit".
func (s *Service) DueRenewals(ctx context.Context, a Actor, within time.Duration, after RenewCursor, limit int) ([]RenewalItem, bool, error) {
	if err := checkActor(a); err != nil {
		return nil, false, err
	}
	if a.Role == RoleCitizen {
		return nil, false, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not list the papers due for renewal")
	}
	if limit < 1 || limit > maxRenewBatch {
		return nil, false, invalid("invalid_limit", "Số giấy tờ mỗi trang phải từ 1 đến 1000.", "limit %d", limit)
	}
	if within <= 0 {
		within = s.RenewWithin()
	}
	docs, err := s.store.DueForRenewal(ctx, s.renewBefore(within), after, limit+1)
	if err != nil {
		return nil, false, storeErr("due for renewal", err)
	}
	more := len(docs) > limit
	if more {
		docs = docs[:limit]
	}
	items := make([]RenewalItem, 0, len(docs))
	for _, d := range docs {
		items = append(items, renewalItem(d, within))
	}
	return items, more, nil
}

func renewalItem(d Document, within time.Duration) RenewalItem {
	it := RenewalItem{DocumentID: d.ID, OwnerID: d.OwnerID, TypeCode: d.TypeCode, Version: d.Current.N, Rev: d.Rev}
	if sig := d.Current.Signature; sig != nil {
		it.Level, it.Signers, it.ExpiresAt = sig.Level, sig.Signers, sig.ExpiresAt
		it.RenewBy = sig.ExpiresAt.Add(-within)
	}
	return it
}

// renewBefore is the latest expiry that is due now: now + within, whole
// seconds (ExpiresAt is whole seconds).
func (s *Service) renewBefore(within time.Duration) time.Time {
	return s.now().UTC().Add(within).Truncate(time.Second)
}

// RenewOptions say what Renew does.
type RenewOptions struct {
	// ExpectedRev, when not 0, is the revision the caller saw: another is a
	// Conflict (the paper changed meanwhile).
	ExpectedRev int64
	// DueWithin, when not 0, renews only a paper whose validation expires
	// within it of now: otherwise Renew changes nothing and says so
	// (Renewed false). The job passes its margin, so a paper renewed by
	// another process meanwhile is not renewed twice; and a paper renewed
	// less than a week ago that is still due is refused (Unavailable
	// "renewal_not_effective"), not renewed at every run.
	DueWithin time.Duration
}

// RenewResult is what Renew did to one paper.
type RenewResult struct {
	DocumentID string `json:"documentId"`
	// Renewed says a new version was stored; false when the paper was no
	// longer due.
	Renewed bool `json:"renewed"`
	// Version is the new version's N (or the current one's, not renewed).
	Version int `json:"version"`
	// ExpiresAt is the validation expiry before and after.
	Before time.Time `json:"before"`
	After  time.Time `json:"after"`
	// Level is the new version's lowest signature level.
	Level string `json:"level,omitempty"`
	// Added counts what signing.Extend added.
	Certs, OCSPs, CRLs int `json:"-"`
}

// Renew renews the long-term validation data of a paper's current version
// (staff and admin only): signing.Extend at B-LTA with fresh OCSP/CRL
// answers and a new document time-stamp from the configured TSA, stored as
// a new version with Change ChangeLTV. The version before stays as it was,
// byte for byte; the original signatures stay valid (the update is
// incremental). An agency's issued paper is renewed too: its content and
// signatures are unchanged, only validation data is appended. The quota is
// not applied: keeping a paper verifiable is the archive's duty. The
// owner's ledger records the new version.
//
// Errors: Permission "staff_only"; NotFound; Unavailable
// "renewal_not_configured"; Invalid "not_signed" (not a signed PDF);
// Conflict "document_changed" (a lost race: nothing stored); Unavailable
// "renewal_not_effective" (see RenewOptions.DueWithin); signing.Extend's
// errors (Unavailable "revocation_unavailable", "tsa_unavailable" when a
// server does not answer; Invalid for a damaged PDF).
func (s *Service) Renew(ctx context.Context, a Actor, id string, opts RenewOptions) (RenewResult, error) {
	if err := checkActor(a); err != nil {
		return RenewResult{}, err
	}
	if a.Role == RoleCitizen {
		return RenewResult{}, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "citizens may not renew validation data")
	}
	if !s.RenewalConfigured() {
		return RenewResult{}, kerr.New(kerr.Unavailable, "renewal_not_configured",
			"Máy chủ chưa được cấu hình để gia hạn chữ ký số (cần danh sách tin cậy và máy chủ cấp dấu thời gian).",
			"archive.Config.Renewal needs a Checker and a TSAURL, and Config.Verifier must be set")
	}
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return RenewResult{}, err
	}
	if opts.ExpectedRev != 0 && d.Rev != opts.ExpectedRev {
		return RenewResult{}, errChanged(d.ID, opts.ExpectedRev, d.Rev)
	}
	cur := d.Current
	res := RenewResult{DocumentID: d.ID, Version: cur.N}
	if cur.Signature != nil {
		res.Before = cur.Signature.ExpiresAt
	}
	if cur.MediaType != mediaPDF || cur.Signature == nil || !cur.Signature.Signed {
		return res, invalid("not_signed", "Chỉ gia hạn được giấy tờ PDF đã ký số.", "current version %d of %s is not a signed PDF", cur.N, d.ID)
	}
	if opts.DueWithin > 0 && (res.Before.IsZero() || res.Before.After(s.renewBefore(opts.DueWithin))) {
		return res, nil // renewed meanwhile, or not due
	}
	if opts.DueWithin > 0 && cur.Change == ChangeLTV && s.now().Sub(cur.CreatedAt) < renewAgainAfter {
		// Renewed lately and still due: the renewal did not move the
		// expiry (the TSA's own certificate expires within the margin).
		// Renewing again would only repeat it every run.
		return res, kerr.New(kerr.Unavailable, "renewal_not_effective",
			"Lần gia hạn gần đây không kéo dài được thời hạn kiểm tra của giấy tờ (chứng thư của máy chủ cấp dấu thời gian có thể sắp hết hạn); cần kiểm tra cấu hình TSA.",
			"document %s version %d was renewed at %s and its validation still expires at %s", d.ID, cur.N, cur.CreatedAt.Format(time.RFC3339), res.Before.Format(time.RFC3339))
	}
	in, release, err := s.spool(ctx, cur.Blob, cur.Size)
	if err != nil {
		return res, storeErr("read current version", err)
	}
	defer release()
	out, err := os.CreateTemp("", "kho-ltv-*.pdf")
	if err != nil {
		return res, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không tạo được tệp tạm để gia hạn chữ ký.")
	}
	defer func() { out.Close(); os.Remove(out.Name()) }()
	ext, err := signing.Extend(ctx, in, cur.Size, out, signing.LevelBLTA, signing.ExtendOptions{
		Checker: s.cfg.Renewal.Checker, TSAURL: s.cfg.Renewal.TSAURL, TSATimeout: s.cfg.Renewal.TSATimeout,
		Now: s.now, Budget: s.cfg.PDFBudget,
	})
	if err != nil {
		return res, err
	}
	res.Certs, res.OCSPs, res.CRLs = ext.Certs, ext.OCSPs, ext.CRLs
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return res, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không đọc lại được tệp đã gia hạn.")
	}
	nd, err := s.addLTVVersion(ctx, a, d, Upload{Body: out, Size: ext.Size, FileName: cur.FileName, MediaType: mediaPDF})
	if err != nil {
		return res, err
	}
	res.Renewed, res.Version = true, nd.Current.N
	if sig := nd.Current.Signature; sig != nil {
		res.After, res.Level = sig.ExpiresAt, sig.Level
	}
	return res, nil
}

// addLTVVersion stores up as the next version of d, guarded by d.Rev (a
// changed paper is a Conflict), without the quota and without the lock of
// issued papers (see Renew), and records it in the owner's ledger.
func (s *Service) addLTVVersion(ctx context.Context, a Actor, d Document, up Upload) (Document, error) {
	fileName, err := s.checkUploadHead(up)
	if err != nil {
		return Document{}, err
	}
	owner, err := s.getOwner(ctx, d.OwnerID)
	if err != nil {
		return Document{}, err
	}
	return s.storeVersion(ctx, a, d, d.Rev, owner, 0, up, fileName, ChangeLTV, "", Access{Purpose: renewPurpose})
}

// RenewBatch says what RenewDue does.
type RenewBatch struct {
	// Within is the margin (0: RenewWithin).
	Within time.Duration
	// After is where the previous batch stopped (zero: from the earliest).
	After RenewCursor
	// Limit is how many due papers one batch looks at (1..1000).
	Limit int
	// DryRun lists the due papers without renewing them.
	DryRun bool
	// OnPaper, when set, is told of each paper when done with it: its
	// result, or its error (the batch goes on).
	OnPaper func(it RenewalItem, res RenewResult, err error)
}

// RenewReport is what RenewDue did.
type RenewReport struct {
	Due, Renewed, Skipped, Failed int
	// Next is the cursor of the next batch; More says the batch was full.
	Next RenewCursor
	More bool
}

// RenewDue renews, as actor a, a bounded batch of the papers due (see
// Renew): one paper's failure is reported for it and the batch goes on; a
// paper that changed meanwhile (Conflict) or was renewed by another
// process is skipped. Errors are those of DueRenewals (listing); the
// papers' own errors go to OnPaper and the counts.
func (s *Service) RenewDue(ctx context.Context, a Actor, b RenewBatch) (RenewReport, error) {
	within := b.Within
	if within <= 0 {
		within = s.RenewWithin()
	}
	items, more, err := s.DueRenewals(ctx, a, within, b.After, b.Limit)
	if err != nil {
		return RenewReport{}, err
	}
	rep := RenewReport{Due: len(items), More: more, Next: b.After}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, kerr.Wrap(err, kerr.Unavailable, "renewal_cancelled", "Việc gia hạn chữ ký số đã bị dừng.")
		}
		rep.Next = RenewCursor{ExpiresAt: it.ExpiresAt, ID: it.DocumentID}
		var res RenewResult
		var err error
		if b.DryRun {
			res = RenewResult{DocumentID: it.DocumentID, Version: it.Version, Before: it.ExpiresAt}
		} else {
			res, err = s.Renew(ctx, a, it.DocumentID, RenewOptions{DueWithin: within})
		}
		switch {
		case err != nil && kerr.IsKind(err, kerr.Conflict):
			rep.Skipped++
		case err != nil:
			rep.Failed++
		case res.Renewed:
			rep.Renewed++
		case !b.DryRun:
			rep.Skipped++
		}
		if b.OnPaper != nil {
			b.OnPaper(it, res, err)
		}
	}
	return rep, nil
}

// BackfillExpiry verifies again the current versions of at most limit
// signed papers whose summary has no ExpiresAt (made before expiries were
// kept), in ID order after `after`, so that they are found when due; it
// returns the ID to continue after ("" when none was left). A paper whose
// chains cannot be built stays without an expiry and is passed.
func (s *Service) BackfillExpiry(ctx context.Context, after string, limit int) (string, int, error) {
	if s.cfg.Verifier == nil {
		return after, 0, nil
	}
	if limit < 1 || limit > maxRenewBatch {
		return after, 0, invalid("invalid_limit", "Số giấy tờ mỗi lượt phải từ 1 đến 1000.", "limit %d", limit)
	}
	docs, err := s.store.SignedWithoutExpiry(ctx, after, limit)
	if err != nil {
		return after, 0, storeErr("signed without expiry", err)
	}
	n := 0
	for _, d := range docs {
		if _, err := s.Reverify(ctx, SystemRenewer, d.ID, 0); err != nil && !errors.Is(err, context.Canceled) {
			s.log.WarnContext(ctx, "validation expiry not computed", "document", d.ID, "err", err)
		} else if err == nil {
			n++
		}
		after = d.ID
	}
	return after, n, nil
}

// String is the cursor as the API and the pages pass it: the expiry
// (RFC 3339, UTC) and the paper's ID, joined by "/"; "" for the start.
func (c RenewCursor) String() string {
	if c.ID == "" {
		return ""
	}
	return c.ExpiresAt.UTC().Truncate(time.Second).Format(time.RFC3339) + "/" + c.ID
}

// ParseRenewCursor reads a cursor made by RenewCursor.String ("" is the
// start). Invalid "invalid_cursor" otherwise.
func ParseRenewCursor(s string) (RenewCursor, error) {
	if s == "" {
		return RenewCursor{}, nil
	}
	bad := invalid("invalid_cursor", "Vị trí trang của danh sách không hợp lệ.", "renewal cursor %.80q", s)
	at, id, ok := strings.Cut(s, "/")
	if !ok || !ValidID(id) {
		return RenewCursor{}, bad
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return RenewCursor{}, bad
	}
	return RenewCursor{ExpiresAt: t.UTC().Truncate(time.Second), ID: id}, nil
}
