package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/internal/browsertest"
)

// TestMyVaultAccessible: the "Kho của tôi" pages of a citizen with an
// issued, signed PDF and an office file — the list, a filtered list with
// nothing found, the PDF's page with its frame, the office file's page and
// the ledger — have no serious or critical axe-core violation at desktop
// and phone width, nor sideways scrolling on a phone; the PDF's frame is
// allowed by the page's policy and loads the paper.
func TestMyVaultAccessible(t *testing.T) {
	v := newVaultSite(t)
	// The browser is citizen a: the header the test's Identify reads.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(testCitizenHeader, v.a.Subject)
		v.h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	for _, path := range []string{
		"/kho-cua-toi",
		"/kho-cua-toi?q=khong-co-tu-nay&tinh-trang=revoked",
		"/kho-cua-toi/" + v.resultID,
		"/kho-cua-toi/" + v.office,
		"/kho-cua-toi/nhat-ky",
	} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, hs.URL+path) })
	}
	t.Run("pdf frame", func(t *testing.T) {
		tab := b.Tab(t, browsertest.DesktopWidth)
		tab.Do(t, chromedp.Navigate(hs.URL+"/kho-cua-toi/"+v.resultID), chromedp.WaitReady(chromedp.CSS("iframe.pdf-view")))
		// The frame's document is the PDF (Chromium's viewer, or its
		// embed when headless), not a page blocked by a policy.
		got := browsertest.Eval[string](t, tab, `(() => { const f = document.querySelector("iframe.pdf-view"); try { return f.contentDocument ? f.contentDocument.contentType : "no document" } catch (e) { return "blocked: " + e } })()`)
		if got != "application/pdf" {
			t.Errorf("the frame holds %q, want the PDF", got)
		}
	})
}
