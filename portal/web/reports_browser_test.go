package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/web"
)

// TestReportsAccessible: the leaders' dashboard with its charts and
// lists, the reports index and the public statistics page (with figures,
// and refused) have no serious or critical axe-core violation at desktop
// and phone width (360 px) nor sideways scrolling on a phone; the charts
// fit the phone's width; a refused query moves the focus to the error
// summary.
func TestReportsAccessible(t *testing.T) {
	s, _ := newReportsSiteAs(t, &archive.Actor{Subject: dashLeaderSub, Role: archive.RoleStaff})
	b := browsertest.New(t)
	for _, path := range []string{web.PathDashboard, web.PathReports, web.PathPublicStats + "?period=year&year=2026", web.PathPublicStats + "?period=month&n=13"} {
		t.Run(path, func(t *testing.T) { b.CheckAccessible(t, s.url+path) })
	}
	tab := b.Tab(t, browsertest.PhoneWidth)
	tab.Do(t, chromedp.Navigate(s.url+web.PathDashboard), chromedp.WaitReady(chromedp.CSS("svg.chart")))
	if w := browsertest.Eval[float64](t, tab, `Math.max(...[...document.querySelectorAll("svg.chart")].map(e => e.getBoundingClientRect().right))`); w > float64(browsertest.PhoneWidth) {
		t.Errorf("a chart reaches %v px on a %d px phone", w, browsertest.PhoneWidth)
	}
	tab.Do(t, chromedp.Navigate(s.url+web.PathPublicStats+"?period=month&n=13"), chromedp.WaitReady(chromedp.CSS(".error-summary")))
	if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
		t.Errorf("focus on %q, want the error summary", got)
	}
	if href := browsertest.Eval[string](t, tab, `document.querySelector(".error-summary a").getAttribute("href")`); href != "#ky" {
		t.Errorf("the summary links to %q", href)
	}
}
