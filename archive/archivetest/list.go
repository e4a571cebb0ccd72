package archivetest

import (
	"fmt"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// seed creates n documents of owner (oldest first) with mod applied to the
// i-th, and returns their IDs oldest first.
func seed(t *testing.T, s archive.Store, ids *IDs, ownerID string, n int, mod func(i int, d *archive.Document)) []string {
	t.Helper()
	out := make([]string, n)
	for i := 0; i < n; i++ {
		d := doc(ids.New(), ownerID, "KS")
		if mod != nil {
			mod(i, &d)
		}
		d.Current.Meta = d.Metadata
		mustCreateDoc(t, s, d)
		out[i] = d.ID
	}
	return out
}

// pages reads every page of q and returns the IDs in order, checking that
// only the last page says no more follow.
func pages(t *testing.T, s archive.Store, q archive.DocQuery) []string {
	t.Helper()
	var all []string
	for page := 0; ; page++ {
		docs, more := list(t, s, q)
		if len(docs) > q.Limit {
			t.Fatalf("page %d has %d documents, more than the limit %d", page, len(docs), q.Limit)
		}
		if more && len(docs) != q.Limit {
			t.Fatalf("page %d has %d documents (limit %d) but says more follow", page, len(docs), q.Limit)
		}
		all = append(all, idsOf(docs)...)
		if !more {
			return all
		}
		if page > 1000 {
			t.Fatal("paging does not end")
		}
		q.After = docs[len(docs)-1].ID
	}
}

func sameList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func testListOrderAndPages(t *testing.T, s archive.Store) {
	ids := NewIDs()
	created := seed(t, s, ids, ownerA, 7, nil)
	newest := reverse(created)

	docs, more := list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 3})
	sameIDs(t, "first page", docs, newest[:3]...)
	if !more {
		t.Error("first page of 7 with limit 3 says no more follow")
	}
	docs, more = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 3, After: newest[2]})
	sameIDs(t, "second page", docs, newest[3:6]...)
	if !more {
		t.Error("second page says no more follow")
	}
	docs, more = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 3, After: newest[5]})
	sameIDs(t, "last page", docs, newest[6])
	if more {
		t.Error("last page says more follow")
	}
	docs, more = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 3, After: newest[6]})
	if len(docs) != 0 || more {
		t.Errorf("after the oldest: %v, more=%v; want nothing", idsOf(docs), more)
	}

	// A page that ends exactly at the last document says no more follow.
	docs, more = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 7})
	sameIDs(t, "one full page", docs, newest...)
	if more {
		t.Error("a page holding exactly all documents says more follow")
	}
	docs, more = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 1000})
	if len(docs) != 7 || more {
		t.Errorf("limit 1000: %d documents, more=%v", len(docs), more)
	}
	sameList(t, "every page, limit 2", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 2}), newest)
	sameList(t, "every page, limit 1", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 1}), newest)

	// Listed documents are whole: the same as GetDocument gives.
	want := mustGetDoc(t, s, newest[0])
	docs, _ = list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 1})
	if len(docs) == 1 {
		sameDoc(t, "listed document", docs[0], want)
	}
}

func testListOwnerIsolation(t *testing.T, s archive.Store) {
	ids := NewIDs()
	var a, b []string
	// Interleave the owners' documents in time.
	for i := 0; i < 6; i++ {
		a = append(a, seed(t, s, ids, ownerA, 1, nil)...)
		b = append(b, seed(t, s, ids, ownerB, 1, nil)...)
	}
	sameList(t, "owner A", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 4}), reverse(a))
	sameList(t, "owner B", pages(t, s, archive.DocQuery{OwnerID: ownerB, Limit: 4}), reverse(b))
	// An After from the other owner's list does not leak their documents.
	docs, _ := list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 100, After: b[5]})
	for _, d := range docs {
		if d.OwnerID != ownerA {
			t.Errorf("owner A's list holds %s of %s", d.ID, d.OwnerID)
		}
	}
	docs, more := list(t, s, archive.DocQuery{OwnerID: "001000000000", Limit: 10})
	if len(docs) != 0 || more {
		t.Errorf("an owner without documents lists %v, more=%v", idsOf(docs), more)
	}
	// Word search does not cross owners either.
	docs, _ = list(t, s, archive.DocQuery{OwnerID: ownerA, Words: []string{"khai sinh"}, Limit: 100})
	for _, d := range docs {
		if d.OwnerID != ownerA {
			t.Errorf("owner A's search holds %s of %s", d.ID, d.OwnerID)
		}
	}
	if len(docs) != 6 {
		t.Errorf("owner A's search found %d documents, want 6", len(docs))
	}
}

