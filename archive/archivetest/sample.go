package archivetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kho-vn/kho/archive"
)

// SampleDocument returns a plausible document of ownerID created at at, of
// the given type, for benchmarks that seed a large vault: a summary with
// words to search, mostly valid with some revoked or superseded, and a mix
// of permanent, bounded and open validity periods. rng makes it repeatable.
func SampleDocument(rng *rand.Rand, at time.Time, ownerID, typeCode, name string) archive.Document {
	meta := archive.Metadata{
		TypeCode:  typeCode,
		Name:      name,
		Summary:   fmt.Sprintf("Bản chính số %d do Ủy ban nhân dân phường %d cấp", rng.IntN(100000), rng.IntN(300)),
		Number:    fmt.Sprintf("%d/%d", rng.IntN(1000), 2000+rng.IntN(26)),
		Issuer:    "UBND phường Bến Nghé",
		IssueDate: archive.DateOf(at),
		Status:    archive.StatusValid,
		Fields:    map[string]any{"noiCap": "Hà Nội", "soBan": 1},
	}
	switch rng.IntN(10) {
	case 0:
		meta.Status = archive.StatusRevoked
	case 1:
		meta.Status = archive.StatusSuperseded
	}
	switch rng.IntN(4) {
	case 0:
		meta.Permanent = true
	case 1:
		meta.ValidFrom = archive.DateOf(at)
		meta.ValidUntil = archive.DateOf(at.AddDate(5, 0, 0))
	case 2:
		meta.ValidUntil = archive.DateOf(at.AddDate(1, 0, 0))
	}
	return archive.Document{
		ID:       archive.NewID(at),
		OwnerID:  ownerID,
		Source:   archive.SourceUpload,
		Metadata: meta,
		Current: archive.Version{
			N: 1, Blob: fmt.Sprintf("%064x", rng.Uint64()), Size: int64(50_000 + rng.IntN(2_000_000)),
			MediaType: "application/pdf", FileName: "tai-lieu.pdf", Change: "create",
			CreatedBy: ownerID, CreatedAt: at, Meta: meta,
		},
		VersionCount: 1,
		SearchText:   archive.Fold(meta.Name + " " + meta.Summary),
		CreatedBy:    ownerID,
		CreatedAt:    at,
		UpdatedAt:    at,
		Rev:          1,
	}
}
