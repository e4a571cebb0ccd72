package archive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/timestamp"
	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kho-vn/kho/internal/kerr"
)

// The ledger is anchored outside the database the way Certificate
// Transparency's signed tree heads anchor a log (RFC 9162):
//
//   - A leased job (Checkpoint) reads the entries appended since its last
//     run, in LedgerKey order, and appends one leaf per lane whose head
//     moved — (owner, lane, Seq, Hash) — to an append-only Merkle log
//     (RFC 6962 hashing, golang.org/x/mod/sumdb/tlog). Each leaf record
//     carries the tree hashes it completes, so a leaf is one insert and the
//     log needs no other table.
//   - It then publishes a checkpoint: the log's size and root hash as a
//     signed note (the transparency-dev checkpoint format, Ed25519),
//     time-stamped by the TSA when one is configured, kept as a write-once
//     blob and as a record, exportable so that copies live elsewhere.
//   - An audit recomputes the root from the leaves and checks each lane
//     in the database against its newest leaf: an intact chain up to that
//     Seq ending in that Hash. A citizen gets, per lane of their ledger,
//     an inclusion proof of that leaf in a signed checkpoint, and checks it
//     and their own entries against it with the public key only.
//
// A lane's leaf covers every earlier entry of the lane through the hash
// chain, so the log grows with the number of lanes that changed per run,
// not with the number of entries.

// checkpointMargin is how far before its last position the checkpoint job
// reads again: an entry whose time is earlier than its insertion by less
// than this (a slow insert, clocks of two processes apart) is still seen.
const checkpointMargin = 2 * time.Minute

// Bounds of one checkpoint run: entries read per store call, entries read
// in all (the next run goes on from the saved cursor), leaves per insert.
const (
	checkpointPage    = 1000
	checkpointMaxRead = 2_000_000
	leafBatch         = 500
)

// msgCheckpointFailed is the message of a checkpoint that could not be made.
const msgCheckpointFailed = "Không lập được điểm chốt nhật ký truy cập."

// maxCheckpointBlob bounds a checkpoint's blob (a note and a token).
const maxCheckpointBlob = 1 << 20

// LedgerSigning is what the vault needs to publish checkpoints.
type LedgerSigning struct {
	// Signer signs checkpoints (see ParseLedgerKey). Nil: no checkpoints.
	Signer note.Signer
	// Verifier is Signer's public half.
	Verifier note.Verifier
	// VerifierKey is Verifier as text ("NAME+HASH+KEY"), published.
	VerifierKey string
	// Timestamp, when set, asks a TSA for an RFC 3161 token over data.
	Timestamp func(ctx context.Context, data []byte) ([]byte, error)
	// Blobs keeps each checkpoint as a write-once blob. Nil: records only.
	Blobs interface {
		Put(ctx context.Context, r io.Reader, max int64) (string, int64, error)
	}
}

// GenerateLedgerKey makes a new Ed25519 checkpoint key named name (a host
// name or "kho-ledger"), in golang.org/x/mod/sumdb/note's signer key text.
func GenerateLedgerKey(name string) (string, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Invalid, "invalid_ledger_key", "Không tạo được khóa ký điểm chốt nhật ký.")
	}
	return skey, nil
}

// ParseLedgerKey reads a checkpoint signing key ("PRIVATE+KEY+NAME+HASH+KEY",
// as GenerateLedgerKey makes) and returns its signer, its verifier and the
// verifier's text. Invalid "invalid_ledger_key" if it is not one.
func ParseLedgerKey(skey string) (note.Signer, note.Verifier, string, error) {
	skey = strings.TrimSpace(skey)
	bad := func(err error) (note.Signer, note.Verifier, string, error) {
		return nil, nil, "", kerr.Wrap(err, kerr.Invalid, "invalid_ledger_key", "Khóa ký điểm chốt nhật ký không hợp lệ.")
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return bad(err)
	}
	parts := strings.SplitN(skey, "+", 5) // PRIVATE, KEY, name, hash, key (base64 may hold "+")
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return bad(errors.New("not an Ed25519 note signer key"))
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return bad(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return bad(err)
	}
	return signer, v, vkey, nil
}

