package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixityUsesIndexes: the walks of the referenced blobs and the
// lookups of a blob's records search the blob indexes of the versions,
// renditions, paper copies and pending batches (and the documents'
// primary key); none scans a table, and those of the other records do
// not sort either.
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
		// strict: neither a scan of anything nor a sort.
		strict bool
	}{
		"referenced blobs": {statement{qReferencedBlobs, []any{blob, 200}},
			[]string{"SEARCH versions USING COVERING INDEX versions_blob (blob>?)", "SEARCH versions USING COVERING INDEX versions_report_blob (report_blob>?)"}, false},
		"blob users": {statement{qBlobUsers, []any{blob, 21}},
			[]string{"versions_blob (blob=?)", "versions_report_blob (report_blob=?)"}, false},
		// The archive's other records (FixitySourceStore): an index on the
		// blob, no sort in a temporary b-tree.
		"rendition blobs":    {statement{qRenditionBlobs, []any{blob, 200}}, []string{"SEARCH renditions USING COVERING INDEX renditions_blob (blob>?)"}, true},
		"rendition users":    {statement{qRenditionBlobUsers, []any{blob, 21}}, []string{"SEARCH renditions USING INDEX renditions_blob (blob=?)"}, true},
		"paper copy blobs":   {statement{qPaperCopyBlobs, []any{blob, 200}}, []string{"SEARCH paper_copies USING COVERING INDEX paper_copies_blob (blob>?)"}, true},
		"paper copy users":   {statement{qPaperCopyBlobUsers, []any{blob, 21}}, []string{"SEARCH paper_copies USING INDEX paper_copies_blob (blob=?)"}, true},
		"pending scan blobs": {statement{qPendingScanBlobs, []any{blob, 200}}, []string{"SEARCH scans USING COVERING INDEX scans_pending_blob (status=? AND blob>?)"}, true},
		"pending scan users": {statement{qPendingScanUsers, []any{blob, 21}}, []string{"scans_pending_blob (status=? AND blob=?)"}, true},
	} {
		plan := strings.Join(s.plan(t, c.st), "\n")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: plan\n%s\nlacks %q", name, plan, w)
			}
		}
		if strings.Contains(plan, "SCAN versions") || strings.Contains(plan, "SCAN documents") ||
			c.strict && (strings.Contains(plan, "SCAN ") || strings.Contains(plan, "TEMP B-TREE")) {
			t.Errorf("%s: plan\n%s\nscans a table", name, plan)
		}
	}
}
