package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
)

// DueForRenewalScan is DueForRenewal's first page read without its index
// (NOT INDEXED): the scan of every document that the index avoids, the
// reference of BenchmarkDueForRenewal.
func DueForRenewalScan(ctx context.Context, s *Store, before time.Time, limit int) ([]archive.Document, error) {
	q := `SELECT ` + docColumns + ` FROM documents INDEXED BY documents_ltv_due WHERE ` + ltvExpiry + ` IS NOT NULL AND ` + ltvExpiry + ` <= ? ORDER BY ` + ltvExpiry + `, id LIMIT ?`
	return s.ltvList(ctx, "due for renewal (scan)", strings.Replace(q, "INDEXED BY documents_ltv_due", "NOT INDEXED", 1), ltvTime(before), limit)
}
