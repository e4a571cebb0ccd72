package mongo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
)

// openFerret opens a store on a fresh database of the test FerretDB and a
// plain driver client on the same database, both dropped at the end.
func openFerret(t *testing.T, prefix string) (*mongo.Store, *driver.Database) {
	t.Helper()
	uri := testenv.MongoURI(t)
	name := testenv.UniqueName(t, prefix)
	s, err := mongo.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = s.Drop(ctx)
		_ = s.Close(ctx)
		_ = client.Disconnect(ctx)
	})
	return s, client.Database(name)
}

// TestListingIndexesCreated checks that the migrations create on the server
// the documents indexes that TestListDocumentsIndexes checks the query
// shapes against, with the same keys in the same order.
func TestListingIndexesCreated(t *testing.T) {
	_, db := openFerret(t, "ix")
	cur, err := db.Collection("documents").Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(t.Context(), &got); err != nil {
		t.Fatal(err)
	}
	for _, want := range mongo.SchemaIndexes() {
		if want.Coll != "documents" {
			continue
		}
		i := slices.IndexFunc(got, func(g struct {
			Name string `bson:"name"`
			Key  bson.D `bson:"key"`
		}) bool {
			return g.Name == want.Name
		})
		if i < 0 {
			t.Errorf("index %s not on the server (have %v)", want.Name, got)
			continue
		}
		if fmt.Sprint(keyNames(got[i].Key)) != fmt.Sprint(keyNames(want.Keys)) {
			t.Errorf("index %s on the server: %v, defined: %v", want.Name, got[i].Key, want.Keys)
		}
	}
}

// keyNames writes keys as "field:direction" in order, whatever the numeric
// type the server answered with.
func keyNames(keys bson.D) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s:%v", k.Key, k.Value)
	}
	return out
}

