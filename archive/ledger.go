package archive

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/kho-vn/kho/internal/kerr"
)

// ledgerAttempts bounds the tries of an append whose lane tail turned out
// stale (only when a store write failed with an unknown outcome).
const ledgerAttempts = 3

// maxProblemsPerLane keeps an audit report of a badly damaged lane short.
const maxProblemsPerLane = 1000

// appendLedger appends e to one of this process's lanes of the owner
// e.Chain: a free slot's lane (see lanes), linked to its tail, which the
// process remembers (or reads once, an indexed read of the lane's last
// entry). The append is then one insert, whatever the length of the
// owner's ledger, and never waits for another process or another append
// of the same owner.
func (s *Service) appendLedger(ctx context.Context, e LedgerEntry) (LedgerEntry, error) {
	e.At = s.nowUTC()
	slot, tail := s.lanes.take(e.Chain)
	defer func() { s.lanes.give(e.Chain, slot, tail) }()
	e.Lane = s.lanes.name(slot)
	var lastErr error
	for attempt := 0; attempt < ledgerAttempts; attempt++ {
		if !tail.known {
			last, err := s.store.LastLedger(ctx, e.Chain, e.Lane)
			switch {
			case err == nil:
				tail = laneTail{known: true, seq: last.Seq, hash: last.Hash}
			case kerr.IsKind(err, kerr.NotFound):
				tail = laneTail{known: true}
			default:
				return e, storeErr("read ledger lane tail", err)
			}
		}
		e.Seq, e.PrevHash = tail.seq+1, tail.hash
		e.Hash = EntryHash(e)
		err := s.store.AppendLedger(ctx, e)
		if err == nil {
			tail = laneTail{known: true, seq: e.Seq, hash: e.Hash}
			return e, nil
		}
		// The insert may have happened (a timeout) or the tail was stale:
		// read the lane's tail again before the next append.
		tail.known = false
		if !kerr.IsKind(err, kerr.Conflict) {
			return e, storeErr("append ledger", err)
		}
		lastErr = err
	}
	return e, kerr.Wrap(lastErr, kerr.Unavailable, "ledger_busy", "Nhật ký truy cập đang bận; vui lòng thử lại.")
}

// record appends an access to the owner's chain.
func (s *Service) record(ctx context.Context, a Actor, action Action, d Document, version int, acc Access) error {
	_, err := s.appendLedger(ctx, LedgerEntry{
		Chain:      d.OwnerID,
		Actor:      a.Subject,
		ActorRole:  a.Role,
		Action:     action,
		DocumentID: d.ID,
		Version:    version,
		Purpose:    acc.Purpose,
		Dossier:    acc.Dossier,
	})
	return err
}

// readAccess checks the Access a read of an owner's data carries into the
// ledger: bounded free text, trimmed, and, when staff or admin read, a
// purpose (Invalid "purpose_required"): an official may read a citizen's
// data only for a stated reason, and the citizen sees it in the ledger.
// A citizen reading their own vault need not give one.
func readAccess(a Actor, acc Access) (Access, error) {
	acc.Purpose, acc.Dossier = strings.TrimSpace(acc.Purpose), strings.TrimSpace(acc.Dossier)
	if err := checkAccess(acc); err != nil {
		return acc, err
	}
	if a.Role != RoleCitizen && acc.Purpose == "" {
		return acc, kerr.New(kerr.Invalid, "purpose_required",
			"Cán bộ cần ghi rõ mục đích truy cập (purpose) khi xem dữ liệu trong kho của người khác.",
			"staff and admin must give the purpose of a read of an owner's data (query parameter purpose)")
	}
	return acc, nil
}

// readOwner checks that a may read ownerID's vault (checkActor, canOwner)
// and the Access the read carries into the ledger (readAccess).
func readOwner(a Actor, ownerID string, acc Access) (Access, error) {
	if err := checkActor(a); err != nil {
		return acc, err
	}
	if err := canOwner(a, ownerID); err != nil {
		return acc, err
	}
	return readAccess(a, acc)
}

// recordView appends a staff or admin read of ownerID's data that is not
// the read of one paper's metadata or bytes: a listing, a paper's
// versions or reuses (documentID set), the owner's record, statistics or
// ledger. A citizen's own views of their vault are not recorded: the
// ledger tells the owner what others did, and the owner's own reads of a
// paper are recorded by record (Get, Open) as before.
func (s *Service) recordView(ctx context.Context, a Actor, action Action, ownerID, documentID string, acc Access) error {
	if a.Role == RoleCitizen {
		return nil
	}
	_, err := s.appendLedger(ctx, LedgerEntry{
		Chain:      ownerID,
		Actor:      a.Subject,
		ActorRole:  a.Role,
		Action:     action,
		DocumentID: documentID,
		Purpose:    acc.Purpose,
		Dossier:    acc.Dossier,
	})
	return err
}

