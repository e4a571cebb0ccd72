package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/internal/browsertest"
)

// TestAdminAccessible: every administration page — the index, the
// accounts, the tokens, the agencies, an agency with a member's form, the
// procedures and a procedure with its diagram, the document types and
// one, the eForms and one, the holidays of a year — has no serious or
// critical axe-core violation at desktop and phone width, nor sideways
// scrolling on a phone; a refused form moves the focus to its error
// summary.
func TestAdminAccessible(t *testing.T) {
	s := newAdminSite(t)
	// The browser is the admin: the headers the test's Identify reads.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-User", asAdmin.user)
		r.Header.Set("X-Test-Role", asAdmin.role)
		s.h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	for _, path := range []string{
		"/quan-tri",
		"/quan-tri/tai-khoan",
		"/quan-tri/ma-truy-cap",
		"/quan-tri/co-quan",
		"/quan-tri/co-quan/" + ward + "?can-bo=" + deskSub,
		"/quan-tri/thu-tuc",
		"/quan-tri/thu-tuc/DANG_KY_KHAI_SINH",
		"/quan-tri/loai-giay-to",
		"/quan-tri/loai-giay-to/KHAI_SINH",
		"/quan-tri/bieu-mau",
		"/quan-tri/bieu-mau/TK_KHAI_SINH",
		"/quan-tri/ngay-nghi?nam=2026",
	} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, hs.URL+path) })
	}
	// A refused form (a username the server refuses): the summary takes
	// the focus and links to the field; the page passes axe.
	t.Run("refused account", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			tab.Do(t, chromedp.Navigate(hs.URL+"/quan-tri/tai-khoan"), chromedp.WaitReady(chromedp.ID("tk-username")),
				chromedp.SendKeys(chromedp.ID("tk-username"), "có dấu"), chromedp.SendKeys(chromedp.ID("tk-name"), "Người Thử"),
				chromedp.Click(chromedp.CSS(`form[action="/quan-tri/tai-khoan"] button[type=submit]`)), chromedp.WaitReady(chromedp.CSS(".error-summary")))
			if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
				t.Errorf("at %d px focus on %q, want the error summary", w, got)
			}
			if href := browsertest.Eval[string](t, tab, `document.querySelector(".error-summary a").getAttribute("href")`); href != "#tk-username" {
				t.Errorf("the summary links to %q", href)
			}
			for _, v := range browsertest.Serious(tab.Axe(t)) {
				t.Errorf("axe at %d px, refused account: %s", w, v)
			}
		}
	})
}
