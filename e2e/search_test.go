package e2e_test

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestSearchTypedFieldsAPI is issue 9 item 6 through `kho serve` on each
// metadata driver: GET /api/v1/documents?q=nguyen van a finds the birth
// certificate whose typed field hoTen is "Nguyễn Văn A", ignoring case and
// diacritics (đ → d), for its owner and for staff, never for another
// citizen; and a paper stored before typed fields were indexed (its search
// text made of the name and summary, as the store held it) is found too.
func TestSearchTypedFieldsAPI(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		searchTypedFields(t, []string{"--data", dir}, []string{"--data", dir}, func(ctx context.Context) (archive.Store, func(), error) {
			st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
			if err != nil {
				return nil, nil, err
			}
			return st, func() { st.Close(context.Background()) }, nil
		})
	})
	t.Run("ferretdb", func(t *testing.T) {
		uri, db := testenv.MongoURI(t), testenv.UniqueName(t, "search")
		meta := []string{"--mongo-uri", uri, "--mongo-db", db}
		searchTypedFields(t, append([]string{"--data", t.TempDir()}, meta...), meta, func(ctx context.Context) (archive.Store, func(), error) {
			st, err := mongo.Open(ctx, uri, db)
			if err != nil {
				return nil, nil, err
			}
			return st, func() { st.Close(context.Background()) }, nil
		})
	})
}

// searchTypedFields runs the search checks against a server started with
// serveArgs; metaArgs reach its metadata store for `kho admin`, and open
// opens that store directly (to plant an old paper).
func searchTypedFields(t *testing.T, serveArgs, metaArgs []string, open func(context.Context) (archive.Store, func(), error)) {
	const ownerA, ownerB = "001099012345", "079088000123"
	srv := startServer(t, serveArgs...)
	a := &client{t: t, base: srv.url, token: createToken(t, metaArgs, ownerA, "citizen")}
	b := &client{t: t, base: srv.url, token: createToken(t, metaArgs, ownerB, "citizen")}
	staff := &client{t: t, base: srv.url, token: createToken(t, metaArgs, "canbo01", "staff")}

	upload := func(c *client, fields string) archive.Document {
		t.Helper()
		q := url.Values{"type": {"KHAI_SINH"}, "name": {"Giấy khai sinh"}, "filename": {"khai-sinh.pdf"}, "fields": {fields}}
		var d archive.Document
		call(t, c, "POST", "/api/v1/documents", q, "application/pdf", tinyPDF(fields), 201, &d)
		return d
	}
	certA := upload(a, `{"hoTen":"Nguyễn Văn A","ngaySinh":"2020-01-02","soDinhDanh":"001220012345","hoTenMe":"Đặng Thị Đào"}`)
	other := upload(a, `{"hoTen":"Trần Bình Minh","ngaySinh":"2021-03-04"}`)
	certB := upload(b, `{"hoTen":"Nguyễn Văn A","ngaySinh":"2019-05-06"}`)

	search := func(c *client, owner, q string) []string {
		t.Helper()
		var ids []string
		v := url.Values{"q": {q}, "limit": {"1"}}
		if owner != "" {
			v.Set("owner", owner)
			v.Set("purpose", "tìm giấy tờ của công dân")
		}
		for pages := 0; pages < 50; pages++ {
			var p archive.Page
			c.getJSON("/api/v1/documents", v, &p)
			for _, d := range p.Documents {
				ids = append(ids, d.ID)
			}
			if p.Next == "" {
				return ids
			}
			v.Set("cursor", p.Next)
		}
		t.Fatalf("q=%q: paging does not end", q)
		return nil
	}
	for _, c := range []struct {
		who     *client
		owner   string
		q       string
		want    []string
		comment string
	}{
		{a, "", "nguyen van a", []string{certA.ID}, "the owner, without diacritics"},
		{a, "", "NGUYỄN VĂN A", []string{certA.ID}, "upper case, with diacritics"},
		{a, "", "dang thi dao", []string{certA.ID}, "đ is d"},
		{a, "", "001220012345", []string{certA.ID}, "an identity number"},
		{a, "", "tran binh minh", []string{other.ID}, "the other paper"},
		{staff, ownerA, "nguyen van a", []string{certA.ID}, "staff in A's vault"},
		{b, "", "nguyen van a", []string{certB.ID}, "B finds only B's paper"},
		{staff, ownerB, "dang thi dao", nil, "A's field is not in B's vault"},
	} {
		if got := search(c.who, c.owner, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: q=%q: got %v, want %v", c.comment, c.q, got, c.want)
		}
	}

	// A paper as a store written before this change holds it: plant a
	// copy of A's certificate with the old search text and no version.
	ctx := context.Background()
	st, closeStore, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	old, err := st.GetDocument(ctx, certA.ID)
	if err != nil {
		t.Fatal(err)
	}
	old.ID = archive.NewID(old.CreatedAt)
	old.SearchText, old.SearchVersion = archive.Fold(old.Name+" "+old.Summary), 0
	if err := st.CreateDocument(ctx, old); err != nil {
		t.Fatal(err)
	}
	if got := search(a, "", "dang thi dao"); !slices.Contains(got, old.ID) || !slices.Contains(got, certA.ID) || len(got) != 2 {
		t.Errorf("with an old paper: q=dang thi dao gives %v, want %s and %s", got, old.ID, certA.ID)
	}
	if got := search(a, "", "tran binh minh"); !slices.Equal(got, []string{other.ID}) {
		t.Errorf("with an old paper: q=tran binh minh gives %v, want only %s", got, other.ID)
	}
	d, err := st.GetDocument(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.SearchVersion != archive.SearchTextVersion || d.Rev != old.Rev {
		t.Errorf("the old paper after a search: search version %d, Rev %d; want %d, Rev %d", d.SearchVersion, d.Rev, archive.SearchTextVersion, old.Rev)
	}
}
