package mongo

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

var _ archive.VaultStatsStore = (*Store)(nil)

// collVaultStats holds the vault statistics' aggregates: _id is the
// aggregate's key (stream/month), body the aggregate as JSON text — the
// counters and the cursor of one month in one document, written by one
// guarded update.
const collVaultStats = "vault_stats"

// ixOwnersUsedBytes orders owners by used bytes (TopOwners, the size bands).
const ixOwnersUsedBytes = "usedBytes_id"

var indexesVaultStats = []index{
	{collOwners, ixOwnersUsedBytes, bson.D{{Key: "usedBytes", Value: -1}, {Key: "_id", Value: 1}}, false},
}

// migrateVaultStats creates the aggregates' collection and the owners'
// index by used bytes (idempotent).
func migrateVaultStats(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collVaultStats); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesVaultStats)
}

// vaultAggDoc is one aggregate.
type vaultAggDoc struct {
	ID   string `bson:"_id"`
	Rev  int64  `bson:"rev"`
	Body string `bson:"body"`
}

const msgVaultStats = "Số liệu thống kê kho vừa được cập nhật bởi tiến trình khác."

// PutVaultAgg inserts g (expectedRev 0) or replaces the document at
// expectedRev: one single-document update, counters and cursor together.
func (s *Store) PutVaultAgg(ctx context.Context, g archive.VaultAgg, expectedRev int64) error {
	g.Key = archive.VaultAggKey(g.Stream, g.Month)
	g.UpdatedAt = utc(g.UpdatedAt)
	g.Rev = expectedRev + 1
	body, err := json.Marshal(g)
	if err != nil {
		return newErr(kerr.Internal, "store_error", msgRetStore, "encode vault aggregate", err)
	}
	c := s.db.Collection(collVaultStats)
	if expectedRev == 0 {
		_, err := c.InsertOne(ctx, vaultAggDoc{ID: g.Key, Rev: 1, Body: string(body)})
		if isDup(err) {
			return newErr(kerr.Conflict, "vault_stats_exists", msgVaultStats, "put vault aggregate "+g.Key, err)
		}
		return classify(err, "put vault aggregate")
	}
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: g.Key}, {Key: "rev", Value: expectedRev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rev", Value: g.Rev}, {Key: "body", Value: string(body)}}}})
	if err != nil {
		return classify(err, "put vault aggregate")
	}
	if res.MatchedCount != 1 {
		return newErr(kerr.Conflict, "vault_stats_changed", msgVaultStats, "put vault aggregate "+g.Key+": not at the expected rev", nil)
	}
	return nil
}

// LatestVaultAgg reads the last _id of the stream's range.
func (s *Store) LatestVaultAgg(ctx context.Context, stream string) (archive.VaultAgg, error) {
	gs, err := s.vaultAggs(ctx, stream+"/", stream+"0", true, 1)
	if err != nil {
		return archive.VaultAgg{}, err
	}
	if len(gs) == 0 {
		return archive.VaultAgg{}, newErr(kerr.NotFound, "vault_stats_not_found", "Chưa có số liệu thống kê kho.", "no vault aggregate of "+stream, nil)
	}
	return gs[0], nil
}

// VaultAggs reads one range of _id.
func (s *Store) VaultAggs(ctx context.Context, stream, from, to string) ([]archive.VaultAgg, error) {
	return s.vaultAggs(ctx, archive.VaultAggKey(stream, from), archive.VaultAggKey(stream, to)+"\x00", false, 0)
}

// vaultAggs reads the aggregates with lo <= _id < hi (lo excluded when it
// ends in "/"), newest first with desc, at most limit (0: all).
func (s *Store) vaultAggs(ctx context.Context, lo, hi string, desc bool, limit int64) ([]archive.VaultAgg, error) {
	dir := 1
	if desc {
		dir = -1
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: dir}})
	if limit > 0 {
		opts.SetLimit(limit)
	}
	cur, err := s.db.Collection(collVaultStats).Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: hi}}}}, opts)
	if err != nil {
		return nil, classify(err, "vault aggregates")
	}
	var ds []vaultAggDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "vault aggregates")
	}
	out := make([]archive.VaultAgg, 0, len(ds))
	for _, d := range ds {
		var g archive.VaultAgg
		if err := json.Unmarshal([]byte(d.Body), &g); err != nil {
			return nil, newErr(kerr.Internal, "store_error", msgRetStore, "decode vault aggregate "+d.ID, err)
		}
		g.Rev = d.Rev
		out = append(out, g)
	}
	return out, nil
}

// ReusesAfter walks reuse records by _id.
func (s *Store) ReusesAfter(ctx context.Context, after string, limit int) ([]archive.ReuseRecord, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	cur, err := s.reuses.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, classify(err, "reuses after")
	}
	var ds []reuseDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "reuses after")
	}
	out := make([]archive.ReuseRecord, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.reuse())
	}
	return out, nil
}

// TopOwners reads the head of the index on used bytes.
func (s *Store) TopOwners(ctx context.Context, limit int) ([]archive.Owner, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	cur, err := s.owners.Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "usedBytes", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint(ixOwnersUsedBytes))
	if err != nil {
		return nil, classify(err, "top owners")
	}
	var ds []ownerDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "top owners")
	}
	out := make([]archive.Owner, 0, len(ds))
	for _, d := range ds {
		o, err := d.owner()
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// CountOwnersBySize counts one range of the index on used bytes.
func (s *Store) CountOwnersBySize(ctx context.Context, b archive.SizeBand) (int64, error) {
	r := bson.D{{Key: "$gte", Value: b.Min}}
	if b.Max > 0 {
		r = append(r, bson.E{Key: "$lt", Value: b.Max})
	}
	n, err := s.owners.CountDocuments(ctx, bson.D{{Key: "usedBytes", Value: r}}, options.Count().SetHint(ixOwnersUsedBytes))
	return n, classify(err, "count owners by size")
}
