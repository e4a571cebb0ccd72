package sqlite_test

import (
	"testing"

	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

func TestCreateDossiers(t *testing.T) {
	s := open(t)
	workflowtest.RunBulkLoad(t, s, workflowtest.BulkLoader{Create: s.CreateDossiers, MaxBatch: sqlite.MaxDossierBatch})
}
