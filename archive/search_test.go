package archive_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
)

// birthCertOf is a birth certificate of owner with typed fields.
func birthCertOf(owner, name string, fields map[string]any) archive.NewDocument {
	return archive.NewDocument{
		OwnerID:  owner,
		Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Summary: "Bản chính", Fields: fields},
		Upload:   upload("khai-sinh.pdf", pdfBytes(name)),
	}
}

// searchIDs runs a word search as a and returns the IDs of every page.
func searchIDs(t *testing.T, v *vault, a archive.Actor, owner, text string, limit int) []string {
	t.Helper()
	var ids []string
	q := archive.ListQuery{OwnerID: owner, Text: text, Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		p, err := v.List(context.Background(), a, q, archive.Access{Purpose: "tìm giấy tờ"})
		if err != nil {
			t.Fatalf("List(%q): %v", text, err)
		}
		if len(p.Documents) > limit {
			t.Fatalf("List(%q): a page of %d, limit %d", text, len(p.Documents), limit)
		}
		for _, d := range p.Documents {
			ids = append(ids, d.ID)
		}
		if p.Next == "" {
			return ids
		}
		q.Cursor = p.Next
	}
}

// TestSearchTypedFields is issue 9 item 6: words find the values of a
// paper's free-text typed fields, ignoring case and diacritics (đ → d).
func TestSearchTypedFields(t *testing.T) {
	v := newVault(t, archive.Config{})
	ctx := context.Background()
	a, err := v.Put(ctx, citizenA, birthCertOf("", "a", map[string]any{
		"hoTen": "Nguyễn Văn A", "ngaySinh": "2020-01-02", "gioiTinh": "nam", "soDinhDanh": "001220012345",
		"hoTenMe": "Đặng Thị Đào", "noiSinh": "Bệnh viện Từ Dũ, Quận 3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	v.clock.Set(v.clock.Now().Add(time.Second)) // b's ID sorts after a's
	b, err := v.Put(ctx, citizenA, birthCertOf("", "b", map[string]any{"hoTen": "Trần Bình Minh", "ngaySinh": "2021-03-04"}))
	if err != nil {
		t.Fatal(err)
	}
	// Another citizen's certificate with the same name stays out of A's results.
	if _, err := v.Put(ctx, citizenB, birthCertOf("", "c", map[string]any{"hoTen": "Nguyễn Văn A", "ngaySinh": "2019-05-06"})); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"nguyen van a", []string{a.ID}},
		{"NGUYỄN  VĂN A", []string{a.ID}},
		{"Nguyen Van", []string{a.ID}},
		{"dang thi dao", []string{a.ID}}, // đ → d
		{"ĐÀO", []string{a.ID}},
		{"001220012345", []string{a.ID}}, // identity number
		{"tu du", []string{a.ID}},        // a textarea
		{"tran binh minh", []string{b.ID}},
		{"giay khai sinh", []string{b.ID, a.ID}},
		{"nguyen minh", nil}, // every word, in one paper
		{"2020-01-02", nil},  // dates are not free text
		{"nguyen van tam", nil},
		{"ban chinh minh", []string{b.ID}}, // summary and a field together
	} {
		if got := searchIDs(t, v, citizenA, citizenA.Subject, c.q, 10); !slices.Equal(got, c.want) {
			t.Errorf("q=%q: got %v, want %v", c.q, got, c.want)
		}
	}
	// Staff find it in A's vault, and B's search never reaches it.
	if got := searchIDs(t, v, staff, citizenA.Subject, "nguyen van a", 10); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("staff: got %v", got)
	}
	for _, id := range searchIDs(t, v, citizenB, citizenB.Subject, "nguyen van a", 10) {
		if id == a.ID {
			t.Error("citizen B's search returned A's paper")
		}
	}
	// A metadata change that replaces the fields changes what is found.
	fields := archive.FieldValues{"hoTen": "Nguyễn Văn Ánh", "ngaySinh": "2020-01-02"}
	if _, err := v.UpdateMetadata(ctx, citizenA, a.ID, 0, archive.MetadataPatch{Fields: &fields}); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, v, citizenA, citizenA.Subject, "van anh", 10); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("after the update, q=van anh: got %v", got)
	}
	if got := searchIDs(t, v, citizenA, citizenA.Subject, "dang thi dao", 10); got != nil {
		t.Errorf("after the update, the old mother's name still finds %v", got)
	}
}

