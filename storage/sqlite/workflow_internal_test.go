package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/workflow"
)

// plan is SQLite's query plan of a statement, one line per step.
func (s *Store) plan(t *testing.T, st statement) []string {
	t.Helper()
	rows, err := s.r.DB.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+st.query, st.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// TestDossierCountsUseIndexes: every count of the staff's desk (item 20:
// workflow.BucketKeys) and every single criterion of the search (item
// 21) within an agency is answered by a search of an index of dossiers,
// never a scan of the table or of a whole index: what a count costs is
// the matching entries of one agency, not the store.
func TestDossierCountsUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	const agency = "000.00.31.H29"
	queries := map[string]workflow.DossierQuery{}
	for _, key := range workflow.BucketKeys() {
		q, ok := workflow.BucketQuery(key, agency, "thamdinh1", now, 24*time.Hour)
		if !ok {
			t.Fatalf("bucket %s", key)
		}
		queries["bucket "+key] = q
	}
	for name, q := range map[string]workflow.DossierQuery{
		"received between": {ReceivedFrom: now.Add(-48 * time.Hour), ReceivedBefore: now},
		"field":            {Field: "Hộ tịch"},
		"unit":             {Handling: "000.00.12.H29"},
		"due by":           {DueBefore: now},
		"status":           {Status: workflow.StatusProcessing},
		"procedure":        {Procedure: "DANG_KY_KHAI_SINH"},
		"name":             {Words: []string{"p:nguyen", "p:an"}},
		"combined":         {Status: workflow.StatusProcessing, Field: "Hộ tịch", Words: []string{"p:nguyen"}, ReceivedFrom: now},
	} {
		q.Agency = agency
		queries["search "+name] = q
	}
	for name, q := range queries {
		stmts, err := countStatements(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			plan := s.plan(t, st)
			all := strings.Join(plan, "\n")
			if !strings.Contains(all, "SEARCH dossiers USING") && !strings.Contains(all, "SEARCH dossier_names USING") {
				t.Errorf("%s: plan\n%s\nsearches no index", name, all)
			}
			// A bucket's bounds on the due time bound the search.
			if strings.HasPrefix(name, "bucket ") && (!q.DueBefore.IsZero() || !q.DueFrom.IsZero()) && !strings.Contains(all, "due_at<?") {
				t.Errorf("%s: plan\n%s\ndoes not bound the due time", name, all)
			}
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN ") {
					t.Errorf("%s: plan\n%s\nscans: %s", name, all, line)
				}
			}
		}
	}
}