// ParseLedgerVerifier reads a published checkpoint verifier key
// ("NAME+HASH+KEY"). Invalid "invalid_ledger_key" if it is not one.
func ParseLedgerVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "invalid_ledger_key", "Khóa công khai kiểm tra điểm chốt nhật ký không hợp lệ.")
	}
	return v, nil
}

// leafData is the logged record of a lane head: one line per field, so
// that no two heads encode alike (owner IDs and lanes hold no newline).
func leafData(h LaneHead) []byte {
	return fmt.Appendf(nil, "kho-ledger-lane\n%s\n%s\n%d\n%s\n", h.Chain, h.Lane, h.Seq, h.Hash)
}

// LeafHash is the RFC 6962 leaf hash of a lane head in the log.
func LeafHash(h LaneHead) []byte {
	sum := tlog.RecordHash(leafData(h))
	return sum[:]
}

// logReader reads the log's stored hashes (tlog.HashReader): hashes of
// leaves written in this run from memory, others from the leaf records
// that hold them.
type logReader struct {
	ctx   context.Context
	store LedgerLogStore
	cache map[int64]tlog.Hash
}

func newLogReader(ctx context.Context, st LedgerLogStore) *logReader {
	return &logReader{ctx: ctx, store: st, cache: map[int64]tlog.Hash{}}
}

// leafOf returns the leaf whose record stores hash index i.
func leafOf(i int64) int64 {
	lo, hi := int64(0), i // StoredHashIndex(0, n) >= n
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if tlog.StoredHashIndex(0, mid) <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// add remembers the hashes leaf n stores, then forgets every hash but
// those of the log's complete subtrees at size n+1 (its right edge, at
// most log2(n) hashes): all that the next leaf's stored hashes and the
// root of the log need. A run then reads the store once, for the edge of
// the log it starts from, however many leaves it appends.
func (r *logReader) add(n int64, hs []tlog.Hash) {
	r.put(n, hs)
	edge := rightEdge(n + 1)
	for i := range r.cache {
		if !slices.Contains(edge, i) {
			delete(r.cache, i)
		}
	}
}

// put remembers the hashes leaf n stores.
func (r *logReader) put(n int64, hs []tlog.Hash) {
	base := tlog.StoredHashIndex(0, n)
	for k, h := range hs {
		r.cache[base+int64(k)] = h
	}
}

// rightEdge returns the stored-hash indexes of the maximal complete
// subtrees that make up a log of size records, largest first.
func rightEdge(size int64) []int64 {
	var out []int64
	start := int64(0)
	for level := 62; level >= 0; level-- {
		if size&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, start>>level))
			start += 1 << level
		}
	}
	return out
}

