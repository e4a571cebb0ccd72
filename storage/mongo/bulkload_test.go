package mongo_test

import (
	"testing"

	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

func TestCreateDossiers(t *testing.T) {
	s := openFresh(t)
	workflowtest.RunBulkLoad(t, s, workflowtest.BulkLoader{Create: s.CreateDossiers, MaxBatch: mongo.MaxDossierBatch})
}
