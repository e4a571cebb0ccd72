//go:build screenshots

package screenshots

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/internal/browsertest"
)

var out = flag.String("out", "../../docs/screenshots", "folder the PNG files are written to")

// TestScreenshots saves each page of Pages, whole, at 1280 and 360 px wide
// (a phone: scale 2) to OUT/NAME-1280.png and NAME-360.png.
func TestScreenshots(t *testing.T) {
	d := startDemo(t)
	b := browsertest.New(t)
	sessions := map[string]*http.Cookie{}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range Pages {
		if p.As != "" && sessions[p.As] == nil {
			sessions[p.As] = d.session(t, p.As)
		}
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			if _, err := chromedp.Call(tab.Ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			if c := sessions[p.As]; c != nil {
				httpOnly := true
				if _, err := chromedp.Call(tab.Ctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: d.base, HTTPOnly: &httpOnly}); err != nil {
					t.Fatal(err)
				}
			}
			tab.Do(t, chromedp.Navigate(d.base+d.path(p)), chromedp.WaitReady(chromedp.CSS("footer")))
			if p.Verify {
				tab.Do(t, chromedp.SetUploadFiles(chromedp.ID("tep"), []string{d.signedPDF}),
					chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitReady(chromedp.CSS("#ket-qua-kiem-tra")))
				// A valid paper: intact, signed by a trusted signer, unchanged
				// since (the fourth answer is the issuing system's word).
				if tones := browsertest.Eval[[]string](t, tab, `[...document.querySelectorAll("section.answer")].map(s => s.className)`); len(tones) != 4 || strings.Count(strings.Join(tones[:3], " "), "answer-ok") != 3 {
					t.Fatalf("verifier's answers: %v", tones)
				}
			}
			loc := browsertest.Eval[string](t, tab, "location.pathname")
			if want := strings.SplitN(d.path(p), "?", 2)[0]; loc != want {
				t.Fatalf("%s at %d px: the browser is at %s, not %s", p.Name, w, loc, want)
			}
			png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(*out, p.Name+"-"+strconv.Itoa(w)+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s (%d bytes)", file, len(png))
		}
	}
}