// ReadHashes implements tlog.HashReader.
func (r *logReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var need []int64
	for _, i := range indexes {
		if _, ok := r.cache[i]; !ok {
			need = append(need, leafOf(i))
		}
	}
	if len(need) > 0 {
		slices.Sort(need)
		need = slices.Compact(need)
		leaves, err := r.store.LogLeaves(r.ctx, need)
		if err != nil {
			return nil, err
		}
		for _, l := range leaves {
			hs := make([]tlog.Hash, len(l.Hashes))
			for k, h := range l.Hashes {
				copy(hs[k][:], h)
			}
			r.put(l.N, hs)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := r.cache[i]
		if !ok {
			return nil, kerr.New(kerr.Integrity, "ledger_log_broken", "Cây băm của nhật ký truy cập bị thiếu dữ liệu.",
				"stored hash %d (leaf %d) is missing from the ledger log", i, leafOf(i))
		}
		out[k] = h
	}
	return out, nil
}

// CheckpointRun is what one run of the checkpoint job did.
type CheckpointRun struct {
	Read      int        // entries read
	Leaves    int        // lane heads appended to the log
	Published bool       // a new checkpoint was published
	Latest    Checkpoint // the latest checkpoint after the run (zero if none)
	Cursor    string     // where the next run goes on (LedgerKey of the last entry read)
}

// Checkpoint runs the checkpoint job once: from cursor (the previous
// run's CheckpointRun.Cursor; "" the first time, which reads the whole
// ledger once) it reads the entries appended since, appends the moved
// lane heads to the Merkle log and publishes a signed checkpoint of the
// log. Its cost is in proportion to the entries appended since the last
// run (plus the margin), never to the ledger. Unavailable
// "checkpoints_off" without a signing key.
//
// It is safe to run again after a crash at any point: a lane head logged
// twice costs a leaf, not a wrong answer; two runs at once (a lease lost)
// collide on a leaf's index and one stops with Conflict.
func (s *Service) Checkpoint(ctx context.Context, cursor string) (CheckpointRun, error) {
	ls := s.cfg.Ledger
	run := CheckpointRun{Cursor: cursor}
	if ls.Signer == nil {
		return run, kerr.New(kerr.Unavailable, "checkpoints_off", "Máy chủ chưa có khóa ký điểm chốt nhật ký.", "no ledger checkpoint key")
	}
	heads := map[laneKey]LaneHead{}
	fresh := map[laneKey]bool{} // lanes with entries past the previous cursor
	from := ""
	if cursor != "" {
		ms, err := strconv.ParseInt(strings.SplitN(cursor, "/", 2)[0], 10, 64)
		if err != nil {
			return run, kerr.New(kerr.Internal, "bad_checkpoint_cursor", msgCheckpointFailed, "checkpoint cursor %q", cursor)
		}
		from = LedgerKeyAt(time.UnixMilli(ms).Add(-checkpointMargin))
	}
	for run.Read < checkpointMaxRead {
		es, err := s.store.LedgerSince(ctx, from, checkpointPage)
		if err != nil {
			return run, storeErr("read new ledger entries", err)
		}
		for _, e := range es {
			k := laneKey{e.Chain, e.Lane}
			if h, ok := heads[k]; !ok || e.Seq > h.Seq {
				heads[k] = LaneHead{Chain: e.Chain, Lane: e.Lane, Seq: e.Seq, Hash: e.Hash}
			}
			key := LedgerKey(e)
			if key > cursor {
				fresh[k] = true
				run.Cursor = key
			}
			from = key
		}
		run.Read += len(es)
		if len(es) < checkpointPage {
			break
		}
	}
	size, err := s.store.LogSize(ctx)
	if err != nil {
		return run, storeErr("read ledger log size", err)
	}
	// Lanes seen only in the margin were most likely logged by the last
	// run: log them only if their newest leaf is behind.
	ids := make([]laneKey, 0, len(heads))
	for k, h := range heads {
		if !fresh[k] {
			leaves, err := s.store.LaneLeaves(ctx, k.chain, size)
			if err != nil {
				return run, storeErr("read lane leaves", err)
			}
			i := slices.IndexFunc(leaves, func(l LogLeaf) bool { return l.Lane == k.lane })
			if i >= 0 && leaves[i].Seq >= h.Seq {
				continue
			}
		}
		ids = append(ids, k)
	}
	slices.SortFunc(ids, laneKey.compare)
	r := newLogReader(ctx, s.store)
	batch := make([]LogLeaf, 0, leafBatch)
	flush := func() error {
		if err := s.store.AppendLogLeaves(ctx, batch); err != nil {
			return storeErr("append ledger log", err)
		}
		run.Leaves += len(batch)
		batch = batch[:0]
		return nil
	}
	for _, k := range ids {
		h := heads[k]
		hs, err := tlog.StoredHashesForRecordHash(size, tlog.RecordHash(leafData(h)), r)
		if err != nil {
			return run, storeErr("hash ledger log", err)
		}
		r.add(size, hs)
		l := LogLeaf{N: size, LaneHead: h, Hashes: make([][]byte, len(hs))}
		for i := range hs {
			l.Hashes[i] = hs[i][:]
		}
		batch = append(batch, l)
		size++
		if len(batch) == leafBatch {
			if err := flush(); err != nil {
				return run, err
			}
		}
	}
	if err := flush(); err != nil {
		return run, err
	}
	latest, err := s.store.LatestCheckpoint(ctx)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return run, storeErr("read latest checkpoint", err)
	}
	run.Latest = latest
	if size == 0 || latest.Size >= size {
		return run, nil
	}
	cp, err := s.publishCheckpoint(ctx, size, r)
	if err != nil {
		return run, err
	}
	run.Published, run.Latest = true, cp
	return run, nil
}

