package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestUploadQueriesUseIndexes: the collector's queries are served by the
// intents' index on creation time and the claims' key, never by a scan of
// a table (what the collector costs must not grow with the store).
func TestUploadQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, tc := range []struct {
		query string
		args  []any
		want  []string // each must appear in the plan
	}{
		{listUploadsQuery, []any{int64(1), int64(0), "", 100}, []string{"SEARCH i USING INDEX upload_intents_created", "SEARCH b USING COVERING INDEX upload_blobs_upload"}},
		{blobClaimedQuery, []any{strings.Repeat("a", 64), int64(0)}, []string{"SEARCH upload_blobs USING PRIMARY KEY (hash=?)"}},
	} {
		plan := s.plan(t, statement{tc.query, tc.args})
		all := strings.Join(plan, "\n")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("plan of %s\n%s\nlacks %q", tc.query, all, w)
			}
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN ") && !strings.HasPrefix(line, "SCAN (subquery") || strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("plan of %s scans a table or sorts: %s", tc.query, line)
			}
		}
	}
}
