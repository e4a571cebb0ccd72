package mongo_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage/mongo"
)

// predicate is one condition of a filter, as MongoDB's planner sees it once
// the top-level $and is flattened.
type predicate struct {
	field string
	kind  string // "eq", "in", "range" or "residual" (regex, $ne, $or…)
	n     int    // values of an $in
	op    string // the operator of a range
}

// predicates flattens filter's top level and its $and into predicates.
func predicates(t *testing.T, filter bson.D) []predicate {
	t.Helper()
	var out []predicate
	for _, e := range filter {
		switch {
		case e.Key == "$and":
			arr, ok := e.Value.(bson.A)
			if !ok {
				t.Fatalf("$and of %T", e.Value)
			}
			for _, v := range arr {
				d, ok := v.(bson.D)
				if !ok {
					t.Fatalf("$and element of %T", v)
				}
				out = append(out, predicates(t, d)...)
			}
		case strings.HasPrefix(e.Key, "$"):
			out = append(out, predicate{field: e.Key, kind: "residual"})
		default:
			out = append(out, fieldPredicate(e.Key, e.Value))
		}
	}
	return out
}

// fieldPredicate classifies the condition value on field.
func fieldPredicate(field string, value any) predicate {
	d, ok := value.(bson.D)
	if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
		return predicate{field: field, kind: "eq"}
	}
	if len(d) == 1 {
		switch d[0].Key {
		case "$eq":
			return predicate{field: field, kind: "eq"}
		case "$in":
			return predicate{field: field, kind: "in", n: reflectLen(d[0].Value)}
		}
	}
	for _, e := range d {
		switch e.Key {
		case "$lt", "$lte", "$gt", "$gte":
		default:
			return predicate{field: field, kind: "residual"}
		}
	}
	return predicate{field: field, kind: "range", op: d[0].Key}
}

func reflectLen(v any) int {
	switch a := v.(type) {
	case []string:
		return len(a)
	case bson.A:
		return len(a)
	}
	return -1
}

// esrPrefix returns the fields of ix before its "_id" key, or ok false when
// ix has no "_id" key.
func esrPrefix(ix mongo.Index) (prefix []string, ok bool) {
	for _, k := range ix.Keys {
		if k.Key == "_id" {
			return prefix, true
		}
		prefix = append(prefix, k.Key)
	}
	return nil, false
}

// keyList writes ix's keys as {f1:1, f2:-1}.
func keyList(ix mongo.Index) string {
	parts := make([]string, len(ix.Keys))
	for i, k := range ix.Keys {
		parts[i] = fmt.Sprintf("%s:%v", k.Key, k.Value)
	}
	return ix.Name + " {" + strings.Join(parts, ", ") + "}"
}

// servesInOrder reports whether ix can yield the documents matching the
// equality fields eq (field → predicate) in _id order without an in-memory
// sort: every field before its _id key has an equality or a small $in.
func servesInOrder(ix mongo.Index, eq map[string]predicate) bool {
	prefix, ok := esrPrefix(ix)
	if !ok || len(prefix) == 0 || prefix[0] != "ownerId" {
		return false
	}
	scans := 1
	for _, f := range prefix {
		p, ok := eq[f]
		if !ok {
			return false
		}
		if p.kind == "in" {
			scans *= p.n
		}
	}
	return scans <= mongo.MaxSortMergeScans
}