// publishCheckpoint signs the log's root at size, time-stamps it, keeps
// it as a blob and records it.
func (s *Service) publishCheckpoint(ctx context.Context, size int64, r *logReader) (Checkpoint, error) {
	ls := s.cfg.Ledger
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return Checkpoint{}, storeErr("hash ledger log", err)
	}
	text := tlogfmt.Checkpoint{Origin: ls.Signer.Name(), Size: uint64(size), Hash: root[:]}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(text)}, ls.Signer)
	if err != nil {
		return Checkpoint{}, kerr.Wrap(err, kerr.Internal, "checkpoint_sign_failed", msgCheckpointFailed)
	}
	cp := Checkpoint{Size: size, Root: root[:], At: s.nowUTC(), Note: string(signed)}
	if ls.Timestamp != nil {
		tok, err := ls.Timestamp(ctx, signed)
		if err != nil {
			// A checkpoint without a token still anchors the ledger; the
			// next one will carry a token when the TSA answers again.
			s.log.WarnContext(ctx, "ledger checkpoint not time-stamped", "size", size, "err", err)
		} else {
			cp.Timestamp = tok
		}
	}
	if ls.Blobs != nil {
		body, err := json.Marshal(cp)
		if err != nil {
			return Checkpoint{}, kerr.Wrap(err, kerr.Internal, "checkpoint_encode_failed", msgCheckpointFailed)
		}
		hash, _, err := ls.Blobs.Put(ctx, bytes.NewReader(body), maxCheckpointBlob)
		if err != nil {
			return Checkpoint{}, storeErr("store checkpoint blob", err)
		}
		cp.Blob = hash
	}
	if err := s.store.AddCheckpoint(ctx, cp); err != nil {
		return Checkpoint{}, storeErr("record checkpoint", err)
	}
	return cp, nil
}

// LatestCheckpoint returns the latest published checkpoint (public: it
// names no owner). NotFound "no_checkpoint" if none yet.
func (s *Service) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	cp, err := s.store.LatestCheckpoint(ctx)
	if kerr.IsKind(err, kerr.NotFound) {
		return Checkpoint{}, kerr.New(kerr.NotFound, "no_checkpoint", "Nhật ký truy cập chưa được chốt lần nào.", "no ledger checkpoint yet")
	}
	if err != nil {
		return Checkpoint{}, storeErr("read latest checkpoint", err)
	}
	return cp, nil
}

// Checkpoints returns up to limit published checkpoints after afterSize,
// oldest first (for export).
func (s *Service) Checkpoints(ctx context.Context, afterSize int64, limit int) ([]Checkpoint, error) {
	cs, err := s.store.Checkpoints(ctx, afterSize, pageLimit(limit, 100))
	if err != nil {
		return nil, storeErr("list checkpoints", err)
	}
	return cs, nil
}

// LedgerVerifierKey is the public key that checkpoints are signed with
// ("NAME+HASH+KEY"); "" when the server has no checkpoint key.
func (s *Service) LedgerVerifierKey() string { return s.cfg.Ledger.VerifierKey }

// LaneProof proves that one lane's head is in the log of a checkpoint.
type LaneProof struct {
	LaneHead
	// Index is the leaf's position in the log.
	Index int64 `json:"index"`
	// Proof is the RFC 6962 inclusion proof of the leaf in the log of the
	// checkpoint's size (hashes, leaf to root).
	Proof [][]byte `json:"proof"`
}

