package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/workflow"
)

// startHousehold starts a business-household registration as the father:
// the draft's address and the dossier's code.
func (s *dossierSite) startHousehold(t *testing.T) (string, string) {
	t.Helper()
	res, body := s.do(t, "POST", "/dich-vu/DANG_KY_HO_KINH_DOANH", father, "citizen", url.Values{"ho-ten": {"Nguyễn Văn An"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !draftRE.MatchString(loc) {
		t.Fatalf("start: %d %q\n%s", res.StatusCode, loc, body)
	}
	return loc, draftRE.FindStringSubmatch(loc)[1]
}

// householdValues is the household declaration as the draft's controls
// post it, with two business lines and the opening hours.
func householdValues(rev, lenh string) url.Values {
	p := "bm-GIAY_DE_NGHI-"
	return url.Values{"rev": {rev}, "lenh": {lenh},
		p + "kinhGui": {"Ủy ban nhân dân phường Bến Nghé"}, p + "hoTenChuHo": {"Nguyễn Văn An"}, p + "ngaySinhChuHo": {"12/05/1999"},
		p + "gioiTinhChuHo": {"nam"}, p + "danTocChuHo": {"Kinh"}, p + "quocTichChuHo": {"Việt Nam"}, p + "soDinhDanhChuHo": {father},
		p + "noiThuongTruChuHo": {"12 Lê Lợi, phường Bến Nghé"}, p + "dienThoaiChuHo": {"0901234567"},
		p + "tenHoKinhDoanh": {"Quán Phở An"}, p + "diaChiTruSo": {"12 Lê Lợi, phường Bến Nghé"}, p + "vonKinhDoanh": {"100.000.000"},
		p + "nganhNghe-so-dong":    {"2"},
		p + "nganhNghe-1-tenNganh": {"Nhà hàng và dịch vụ ăn uống"}, p + "nganhNghe-1-maNganh": {"5610"}, p + "nganhNghe-1-nganhChinh": {"co"},
		p + "nganhNghe-2-tenNganh": {"Bán lẻ đồ uống"}, p + "nganhNghe-2-maNganh": {"4723"},
		p + "gioHoatDong-tu": {"06:00"}, p + "gioHoatDong-den": {"22:30"},
		p + "phuongPhapThue": {"ke_khai"}, p + "laHoGiaDinh": {"ca_nhan"}, p + "camKet": {"dong_y"},
	}
}

// rowLegends are the legends of the rows of "Ngành, nghề kinh doanh".
var rowLegends = regexp.MustCompile(`<legend>Ngành, nghề kinh doanh – dòng (\d+)</legend>`)

// TestEformRows: on the household draft, "Thêm dòng" and "Xóa dòng"
// re-render with one row more or less and the typed values kept, saving
// nothing; two business lines and the opening hours are stored exactly
// as the eForm's data; a row's missing required sub-field is shown on that
// row; MaxRows holds; another citizen gets 404; and the dossier is then
// submitted from the page.
func TestEformRows(t *testing.T) {
	s := newDossierSite(t)
	loc, code := s.startHousehold(t)
	res, body := s.do(t, "GET", loc, father, "citizen", nil)
	if res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 1 || strings.Contains(body, "Xóa dòng") ||
		!strings.Contains(body, `name="lenh" value="them-dong:GIAY_DE_NGHI:nganhNghe"`) ||
		!strings.Contains(body, `type="time" id="bm-GIAY_DE_NGHI-gioHoatDong-tu"`) || strings.Count(body, "chưa điền được trên trang") != 1 {
		t.Fatalf("the household draft: %d, one row with no remove button, the add button, the hours and only the files unsupported expected\n%s", res.StatusCode, body)
	}
	rev := revOf(t, body)
	before := s.dossier(t, code)

	// Add a row: three rows, what was typed kept, the focus on the new row.
	add := householdValues(rev, "them-dong:GIAY_DE_NGHI:nganhNghe")
	res, body = s.post(t, loc, father, add, nil)
	if res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 3 || !strings.Contains(body, `value="Bán lẻ đồ uống"`) ||
		!regexp.MustCompile(`id="bm-GIAY_DE_NGHI-nganhNghe-3-tenNganh"[^>]* autofocus`).MatchString(body) ||
		!strings.Contains(body, `name="bm-GIAY_DE_NGHI-nganhNghe-so-dong" value="3"`) || !strings.Contains(body, `value="22:30"`) {
		t.Errorf("add a row: %d, %d rows\n%s", res.StatusCode, len(rowLegends.FindAllString(body, -1)), body)
	}
	// Remove the first of three: the second and third move up.
	rm := householdValues(rev, "xoa-dong:GIAY_DE_NGHI:nganhNghe:1")
	rm.Set("bm-GIAY_DE_NGHI-nganhNghe-so-dong", "3")
	rm.Set("bm-GIAY_DE_NGHI-nganhNghe-3-tenNganh", "Sửa chữa xe máy")
	res, body = s.post(t, loc, father, rm, nil)
	if res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 2 || strings.Contains(body, "Nhà hàng và dịch vụ ăn uống") ||
		!strings.Contains(body, `id="bm-GIAY_DE_NGHI-nganhNghe-1-tenNganh" name="bm-GIAY_DE_NGHI-nganhNghe-1-tenNganh" value="Bán lẻ đồ uống"`) ||
		!strings.Contains(body, `id="bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh" name="bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh" value="Sửa chữa xe máy"`) ||
		!regexp.MustCompile(`id="bm-GIAY_DE_NGHI-nganhNghe" tabindex="-1" autofocus`).MatchString(body) {
		t.Errorf("remove a row: %d\n%s", res.StatusCode, body)
	}
	// Not below MinRows: one row has no remove button, and a forged one
	// leaves it.
	one := householdValues(rev, "xoa-dong:GIAY_DE_NGHI:nganhNghe:1")
	one.Set("bm-GIAY_DE_NGHI-nganhNghe-so-dong", "1")
	res, body = s.post(t, loc, father, one, nil)
	if res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 1 || strings.Contains(body, `value="xoa-dong:`) {
		t.Errorf("remove below MinRows: %d, %d rows", res.StatusCode, len(rowLegends.FindAllString(body, -1)))
	}
	// Not past MaxRows (20): no add button, and a forged add stays at 20.
	full := householdValues(rev, "them-dong:GIAY_DE_NGHI:nganhNghe")
	full.Set("bm-GIAY_DE_NGHI-nganhNghe-so-dong", "20")
	res, body = s.post(t, loc, father, full, nil)
	if res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 20 || strings.Contains(body, `value="them-dong:GIAY_DE_NGHI:nganhNghe"`) {
		t.Errorf("past MaxRows: %d, %d rows", res.StatusCode, len(rowLegends.FindAllString(body, -1)))
	}
	full.Set("bm-GIAY_DE_NGHI-nganhNghe-so-dong", "1000000")
	if res, body = s.post(t, loc, father, full, nil); res.StatusCode != 200 || len(rowLegends.FindAllString(body, -1)) != 20 {
		t.Errorf("a declared count past MaxRows: %d, %d rows", res.StatusCode, len(rowLegends.FindAllString(body, -1)))
	}
	// A bad button is refused; none of these saved anything.
	if res, _ = s.post(t, loc, father, householdValues(rev, "them-dong:GIAY_DE_NGHI:kinhGui"), nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("add a row to a text field: %d", res.StatusCode)
	}
	if after := s.dossier(t, code); after.Rev != before.Rev || len(after.Components) != 0 {
		t.Errorf("the row buttons saved: rev %d → %d, %+v", before.Rev, after.Rev, after.Components)
	}
	// Another citizen: 404 and nothing of the rows.
	res, body = s.post(t, loc, another, add, nil)
	if res.StatusCode != 404 || strings.Contains(body, "Bán lẻ đồ uống") || strings.Contains(body, "dòng 3") {
		t.Errorf("another citizen's add: %d", res.StatusCode)
	}

	// A row's missing required sub-field and a bad end of the range:
	// each on its own control.
	bad := householdValues(rev, "luu")
	bad.Del("bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh")
	bad.Set("bm-GIAY_DE_NGHI-gioHoatDong-tu", "04:00")
	res, body = s.post(t, loc, father, bad, nil)
	for _, want := range []string{
		`<a href="#bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh">Tên ngành (dòng 2) là thông tin bắt buộc.</a>`,
		`<p class="error-message" id="bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh-loi">`,
		`<a href="#bm-GIAY_DE_NGHI-gioHoatDong-tu">`, `<p class="error-message" id="bm-GIAY_DE_NGHI-gioHoatDong-tu-loi">`,
		`value="4723"`,
	} {
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("the bad row lacks %q (status %d)", want, res.StatusCode)
		}
	}
	if strings.Contains(body, `id="bm-GIAY_DE_NGHI-nganhNghe-1-tenNganh-loi"`) {
		t.Error("the first row, which is complete, shows an error")
	}
	if !strings.Contains(body, "Đã lưu bản nháp của tờ khai; còn 2 trường cần sửa") {
		t.Error("the refused rows are not kept as the declaration's draft")
	}
	// The draft shows them again, the row without a name kept.
	if _, body := s.do(t, "GET", loc, father, "citizen", nil); len(rowLegends.FindAllString(body, -1)) != 2 || !strings.Contains(body, `value="4723"`) ||
		!strings.Contains(body, `name="bm-GIAY_DE_NGHI-gioHoatDong-tu" value="04:00"`) {
		t.Errorf("the draft of the refused rows is not shown again\n%s", body)
	}

	// Saved: the component holds the rows and the range exactly.
	res, body = s.post(t, loc, father, householdValues(revOf(t, body), "luu"), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	d := s.dossier(t, code)
	var form map[string]any
	for _, c := range d.Components {
		if c.Code == "GIAY_DE_NGHI" && c.Form != nil {
			form = c.Form.Data
		}
	}
	got, _ := json.Marshal(map[string]any{"nganhNghe": form["nganhNghe"], "gioHoatDong": form["gioHoatDong"]})
	want := `{"gioHoatDong":{"from":"06:00","to":"22:30"},"nganhNghe":[` +
		`{"maNganh":"5610","nganhChinh":["co"],"tenNganh":"Nhà hàng và dịch vụ ăn uống"},{"maNganh":"4723","tenNganh":"Bán lẻ đồ uống"}]}`
	if string(got) != want {
		t.Errorf("stored:\n got %s\nwant %s", got, want)
	}
	// The page shows them again from the dossier.
	res, body = s.do(t, "GET", loc, father, "citizen", nil)
	if len(rowLegends.FindAllString(body, -1)) != 2 || !strings.Contains(body, `value="Bán lẻ đồ uống"`) ||
		!regexp.MustCompile(`name="bm-GIAY_DE_NGHI-nganhNghe-1-nganhChinh" value="co" checked`).MatchString(body) ||
		!strings.Contains(body, `name="bm-GIAY_DE_NGHI-gioHoatDong-den" value="22:30"`) {
		t.Errorf("the saved rows and hours are not shown again\n%s", body)
	}
	if res, body := s.do(t, "GET", loc, another, "citizen", nil); res.StatusCode != 404 || strings.Contains(body, "Bán lẻ đồ uống") {
		t.Errorf("another citizen's view: %d", res.StatusCode)
	}

	// Submitted from the page with the owner's identity card.
	sub := householdValues(revOf(t, body), "nop")
	sub.Set("kho-GIAY_TO_TUY_THAN", s.card.ID)
	res, body = s.post(t, loc, father, sub, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", res.StatusCode, body)
	}
	if d := s.dossier(t, code); d.Status == workflow.StatusRegistered {
		t.Errorf("still %s after the submission", d.Status)
	}
	res, body = s.do(t, "GET", res.Header.Get("Location"), father, "citizen", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Đang chờ tiếp nhận") {
		t.Errorf("the confirmation: %d\n%s", res.StatusCode, body)
	}
}

// TestEformRowsBrowser: in Debian's Chromium, "Thêm dòng" on the
// household draft brings a second business line with the first's text
// kept and the focus on the new row's name; axe finds nothing serious on
// that page, nor on the draft with two saved rows at desktop and phone
// width.
func TestEformRowsBrowser(t *testing.T) {
	s := newDossierSite(t)
	loc, _ := s.startHousehold(t)
	target, _ := url.Parse(s.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-User", father)
		r.Header.Set("X-Test-Role", "citizen")
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.DesktopWidth)
	first := "bm-GIAY_DE_NGHI-nganhNghe-1-tenNganh"
	tab.Do(t, chromedp.Navigate(hs.URL+loc), chromedp.WaitReady(chromedp.ID(first)),
		chromedp.SendKeys(chromedp.ID(first), "Nhà hàng và dịch vụ ăn uống"),
		chromedp.Click(`//button[@value="them-dong:GIAY_DE_NGHI:nganhNghe"]`),
		chromedp.WaitReady(chromedp.ID("bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh")))
	if got := browsertest.Eval[string](t, tab, `document.activeElement.id`); got != "bm-GIAY_DE_NGHI-nganhNghe-2-tenNganh" {
		t.Errorf("after 'Thêm dòng' the focus is on %q", got)
	}
	if got := browsertest.Eval[string](t, tab, `document.getElementById("`+first+`").value`); got != "Nhà hàng và dịch vụ ăn uống" {
		t.Errorf("the first row's name became %q", got)
	}
	for _, v := range browsertest.Serious(tab.Axe(t)) {
		t.Errorf("axe, the draft after 'Thêm dòng': %s", v)
	}
	// Enter in a control saves (the hidden default button), not a row
	// button: the declaration is validated and its errors summed up.
	tab.Do(t, chromedp.SendKeys(chromedp.ID("bm-GIAY_DE_NGHI-kinhGui"), "Ủy ban nhân dân phường Bến Nghé\r"), chromedp.WaitReady(chromedp.CSS(".error-summary")))
	if n := browsertest.Eval[int](t, tab, `document.querySelectorAll("fieldset.row").length`); n != 2 {
		t.Errorf("after Enter the draft shows %d rows, want 2", n)
	}
	res, body := s.post(t, loc, father, householdValues(revOf(t, mustGet(t, s, loc)), "luu"), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	b.CheckAccessible(t, hs.URL+loc)
}

// mustGet is the draft's page as the father sees it.
func mustGet(t *testing.T, s *dossierSite, path string) string {
	t.Helper()
	res, body := s.do(t, "GET", path, father, "citizen", nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return body
}
