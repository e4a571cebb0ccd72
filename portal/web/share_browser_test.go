package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/web"
)

// TestSharePagesAccessible: the sharing pages — a paper's page with its
// share form and shares (active and revoked), "Kho của tôi" with the
// storage meter, the office file's page with its rendition, "Giấy tờ tôi
// đã chia sẻ", "Được chia sẻ với tôi" and a shared paper — have no
// serious or critical axe-core violation at desktop and phone width nor
// sideways scrolling on a phone; a share form refused for its date
// answers with the error summary, which takes the focus and links to the
// date; the office file's frame holds its PDF rendition.
func TestSharePagesAccessible(t *testing.T) {
	s := newShareSite(t, func(cfg *web.Config) { cfg.Converter = gotenberg(t) })
	s.share(t, s.pdfID, "person", s.friend.Subject, "Làm thủ tục vay vốn", s.day(30))
	s.share(t, s.pdfID, "agency", ward, "Xác minh", s.day(7))
	page, err := s.vault.SharesGiven(t.Context(), s.owner, "", "", 10)
	if err != nil || len(page.Shares) != 2 {
		t.Fatal(err)
	}
	if _, err := s.vault.RevokeShare(t.Context(), s.owner, page.Shares[0].ID, "Không cần nữa"); err != nil {
		t.Fatal(err)
	}
	id := s.receivedID(t, s.friend)
	as := func(who archive.Actor) string {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set(testUserHeader, who.Subject)
			s.h.ServeHTTP(w, r)
		}))
		t.Cleanup(hs.Close)
		return hs.URL
	}
	owner, friend := as(s.owner), as(s.friend)
	b := browsertest.New(t)
	for _, u := range []string{
		owner + "/kho-cua-toi",
		owner + "/kho-cua-toi/" + s.pdfID,
		owner + "/kho-cua-toi/" + s.officeID,
		owner + "/kho-cua-toi/chia-se",
		friend + "/duoc-chia-se",
		friend + "/duoc-chia-se/" + id,
	} {
		t.Run(strings.TrimPrefix(u[strings.Index(u[len("http://"):], "/")+len("http://"):], "/"), func(t *testing.T) { b.CheckAccessible(t, u) })
	}
	t.Run("share form error", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			tab.Do(t, chromedp.Navigate(owner+"/kho-cua-toi/"+s.pdfID), chromedp.WaitReady(chromedp.ID("chia-se-den-ngay")),
				chromedp.SetValue(chromedp.ID("chia-se-doi-tuong"), "person"),
				chromedp.SendKeys(chromedp.ID("chia-se-ma"), s.other.Subject),
				chromedp.SendKeys(chromedp.ID("chia-se-muc-dich"), "Nộp hồ sơ"),
				chromedp.SendKeys(chromedp.ID("chia-se-den-ngay"), "31/02/2030"),
				chromedp.Submit(chromedp.ID("chia-se-den-ngay")),
				chromedp.WaitReady(chromedp.CSS(".error-summary")))
			if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
				t.Errorf("at %d px focus on %q, want the error summary", w, got)
			}
			if href := browsertest.Eval[string](t, tab, `document.querySelector(".error-summary a").getAttribute("href")`); href != "#chia-se-den-ngay" {
				t.Errorf("the summary links to %q", href)
			}
			for _, v := range browsertest.Serious(tab.Axe(t)) {
				t.Errorf("axe at %d px, share form refused: %s", w, v)
			}
			if o := browsertest.Eval[int](t, tab, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); o > 0 {
				t.Errorf("at %d px the refused form is %d px wider than the viewport", w, o)
			}
		}
	})
	t.Run("rendition frame", func(t *testing.T) {
		tab := b.Tab(t, browsertest.DesktopWidth)
		tab.Do(t, chromedp.Navigate(owner+"/kho-cua-toi/"+s.officeID), chromedp.WaitReady(chromedp.CSS("iframe.pdf-view")))
		got := browsertest.Eval[string](t, tab, `new Promise(ok => { const f = document.querySelector("iframe.pdf-view"); const check = () => { try { const d = f.contentDocument; if (d && d.contentType === "application/pdf") return ok(d.contentType); } catch (e) { return ok("blocked: " + e) } setTimeout(check, 100) }; check(); setTimeout(() => ok(f.contentDocument ? f.contentDocument.contentType : "no document"), 20000) })`)
		if got != "application/pdf" {
			t.Errorf("the frame holds %q, want the PDF rendition", got)
		}
	})
}
