package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
)

// TestEMCUsesIndexes: every read of the EMC outbox, its log and the
// catch-up's read of dossiers by update time searches an index (or the
// primary key); none scans a table.
func TestEMCUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Now()
	for name, st := range map[string]statement{
		"dossier's unsent": {qDossierEMCEvents, []any{"c", 1, string(emc.Sent), 10}},
		"due":              {qDueEMCEvents, []any{string(emc.Pending), "9", 10}},
		"list":             {qListEMCEvents, []any{string(emc.Failed), "~", 10}},
		"count":            {qCountEMCEvents, []any{string(emc.Failed)}},
		"last seq":         {qLastEMCSeq, []any{"c"}},
		"attempts":         {qListEMCAttempts, []any{"~", 10}},
		"prune":            {qPruneEMCAttempts, []any{"1", 10}},
		"changed since":    {qDossiersChangedSince, []any{0, now.UnixMilli(), 0, "", 10}},
	} {
		plan := strings.Join(s.plan(t, st), "; ")
		// A range read from both ends: an index searched by its upper
		// bound alone reads every entry below it.
		if name == "changed since" && !strings.Contains(plan, ">? AND") {
			t.Errorf("%s: plan %q has no lower bound", name, plan)
		}
		if !strings.Contains(plan, "SEARCH") || strings.Contains(plan, "SCAN") {
			t.Errorf("%s: plan %q", name, plan)
		}
	}
}
