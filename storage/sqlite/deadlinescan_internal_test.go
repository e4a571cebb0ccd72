package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// TestDossiersDueBeforeUsesIndex: the deadline scan's read is a range of
// the partial index dossiers_watch, in its order (no sort of its own),
// never a scan of the dossiers: what it costs is the dossiers due before
// the bound whose clock runs, not the store.
func TestDossiersDueBeforeUsesIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	for _, after := range []string{"", workflow.WatchKeyBefore(now.Add(-time.Hour)) + "000.00.31.H29-261207-0001"} {
		plan := strings.Join(s.plan(t, watchStatement(now, after, 100)), "\n")
		if !strings.Contains(plan, "SEARCH dossiers USING INDEX dossiers_watch (watch_key>? AND watch_key<?)") {
			t.Errorf("after %q: plan\n%s\ndoes not search dossiers_watch by a range", after, plan)
		}
		if strings.Contains(plan, "SCAN") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("after %q: plan\n%s\nscans or sorts", after, plan)
		}
	}
}