func testListTypeCodes(t *testing.T, s archive.Store) {
	ids := NewIDs()
	types := []string{"KS", "CCCD", "GPLX", "KS", "BANG", "CCCD", "KS"}
	created := seed(t, s, ids, ownerA, len(types), func(i int, d *archive.Document) { d.TypeCode = types[i] })
	seed(t, s, ids, ownerB, 2, nil) // KS documents of another owner
	pick := func(codes ...string) []string {
		var out []string
		for i := len(created) - 1; i >= 0; i-- {
			for _, c := range codes {
				if types[i] == c {
					out = append(out, created[i])
				}
			}
		}
		return out
	}
	for _, codes := range [][]string{{"KS"}, {"CCCD"}, {"KS", "BANG"}, {"GPLX", "CCCD", "NONE"}, {"NONE"}} {
		got := pages(t, s, archive.DocQuery{OwnerID: ownerA, TypeCodes: codes, Limit: 2})
		sameList(t, fmt.Sprintf("TypeCodes %v", codes), got, pick(codes...))
	}
	sameList(t, "no TypeCodes", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 3}), reverse(created))
}

func testListStatus(t *testing.T, s archive.Store) {
	ids := NewIDs()
	statuses := []archive.Status{archive.StatusValid, archive.StatusRevoked, archive.StatusSuperseded, archive.StatusValid, archive.StatusRevoked}
	created := seed(t, s, ids, ownerA, len(statuses), func(i int, d *archive.Document) { d.Status = statuses[i] })
	for _, st := range []archive.Status{archive.StatusValid, archive.StatusRevoked, archive.StatusSuperseded} {
		var want []string
		for i := len(created) - 1; i >= 0; i-- {
			if statuses[i] == st {
				want = append(want, created[i])
			}
		}
		sameList(t, "Status "+string(st), pages(t, s, archive.DocQuery{OwnerID: ownerA, Status: st, Limit: 1}), want)
	}
	sameList(t, "any status", pages(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 10}), reverse(created))
}

func testListWords(t *testing.T, s archive.Store) {
	ids := NewIDs()
	texts := []string{
		archive.Fold("Giấy khai sinh bản chính"),
		archive.Fold("Căn cước công dân gắn chip"),
		archive.Fold("Giấy phép lái xe hạng B2"),
		archive.Fold("Bằng tốt nghiệp đại học Bách khoa"),
		"so 100% hop le abc",
		"a.c [x] (y) *z+ ^$ \\d",
	}
	created := seed(t, s, ids, ownerA, len(texts), func(i int, d *archive.Document) { d.SearchText = texts[i] })
	cases := []struct {
		words []string
		want  []int // indexes into created
	}{
		{[]string{"giay"}, []int{2, 0}},
		{[]string{"giay", "sinh"}, []int{0}},
		{[]string{"sinh", "giay"}, []int{0}},
		{[]string{"khai sinh"}, []int{0}},
		{[]string{"sinh ban"}, []int{0}},   // across words
		{[]string{"cuoc cong"}, []int{1}},  // inside the text
		{[]string{"ach kho"}, []int{3}},    // inside words
		{[]string{"b2"}, []int{2}},         // letters and digits
		{[]string{"giay", "chip"}, nil},    // every word must occur
		{[]string{"xyz"}, nil},             // none
		{[]string{"100%"}, []int{4}},       // no LIKE wildcards
		{[]string{"1_0"}, nil},             // "_" is not a wildcard
		{[]string{"%"}, []int{4}},          //
		{[]string{"a.c"}, []int{5}},        // "." is not a regexp
		{[]string{"abc"}, []int{4}},        // and "a.c" does not match "abc"
		{[]string{"[x] (y)"}, []int{5}},    // brackets, parentheses
		{[]string{"*z+ ^$ \\d"}, []int{5}}, // more regexp syntax
		{[]string{"hop", "le", "so"}, []int{4}},
	}
	for _, c := range cases {
		var want []string
		for _, i := range c.want {
			want = append(want, created[i])
		}
		got := pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: c.words, Limit: 1})
		sameList(t, fmt.Sprintf("Words %q", c.words), got, want)
	}
}

