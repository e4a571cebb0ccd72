package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
)

// TestArchiveFixityPage: /luu-tru/toan-ven shows an archivist and an admin
// the last finished pass, the open findings with the papers and owners
// they affect, and the runs; the archive's start page links to it. A
// citizen (the affected owner too) and staff without the position get the
// 403 page with nothing of it, a visitor the sign-in.
func TestArchiveFixityPage(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	ctx := context.Background()
	owner := "001099012345"
	blob := strings.Repeat("ab", 32)
	at := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC) // 08:02:03 in Vietnam
	if _, err := s.store.SaveFixityFinding(ctx, archive.FixityFinding{Blob: blob, Kind: archive.FixityMismatch, Size: 2048,
		Documents: []archive.BlobUser{{DocumentID: "01kdocumentaffected000000", OwnerID: owner}}, FirstSeen: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	// A blob a rendition and a pending batch of digitisation hold.
	other := strings.Repeat("ef", 32)
	if _, err := s.store.SaveFixityFinding(ctx, archive.FixityFinding{Blob: other, Kind: archive.FixityMissing,
		Documents: []archive.BlobUser{{OwnerID: owner, Via: archive.ViaScan, RecordID: "01kscanbatch0000000000000"},
			{DocumentID: "01kdocumentconverted00000", OwnerID: owner, Via: archive.ViaRendition, RecordID: "01kdocumentconverted00000/1/pdfa-2b"}},
		FirstSeen: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.AddFixityRun(ctx, archive.FixityRun{ID: archive.NewID(at), Trigger: "job", Start: at, End: at.Add(90 * time.Second),
		Checked: 1234, Bytes: 3 << 20, Mismatches: 1, PassStart: at.Add(-time.Hour), PassDone: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, role string
		want       int
	}{
		{archivistSub, "staff", http.StatusOK},
		{"quantri", "admin", http.StatusOK},
		{deskSub, "staff", http.StatusForbidden},
		{owner, "citizen", http.StatusForbidden},
		{"", "", http.StatusSeeOther},
	} {
		res, body := s.do(t, "GET", "/luu-tru/toan-ven", c.user, c.role, nil)
		if res.StatusCode != c.want {
			t.Errorf("%s %s: status %d, want %d", c.role, c.user, res.StatusCode, c.want)
			continue
		}
		if c.want != http.StatusOK {
			if strings.Contains(body, "01kdocumentaffected000000") || strings.Contains(body, blob[:12]) ||
				strings.Contains(body, "01kscanbatch") || strings.Contains(body, "01kdocumentconverted") {
				t.Errorf("%s %s sees the finding:\n%s", c.role, c.user, body)
			}
			continue
		}
		for _, want := range []string{"<h1>Kiểm tra toàn vẹn</h1>", `<code title="` + blob + `">` + blob[:12], "Nội dung bị sai lệch (2 KB đã đọc)",
			"01kdocumentaffected000000 <span class=\"meta\">(chủ sở hữu " + owner + ")</span>", "08:02:03 07/12/2026",
			"Chưa có giấy tờ <span class=\"meta\">(chủ sở hữu " + owner + "; lô số hoá chờ xác nhận <code>01kscanbatch0000000000000</code>)</span>",
			"01kdocumentconverted00000 <span class=\"meta\">(chủ sở hữu " + owner + "; bản chuyển đổi PDF <code>01kdocumentconverted00000/1/pdfa-2b</code>)</span>",
			"<td data-label=\"Số tệp\">1234</td>", "3 MB", "1 phút 30 giây", "Hoàn tất lượt kiểm tra bắt đầu lúc 07:02:03 07/12/2026",
			"Bắt đầu lúc 07:02:03 07/12/2026, xong lúc 08:03:33 07/12/2026."} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q:\n%s", c.user, want, body)
			}
		}
	}
	_, body := s.do(t, "GET", "/luu-tru", archivistSub, "staff", nil)
	if !strings.Contains(body, `<a href="/luu-tru/toan-ven">Kiểm tra toàn vẹn</a>`) {
		t.Errorf("the archive's start page does not link to the fixity page:\n%s", body)
	}
}

// TestArchiveFixityPageBrowser: the fixity page with a finding and a run,
// as an archivist sees it in Chromium, has nothing serious for axe and no
// sideways scrolling, at desktop width and at 360 px.
func TestArchiveFixityPageBrowser(t *testing.T) {
	s := archivistSite(t, staffSiteOptions{})
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	if _, err := s.store.SaveFixityFinding(ctx, archive.FixityFinding{Blob: strings.Repeat("cd", 32), Kind: archive.FixityMissing,
		Documents:     []archive.BlobUser{{DocumentID: "01kdocumentaffected000000", OwnerID: "001099012345"}, {DocumentID: "01kdocumentaffected000001", OwnerID: "079090001234"}},
		MoreDocuments: true, FirstSeen: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	// A blob a rendition and a pending batch of digitisation hold (the longer rows at 360 px).
	other := strings.Repeat("ef", 32)
	if _, err := s.store.SaveFixityFinding(ctx, archive.FixityFinding{Blob: other, Kind: archive.FixityMissing,
		Documents: []archive.BlobUser{{OwnerID: "001099012345", Via: archive.ViaScan, RecordID: "01kscanbatch0000000000000"},
			{DocumentID: "01kdocumentconverted00000", OwnerID: "001099012345", Via: archive.ViaRendition, RecordID: "01kdocumentconverted00000/1/pdfa-2b"}},
		FirstSeen: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.store.AddFixityRun(ctx, archive.FixityRun{ID: archive.NewID(at), Trigger: "job", Start: at, End: at.Add(time.Minute),
		Checked: 2000, Bytes: 2 << 30, Missing: 1, PassStart: at, PassDone: true, Error: ""}); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(s.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-User", archivistSub)
		r.Header.Set("X-Test-Role", "staff")
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	b.CheckAccessible(t, hs.URL+"/luu-tru/toan-ven")
}