// LedgerProof proves, for each lane of an owner's ledger, that its head
// as of a checkpoint is in that checkpoint's log.
type LedgerProof struct {
	Owner      string     `json:"owner"`
	Checkpoint Checkpoint `json:"checkpoint"`
	// VerifierKey is the key the server says it signs with; a careful
	// citizen checks with a copy obtained elsewhere.
	VerifierKey string      `json:"verifierKey"`
	Lanes       []LaneProof `json:"lanes"`
}

// Proof returns the inclusion proofs of ownerID's lanes in the latest
// checkpoint. A citizen gets only their own; a staff or admin read is
// recorded ("ledger") with acc's purpose. NotFound "no_checkpoint" when no
// checkpoint has been published.
func (s *Service) Proof(ctx context.Context, a Actor, ownerID string, acc Access) (LedgerProof, error) {
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return LedgerProof{}, err
	}
	cp, err := s.LatestCheckpoint(ctx)
	if err != nil {
		return LedgerProof{}, err
	}
	leaves, err := s.store.LaneLeaves(ctx, ownerID, cp.Size)
	if err != nil {
		return LedgerProof{}, storeErr("read lane leaves", err)
	}
	p := LedgerProof{Owner: ownerID, Checkpoint: cp, VerifierKey: s.cfg.Ledger.VerifierKey, Lanes: []LaneProof{}}
	r := newLogReader(ctx, s.store)
	for _, l := range leaves {
		rp, err := tlog.ProveRecord(cp.Size, l.N, r)
		if err != nil {
			return LedgerProof{}, storeErr("prove ledger lane", err)
		}
		lp := LaneProof{LaneHead: l.LaneHead, Index: l.N, Proof: make([][]byte, len(rp))}
		for i := range rp {
			lp.Proof[i] = rp[i][:]
		}
		p.Lanes = append(p.Lanes, lp)
	}
	if err := s.recordView(ctx, a, ActionLedger, ownerID, "", acc); err != nil {
		return LedgerProof{}, err
	}
	return p, nil
}

// OpenCheckpoint checks a checkpoint's signature with v and returns its
// size and root; when it carries a time-stamp token, the token must be a
// valid RFC 3161 token over the note, and its time is returned (else
// zero). Integrity "checkpoint_invalid" otherwise.
func OpenCheckpoint(c Checkpoint, v note.Verifier) (size int64, root []byte, at time.Time, err error) {
	bad := func(detail string, args ...any) (int64, []byte, time.Time, error) {
		return 0, nil, time.Time{}, kerr.New(kerr.Integrity, "checkpoint_invalid", "Điểm chốt nhật ký không hợp lệ hoặc không do máy chủ này ký.", detail, args...)
	}
	cp, _, _, err := tlogfmt.ParseCheckpoint([]byte(c.Note), v.Name(), v)
	if err != nil {
		return bad("checkpoint note: %v", err)
	}
	if len(c.Timestamp) > 0 {
		ts, err := timestamp.Parse(c.Timestamp) // checks the TSA's signature over the token
		if err != nil {
			return bad("checkpoint time-stamp token: %v", err)
		}
		sum := sha256.Sum256([]byte(c.Note))
		if !bytes.Equal(ts.HashedMessage, sum[:]) {
			return bad("the time-stamp token is not over this checkpoint")
		}
		at = ts.Time.UTC()
	}
	if cp.Size > 1<<62 {
		return bad("checkpoint size %d", cp.Size)
	}
	return int64(cp.Size), cp.Hash, at, nil
}

// ProofCheck is what CheckProof found.
type ProofCheck struct {
	Size      int64     `json:"size"`      // the checkpoint's log size
	Stamped   time.Time `json:"stamped"`   // the TSA's time, zero without a token
	Lanes     int       `json:"lanes"`     // lanes proven
	Covered   int       `json:"covered"`   // entries the proven heads cover
	Newer     int       `json:"newer"`     // entries after the proven heads (chain-protected only)
	Unchecked bool      `json:"unchecked"` // no entries were given
}

