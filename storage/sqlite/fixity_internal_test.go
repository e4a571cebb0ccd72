package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixityUsesIndexes: the walk of the referenced blobs and the lookup
// of a blob's documents search the versions' blob indexes (and the
// documents' primary key); none scans a table.
func TestFixityUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	blob := strings.Repeat("ab", 32)
	for name, c := range map[string]struct {
		st   statement
		want []string
	}{
		"referenced blobs": {statement{qReferencedBlobs, []any{blob, 200}},
			[]string{"SEARCH versions USING COVERING INDEX versions_blob (blob>?)", "SEARCH versions USING COVERING INDEX versions_report_blob (report_blob>?)"}},
		"blob users": {statement{qBlobUsers, []any{blob, 21}},
			[]string{"versions_blob (blob=?)", "versions_report_blob (report_blob=?)"}},
	} {
		plan := strings.Join(s.plan(t, c.st), "\n")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: plan\n%s\nlacks %q", name, plan, w)
			}
		}
		if strings.Contains(plan, "SCAN versions") || strings.Contains(plan, "SCAN documents") {
			t.Errorf("%s: plan\n%s\nscans a table", name, plan)
		}
	}
}
