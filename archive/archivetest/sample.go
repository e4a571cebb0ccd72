package archivetest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
)

// sampleSchema is the typed fields of SampleDocument: those of a birth
// certificate that search reads (a name, an identity number, a place).
var sampleSchema = sync.OnceValue(func() *forms.Definition {
	def, err := forms.Parse([]byte(`{"schema":1,"code":"MAU","version":1,"kind":"documentType","title":"Mẫu","fields":[
		{"code":"hoTen","type":"text","label":"Họ tên"},
		{"code":"soDinhDanh","type":"text","format":"identityNumber","label":"Số định danh"},
		{"code":"noiSinh","type":"textarea","label":"Nơi sinh"},
		{"code":"soBan","type":"spin","label":"Số bản"}]}`))
	if err != nil {
		panic("archivetest: sample schema: " + err.Error())
	}
	return def
})

// Parts of the names SampleDocument gives.
var (
	sampleFamilies = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"}
	sampleMiddles  = []string{"Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc"}
	sampleGiven    = []string{"An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Quân", "Sơn", "Trang"}
)

// SampleDocument returns a plausible document of ownerID created at at, of
// the given type, for benchmarks that seed a large vault: a summary and
// typed fields (a person's name, identity number and place of birth) with
// words to search, indexed as the vault would (archive.SearchText), mostly
// valid with some revoked or superseded, and a mix of permanent, bounded
// and open validity periods. rng makes it repeatable.
func SampleDocument(rng *rand.Rand, at time.Time, ownerID, typeCode, name string) archive.Document {
	meta := archive.Metadata{
		TypeCode:  typeCode,
		Name:      name,
		Summary:   fmt.Sprintf("Bản chính số %d do Ủy ban nhân dân phường %d cấp", rng.IntN(100000), rng.IntN(300)),
		Number:    fmt.Sprintf("%d/%d", rng.IntN(1000), 2000+rng.IntN(26)),
		Issuer:    "UBND phường Bến Nghé",
		IssueDate: archive.DateOf(at),
		Status:    archive.StatusValid,
		Fields: map[string]any{
			"hoTen": sampleFamilies[rng.IntN(len(sampleFamilies))] + " " + sampleMiddles[rng.IntN(len(sampleMiddles))] +
				" " + sampleGiven[rng.IntN(len(sampleGiven))],
			"soDinhDanh": fmt.Sprintf("%03d%09d", rng.IntN(97), rng.IntN(1e9)),
			"noiSinh":    fmt.Sprintf("Trạm y tế phường %d, quận %d, Thành phố Hồ Chí Minh", rng.IntN(300), rng.IntN(24)),
			"soBan":      1,
		},
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
		VersionCount:  1,
		SearchText:    archive.SearchText(meta, sampleSchema()),
		SearchVersion: archive.SearchTextVersion,
		CreatedBy:     ownerID,
		CreatedAt:     at,
		UpdatedAt:     at,
		Rev:           1,
	}
}
