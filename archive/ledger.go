package archive

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// ledgerAttempts bounds the retries of an append that lost a race for the
// next Seq of a chain.
const ledgerAttempts = 50

// maxProblemsPerChain keeps an audit report of a badly damaged chain short.
const maxProblemsPerChain = 1000

// appendLedger appends e to the chain e.Chain: it links to the tail (this
// process's hint of it, else the tail read from the store), hashes, and
// inserts; on a lost race it rereads and retries. Then it advances the
// chain's head (a failure there only lets the head lag, which an audit
// tolerates).
func (s *Service) appendLedger(ctx context.Context, e LedgerEntry) (LedgerEntry, error) {
	e.At = s.nowUTC()
	var lastErr error
	for attempt := 0; attempt < ledgerAttempts; attempt++ {
		if h, ok := s.tails.get(e.Chain); ok && attempt == 0 {
			e.Seq, e.PrevHash = h.Seq+1, h.Hash
		} else {
			last, err := s.store.LastLedger(ctx, e.Chain)
			switch {
			case err == nil:
				e.Seq, e.PrevHash = last.Seq+1, last.Hash
			case kerr.IsKind(err, kerr.NotFound):
				e.Seq, e.PrevHash = 1, ""
			default:
				return e, storeErr("read ledger tail", err)
			}
		}
		e.Hash = EntryHash(e)
		err := s.store.AppendLedger(ctx, e)
		if err == nil {
			head := LedgerHead{Chain: e.Chain, Seq: e.Seq, Hash: e.Hash}
			s.tails.set(head)
			if herr := s.store.AdvanceLedgerHead(ctx, head); herr != nil {
				s.log.WarnContext(ctx, "ledger head not advanced", "chain", e.Chain, "seq", e.Seq, "err", herr)
			}
			return e, nil
		}
		s.tails.drop(e.Chain)
		if !kerr.IsKind(err, kerr.Conflict) {
			return e, storeErr("append ledger", err)
		}
		lastErr = err
		d := time.Duration(1+rand.IntN(4+attempt)) * time.Millisecond
		select {
		case <-ctx.Done():
			return e, kerr.Wrap(ctx.Err(), kerr.Unavailable, "ledger_busy", "Nhật ký truy cập đang bận; vui lòng thử lại.")
		case <-time.After(d):
		}
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

// chainAudit follows one chain during VerifyLedger.
type chainAudit struct {
	chain    string
	next     int64  // the Seq expected next
	prevHash string // Hash of the entry before
	problems int
}

func (s *Service) verifyLedger(ctx context.Context) (AuditReport, error) {
	heads, err := s.store.LedgerHeads(ctx)
	if err != nil {
		return AuditReport{}, storeErr("read ledger heads", err)
	}
	headOf := make(map[string]LedgerHead, len(heads))
	for _, h := range heads {
		headOf[h.Chain] = h
	}
	rep := AuditReport{Problems: []AuditProblem{}}
	seen := map[string]bool{}
	var cur *chainAudit
	add := func(c *chainAudit, seq int64, reason string) {
		if c.problems < maxProblemsPerChain {
			rep.Problems = append(rep.Problems, AuditProblem{Chain: c.chain, Seq: seq, Reason: reason})
		}
		c.problems++
	}
	finish := func(c *chainAudit) {
		if c == nil {
			return
		}
		last := c.next - 1
		h, ok := headOf[c.chain]
		if !ok {
			return // the head lags: a crash between append and head update
		}
		switch {
		case h.Seq > last:
			// Entries were deleted from the end of the chain.
			for seq := last + 1; seq <= h.Seq && c.problems < maxProblemsPerChain; seq++ {
				add(c, seq, "missing entry")
			}
		case h.Seq == last && h.Hash != c.prevHash:
			add(c, last, "head hash mismatch")
		}
	}
	err = s.store.ScanLedger(ctx, func(e LedgerEntry) error {
		if cur == nil || cur.chain != e.Chain {
			finish(cur)
			cur = &chainAudit{chain: e.Chain, next: 1}
			seen[e.Chain] = true
			rep.Chains++
		}
		rep.Entries++
		gap := false
		switch {
		case e.Seq > cur.next:
			for seq := cur.next; seq < e.Seq && cur.problems < maxProblemsPerChain; seq++ {
				add(cur, seq, "missing entry")
			}
			gap = true
		case e.Seq < cur.next:
			add(cur, e.Seq, "reordered entry")
		}
		if !gap && e.PrevHash != cur.prevHash {
			add(cur, e.Seq, "prevHash mismatch")
		}
		if EntryHash(e) != e.Hash {
			add(cur, e.Seq, "hash mismatch")
		}
		if e.Seq >= cur.next {
			cur.next = e.Seq + 1
			cur.prevHash = e.Hash
		}
		return ctx.Err()
	})
	if err != nil {
		return rep, storeErr("scan ledger", err)
	}
	finish(cur)
	for _, h := range heads {
		if seen[h.Chain] || h.Seq <= 0 {
			continue
		}
		rep.Chains++
		rep.Problems = append(rep.Problems, AuditProblem{Chain: h.Chain, Seq: h.Seq, Reason: "head missing entries"})
	}
	return rep, nil
}
