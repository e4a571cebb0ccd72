package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
)

// gotenberg is a client of the test Gotenberg server.
func gotenberg(t *testing.T) convert.Converter {
	t.Helper()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestOfficeRendition: with the real Gotenberg configured, a .docx made
// in the test shows in its page as a PDF whose text is the document's,
// the file still offered as a download; each rendition read — made or
// from the cache — is in the owner's ledger; another citizen gets 404; a
// person it is shared with sees it through the share until it is
// revoked. Without a converter, or over the input bound, the page offers
// the download only and the rendition's address says why.
func TestOfficeRendition(t *testing.T) {
	s := newShareSite(t, func(cfg *web.Config) { cfg.Converter = gotenberg(t); cfg.RenditionTimeout = time.Minute })
	paper := "/kho-cua-toi/" + s.officeID
	rendition := paper + "/phien-ban/1/pdf"
	res, body := s.do(t, "GET", paper, s.owner, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<iframe class="pdf-view" src="`+rendition+`"`) ||
		!strings.Contains(body, `href="`+paper+`/phien-ban/1?tai=1" download>tải xuống bang-ke.docx</a>`) {
		t.Fatalf("the office file's page: %d, lacks the rendition's frame or the download", res.StatusCode)
	}
	for i := range 2 { // made, then from the cache
		res, pdf := s.do(t, "GET", rendition, s.owner, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
			t.Fatalf("rendition %d: %d %q", i, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") || !strings.Contains(cd, "bang-ke.pdf") {
			t.Errorf("rendition %d: Content-Disposition %q", i, cd)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("rendition %d may not be framed by the portal alone: %q", i, csp)
		}
		if text := testenv.PDFText(t, []byte(pdf)); !strings.Contains(text, "Bảng kê") {
			t.Errorf("rendition %d's text is %q, want the document's", i, text)
		}
		if n := s.fileReads(t, s.officeID); n != i+1 {
			t.Errorf("after rendition %d the ledger has %d reads of the file, want %d", i, n, i+1)
		}
	}
	// Another citizen, and staff: the 404 of a paper that does not exist.
	for _, who := range []archive.Actor{s.other, s.friend} {
		if res, body := s.do(t, "GET", rendition, who, nil); res.StatusCode != 404 || strings.Contains(body, "%PDF") {
			t.Errorf("%s at the rendition: %d", who.Subject, res.StatusCode)
		}
	}
	if res, _ := s.do(t, "GET", rendition, s.clerk, nil); res.StatusCode != 403 {
		t.Errorf("staff at the rendition: %d", res.StatusCode)
	}
	// A PDF has no rendition.
	if res, _ := s.do(t, "GET", "/kho-cua-toi/"+s.pdfID+"/phien-ban/1/pdf", s.owner, nil); res.StatusCode != 404 {
		t.Errorf("a PDF's rendition: %d", res.StatusCode)
	}
	// Shared with a person: through the share, until revoked.
	s.share(t, s.officeID, "person", s.friend.Subject, "Đối chiếu tài sản", s.day(3))
	id := s.receivedID(t, s.friend)
	shared := "/duoc-chia-se/" + id + "/pdf"
	if _, body := s.do(t, "GET", "/duoc-chia-se/"+id, s.friend, nil); !strings.Contains(body, `<iframe class="pdf-view" src="`+shared+`"`) ||
		!strings.Contains(body, `href="/duoc-chia-se/`+id+`/tep?tai=1" download>`) {
		t.Error("the shared office file's page lacks the rendition or the download")
	}
	res, pdf := s.do(t, "GET", shared, s.friend, nil)
	if res.StatusCode != 200 || !strings.Contains(testenv.PDFText(t, []byte(pdf)), "Bảng kê") {
		t.Errorf("the shared rendition: %d", res.StatusCode)
	}
	if rows := s.ledgerRows(t, s.friend); len(rows) != 2 || !strings.Contains(strings.Join(rows, ""), "Tải xuống giấy tờ — chia sẻ với Cá nhân "+s.friend.Subject) {
		t.Errorf("the person's view and rendition are not both in the owner's ledger page: %d rows", len(rows))
	}
	if res, body := s.do(t, "GET", shared, s.other, nil); res.StatusCode != 404 || strings.Contains(body, "%PDF") {
		t.Errorf("another citizen at the shared rendition: %d", res.StatusCode)
	}
	res, _ = s.do(t, "POST", "/kho-cua-toi/chia-se/"+id+"/thu-hoi", s.owner, url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, body := s.do(t, "GET", shared, s.friend, nil); res.StatusCode != 403 || strings.Contains(body, "%PDF") {
		t.Errorf("the shared rendition after revocation: %d", res.StatusCode)
	}
	// No converter: the download only, and the rendition's address says so.
	plain := s.with(t, func(cfg *web.Config) { cfg.Converter = nil })
	if _, body := plain.do(t, "GET", paper, s.owner, nil); strings.Contains(body, "<iframe") || !strings.Contains(body, "Tải xuống bang-ke.docx") {
		t.Error("without a converter the office file's page is not the download")
	}
	if res, body := plain.do(t, "GET", rendition, s.owner, nil); res.StatusCode != 503 || !strings.Contains(body, "chưa được cấu hình dịch vụ chuyển đổi") {
		t.Errorf("a rendition without a converter: %d", res.StatusCode)
	}
	// Over the input bound: the download only; the address says why.
	small := s.with(t, func(cfg *web.Config) { cfg.MaxRenditionBytes = int64(len(s.office)) - 1 })
	if _, body := small.do(t, "GET", paper, s.owner, nil); strings.Contains(body, "<iframe") || !strings.Contains(body, "Tải xuống bang-ke.docx") {
		t.Error("over the bound the office file's page is not the download")
	}
	if res, body := small.do(t, "GET", rendition, s.owner, nil); res.StatusCode != 413 || !strings.Contains(body, "Tệp quá lớn để xem trực tiếp") {
		t.Errorf("a rendition over the bound: %d", res.StatusCode)
	}
}

// TestRenditionUnavailable: a converter that cannot be reached is a
// Vietnamese 503 page, not a hang or an empty PDF.
func TestRenditionUnavailable(t *testing.T) {
	down, err := convert.NewGotenberg(convert.GotenbergConfig{URL: "http://" + testenv.ClosedAddr(t), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := newShareSite(t, func(cfg *web.Config) { cfg.Converter = down })
	rendition := "/kho-cua-toi/" + s.officeID + "/phien-ban/1/pdf"
	res, body := s.do(t, "GET", rendition, s.owner, nil)
	if res.StatusCode != 503 || !strings.Contains(body, "Dịch vụ chuyển đổi tệp tạm thời không khả dụng") || strings.Contains(body, "%PDF") {
		t.Errorf("an unreachable converter: %d", res.StatusCode)
	}
}
