package archive

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// fixityBatch is how many blob references a fixity run reads from the
// store at a time; after each batch it clears the findings of the blobs
// that passed and saves its cursor.
const fixityBatch = 200

// fixityBuf is the size of the buffer a fixity check reads through.
const fixityBuf = 1 << 20

// blobSource is one kind of record that references blobs, as fixity sees
// it: its references in hash order from a cursor, and the documents that
// hold one. Fixity checks the union of every source's references, each
// blob once per pass however many records share it.
type blobSource struct {
	name string
	// refs returns the distinct hashes greater than after, increasing, at
	// most limit (FixityStore.ReferencedBlobs).
	refs func(ctx context.Context, after string, limit int) ([]string, error)
	// users returns the documents that reference hash, by ID, at most
	// limit (FixityStore.BlobUsers).
	users func(ctx context.Context, hash string, limit int) ([]BlobUser, error)
}

// blobSources are the records whose blobs fixity checks: versions (the
// content and the signature report), renditions, paper copies and
// pending batches of digitisation — every record the collector keeps a
// blob for (inUse) — each listed by a store method served by an index on
// its blob field (FixityStore, FixitySourceStore).
func (s *Service) blobSources() []blobSource {
	return []blobSource{
		{name: "versions", refs: s.store.ReferencedBlobs, users: s.store.BlobUsers},
		{name: "renditions", refs: s.store.RenditionBlobs, users: s.store.RenditionBlobUsers},
		{name: "paper copies", refs: s.store.PaperCopyBlobs, users: s.store.PaperCopyBlobUsers},
		{name: "pending scans", refs: s.store.PendingScanBlobs, users: s.store.PendingScanBlobUsers},
	}
}

