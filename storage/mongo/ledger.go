package mongo

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Collections of the ledger's Merkle log and checkpoints (append-only).
const (
	collLedgerLog   = "ledger_log"
	collCheckpoints = "ledger_checkpoints"
)

// indexesLanes are the ledger's indexes from migration 4 on.
var indexesLanes = []index{
	// One entry per (chain, lane, seq); LastLedger and ScanLedger's order.
	{collLedger, "chain_lane_seq", bson.D{{Key: "chain", Value: 1}, {Key: "lane", Value: 1}, {Key: "seq", Value: 1}}, true},
	// LedgerSince (the checkpoint job): every owner's entries by time.
	{collLedger, "key", bson.D{{Key: "key", Value: 1}}, true},
	// ListLedger: an owner's entries, all lanes, by time.
	{collLedger, "chain_key", bson.D{{Key: "chain", Value: 1}, {Key: "key", Value: 1}}, false},
	// ListLedger for one document.
	{collLedger, "chain_document_key", bson.D{{Key: "chain", Value: 1}, {Key: "documentId", Value: 1}, {Key: "key", Value: 1}}, false},
	// LaneLeaves: an owner's lanes and their newest leaves.
	{collLedgerLog, "chain_lane_seq", bson.D{{Key: "chain", Value: 1}, {Key: "lane", Value: 1}, {Key: "seq", Value: -1}}, false},
}

// migrateLedgerLanes turns each owner's chain into lanes: entries made
// before are the lane "" of their owner; each gets the fields lane and key
// (archive.LedgerKey) in batches — their content and hashes are unchanged
// — before the unique (chain, seq) index gives way to (chain, lane, seq)
// and the key index is built. The per-chain heads are no longer written.
// Idempotent: a rerun finds no entry without a key and existing indexes.
func migrateLedgerLanes(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collLedgerLog, collCheckpoints); err != nil {
		return err
	}
	for {
		cur, err := s.ledger.Find(ctx, bson.D{{Key: "key", Value: bson.D{{Key: "$exists", Value: false}}}}, options.Find().SetLimit(500))
		if err != nil {
			return classify(err, "find ledger entries without a key")
		}
		var ds []ledgerDoc
		if err := cur.All(ctx, &ds); err != nil {
			return classify(err, "find ledger entries without a key")
		}
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			e := d.entry()
			e.Lane = ""
			_, err := s.ledger.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "lane", Value: ""}, {Key: "key", Value: archive.LedgerKey(e)}}}})
			if err != nil {
				return classify(err, "set ledger entry key")
			}
		}
	}
	for _, name := range []string{"chain_seq", "chain_document_seq"} {
		if err := s.ledger.Indexes().DropOne(ctx, name); err != nil && !indexNotFound(err) {
			return classify(err, "drop index ledger."+name)
		}
	}
	return s.createIndexes(ctx, indexesLanes)
}

// indexNotFound reports whether err is "IndexNotFound" (code 27).
func indexNotFound(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 27 || ce.Code == 26)
}

// AppendLedger inserts e. Conflict "ledger_seq_taken" if (e.Chain, e.Lane,
// e.Seq) exists.
func (s *Store) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	_, err := s.ledger.InsertOne(ctx, fromLedger(e))
	if isDup(err) {
		return newErr(kerr.Conflict, "ledger_seq_taken", "Nhật ký truy cập vừa được ghi thêm; vui lòng thử lại.",
			"append ledger "+ledgerID(e.Chain, e.Lane, e.Seq), err)
	}
	return classify(err, "append ledger")
}

// LastLedger returns the entry with the highest Seq in the lane. NotFound
// "ledger_empty" if the lane is empty.
func (s *Store) LastLedger(ctx context.Context, chain, lane string) (archive.LedgerEntry, error) {
	var d ledgerDoc
	err := s.ledger.FindOne(ctx, bson.D{{Key: "chain", Value: chain}, {Key: "lane", Value: lane}},
		options.FindOne().SetSort(bson.D{{Key: "chain", Value: 1}, {Key: "lane", Value: 1}, {Key: "seq", Value: -1}})).Decode(&d)
	if isNoDoc(err) {
		return archive.LedgerEntry{}, newErr(kerr.NotFound, "ledger_empty", "Nhật ký truy cập chưa có mục nào.", "last ledger entry of "+chain+"/"+lane, err)
	}
	if err != nil {
		return archive.LedgerEntry{}, classify(err, "last ledger entry")
	}
	return d.entry(), nil
}

