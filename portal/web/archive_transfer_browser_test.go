package web_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/workflow"
)

// TestTransferPagesAccessible: the transfer page, its refusal and an
// import's results pass axe with nothing serious, at desktop and phone
// width without sideways scrolling, the focus on the error summary or
// the results' notice.
func TestTransferPagesAccessible(t *testing.T) {
	archivist := archive.Actor{Subject: archivistSub, Role: archive.RoleStaff}
	s := newStaffSiteWith(t, 1, &archivist, nil, staffSiteOptions{staff: []workflow.Staff{{Subject: archivistSub, Name: "Phan Thị Lưu",
		Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleArchivist}}}})
	if _, err := s.vault.RegisterOwner(context.Background(), archivist, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: "001099012345"}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	t.Run("page", func(t *testing.T) { b.CheckAccessible(t, s.url+"/luu-tru/chuyen-giao") })
	bag, err := filepath.Abs("../../archive/testdata/bagit/bagit-python.tar")
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, tab *browsertest.Tab, w int, what, focus string) {
		t.Helper()
		if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != focus {
			t.Errorf("at %d px, %s: focus on %q, want %q", w, what, got, focus)
		}
		for _, v := range browsertest.Serious(tab.Axe(t)) {
			t.Errorf("axe at %d px, %s: %s", w, what, v)
		}
		if o := browsertest.Eval[int](t, tab, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); o > 0 {
			t.Errorf("at %d px, %s is %d px too wide", w, what, o)
		}
	}
	for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
		tab := b.Tab(t, w)
		// Blank text passes the browser's check, not the server's.
		tab.Do(t, chromedp.Navigate(s.url+"/luu-tru/chuyen-giao"), chromedp.WaitReady(chromedp.ID("muc-dich")),
			chromedp.SendKeys(chromedp.ID("chu-kho"), "001099012345"), chromedp.SendKeys(chromedp.ID("muc-dich"), "   "),
			chromedp.Click(chromedp.CSS(`form[action$="/xuat"] button[type=submit]`)), chromedp.WaitReady(chromedp.CSS(".error-summary")))
		check(t, tab, w, "export refused", "error-summary")
		tab = b.Tab(t, w)
		tab.Do(t, chromedp.Navigate(s.url+"/luu-tru/chuyen-giao"), chromedp.WaitReady(chromedp.ID("goi")),
			chromedp.SendKeys(chromedp.ID("chu-kho-nhan"), "001099012345"), chromedp.SetUploadFiles(chromedp.ID("goi"), []string{bag}),
			chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)), chromedp.WaitReady(chromedp.CSS("table.data-table")))
		check(t, tab, w, "import results", "notice")
	}
}