// referencedBlobs merges the sources' references after after: the first
// limit distinct hashes of their union, increasing. Each source is asked
// for limit hashes, which holds the union's first limit.
func (s *Service) referencedBlobs(ctx context.Context, after string, limit int) ([]string, error) {
	var all []string
	for _, src := range s.blobSources() {
		hs, err := src.refs(ctx, after, limit)
		if err != nil {
			return nil, storeErr("list "+src.name+" blobs", err)
		}
		all = append(all, hs...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// blobUsers returns the records that reference hash in any source, by
// document ID (then Via, RecordID), at most MaxFixityUsers, and whether
// there were more.
func (s *Service) blobUsers(ctx context.Context, hash string) ([]BlobUser, bool, error) {
	var all []BlobUser
	for _, src := range s.blobSources() {
		us, err := src.users(ctx, hash, MaxFixityUsers+1)
		if err != nil {
			return nil, false, storeErr("list "+src.name+" users", err)
		}
		all = append(all, us...)
	}
	slices.SortFunc(all, func(a, b BlobUser) int {
		return cmp.Or(strings.Compare(a.DocumentID, b.DocumentID), strings.Compare(a.Via, b.Via), strings.Compare(a.RecordID, b.RecordID))
	})
	all = slices.Compact(all)
	if len(all) > MaxFixityUsers {
		return all[:MaxFixityUsers], true, nil
	}
	return all, false, nil
}

// FixityCursor is where a pass of fixity checks stands: the last hash
// checked ("" at the start of a pass) and when the pass began (zero:
// not begun). The scheduled job keeps it in its lease between runs.
type FixityCursor struct {
	After     string    `json:"after,omitempty"`
	PassStart time.Time `json:"passStart,omitzero"`
}

// String encodes the cursor for a job's lease ("" for the zero cursor).
func (c FixityCursor) String() string {
	if c == (FixityCursor{}) {
		return ""
	}
	b, _ := json.Marshal(c) // a string and a time: never fails
	return string(b)
}

// ParseFixityCursor decodes a cursor String made. A cursor it cannot read
// (another build's, or damaged) starts a new pass: fixity loses nothing
// by checking again.
func ParseFixityCursor(s string) FixityCursor {
	var c FixityCursor
	if s == "" || json.Unmarshal([]byte(s), &c) != nil {
		return FixityCursor{}
	}
	return c
}

// Fraction is how far through the pass the cursor is, 0..1, read from
// its hash: hashes are uniform, so the first 64 bits of the last one
// checked tell what share of them come before it.
func (c FixityCursor) Fraction() float64 {
	if c.After == "" {
		return 0
	}
	p := c.After
	if len(p) > 16 {
		p = p[:16]
	}
	var v uint64
	for i := 0; i < 16; i++ {
		v <<= 4
		if i < len(p) {
			v |= uint64(hexVal(p[i]))
		}
	}
	return float64(v) / math.Exp2(64)
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0
}

// FixityOptions says what one fixity run does.
type FixityOptions struct {
	// Trigger is recorded in the run's summary ("job", "command").
	Trigger string
	// Cursor is where the pass stands; the zero cursor begins a pass.
	Cursor FixityCursor
	// MaxBlobs and MaxBytes bound the run: it stops after the blob that
	// reaches either (≤ 0: no bound). A run without bounds is a whole
	// pass from the cursor.
	MaxBlobs int
	MaxBytes int64
	// Save, when not nil, is called with the cursor after every batch
	// (the job saves it in its lease); its error stops the run.
	Save func(ctx context.Context, c FixityCursor) error
	// Progress, when not nil, is called after every blob with the run so
	// far and the cursor.
	Progress func(r FixityRun, c FixityCursor)
}

// CheckFixity runs fixity checks from opts.Cursor: it reads the blobs
// that records reference, in hash order from the cursor, in batches of
// fixityBatch through the store's index, and re-hashes each one whole
// (streaming). A blob whose bytes do not hash to its name, or that the
// blob store does not have, becomes a finding naming the documents that
// reference it, logged at error level when it is new; the findings of
// blobs that pass, or that nothing references any more, are removed
// batch by batch. The run stops at its bounds or at the end of the pass
// (then PassDone is set and the returned cursor is zero, so that the next
// run begins a new pass), and its summary is stored.
//
// Each blob is read once per pass however many documents share it. A run
// costs in proportion to its bounds, never to the store. Running the same
// stretch twice changes nothing but the findings' LastSeen.
//
// Errors: the store's, and the blob store's other than NotFound (a blob
// store that cannot be reached is not a missing blob: the run stops with
// Unavailable and the cursor stays where it was); the context's.
func (s *Service) CheckFixity(ctx context.Context, opts FixityOptions) (FixityRun, FixityCursor, error) {
	start := s.now()
	cur := opts.Cursor
	if cur.PassStart.IsZero() {
		cur = FixityCursor{PassStart: start}
	}
	run := FixityRun{ID: NewID(start), Trigger: opts.Trigger, Start: start, From: cur.After, PassStart: cur.PassStart}
	err := s.checkFixity(ctx, opts, &run, &cur)
	run.End = s.now()
	if err != nil {
		run.Error = err.Error()
	}
	if aerr := s.store.AddFixityRun(context.WithoutCancel(ctx), run); aerr != nil && err == nil {
		err = storeErr("add fixity run", aerr)
	}
	if run.PassDone {
		cur = FixityCursor{}
	}
	return run, cur, err
}

func (s *Service) checkFixity(ctx context.Context, opts FixityOptions, run *FixityRun, cur *FixityCursor) error {
	buf := make([]byte, fixityBuf)
	for {
		n := fixityBatch
		if opts.MaxBlobs > 0 {
			n = min(n, opts.MaxBlobs-run.Checked)
		}
		from := cur.After
		hashes, err := s.referencedBlobs(ctx, from, n)
		if err != nil {
			return err
		}
		failed := map[string]bool{}
		stopped := false
		for _, h := range hashes {
			size, ferr := s.checkBlob(ctx, h, buf)
			if ferr != nil {
				if err := s.fixityFailed(ctx, run, h, size, ferr); err != nil {
					return err
				}
				failed[h] = true
			}
			run.Checked++
			run.Bytes += size
			run.To, cur.After = h, h
			if opts.Progress != nil {
				opts.Progress(*run, *cur)
			}
			if (opts.MaxBlobs > 0 && run.Checked >= opts.MaxBlobs) || (opts.MaxBytes > 0 && run.Bytes >= opts.MaxBytes) {
				stopped = true
				break
			}
		}
		done := !stopped && len(hashes) < n
		to := cur.After
		if done {
			to = "" // and every finding past the last reference
		}
		if err := s.clearFindings(ctx, from, to, failed); err != nil {
			return err
		}
		if done {
			run.PassDone = true
			return nil
		}
		if opts.Save != nil {
			if err := opts.Save(ctx, *cur); err != nil {
				return err
			}
		}
		if stopped || len(hashes) == 0 {
			return nil
		}
	}
}

// checkBlob reads the blob hash whole and hashes it: nil when the bytes
// hash to its name; Integrity (code "fixity_mismatch") when they do not;
// the blob store's error (NotFound for a missing blob) otherwise. It
// returns how many bytes it read.
func (s *Service) checkBlob(ctx context.Context, hash string, buf []byte) (int64, error) {
	rc, err := s.blobs.OpenRange(ctx, hash, 0, -1)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, rc, buf)
	if err != nil {
		return n, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return n, kerr.New(kerr.Integrity, "fixity_mismatch", "Nội dung tệp đã lưu không khớp mã băm của nó.",
			"blob %s: its %d bytes hash to %s", hash, n, got)
	}
	return n, nil
}

// fixityFailed records the failure of blob hash as a finding, or returns
// the error when it is not a failure of the blob (the store unreachable,
// the context done).
func (s *Service) fixityFailed(ctx context.Context, run *FixityRun, hash string, size int64, ferr error) error {
	f := FixityFinding{Blob: hash, Size: size, FirstSeen: s.now(), LastSeen: s.now()}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case kerr.IsKind(ferr, kerr.Integrity):
		f.Kind = FixityMismatch
		run.Mismatches++
	case kerr.IsKind(ferr, kerr.NotFound):
		f.Kind, f.Size = FixityMissing, 0
		run.Missing++
	default:
		return fmt.Errorf("fixity: read blob %s: %w", hash, ferr)
	}
	f.Detail = detailOf(ferr)
	users, more, err := s.blobUsers(ctx, hash)
	if err != nil {
		return err
	}
	f.Documents, f.MoreDocuments = users, more
	isNew, err := s.store.SaveFixityFinding(ctx, f)
	if err != nil {
		return storeErr("save fixity finding", err)
	}
	if isNew {
		owners := make([]string, 0, len(users))
		docs := make([]string, 0, len(users))
		for _, u := range users {
			docs = append(docs, u.DocumentID)
			owners = append(owners, u.OwnerID)
		}
		s.log.ErrorContext(ctx, "kiểm tra toàn vẹn: tệp lưu trữ bị hỏng hoặc bị mất", "blob", hash, "kind", f.Kind,
			"detail", f.Detail, "documents", docs, "owners", slices.Compact(slices.Sorted(slices.Values(owners))), "more", more)
	}
	return nil
}

// detailOf is the English detail of a check's error.
func detailOf(err error) string {
	var ke *kerr.Error
	if errors.As(err, &ke) && ke.Detail != "" {
		return ke.Detail
	}
	return err.Error()
}

// clearFindings removes the findings of the blobs after from up to to
// ("" = to the end) that are not in failed: they passed, or nothing
// references them any more.
func (s *Service) clearFindings(ctx context.Context, from, to string, failed map[string]bool) error {
	after := from
	for {
		fs, err := s.store.ListFixityFindings(ctx, after, to, fixityBatch)
		if err != nil {
			return storeErr("list fixity findings", err)
		}
		for _, f := range fs {
			if failed[f.Blob] {
				continue
			}
			if _, err := s.store.DeleteFixityFinding(ctx, f.Blob); err != nil {
				return storeErr("delete fixity finding", err)
			}
			s.log.InfoContext(ctx, "kiểm tra toàn vẹn: tệp đã đạt trở lại", "blob", f.Blob, "kind", f.Kind)
		}
		if len(fs) < fixityBatch {
			return nil
		}
		after = fs[len(fs)-1].Blob
	}
}

// FixityStatus is what the archive's fixity pages and API show.
type FixityStatus struct {
	// Runs are the latest runs, newest first.
	Runs []FixityRun `json:"runs"`
	// LastPass is the last run that finished a pass (nil: none yet).
	LastPass *FixityRun `json:"lastPass,omitempty"`
	// Findings are the open findings in blob order, at most the limit
	// asked; MoreFindings tells that there are more.
	Findings     []FixityFinding `json:"findings"`
	MoreFindings bool            `json:"moreFindings,omitempty"`
}

// FixityFindings returns the open findings whose blob is after after, in
// blob order, at most limit (1..1000). Staff and admin only (Permission
// otherwise).
func (s *Service) FixityFindings(ctx context.Context, a Actor, after string, limit int) ([]FixityFinding, error) {
	if a.Role != RoleStaff && a.Role != RoleAdmin {
		return nil, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "fixity findings: role %q", a.Role)
	}
	fs, err := s.store.ListFixityFindings(ctx, after, "", limit)
	return fs, storeErr("list fixity findings", err)
}

