package mongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// TestWorkflowConformance runs the workflow.Store suite, each subtest on a
// fresh database; a second client on the same database stands for
// another kho serve process.
func TestWorkflowConformance(t *testing.T) {
	w := watchCommands()
	workflowtest.Run(t, func(t *testing.T) workflow.Store { return openWatched(t, w) },
		func(t *testing.T, s workflow.Store) workflow.Store {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			second, err := mongo.Open(ctx, testenv.MongoURI(t), s.(*mongo.Store).DatabaseName(), mongo.WithMonitor(w.monitor))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close(context.Background()) })
			return second
		})
	w.check(t)
}