// findEntries runs a find on the ledger and decodes the entries.
func (s *Store) findEntries(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder, op string) ([]archive.LedgerEntry, error) {
	cur, err := s.ledger.Find(ctx, filter, opts)
	if err != nil {
		return nil, classify(err, op)
	}
	var ds []ledgerDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, op)
	}
	out := make([]archive.LedgerEntry, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.entry())
	}
	return out, nil
}

// ListLedger returns entries of q.Chain, every lane, in key order after
// q.After, and whether more follow.
func (s *Store) ListLedger(ctx context.Context, q archive.LedgerQuery) ([]archive.LedgerEntry, bool, error) {
	if q.Chain == "" {
		return nil, false, invalidQuery("ledger query without chain")
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return nil, false, invalidQuery("page size %d is not within 1..1000", q.Limit)
	}
	filter := bson.D{{Key: "chain", Value: q.Chain}}
	if q.DocumentID != "" {
		filter = append(filter, bson.E{Key: "documentId", Value: q.DocumentID})
	}
	filter = append(filter, bson.E{Key: "key", Value: bson.D{{Key: "$gt", Value: q.After}}})
	out, err := s.findEntries(ctx, filter, options.Find().SetSort(bson.D{{Key: "key", Value: 1}}).SetLimit(int64(q.Limit)+1), "list ledger")
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// LedgerSince returns at most limit entries with key > afterKey, in key order.
func (s *Store) LedgerSince(ctx context.Context, afterKey string, limit int) ([]archive.LedgerEntry, error) {
	if limit < 1 {
		return nil, invalidQuery("page size %d is below 1", limit)
	}
	return s.findEntries(ctx, bson.D{{Key: "key", Value: bson.D{{Key: "$gt", Value: afterKey}}}},
		options.Find().SetSort(bson.D{{Key: "key", Value: 1}}).SetLimit(int64(limit)), "ledger since")
}

// ScanLedger calls fn for every entry ordered by Chain, Lane, then Seq,
// streaming through a cursor, and stops at fn's first error.
func (s *Store) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	cur, err := s.ledger.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "chain", Value: 1}, {Key: "lane", Value: 1}, {Key: "seq", Value: 1}}))
	if err != nil {
		return classify(err, "scan ledger")
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d ledgerDoc
		if err := cur.Decode(&d); err != nil {
			return classify(err, "scan ledger")
		}
		if err := fn(d.entry()); err != nil {
			return err
		}
	}
	return classify(cur.Err(), "scan ledger")
}

// ---- the Merkle log of lane heads and its checkpoints -----------------------

// leafDoc is one leaf of the ledger's Merkle log; _id is its index N.
type leafDoc struct {
	N      int64    `bson:"_id"`
	Chain  string   `bson:"chain"`
	Lane   string   `bson:"lane"`
	Seq    int64    `bson:"seq"`
	Hash   string   `bson:"hash"`
	Hashes [][]byte `bson:"hashes"`
}

func (d leafDoc) leaf() archive.LogLeaf {
	return archive.LogLeaf{N: d.N, LaneHead: archive.LaneHead{Chain: d.Chain, Lane: d.Lane, Seq: d.Seq, Hash: d.Hash}, Hashes: d.Hashes}
}

// AppendLogLeaves inserts leaves in order (one ordered insert). Conflict if
// one of their N exists; the leaves before it are then stored.
func (s *Store) AppendLogLeaves(ctx context.Context, leaves []archive.LogLeaf) error {
	if len(leaves) == 0 {
		return nil
	}
	docs := make([]any, len(leaves))
	for i, l := range leaves {
		docs[i] = leafDoc{N: l.N, Chain: l.Chain, Lane: l.Lane, Seq: l.Seq, Hash: l.Hash, Hashes: l.Hashes}
	}
	_, err := s.ledgerLog.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
	if isDup(err) {
		return newErr(kerr.Conflict, "log_leaf_taken", "Nhật ký truy cập đang được chốt bởi tiến trình khác.", "append log leaves", err)
	}
	return classify(err, "append log leaves")
}

// LogSize returns the number of leaves.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	var d leafDoc
	err := s.ledgerLog.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&d)
	if isNoDoc(err) {
		return 0, nil
	}
	if err != nil {
		return 0, classify(err, "log size")
	}
	return d.N + 1, nil
}

