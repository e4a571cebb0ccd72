package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
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
			if strings.Contains(body, "01kdocumentaffected000000") || strings.Contains(body, blob[:12]) {
				t.Errorf("%s %s sees the finding:\n%s", c.role, c.user, body)
			}
			continue
		}
		for _, want := range []string{"<h1>Kiểm tra toàn vẹn</h1>", `<code title="` + blob + `">` + blob[:12], "Nội dung bị sai lệch (2 KB đã đọc)",
			"01kdocumentaffected000000 <span class=\"meta\">(chủ sở hữu " + owner + ")</span>", "08:02:03 07/12/2026",
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
