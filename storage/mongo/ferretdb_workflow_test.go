package mongo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestFerretDBDossierIndexes: on FerretDB, the equality that leads each
// dossier listing, count and search — an agency (either side, or one),
// an appraiser, a citizen — is served by the GIN index kho admin
// ferretdb-indexes makes (FerretDB's explain shows PostgreSQL's plan),
// not by a read of the whole table.
func TestFerretDBDossierIndexes(t *testing.T) {
	pgURL := testenv.PostgresURL(t)
	s, db := openFerret(t, "wfgin")
	ctx := t.Context()
	const n, agencies = 3000, 60
	base := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	ds := make([]workflow.Dossier, n)
	agency := func(i int) string { return fmt.Sprintf("000.00.%02d.H29", i%agencies) }
	for i := range ds {
		d := workflowtest.Dossier(fmt.Sprintf("%s-261207-%04d", agency(i), i+1), base.Add(time.Duration(i)*time.Second))
		d.Agency, d.HandlingAgency = agency(i), agency(i+1)
		d.Applicant.ID = fmt.Sprintf("%012d", 79_100_000_000+i%500)
		d.Handler = &workflow.Handler{Subject: fmt.Sprintf("thamdinh%d", i%200)}
		ds[i] = d
	}
	if err := mongo.SeedDossiers(ctx, s, ds, 500); err != nil {
		t.Fatal(err)
	}
	pg, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.WithoutCancel(ctx))
	if _, err := pg.Exec(ctx, "ANALYZE "+pgx.Identifier{db.Name()}.Sanitize()+"."+pgx.Identifier{tableOf(t, pg, db.Name(), "dossiers")}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	filters := map[string]bson.D{
		"agencies":       {{Key: "agencies", Value: agency(7)}},
		"agency":         {{Key: "agency", Value: agency(7)}, {Key: "status", Value: "awaiting_intake"}},
		"handlingAgency": {{Key: "handlingAgency", Value: agency(7)}, {Key: "status", Value: "awaiting_intake"}},
		"assignee":       {{Key: "assignee", Value: "thamdinh7"}},
		"parties":        {{Key: "parties", Value: fmt.Sprintf("%012d", 79_100_000_007)}},
	}
	for field, f := range filters {
		if plan := explainFind(t, db, "dossiers", f); strings.Contains(plan, mongo.FerretDBGINName("dossiers", field)) {
			t.Fatalf("%s: the plan uses the index before it was made:\n%s", field, plan)
		}
	}
	if _, err := s.CreateFerretDBIndexes(ctx, pgURL); err != nil {
		t.Fatal(err)
	}
	for field, f := range filters {
		if plan := explainFind(t, db, "dossiers", f); !strings.Contains(plan, mongo.FerretDBGINName("dossiers", field)) {
			t.Errorf("%s: FerretDB's plan does not use %s:\n%s", field, mongo.FerretDBGINName("dossiers", field), plan)
		}
	}
	// And the store still answers.
	c, err := s.CountDossiers(ctx, workflow.DossierQuery{Agency: agency(7)})
	if err != nil || c != 2*n/agencies {
		t.Fatalf("count after the indexes: %d, %v", c, err)
	}
}