// oldDoc stores, behind the vault's back, a birth certificate as a store
// written before typed fields were searchable held it: search text of the
// name and summary only, SearchVersion 0.
func oldDoc(t *testing.T, v *vault, n int, hoTen string) archive.Document {
	t.Helper()
	ctx := context.Background()
	d, err := v.Put(ctx, citizenA, birthCertOf("", fmt.Sprint("old", n), map[string]any{"hoTen": hoTen, "ngaySinh": "2020-01-02"}))
	if err != nil {
		t.Fatal(err)
	}
	// The same paper again under a new ID, with the old index.
	old := d
	old.ID = archive.NewID(v.clock.Now())
	old.SearchText, old.SearchVersion = archive.Fold(d.Name+" "+d.Summary), 0
	if err := v.store.CreateDocument(ctx, old); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestSearchOldDocuments: papers stored before typed fields were indexed
// are found by their fields too, through every page, and are reindexed by
// the search that met them without their Rev changing.
func TestSearchOldDocuments(t *testing.T) {
	v := newVault(t, archive.Config{})
	ctx := context.Background()
	var olds []archive.Document
	for i, name := range []string{"Lê Văn Tám", "Nguyễn Văn A", "Phạm Thị Hồng", "Nguyễn Văn A", "Võ Thị Sáu", "Hoàng Văn Thụ", "Nguyễn Văn A"} {
		olds = append(olds, oldDoc(t, v, i, name))
	}
	var want []string // newest (highest ID) first, the listing's order
	for _, o := range olds {
		if o.Fields["hoTen"] == "Nguyễn Văn A" {
			want = append(want, o.ID)
		}
	}
	slices.Sort(want)
	slices.Reverse(want)
	got := searchIDs(t, v, citizenA, citizenA.Subject, "nguyen van a", 1)
	var oldGot []string
	for _, id := range got {
		for _, o := range olds {
			if o.ID == id {
				oldGot = append(oldGot, id)
			}
		}
	}
	if !slices.Equal(oldGot, want) {
		t.Fatalf("old papers found by their typed field: %v, want %v (all results %v)", oldGot, want, got)
	}
	for _, o := range olds {
		d, err := v.store.GetDocument(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.SearchVersion != archive.SearchTextVersion || !strings.Contains(d.SearchText, archive.Fold(o.Fields["hoTen"].(string))) || d.Rev != o.Rev {
			t.Errorf("%s after the search: SearchText %q, version %d, Rev %d; want it reindexed at Rev %d",
				o.ID, d.SearchText, d.SearchVersion, d.Rev, o.Rev)
		}
	}
	// Once reindexed, the same search gives the same answer.
	if again := searchIDs(t, v, citizenA, citizenA.Subject, "nguyen van a", 1); !slices.Equal(again, got) {
		t.Errorf("second search: %v, first %v", again, got)
	}
}

// TestSearchOldDocumentShortPage: when the old papers a page meets do not
// match, List reads on to fill the page, a bounded number of times, and a
// short page still leads on to the rest.
func TestSearchOldDocumentShortPage(t *testing.T) {
	v := newVault(t, archive.Config{})
	match := oldDoc(t, v, 0, "Nguyễn Văn A")
	for i := 1; i <= 12; i++ {
		oldDoc(t, v, i, "Trần Thị B")
	}
	got := searchIDs(t, v, citizenA, citizenA.Subject, "nguyen van a", 2)
	n := 0
	for _, id := range got {
		if id == match.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the old matching paper found %d times in %v", n, got)
	}
}

// TestSearchReindexOnWrite: a paper indexed by older rules gets the
// current search text with its next change, whatever the change.
func TestSearchReindexOnWrite(t *testing.T) {
	v := newVault(t, archive.Config{})
	ctx := context.Background()
	old := oldDoc(t, v, 0, "Nguyễn Văn A")
	if _, err := v.AddVersion(ctx, citizenA, old.ID, old.Rev, upload("moi.pdf", pdfBytes("ban moi"))); err != nil {
		t.Fatal(err)
	}
	d, err := v.store.GetDocument(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.SearchVersion != archive.SearchTextVersion || !strings.Contains(d.SearchText, "nguyen van a") {
		t.Errorf("after a new version: SearchText %q, version %d", d.SearchText, d.SearchVersion)
	}
}

// TestSearchTextRules: which typed fields count, in sections and rows
// too, and the bound on the text's size.
func TestSearchTextRules(t *testing.T) {
	def, err := forms.Parse([]byte(`{"schema":1,"code":"THU","version":1,"kind":"documentType","title":"Thử","fields":[
		{"code":"hoTen","type":"text","label":"Họ tên"},
		{"code":"nhom","type":"group","label":"Nhóm","fields":[{"code":"danToc","type":"search","label":"Dân tộc","source":{"options":[{"value":"Kinh","label":"Kinh"}],"free":true}}]},
		{"code":"con","type":"rows","label":"Con","maxRows":3,"fields":[{"code":"tenCon","type":"text","label":"Tên con"},{"code":"ngaySinhCon","type":"date","label":"Ngày sinh"}]},
		{"code":"ghiChu","type":"textarea","label":"Ghi chú","maxLength":20000},
		{"code":"gioiTinh","type":"radio","label":"Giới tính","options":[{"value":"khongxuathien","label":"Nam"},{"value":"nu","label":"Nữ"}]},
		{"code":"ngay","type":"date","label":"Ngày"},
		{"code":"soTien","type":"spin","label":"Số tiền"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := archive.Metadata{Name: "Giấy  THỬ", Summary: "Tóm tắt", Number: "12/QĐ-UBND", Issuer: "Ủy ban", Fields: map[string]any{
		"hoTen": "Đỗ Văn Ơn", "danToc": "Mường", "ghiChu": "ghi chú dài",
		"con":      []any{map[string]any{"tenCon": "Đỗ Thị Một", "ngaySinhCon": "2020-01-01"}, map[string]any{"tenCon": "Đỗ Văn Hai"}},
		"gioiTinh": "khongxuathien", "ngay": "2020-02-02", "soTien": 12,
	}}
	got := archive.SearchText(m, def)
	if want := "giay thu tom tat 12/qd-ubnd uy ban do van on muong do thi mot do van hai ghi chu dai"; got != want {
		t.Errorf("SearchText = %q\n         want %q", got, want)
	}
	if got := archive.SearchText(m, nil); got != "giay thu tom tat 12/qd-ubnd uy ban" {
		t.Errorf("without a schema: %q", got)
	}
	// A long textarea is cut between words, within the bound; the short
	// fields come before it.
	long := strings.Repeat("chữ dài ", 3000)
	m.Fields["ghiChu"] = long
	got = archive.SearchText(m, def)
	last := got[strings.LastIndexByte(got, ' ')+1:]
	if len(got) > 4096 || len(got) < 4000 || (last != "chu" && last != "dai") || !strings.Contains(got, "do van hai") {
		t.Errorf("with a long textarea: %d bytes, ends %q", len(got), got[max(0, len(got)-20):])
	}
	// A name and summary longer than the bound are cut too.
	m.Summary = strings.Repeat("中", 2000) // 3 bytes each, no space to cut at
	if got := archive.SearchText(m, def); len(got) > 4096 || got != "giay thu" {
		t.Errorf("with a summary of one long word: %d bytes, %q", len(got), got[:min(40, len(got))])
	}
}

// TestSearchReindexBounded: one search stores at most 200 recomputed texts,
// and still answers from the recomputed text of every paper it met; the
// next search stores the rest.
func TestSearchReindexBounded(t *testing.T) {
	v := newVault(t, archive.Config{})
	ctx := context.Background()
	first := oldDoc(t, v, 0, "Nguyễn Văn A")
	ids := []string{first.ID}
	for i := 1; i < 250; i++ {
		d := first
		d.ID = archive.NewID(v.clock.Now())
		if err := v.store.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	reindexed := func() int {
		n := 0
		for _, id := range ids {
			d, err := v.store.GetDocument(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.SearchVersion == archive.SearchTextVersion {
				n++
			}
		}
		return n
	}
	found := func() int {
		n := 0
		for _, id := range searchIDs(t, v, citizenA, citizenA.Subject, "nguyen van a", 1000) {
			if slices.Contains(ids, id) {
				n++
			}
		}
		return n
	}
	if n := found(); n != len(ids) {
		t.Fatalf("first search found %d of the %d old papers", n, len(ids))
	}
	if n := reindexed(); n != 200 {
		t.Errorf("after one search %d papers are reindexed, want 200", n)
	}
	if n := found(); n != len(ids) {
		t.Fatalf("second search found %d of the %d old papers", n, len(ids))
	}
	if n := reindexed(); n != len(ids) {
		t.Errorf("after two searches %d papers are reindexed, want %d", n, len(ids))
	}
}