// TestListDocumentsIndexes checks, for every shape a DocQuery can take, the
// query that ListDocuments sends against the indexes the migrations create
// (issue 9 item 10): MongoDB must serve it with one compound index that
// holds the equality fields, then the sort key _id (ESR), so that it reads
// the page in order with no in-memory sort; the query names that index as
// its hint. FerretDB cannot show MongoDB's plan, so this checks the rules
// MongoDB's planner follows:
//   - an index {e1, e2, …, _id} yields documents in _id order (either
//     direction) when every field before _id has an equality;
//   - with an $in of k values among them, it yields k ordered runs that the
//     planner merges (SORT_MERGE) when k ≤ 200 (internalQueryMaxScansToExplode);
//   - any other condition (regex, $ne, $or, ranges on other fields) is a
//     filter on the fetched documents, which keeps the order;
//   - a range on _id (the page cursor) bounds the scan of that index.
func TestListDocumentsIndexes(t *testing.T) {
	yes, no := true, false
	day, err := archive.ParseDate("2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, mongo.MaxSortMergeScans+1)
	for i := range many {
		many[i] = fmt.Sprintf("T%03d", i)
	}
	const owner = "001099012345"
	cases := []struct {
		name string
		q    archive.DocQuery
		// full: the hinted index holds every equality field of the query.
		// Otherwise some equality is filtered on the fetched documents, and
		// no index may hold more of them than the hinted one.
		full bool
	}{
		{"owner", archive.DocQuery{}, true},
		{"one type", archive.DocQuery{TypeCodes: []string{"KHAI_SINH"}}, true},
		{"types", archive.DocQuery{TypeCodes: []string{"KHAI_SINH", "CCCD", "HO_KHAU"}}, true},
		{"types beyond SORT_MERGE", archive.DocQuery{TypeCodes: many}, false},
		{"status", archive.DocQuery{Status: archive.StatusValid}, true},
		{"type and status", archive.DocQuery{TypeCodes: []string{"CCCD"}, Status: archive.StatusRevoked}, true},
		{"types and status", archive.DocQuery{TypeCodes: []string{"CCCD", "KHAI_SINH"}, Status: archive.StatusValid}, true},
		{"words", archive.DocQuery{Words: []string{"nguyen", "van"}}, true},
		{"valid on", archive.DocQuery{ValidOn: day}, true},
		// ?status=expired: valid, not permanent, validUntil before the day;
		// "permanent: false" pairs with the range and is filtered in FETCH.
		{"expired on", archive.DocQuery{Status: archive.StatusValid, ExpiredOn: day}, false},
		{"signed", archive.DocQuery{Signed: &yes}, true},
		{"not signed", archive.DocQuery{Signed: &no}, true},
		{"signed of a type", archive.DocQuery{Signed: &yes, TypeCodes: []string{"CCCD"}}, false},
		{"signed with status", archive.DocQuery{Signed: &yes, Status: archive.StatusValid}, false},
		{"after", archive.DocQuery{After: "01JEXAMPLE0000000000000000"}, true},
		{"after, type, words", archive.DocQuery{After: "01JEXAMPLE0000000000000000", TypeCodes: []string{"CCCD"}, Words: []string{"ha noi"}}, true},
		{"everything", archive.DocQuery{TypeCodes: []string{"CCCD", "KHAI_SINH"}, Status: archive.StatusValid, Words: []string{"a"},
			ValidOn: day, Signed: &no, After: "01JEXAMPLE0000000000000000"}, true},
	}
	var docIndexes []mongo.Index
	names := map[string]bool{}
	for _, ix := range mongo.SchemaIndexes() {
		if names[ix.Coll+"."+ix.Name] {
			t.Errorf("two indexes named %s.%s", ix.Coll, ix.Name)
		}
		names[ix.Coll+"."+ix.Name] = true
		if ix.Coll == "documents" {
			docIndexes = append(docIndexes, ix)
		}
	}
	hinted := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.OwnerID, q.Limit = owner, 50
			filter, sort, hint, err := mongo.ListQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			if len(sort) != 1 || sort[0].Key != "_id" || (sort[0].Value != -1 && sort[0].Value != 1) {
				t.Fatalf("sort %v, want one key: _id", sort)
			}
			desc := sort[0].Value == -1
			i := slices.IndexFunc(docIndexes, func(ix mongo.Index) bool { return ix.Name == hint })
			if i < 0 {
				t.Fatalf("hint %q names no index of the documents collection", hint)
			}
			ix := docIndexes[i]
			hinted[hint] = true

			eq := map[string]predicate{}
			var others []predicate
			for _, p := range predicates(t, filter) {
				if p.kind == "eq" || p.kind == "in" {
					if _, dup := eq[p.field]; dup {
						t.Fatalf("two equalities on %s: %v", p.field, filter)
					}
					eq[p.field] = p
				} else {
					others = append(others, p)
				}
			}
			if p, ok := eq["ownerId"]; !ok || p.kind != "eq" {
				t.Fatalf("the filter has no equality on ownerId: %v", filter)
			}
			if !servesInOrder(ix, eq) {
				t.Fatalf("hinted index %s does not yield %v in _id order: a field before _id lacks an equality (or an $in is too big to merge)", keyList(ix), filter)
			}
			prefix, _ := esrPrefix(ix)
			for _, p := range others {
				if p.field == "_id" {
					// The page cursor: newest first, so the next page is below it.
					if q.After == "" || p.kind != "range" || (desc && p.op != "$lt") || (!desc && p.op != "$gt") {
						t.Errorf("condition on _id %+v for after %q, sort %v", p, q.After, sort)
					}
					continue
				}
				if slices.Contains(prefix, p.field) {
					t.Errorf("%s is in the index before _id but its condition is a %s: the order breaks", p.field, p.kind)
				}
			}
			if q.After != "" && !slices.ContainsFunc(others, func(p predicate) bool { return p.field == "_id" }) {
				t.Errorf("after %q but no condition on _id", q.After)
			}
			if c.full && len(prefix) != len(eq) {
				var fields []string
				for f := range eq {
					fields = append(fields, f)
				}
				slices.Sort(fields)
				t.Errorf("hinted index %s holds %v before _id, want every equality field %v", keyList(ix), prefix, fields)
			}
			// No other index would serve the shape in order with more of
			// its equality fields in its keys.
			for _, other := range docIndexes {
				op, _ := esrPrefix(other)
				if servesInOrder(other, eq) && len(op) > len(prefix) {
					t.Errorf("hint %s, but %s serves the shape with more equality fields", keyList(ix), keyList(other))
				}
			}
		})
	}
	// Every listing index is used by some shape (an unused one costs writes).
	for _, ix := range docIndexes {
		if prefix, ok := esrPrefix(ix); ok && len(prefix) > 0 && prefix[0] == "ownerId" && !hinted[ix.Name] {
			t.Errorf("index %s is hinted by no shape", keyList(ix))
		}
	}
}