// recordChange appends a change that is already stored; a ledger failure
// is logged, not returned, so that the caller does not repeat the change.
func (s *Service) recordChange(ctx context.Context, a Actor, action Action, d Document, version int, acc Access) {
	if err := s.record(ctx, a, action, d, version, acc); err != nil {
		s.log.ErrorContext(ctx, "ledger entry for a stored change not written",
			"action", string(action), "owner", d.OwnerID, "document", d.ID, "version", version, "err", err)
	}
}

// laneAudit follows one lane during VerifyLedger.
type laneAudit struct {
	chain, lane string
	next        int64  // the Seq expected next
	prevHash    string // Hash of the entry before
	problems    int
}

// add records a problem of the lane, up to maxProblemsPerLane.
func (l *laneAudit) add(rep *AuditReport, seq int64, reason string) {
	if l.problems < maxProblemsPerLane {
		rep.Problems = append(rep.Problems, AuditProblem{Chain: l.chain, Lane: l.lane, Seq: seq, Reason: reason})
	}
	l.problems++
}

// check follows e, the next entry of the lane in Seq order.
func (l *laneAudit) check(rep *AuditReport, e LedgerEntry) {
	gap := false
	switch {
	case e.Seq > l.next:
		for seq := l.next; seq < e.Seq && l.problems < maxProblemsPerLane; seq++ {
			l.add(rep, seq, "missing entry")
		}
		gap = true
	case e.Seq < l.next:
		l.add(rep, e.Seq, "reordered entry")
	}
	if !gap && e.PrevHash != l.prevHash {
		l.add(rep, e.Seq, "prevHash mismatch")
	}
	if EntryHash(e) != e.Hash {
		l.add(rep, e.Seq, "hash mismatch")
	}
	if e.Seq >= l.next {
		l.next = e.Seq + 1
		l.prevHash = e.Hash
	}
}

// last is the Seq and Hash of the lane's last entry seen.
func (l *laneAudit) last() (int64, string) { return l.next - 1, l.prevHash }

// AuditOptions say what VerifyLedger checks the ledger against.
type AuditOptions struct {
	// Verifier checks checkpoint signatures. Nil: the checkpoints are not
	// used and the report says that only the hash chains were checked.
	Verifier note.Verifier
	// Exported are checkpoints kept outside the database (kho audit
	// checkpoints export): the log must still have each one's size and
	// root, so that deleting the newest checkpoint records and leaves
	// does not go unseen.
	Exported []Checkpoint
}

// CheckpointInfo describes the checkpoint an audit used.
type CheckpointInfo struct {
	Size    int64     `json:"size"`
	At      time.Time `json:"at"`
	Stamped time.Time `json:"stamped,omitzero"` // the TSA's time, if time-stamped
}

// verifyLedger walks the Merkle log and every lane (see VerifyLedger).
func (s *Service) verifyLedger(ctx context.Context, opt AuditOptions) (AuditReport, error) {
	rep := AuditReport{Problems: []AuditProblem{}}
	anchored, err := s.auditLog(ctx, opt, &rep)
	if err != nil {
		return rep, err
	}
	var (
		cur      *laneAudit
		lastSeen string
		seen     = map[laneKey]bool{}
	)
	finish := func(l *laneAudit) {
		if l == nil {
			return
		}
		k := laneKey{l.chain, l.lane}
		seen[k] = true
		h, ok := anchored[k]
		if !ok {
			return
		}
		if last, _ := l.last(); last < h.Seq {
			// Entries the checkpoint covers are gone from the end of the lane.
			for seq := last + 1; seq <= h.Seq && l.problems < maxProblemsPerLane; seq++ {
				l.add(&rep, seq, "missing entry (covered by the checkpoint)")
			}
		}
	}
	err = s.store.ScanLedger(ctx, func(e LedgerEntry) error {
		if cur == nil || cur.chain != e.Chain || cur.lane != e.Lane {
			finish(cur)
			cur = &laneAudit{chain: e.Chain, lane: e.Lane, next: 1}
			rep.Lanes++
			if e.Chain != lastSeen {
				rep.Chains++
				lastSeen = e.Chain
			}
		}
		rep.Entries++
		cur.check(&rep, e)
		h, ok := anchored[laneKey{e.Chain, e.Lane}]
		switch {
		case !ok || e.Seq > h.Seq:
			rep.Unanchored++
		case e.Seq == h.Seq && e.Hash != h.Hash:
			cur.add(&rep, e.Seq, "differs from the checkpoint")
		}
		return ctx.Err()
	})
	if err != nil {
		return rep, storeErr("scan ledger", err)
	}
	finish(cur)
	var gone []LaneHead
	for k, h := range anchored {
		if !seen[k] {
			gone = append(gone, h)
		}
	}
	slices.SortFunc(gone, func(a, b LaneHead) int { return laneKey{a.Chain, a.Lane}.compare(laneKey{b.Chain, b.Lane}) })
	for _, h := range gone {
		rep.Problems = append(rep.Problems, AuditProblem{Chain: h.Chain, Lane: h.Lane, Seq: h.Seq, Reason: "lane deleted (covered by the checkpoint)"})
	}
	return rep, nil
}

