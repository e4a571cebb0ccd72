package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// storeOld writes a copy of d straight into the metadata store with the
// given name and file name, as data stored before today's rules (text
// characters, file extensions) could hold; it bypasses the vault's checks.
func (e *env) storeOld(t *testing.T, d document, name, fileName string) string {
	t.Helper()
	now := time.Now().UTC()
	meta := archive.Metadata{TypeCode: d.TypeCode, Name: name, Status: archive.StatusValid}
	old := archive.Document{
		ID:       archive.NewID(now),
		OwnerID:  d.OwnerID,
		Source:   archive.SourceUpload,
		Metadata: meta,
		Current: archive.Version{N: 1, Blob: d.Current.Blob, Size: d.Current.Size, MediaType: d.Current.MediaType,
			FileName: fileName, Change: "create", CreatedBy: d.OwnerID, CreatedAt: now, Meta: meta},
		VersionCount: 1,
		SearchText:   archive.Fold(name),
		CreatedBy:    d.OwnerID,
		CreatedAt:    now,
		UpdatedAt:    now,
		Rev:          1,
	}
	if err := e.store.CreateDocument(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	return old.ID
}

// TestStoredExtensionFollowsDetectedType uploads text named evil.html: it
// is stored and served as evil.txt. A version stored before that rule
// (written straight into the store) is served under the right extension
// too, and a file sent without a name is named from its type.
func TestStoredExtensionFollowsDetectedType(t *testing.T) {
	e := newEnv(t)
	q := url.Values{"type": {"KHAC"}, "name": {"Ghi chú"}}
	r := e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "text/html",
		disposition: `attachment; filename="evil.html"`, data: []byte("chỉ là chữ")})
	// Declared as HTML, the content is plain text: the declaration is
	// refused, as any mismatch is.
	r.want(t, 400, "content_type_mismatch")
	r = e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "text/plain",
		disposition: `attachment; filename="evil.html"`, data: []byte("chỉ là chữ")}).want(t, 201, "")
	var d document
	r.json(t, &d)
	if d.Current.FileName != "evil.txt" || !strings.HasPrefix(d.Current.MediaType, "text/plain") {
		t.Fatalf("stored as %q (%s), want evil.txt", d.Current.FileName, d.Current.MediaType)
	}
	got := e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/content", token: e.citizenA}).want(t, 200, "")
	if cd := got.header.Get("Content-Disposition"); cd != `attachment; filename="evil.txt"; filename*=UTF-8''evil.txt` {
		t.Errorf("Content-Disposition %q", cd)
	}

	// Old data: the same text stored as evil.html before the rule.
	id := e.storeOld(t, d, "Ghi chú cũ", "evil.html")
	got = e.do(call{method: "GET", path: "/api/v1/documents/" + id + "/content", token: e.citizenA}).want(t, 200, "")
	if cd := got.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="evil.txt"`) || strings.Contains(cd, "html") {
		t.Errorf("old version served with Content-Disposition %q, want evil.txt", cd)
	}

	// Old data with a right-to-left override in its file name: a browser
	// saves it without.
	id = e.storeOld(t, d, "Ghi chú cũ", "a\u202efdp.exe")
	got = e.do(call{method: "GET", path: "/api/v1/documents/" + id + "/content", token: e.citizenA}).want(t, 200, "")
	if cd := got.header.Get("Content-Disposition"); cd != `attachment; filename="a_fdp.txt"; filename*=UTF-8''a_fdp.txt` {
		t.Errorf("old file name with U+202E served as %q", cd)
	}

	// No file name: named from the type.
	r = e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", data: pdf("không tên")}).want(t, 201, "")
	r.json(t, &d)
	if d.Current.FileName != "giay-to.pdf" {
		t.Errorf("no name stored as %q, want giay-to.pdf", d.Current.FileName)
	}
	got = e.do(call{method: "GET", path: "/api/v1/documents/" + d.ID + "/versions/1/content", token: e.citizenA}).want(t, 200, "")
	if cd := got.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="giay-to.pdf"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
}