// CheckProof checks p without trusting the server: the checkpoint's
// signature with v (a key obtained elsewhere), its time-stamp token if
// any, each lane's inclusion proof, and — when entries are given (the
// owner's ledger as downloaded) — that the owner's entries of each proven
// lane chain from Seq 1 up to the proven head. Integrity with codes
// "checkpoint_invalid", "proof_invalid" or "entries_differ" otherwise.
func CheckProof(p LedgerProof, v note.Verifier, entries []LedgerEntry) (ProofCheck, error) {
	size, root, at, err := OpenCheckpoint(p.Checkpoint, v)
	if err != nil {
		return ProofCheck{}, err
	}
	res := ProofCheck{Size: size, Stamped: at, Lanes: len(p.Lanes), Unchecked: entries == nil}
	var th tlog.Hash
	if len(root) != len(th) {
		return res, kerr.New(kerr.Integrity, "checkpoint_invalid", "Điểm chốt nhật ký không hợp lệ.", "root of %d bytes", len(root))
	}
	copy(th[:], root)
	badProof := func(detail string, args ...any) error {
		return kerr.New(kerr.Integrity, "proof_invalid", "Bằng chứng không khớp với điểm chốt nhật ký đã ký.", detail, args...)
	}
	proven := map[string]LaneHead{}
	for _, l := range p.Lanes {
		if l.Chain != p.Owner {
			return res, badProof("lane %q belongs to %q, not %q", l.Lane, l.Chain, p.Owner)
		}
		if l.Index < 0 || l.Index >= size || len(l.Proof) > 64 {
			return res, badProof("lane %q: leaf %d outside a log of %d", l.Lane, l.Index, size)
		}
		rp := make(tlog.RecordProof, len(l.Proof))
		for i, h := range l.Proof {
			if len(h) != len(rp[i]) {
				return res, badProof("lane %q: proof hash of %d bytes", l.Lane, len(h))
			}
			copy(rp[i][:], h)
		}
		if err := tlog.CheckRecord(rp, size, th, l.Index, tlog.RecordHash(leafData(l.LaneHead))); err != nil {
			return res, badProof("lane %q seq %d: %v", l.Lane, l.Seq, err)
		}
		if _, dup := proven[l.Lane]; dup {
			return res, badProof("lane %q proven twice", l.Lane)
		}
		proven[l.Lane] = l.LaneHead
	}
	if entries == nil {
		return res, nil
	}
	differ := func(detail string, args ...any) error {
		return kerr.New(kerr.Integrity, "entries_differ", "Nhật ký truy cập đã tải về không khớp với điểm chốt đã ký.", detail, args...)
	}
	byLane := map[string][]LedgerEntry{}
	for _, e := range entries {
		if e.Chain == p.Owner {
			byLane[e.Lane] = append(byLane[e.Lane], e)
		}
	}
	for lane, h := range proven {
		es := byLane[lane]
		slices.SortFunc(es, func(a, b LedgerEntry) int { return int(a.Seq - b.Seq) })
		prev := ""
		for i, e := range es {
			if e.Seq != int64(i+1) {
				return res, differ("lane %q: entry %d where %d was expected", lane, e.Seq, i+1)
			}
			if e.PrevHash != prev || EntryHash(e) != e.Hash {
				return res, differ("lane %q: entry %d does not chain", lane, e.Seq)
			}
			if e.Seq == h.Seq && e.Hash != h.Hash {
				return res, differ("lane %q: entry %d is not the proven head", lane, e.Seq)
			}
			prev = e.Hash
			if e.Seq <= h.Seq {
				res.Covered++
			} else {
				res.Newer++
			}
		}
		if int64(len(es)) < h.Seq {
			return res, differ("lane %q: %d entries, the proven head is entry %d", lane, len(es), h.Seq)
		}
	}
	for lane, es := range byLane {
		if _, ok := proven[lane]; !ok {
			res.Newer += len(es)
		}
	}
	return res, nil
}
