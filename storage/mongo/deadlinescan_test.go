package mongo_test

import (
	"testing"
	"time"

	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow"
)

// TestDossiersDueBeforeIndex: the deadline scan's filter is one range of
// watchKey and its sort is watchKey, so the index that leads with
// watchKey serves both — a bounded index scan on MongoDB, which reads the
// dossiers due before the bound whose clock runs (only those have the
// field), never the collection. FerretDB cannot show MongoDB's plan; this
// checks the shape MongoDB's planner needs, and that the index exists.
func TestDossiersDueBeforeIndex(t *testing.T) {
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for _, after := range []string{"", workflow.WatchKeyBefore(now.Add(-time.Hour)) + "000.00.31.H29-261207-0001"} {
		f := mongo.WatchFilter(now, after)
		if len(f) != 1 || f[0].Key != "watchKey" {
			t.Fatalf("filter %v: want one condition on watchKey", f)
		}
		for _, p := range predicates(t, f) {
			if p.kind != "range" || p.field != "watchKey" {
				t.Fatalf("filter %v: condition %+v is not a range of watchKey", f, p)
			}
		}
	}
	found := false
	for _, ix := range mongo.SchemaIndexes() {
		if ix.Coll == "dossiers" && ix.Name == "watch_key" && len(ix.Keys) == 1 && ix.Keys[0].Key == "watchKey" {
			found = true
		}
	}
	if !found {
		t.Fatal("no index of dossiers on watchKey")
	}
}