// Fixity returns the latest runs (at most runs) and the open findings (at
// most findings) of fixity checking. Staff and admin only (Permission
// otherwise); limits out of 1..1000 are Invalid.
func (s *Service) Fixity(ctx context.Context, a Actor, runs, findings int) (FixityStatus, error) {
	if a.Role != RoleStaff && a.Role != RoleAdmin {
		return FixityStatus{}, kerr.New(kerr.Permission, "staff_only", msgStaffOnly, "fixity: role %q", a.Role)
	}
	if runs < 1 || runs > 1000 || findings < 1 || findings > 999 {
		return FixityStatus{}, invalid("invalid_limit", "Giới hạn số dòng không hợp lệ.", "fixity: runs %d, findings %d", runs, findings)
	}
	var st FixityStatus
	var err error
	if st.Runs, err = s.store.ListFixityRuns(ctx, false, runs); err != nil {
		return st, storeErr("list fixity runs", err)
	}
	last, err := s.store.ListFixityRuns(ctx, true, 1)
	if err != nil {
		return st, storeErr("list fixity passes", err)
	}
	if len(last) == 1 {
		st.LastPass = &last[0]
	}
	if st.Findings, err = s.store.ListFixityFindings(ctx, "", "", findings+1); err != nil {
		return st, storeErr("list fixity findings", err)
	}
	if len(st.Findings) > findings {
		st.Findings, st.MoreFindings = st.Findings[:findings], true
	}
	return st, nil
}