// LogLeaves returns the leaves with the given N, in N order: one read by
// _id each (a proof or a checkpoint run asks for about log2(size) leaves;
// FerretDB serves a read by _id from its primary key, but not an $in).
func (s *Store) LogLeaves(ctx context.Context, ns []int64) ([]archive.LogLeaf, error) {
	ns = slices.Clone(ns)
	slices.Sort(ns)
	ns = slices.Compact(ns)
	out := make([]archive.LogLeaf, 0, len(ns))
	for _, n := range ns {
		var d leafDoc
		err := s.ledgerLog.FindOne(ctx, bson.D{{Key: "_id", Value: n}}).Decode(&d)
		if isNoDoc(err) {
			continue
		}
		if err != nil {
			return nil, classify(err, "log leaves")
		}
		out = append(out, d.leaf())
	}
	return out, nil
}

// ScanLogLeaves calls fn for every leaf in N order through a cursor.
func (s *Store) ScanLogLeaves(ctx context.Context, fn func(archive.LogLeaf) error) error {
	cur, err := s.ledgerLog.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return classify(err, "scan log leaves")
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d leafDoc
		if err := cur.Decode(&d); err != nil {
			return classify(err, "scan log leaves")
		}
		if err := fn(d.leaf()); err != nil {
			return err
		}
	}
	return classify(cur.Err(), "scan log leaves")
}

// LaneLeaves returns, per lane of chain, the leaf with the highest Seq
// among those with N < below: one indexed read per lane, skipping from
// lane to lane.
func (s *Store) LaneLeaves(ctx context.Context, chain string, below int64) ([]archive.LogLeaf, error) {
	var out []archive.LogLeaf
	first := true
	lane := ""
	for {
		filter := bson.D{{Key: "chain", Value: chain}}
		if !first {
			filter = append(filter, bson.E{Key: "lane", Value: bson.D{{Key: "$gt", Value: lane}}})
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: below}}})
		var d leafDoc
		err := s.ledgerLog.FindOne(ctx, filter, options.FindOne().SetSort(bson.D{{Key: "chain", Value: 1}, {Key: "lane", Value: 1}, {Key: "seq", Value: -1}})).Decode(&d)
		if isNoDoc(err) {
			return out, nil
		}
		if err != nil {
			return nil, classify(err, "lane leaves")
		}
		out = append(out, d.leaf())
		lane, first = d.Lane, false
	}
}

// checkpointDoc is a checkpoint; _id is its size.
type checkpointDoc struct {
	Size      int64     `bson:"_id"`
	Root      []byte    `bson:"root"`
	At        time.Time `bson:"at"`
	Note      string    `bson:"note"`
	Timestamp []byte    `bson:"timestamp,omitempty"`
	Blob      string    `bson:"blob"`
}

func (d checkpointDoc) checkpoint() archive.Checkpoint {
	return archive.Checkpoint{Size: d.Size, Root: d.Root, At: utc(d.At), Note: d.Note, Timestamp: d.Timestamp, Blob: d.Blob}
}

// AddCheckpoint inserts c. Conflict if a checkpoint of c.Size exists.
func (s *Store) AddCheckpoint(ctx context.Context, c archive.Checkpoint) error {
	_, err := s.checkpoints.InsertOne(ctx, checkpointDoc{Size: c.Size, Root: c.Root, At: c.At, Note: c.Note, Timestamp: c.Timestamp, Blob: c.Blob})
	if isDup(err) {
		return newErr(kerr.Conflict, "checkpoint_exists", "Điểm chốt nhật ký này đã có.", "add checkpoint", err)
	}
	return classify(err, "add checkpoint")
}

// LatestCheckpoint returns the checkpoint with the highest Size. NotFound
// if none.
func (s *Store) LatestCheckpoint(ctx context.Context) (archive.Checkpoint, error) {
	var d checkpointDoc
	err := s.checkpoints.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&d)
	if isNoDoc(err) {
		return archive.Checkpoint{}, newErr(kerr.NotFound, "no_checkpoint", "Nhật ký truy cập chưa được chốt lần nào.", "latest checkpoint", err)
	}
	if err != nil {
		return archive.Checkpoint{}, classify(err, "latest checkpoint")
	}
	return d.checkpoint(), nil
}

// Checkpoints returns at most limit checkpoints with Size > afterSize.
func (s *Store) Checkpoints(ctx context.Context, afterSize int64, limit int) ([]archive.Checkpoint, error) {
	if limit < 1 || limit > 1000 {
		return nil, invalidQuery("page size %d is not within 1..1000", limit)
	}
	cur, err := s.checkpoints.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterSize}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, classify(err, "checkpoints")
	}
	var ds []checkpointDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "checkpoints")
	}
	out := make([]archive.Checkpoint, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.checkpoint())
	}
	return out, nil
}
