package mongo_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow"
)

// TestDossierCountsIndexes: the filter of every count of the staff's desk
// (item 20: workflow.BucketKeys) is served whole by one index of the
// dossiers — its equality and $in fields lead the index and its range on
// the due time follows them — so that CountDocuments reads the matching
// entries of one agency and nothing else. FerretDB cannot show MongoDB's
// plan; this checks the rule MongoDB's planner follows for a count
// (equality fields, then one range: bounded index scan).
func TestDossierCountsIndexes(t *testing.T) {
	var dossierIndexes []mongo.Index
	for _, ix := range mongo.SchemaIndexes() {
		if ix.Coll == "dossiers" {
			dossierIndexes = append(dossierIndexes, ix)
		}
	}
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for _, key := range workflow.BucketKeys() {
		q, _ := workflow.BucketQuery(key, "000.00.31.H29", "thamdinh1", now, 24*time.Hour)
		filter, err := mongo.DossierFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		eq := map[string]bool{}
		rangeField := ""
		for _, p := range predicates(t, filter) {
			switch p.kind {
			case "eq", "in":
				eq[p.field] = true
			case "range":
				rangeField = p.field
			default:
				t.Errorf("%s: residual condition on %s", key, p.field)
			}
		}
		served := slices.ContainsFunc(dossierIndexes, func(ix mongo.Index) bool {
			run := 0 // the leading keys with an equality
			for run < len(ix.Keys) && eq[ix.Keys[run].Key] {
				run++
			}
			if run == 0 || (rangeField != "" && (run == len(ix.Keys) || ix.Keys[run].Key != rangeField)) {
				return false
			}
			// Every equality is in the index, but the competent agency of
			// an appraiser's own dossiers (few: the assignee leads).
			for f := range eq {
				in := slices.ContainsFunc(ix.Keys[:run], func(k bson.E) bool { return k.Key == f })
				if !in && !(f == "handlingAgency" && ix.Keys[0].Key == "assignee") {
					return false
				}
			}
			return true
		})
		if !served {
			t.Errorf("%s: no index serves %v", key, filter)
		}
	}
}