// validity is one document's validity period for the ValidOn and ExpiredOn tests.
type validity struct {
	from, until string
	permanent   bool
}

var periods = []validity{
	{"", "", false},                     // 0: no period given: always valid, never expired
	{"2025-01-01", "2025-12-31", false}, // 1
	{"", "2025-06-30", false},           // 2: no start
	{"2026-01-01", "", false},           // 3: no end
	{"2020-01-01", "", true},            // 4: permanent
	{"", "2024-12-31", true},            // 5: permanent: ValidUntil does not end it
	{"2025-06-30", "2025-06-30", false}, // 6: one day
}

func seedPeriods(t *testing.T, s archive.Store, ids *IDs) []string {
	t.Helper()
	created := seed(t, s, ids, ownerA, len(periods), func(i int, d *archive.Document) {
		p := periods[i]
		d.ValidFrom, d.ValidUntil, d.Permanent = day(p.from), day(p.until), p.permanent
	})
	// Another owner's document valid everywhere must never show.
	seed(t, s, ids, ownerB, 1, nil)
	return created
}

func newestOf(created []string, idx ...int) []string {
	var out []string
	for i := len(created) - 1; i >= 0; i-- {
		for _, j := range idx {
			if i == j {
				out = append(out, created[i])
			}
		}
	}
	return out
}

func testListValidOn(t *testing.T, s archive.Store) {
	ids := NewIDs()
	created := seedPeriods(t, s, ids)
	cases := []struct {
		day  string
		want []int
	}{
		{"2019-12-31", []int{0, 2, 5}},
		{"2024-06-01", []int{0, 2, 4, 5}},
		{"2025-01-01", []int{0, 1, 2, 4, 5}}, // first day included
		{"2025-06-30", []int{0, 1, 2, 4, 5, 6}},
		{"2025-07-01", []int{0, 1, 4, 5}},
		{"2025-12-31", []int{0, 1, 4, 5}}, // last day included
		{"2026-01-01", []int{0, 3, 4, 5}},
		{"2099-01-01", []int{0, 3, 4, 5}},
	}
	for _, c := range cases {
		got := pages(t, s, archive.DocQuery{OwnerID: ownerA, ValidOn: day(c.day), Limit: 2})
		sameList(t, "ValidOn "+c.day, got, newestOf(created, c.want...))
	}
}

func testListExpiredOn(t *testing.T, s archive.Store) {
	ids := NewIDs()
	created := seedPeriods(t, s, ids)
	cases := []struct {
		day  string
		want []int
	}{
		{"2024-01-01", nil},
		{"2025-06-30", nil}, // the last day is not expired yet
		{"2025-07-01", []int{2, 6}},
		{"2025-12-31", []int{2, 6}},
		{"2026-01-01", []int{1, 2, 6}},
	}
	for _, c := range cases {
		got := pages(t, s, archive.DocQuery{OwnerID: ownerA, ExpiredOn: day(c.day), Limit: 2})
		sameList(t, "ExpiredOn "+c.day, got, newestOf(created, c.want...))
	}
}

