package workflowtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// BulkLoader is a driver's bulk insert of new dossiers (CreateDossiers of
// storage/sqlite and storage/mongo, used by imports and the statistics
// benchmark) and its batch limit.
type BulkLoader struct {
	Create   func(ctx context.Context, ds []workflow.Dossier) error
	MaxBatch int
}

// RunBulkLoad checks a driver's bulk insert on s: each dossier is stored
// as CreateDossier stores it (read back equal, found by its applicant's
// name and by its agency's count, pending for the statistics job), an
// empty batch is nothing, a code that
// exists is Conflict (dossier_exists), and a batch over the limit is
// Invalid (dossier_batch_too_large) with nothing of it stored.
func RunBulkLoad(t *testing.T, s workflow.Store, bl BulkLoader) {
	ctx := t.Context()
	var ds []workflow.Dossier
	for i := range 3 {
		d := Dossier(fmt.Sprintf("%s-261207-%04d", agencyA, 900+i), base.Add(time.Duration(i)*time.Minute))
		d.Applicant.ID = fmt.Sprintf("00109901%04d", i)
		d.Applicant.Name = []string{"Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung"}[i]
		ds = append(ds, d)
	}
	must(t, bl.Create(ctx, nil))
	must(t, bl.Create(ctx, ds))
	for _, d := range ds {
		got, err := s.GetDossier(ctx, d.Code)
		must(t, err)
		same(t, "bulk-loaded dossier", got, utc(d))
	}
	found, _, err := s.ListDossiers(ctx, workflow.DossierQuery{Agency: agencyA, Words: []string{"p:cuong"}, Limit: 10})
	must(t, err)
	if len(found) != 1 || found[0].Code != ds[1].Code {
		t.Fatalf("search by the applicant's name found %d dossiers, want %s", len(found), ds[1].Code)
	}
	n, err := s.CountDossiers(ctx, workflow.DossierQuery{Agency: agencyA, Side: workflow.SideHandling, Status: workflow.StatusAwaitingIntake})
	must(t, err)
	if n != 3 {
		t.Fatalf("agency count %d, want 3", n)
	}

	// Pending for the statistics job, as CreateDossier leaves a dossier.
	pend, err := s.PendingStats(ctx, 1000)
	must(t, err)
	pending := map[string]bool{}
	for _, p := range pend {
		pending[p.Dossier.Code] = true
	}
	for _, d := range ds {
		if !pending[d.Code] {
			t.Fatalf("bulk-loaded %s is not pending for the statistics job", d.Code)
		}
	}

	// A code that exists: Conflict.
	again := Dossier(fmt.Sprintf("%s-261207-%04d", agencyA, 950), base)
	wantKind(t, bl.Create(ctx, []workflow.Dossier{again, ds[0]}), kerr.Conflict, "a batch with a code that exists")
	if code, _ := kerr.Public(bl.Create(ctx, []workflow.Dossier{ds[2]})); code != "dossier_exists" {
		t.Fatalf("code %q, want dossier_exists", code)
	}

	// Too many: Invalid, nothing stored.
	big := make([]workflow.Dossier, bl.MaxBatch+1)
	for i := range big {
		big[i] = Dossier(fmt.Sprintf("%s-261208-%05d", agencyA, i+1), base)
	}
	err = bl.Create(ctx, big)
	wantKind(t, err, kerr.Invalid, "a batch over the limit")
	if code, _ := kerr.Public(err); code != "dossier_batch_too_large" {
		t.Fatalf("code %q, want dossier_batch_too_large", code)
	}
	_, err = s.GetDossier(ctx, big[0].Code)
	wantKind(t, err, kerr.NotFound, "the first dossier of a refused batch")
}