// laneKey names a lane of an owner.
type laneKey struct{ chain, lane string }

// compare orders lanes by owner, then lane.
func (a laneKey) compare(b laneKey) int {
	return cmp.Or(strings.Compare(a.chain, b.chain), strings.Compare(a.lane, b.lane))
}

// auditLog checks the latest checkpoint's signature, recomputes the Merkle
// log's root from the stored leaves and compares it with every signed
// root it has (the latest checkpoint's, the exported ones'), and returns
// each lane's newest head that the latest checkpoint covers.
func (s *Service) auditLog(ctx context.Context, opt AuditOptions, rep *AuditReport) (map[laneKey]LaneHead, error) {
	anchored := map[laneKey]LaneHead{}
	if opt.Verifier == nil {
		return anchored, nil
	}
	logProblem := func(reason string, size int64) {
		rep.Problems = append(rep.Problems, AuditProblem{Chain: "(checkpoint)", Seq: size, Reason: reason})
	}
	want := map[int64][]byte{} // signed roots by size
	var latest int64
	cp, err := s.store.LatestCheckpoint(ctx)
	switch {
	case kerr.IsKind(err, kerr.NotFound):
	case err != nil:
		return nil, storeErr("read latest checkpoint", err)
	default:
		size, root, stamped, err := OpenCheckpoint(cp, opt.Verifier)
		if err != nil || size != cp.Size {
			logProblem("checkpoint signature invalid", cp.Size)
			break
		}
		want[size], latest = root, size
		rep.Checkpoint = &CheckpointInfo{Size: size, At: cp.At, Stamped: stamped}
	}
	for _, x := range opt.Exported {
		size, root, _, err := OpenCheckpoint(x, opt.Verifier)
		if err != nil {
			logProblem("exported checkpoint signature invalid", x.Size)
			continue
		}
		if r, ok := want[size]; ok && !bytes.Equal(r, root) {
			logProblem("two signed checkpoints of one size differ", size)
			continue
		}
		want[size] = root
	}
	rng := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	check := func(size int64) error {
		r, ok := want[size]
		if !ok {
			return nil
		}
		got, err := rng.GetRootHash(nil)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, r) {
			logProblem("log root differs from the signed checkpoint", size)
		}
		return nil
	}
	var n int64
	err = s.store.ScanLogLeaves(ctx, func(l LogLeaf) error {
		if l.N != n {
			logProblem("log leaf missing", n)
			return errStopAudit
		}
		if err := check(n); err != nil {
			return err
		}
		leaf := LeafHash(l.LaneHead)
		if len(l.Hashes) == 0 || !bytes.Equal(l.Hashes[0], leaf) {
			logProblem("log leaf's stored hash differs", n)
		}
		if err := rng.Append(leaf, nil); err != nil {
			return err
		}
		if n < latest {
			k := laneKey{l.Chain, l.Lane}
			if h, ok := anchored[k]; !ok || l.Seq > h.Seq {
				anchored[k] = l.LaneHead
			}
		}
		n++
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, errStopAudit) {
		return nil, storeErr("scan ledger log", err)
	}
	if err == nil {
		if err := check(n); err != nil {
			return nil, storeErr("hash ledger log", err)
		}
	}
	rep.LogSize = n
	for size := range want {
		if size > n {
			logProblem("log shorter than a signed checkpoint (leaves deleted)", size)
		}
	}
	return anchored, nil
}

// errStopAudit ends a scan that cannot go on.
var errStopAudit = errors.New("audit stopped")