// TestFerretDBIndexes is issue 9 item 10's "make test creates the PostgreSQL
// indexes that docs/deployment.md recommends": CreateFerretDBIndexes finds
// FerretDB's tables through its metadata and puts on them the GIN indexes
// that FerretDB's own pushed-down filter uses (seen in FerretDB's explain,
// which shows PostgreSQL's plan), once; it repairs an index of the same name
// that is not the right one; it refuses a PostgreSQL that is not FerretDB's.
func TestFerretDBIndexes(t *testing.T) {
	pgURL := testenv.PostgresURL(t)
	s, db := openFerret(t, "gin")
	ctx := t.Context()

	// 4,000 documents of 100 owners: a table large enough that PostgreSQL
	// prefers an index that serves the filter to reading it all.
	const owners, docs = 100, 4000
	owner := func(i int) string { return fmt.Sprintf("%012d", 79_100_000_000+i) }
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]archive.Document, 0, docs)
	for i := range docs {
		o := owner(i % owners)
		meta := archive.Metadata{TypeCode: "KHAC", Name: fmt.Sprintf("Giấy tờ %d", i), Summary: strings.Repeat("bản sao điện tử ", 20), Status: archive.StatusValid}
		when := at.Add(time.Duration(i) * time.Second)
		v := archive.Version{N: 1, Blob: fmt.Sprintf("%064x", i), Size: 1000, MediaType: "application/pdf", FileName: "a.pdf",
			Change: "create", CreatedBy: o, CreatedAt: when, Meta: meta}
		batch = append(batch, archive.Document{ID: archive.NewID(when), OwnerID: o, Source: archive.SourceUpload, Metadata: meta,
			Current: v, VersionCount: 1, CreatedBy: o, CreatedAt: when, UpdatedAt: when, Rev: 1})
	}
	if err := mongo.SeedDocuments(ctx, s, batch, 1000); err != nil {
		t.Fatal(err)
	}

	pg, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.WithoutCancel(ctx))
	// ANALYZE now, so that the plan before the index is judged on the
	// same statistics as after it.
	if _, err := pg.Exec(ctx, "ANALYZE "+pgx.Identifier{db.Name()}.Sanitize()+"."+pgx.Identifier{tableOf(t, pg, db.Name(), "documents")}.Sanitize()); err != nil {
		t.Fatal(err)
	}

	ownerIdx := mongo.FerretDBGINName("documents", "ownerId")
	plan := explainFind(t, db, "documents", bson.D{{Key: "ownerId", Value: owner(7)}})
	if strings.Contains(plan, ownerIdx) {
		t.Fatalf("FerretDB's plan uses %s before it was made:\n%s", ownerIdx, plan)
	}

	got, err := s.CreateFerretDBIndexes(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"documents._id": true, "dossiers._id": true, "owners._id": true, "documents.ownerId": true, "ledger.chain": true, "dossiers.agencies": true, "dossiers.agency": true,
		"dossiers.handlingAgency": true, "dossiers.assignee": true, "dossiers.parties": true,
		"sessions.username": true, "sessions.id": true,
		// Archive — retention (arc-retention).
		"retention._id": true, "disposal_lists._id": true,
		// The archive's records that hold blobs.
		"renditions.blob": true, "paper_copies.blob": true, "scans.blob": true,
		// Reports — Dossier statistics engine (st-engine).
		"dossiers.statsPending": true, "dossiers.statsMonth": true, "stats_buckets._id": true, "stats_buckets.agency": true, "stats_counted._id": true,
		// Reports — report templates (st-templates).
		"report_templates._id": true, "report_templates.scopeKey": true, "report_runs._id": true, "report_runs.template": true,
		// Reports — EMC feed (st-emc).
		"emc_events._id": true, "emc_events.dossier": true, "emc_events.state": true}
	if len(got) != len(want) {
		t.Fatalf("indexes %+v, want one per %v", got, want)
	}
	for _, ix := range got {
		if !want[ix.Collection+"."+ix.Field] || !ix.Created || ix.Rebuilt || ix.Schema != db.Name() ||
			ix.Table != tableOf(t, pg, db.Name(), ix.Collection) || ix.Name != mongo.FerretDBGINName(ix.Collection, ix.Field) {
			t.Errorf("first run: %+v", ix)
		}
		def := indexDef(t, pg, ix.Schema, ix.Name)
		wantDef := fmt.Sprintf("USING gin (((_jsonb -> '%s'::text)))", ix.Field)
		if !strings.Contains(def, wantDef) || !strings.Contains(def, ix.Table) {
			t.Errorf("index %s: %q, want %s on %s", ix.Name, def, wantDef, ix.Table)
		}
	}

	// FerretDB's own query now uses it (its explain shows PostgreSQL's plan).
	plan = explainFind(t, db, "documents", bson.D{{Key: "ownerId", Value: owner(7)}})
	if !strings.Contains(plan, ownerIdx) {
		t.Errorf("FerretDB's plan for {ownerId} does not use %s:\n%s", ownerIdx, plan)
	}
	// Sessions plan each prepared query with its values, as FerretDB's
	// queries need (a generic plan uses no expression index).
	var mode string
	if err := pg.QueryRow(ctx, "SELECT setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) setting WHERE d.datname = current_database() AND setting LIKE 'plan_cache_mode=%'").Scan(&mode); err != nil || mode != "plan_cache_mode=force_custom_plan" {
		t.Errorf("the database's plan_cache_mode: %q, %v", mode, err)
	}
	// A read by _id with a guard, as every guarded update filters, uses
	// the _id GIN index (FerretDB sends _id as @> too, which its own btree
	// on _id cannot serve).
	idIdx := mongo.FerretDBGINName("documents", "_id")
	if plan := explainFind(t, db, "documents", bson.D{{Key: "_id", Value: batch[42].ID}, {Key: "rev", Value: 1}}); !strings.Contains(plan, idIdx) {
		t.Errorf("FerretDB's plan for {_id, rev} does not use %s:\n%s", idIdx, plan)
	}
	// And the listing still answers, in order, with the index in place.
	page, _, err := s.ListDocuments(ctx, archive.DocQuery{OwnerID: owner(7), Limit: 50})
	if err != nil || len(page) != docs/owners || !slices.IsSortedFunc(page, func(a, b archive.Document) int { return strings.Compare(b.ID, a.ID) }) {
		t.Errorf("listing after the indexes: %d documents, err %v", len(page), err)
	}

	// Again: nothing to do.
	again, err := s.CreateFerretDBIndexes(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range again {
		if ix.Created || ix.Rebuilt {
			t.Errorf("second run changed %+v", ix)
		}
	}

	// An index of that name but another expression is replaced.
	ledgerIdx := pgx.Identifier{db.Name(), mongo.FerretDBGINName("ledger", "chain")}.Sanitize()
	ledgerTable := pgx.Identifier{db.Name(), tableOf(t, pg, db.Name(), "ledger")}.Sanitize()
	if _, err := pg.Exec(ctx, "DROP INDEX "+ledgerIdx); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(ctx, "CREATE INDEX "+pgx.Identifier{mongo.FerretDBGINName("ledger", "chain")}.Sanitize()+" ON "+ledgerTable+" USING gin ((_jsonb -> 'other'))"); err != nil {
		t.Fatal(err)
	}
	fixed, err := s.CreateFerretDBIndexes(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range fixed {
		if (ix.Collection == "ledger") != (ix.Created && ix.Rebuilt) {
			t.Errorf("after replacing the ledger's index: %+v", ix)
		}
	}
	if def := indexDef(t, pg, db.Name(), mongo.FerretDBGINName("ledger", "chain")); !strings.Contains(def, "'chain'") {
		t.Errorf("the wrong index was not replaced: %s", def)
	}

	// A PostgreSQL database without FerretDB's tables is refused.
	u := strings.TrimSuffix(pgURL, "/ferretdb") + "/postgres"
	_, err = s.CreateFerretDBIndexes(ctx, u)
	if code, _ := kerr.Public(err); !kerr.IsKind(err, kerr.Invalid) || code != "not_ferretdb_postgres" {
		t.Errorf("PostgreSQL without FerretDB's data: %v, want Invalid not_ferretdb_postgres", err)
	}
}

// tableOf returns FerretDB's table of coll in schema, from its metadata.
func tableOf(t *testing.T, pg *pgx.Conn, schema, coll string) string {
	t.Helper()
	var table string
	q := "SELECT _jsonb->>'table' FROM " + pgx.Identifier{schema, "_ferretdb_database_metadata"}.Sanitize() + " WHERE _jsonb->>'_id' = $1"
	if err := pg.QueryRow(t.Context(), q, coll).Scan(&table); err != nil {
		t.Fatalf("table of %s.%s: %v", schema, coll, err)
	}
	return table
}

// indexDef returns pg_indexes' definition of the index name in schema.
func indexDef(t *testing.T, pg *pgx.Conn, schema, name string) string {
	t.Helper()
	var def string
	if err := pg.QueryRow(t.Context(), "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2", schema, name).Scan(&def); err != nil {
		t.Fatalf("index %s.%s: %v", schema, name, err)
	}
	return def
}

// explainFind returns FerretDB's explain of a find, as extended JSON.
func explainFind(t *testing.T, db *driver.Database, coll string, filter bson.D) string {
	t.Helper()
	var res bson.M
	err := db.RunCommand(t.Context(), bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: filter}}}}).Decode(&res)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bson.MarshalExtJSON(res, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
