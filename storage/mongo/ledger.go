package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// AppendLedger inserts e. Conflict "ledger_seq_taken" if (e.Chain, e.Seq)
// exists: the caller rereads the tail and retries.
func (s *Store) AppendLedger(ctx context.Context, e archive.LedgerEntry) error {
	_, err := s.ledger.InsertOne(ctx, fromLedger(e))
	if isDup(err) {
		return newErr(kerr.Conflict, "ledger_seq_taken", "Nhật ký truy cập vừa được ghi thêm; vui lòng thử lại.",
			"append ledger "+ledgerID(e.Chain, e.Seq), err)
	}
	return classify(err, "append ledger")
}

// LastLedger returns the entry with the highest Seq in chain. NotFound
// "ledger_empty" if the chain is empty.
func (s *Store) LastLedger(ctx context.Context, chain string) (archive.LedgerEntry, error) {
	var d ledgerDoc
	err := s.ledger.FindOne(ctx, bson.D{{Key: "chain", Value: chain}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})).Decode(&d)
	if isNoDoc(err) {
		return archive.LedgerEntry{}, newErr(kerr.NotFound, "ledger_empty", "Nhật ký truy cập chưa có mục nào.", "last ledger entry of "+chain, err)
	}
	if err != nil {
		return archive.LedgerEntry{}, classify(err, "last ledger entry")
	}
	return d.entry(), nil
}

// ListLedger returns entries of q.Chain in Seq order and whether more follow.
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
	if q.AfterSeq > 0 {
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$gt", Value: q.AfterSeq}}})
	}
	cur, err := s.ledger.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "seq", Value: 1}}).
		SetLimit(int64(q.Limit)+1))
	if err != nil {
		return nil, false, classify(err, "list ledger")
	}
	var ds []ledgerDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, false, classify(err, "list ledger")
	}
	more := len(ds) > q.Limit
	if more {
		ds = ds[:q.Limit]
	}
	out := make([]archive.LedgerEntry, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.entry())
	}
	return out, more, nil
}

// ScanLedger calls fn for every entry of every chain, ordered by Chain then
// Seq, streaming through a cursor, and stops at fn's first error.
func (s *Store) ScanLedger(ctx context.Context, fn func(archive.LedgerEntry) error) error {
	cur, err := s.ledger.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "chain", Value: 1}, {Key: "seq", Value: 1}}))
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

// AdvanceLedgerHead sets the chain's head to h if h.Seq is greater than the
// stored head's Seq (or there is none); otherwise it does nothing. It is a
// conditional upsert on {_id: chain, seq < h.Seq}; a duplicate key means
// the head exists at or past h.Seq (see raiseUpsert).
func (s *Store) AdvanceLedgerHead(ctx context.Context, h archive.LedgerHead) error {
	filter := bson.D{{Key: "_id", Value: h.Chain}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: h.Seq}}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: h.Seq}, {Key: "hash", Value: h.Hash}}}}
	return s.guard(ctx, collLedgerHeads+"/"+h.Chain, func() error {
		return raiseUpsert(ctx, s.ledgerHeads, filter, update, "advance ledger head")
	})
}

// LedgerHeads returns every chain's head, ordered by Chain.
func (s *Store) LedgerHeads(ctx context.Context) ([]archive.LedgerHead, error) {
	cur, err := s.ledgerHeads.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "ledger heads")
	}
	var ds []headDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "ledger heads")
	}
	out := make([]archive.LedgerHead, 0, len(ds))
	for _, d := range ds {
		out = append(out, archive.LedgerHead{Chain: d.Chain, Seq: d.Seq, Hash: d.Hash})
	}
	return out, nil
}