// testListFilteredPages: paging with filters counts only matching documents.
func testListFilteredPages(t *testing.T, s archive.Store) {
	ids := NewIDs()
	created := seed(t, s, ids, ownerA, 20, func(i int, d *archive.Document) {
		if i%3 == 0 {
			d.TypeCode = "CCCD"
			d.SearchText = archive.Fold("Căn cước số " + fmt.Sprint(i))
		}
		if i%2 == 0 {
			d.Status = archive.StatusRevoked
		}
	})
	var cccd, cccdValid []string
	for i := len(created) - 1; i >= 0; i-- {
		if i%3 == 0 {
			cccd = append(cccd, created[i])
			if i%2 != 0 {
				cccdValid = append(cccdValid, created[i])
			}
		}
	}
	sameList(t, "CCCD by 2", pages(t, s, archive.DocQuery{OwnerID: ownerA, TypeCodes: []string{"CCCD"}, Limit: 2}), cccd)
	sameList(t, "CCCD by 7 (one full page)", pages(t, s, archive.DocQuery{OwnerID: ownerA, TypeCodes: []string{"CCCD"}, Limit: 7}), cccd)
	sameList(t, "valid CCCD by 1", pages(t, s, archive.DocQuery{OwnerID: ownerA, TypeCodes: []string{"CCCD"}, Status: archive.StatusValid, Limit: 1}), cccdValid)
	sameList(t, "words and status", pages(t, s, archive.DocQuery{OwnerID: ownerA, Words: []string{"can cuoc"}, Status: archive.StatusValid, ValidOn: day("2026-01-01"), Limit: 2}), cccdValid)
	docs, more := list(t, s, archive.DocQuery{OwnerID: ownerA, TypeCodes: []string{"CCCD"}, Limit: len(cccd)})
	if len(docs) != len(cccd) || more {
		t.Errorf("a page holding exactly every match: %d documents, more=%v", len(docs), more)
	}
}

// testListSeesUpdates: filters apply to the current state after updates.
func testListSeesUpdates(t *testing.T, s archive.Store) {
	ctx := t.Context()
	ids := NewIDs()
	d := mustCreateDoc(t, s, doc(ids.New(), ownerA, "KS"))
	d2 := d
	d2.TypeCode = "CCCD"
	d2.Status = archive.StatusRevoked
	d2.Name = "Căn cước"
	d2.SearchText = archive.Fold(d2.Name)
	d2.ValidUntil = day("2025-01-01")
	d2 = nextVersion(d2, "metadata", when(3))
	if err := s.UpdateDocument(ctx, d2, 1); err != nil {
		t.Fatalf("UpdateDocument: %v", err)
	}
	q := func(q archive.DocQuery) []string {
		q.OwnerID, q.Limit = ownerA, 10
		return pages(t, s, q)
	}
	sameList(t, "old type", q(archive.DocQuery{TypeCodes: []string{"KS"}}), nil)
	sameList(t, "new type", q(archive.DocQuery{TypeCodes: []string{"CCCD"}}), []string{d.ID})
	sameList(t, "old status", q(archive.DocQuery{Status: archive.StatusValid}), nil)
	sameList(t, "new status", q(archive.DocQuery{Status: archive.StatusRevoked}), []string{d.ID})
	sameList(t, "old words", q(archive.DocQuery{Words: []string{"khai sinh"}}), nil)
	sameList(t, "new words", q(archive.DocQuery{Words: []string{"can cuoc"}}), []string{d.ID})
	sameList(t, "new period", q(archive.DocQuery{ExpiredOn: day("2025-01-02")}), []string{d.ID})
	docs, _ := list(t, s, archive.DocQuery{OwnerID: ownerA, Limit: 1})
	if len(docs) == 1 {
		d2.Rev = 2
		sameDoc(t, "listed document after the update", docs[0], d2)
	}
}
