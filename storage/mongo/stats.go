package mongo

import (
	"context"
	"math"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// TypeStats returns per-type counts, ordered by TypeCode, for one owner
// (ownerID != "") or for all owners.
//
// It runs one aggregation per number ($match, then $group with a single
// $sum), because FerretDB 1.24 was seen to return a wrong 0 for one of two
// accumulators in the same $group. The three pipelines are not one
// snapshot: under concurrent writes the numbers may come from slightly
// different moments, which statistics tolerate.
func (s *Store) TypeStats(ctx context.Context, ownerID string) ([]archive.TypeStat, error) {
	match := bson.D{}
	if ownerID != "" {
		match = bson.D{{Key: "ownerId", Value: ownerID}}
	}
	stats := map[string]*archive.TypeStat{}
	get := func(code string) *archive.TypeStat {
		st := stats[code]
		if st == nil {
			st = &archive.TypeStat{TypeCode: code}
			stats[code] = st
		}
		return st
	}
	sums := []struct {
		expr any
		set  func(*archive.TypeStat, int64)
	}{
		{int32(1), func(st *archive.TypeStat, n int64) { st.Documents = n }},
		{"$current.size", func(st *archive.TypeStat, n int64) { st.Bytes = n }},
		{"$reuseCount", func(st *archive.TypeStat, n int64) { st.Reuses = n }},
	}
	for _, sum := range sums {
		groups, err := s.sumByType(ctx, match, sum.expr)
		if err != nil {
			return nil, err
		}
		for code, n := range groups {
			sum.set(get(code), n)
		}
	}
	out := make([]archive.TypeStat, 0, len(stats))
	for _, st := range stats {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TypeCode < out[j].TypeCode })
	return out, nil
}

// sumByType runs [$match, $group {_id: "$typeCode", n: {$sum: expr}}].
func (s *Store) sumByType(ctx context.Context, match bson.D, expr any) (map[string]int64, error) {
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$typeCode"},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: expr}}},
		}}},
	}
	cur, err := s.documents.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, classify(err, "type statistics")
	}
	defer cur.Close(ctx)
	out := map[string]int64{}
	for cur.Next(ctx) {
		var row struct {
			ID string        `bson:"_id"`
			N  bson.RawValue `bson:"n"`
		}
		if err := cur.Decode(&row); err != nil {
			return nil, classify(err, "type statistics")
		}
		n, ok := asInt64(row.N)
		if !ok {
			return nil, kerr.New(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập cơ sở dữ liệu.",
				"mongo: type statistics: sum of type %s is a %s", row.ID, row.N.Type)
		}
		out[row.ID] = n
	}
	if err := cur.Err(); err != nil {
		return nil, classify(err, "type statistics")
	}
	return out, nil
}

// asInt64 reads a numeric BSON value ($sum gives int32, int64 or double).
func asInt64(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return int64(v.Int32()), true
	case bson.TypeInt64:
		return v.Int64(), true
	case bson.TypeDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return int64(math.Round(f)), true
	}
	return 0, false
}
