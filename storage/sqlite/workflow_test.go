package sqlite_test

import (
	"context"
	"testing"

	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestWorkflowConformance runs the workflow.Store suite; a second store on
// the same file stands for another kho serve process.
func TestWorkflowConformance(t *testing.T) {
	workflowtest.Run(t, func(t *testing.T) workflow.Store { return open(t) },
		func(t *testing.T, s workflow.Store) workflow.Store {
			first := s.(*sqlite.Store)
			second, err := sqlite.Open(t.Context(), first.Path())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close(context.Background()) })
			return second
		})
}
