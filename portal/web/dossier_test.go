package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// The citizens of the dossier pages' tests: the father of
// workflowtest.BirthForm, and another citizen.
const (
	father  = "001099012345"
	another = "036300001234"
)

// dossierSite is the staff site's pages with a citizen who keeps an
// identity card in the vault.
type dossierSite struct {
	*staffSite
	card archive.Document
	// drafts keep the eForms that do not validate yet (nil: not configured).
	drafts *forms.Drafts
}

func newDossierSite(t *testing.T, csrf ...rejectCSRF) *dossierSite {
	t.Helper()
	if len(csrf) > 0 {
		return dossierSiteOf(t, csrf[0], true)
	}
	return dossierSiteOf(t, nil, true)
}

// dossierSiteOf is the dossier pages' site guarded by csrf, with drafts
// or without.
func dossierSiteOf(t *testing.T, csrf web.CSRF, withDrafts bool) *dossierSite {
	t.Helper()
	var drafts *forms.Drafts
	s := newStaffSiteWith(t, 0, nil, csrf, staffSiteOptions{config: func(s *staffSite, c *web.Config) {
		if !withDrafts {
			return
		}
		key := make([]byte, forms.DraftKeySize)
		_, _ = rand.Read(key)
		ds, err := forms.NewDrafts(s.store, key, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		drafts, c.Drafts = ds, ds
	}})
	card, err := s.vault.Put(context.Background(), archive.Actor{Subject: father, Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước", Number: "001099012345",
			Fields: map[string]any{"soDinhDanh": father, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}},
		Upload: archive.Upload{Body: bytes.NewReader(tinyPDF("cc")), Size: -1, FileName: "can-cuoc.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	return &dossierSite{staffSite: s, card: card, drafts: drafts}
}

// tinyPDF is a valid empty PDF made unique by text.
func tinyPDF(text string) []byte {
	return pdfobj.Assemble("%PDF-1.4\n% "+text+"\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
}

// birthValues is workflowtest.BirthForm as the draft's controls post it.
func birthValues(t *testing.T) url.Values {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(workflowtest.BirthForm), &m); err != nil {
		t.Fatal(err)
	}
	f := url.Values{}
	for k, v := range m {
		name := "bm-TO_KHAI-" + k
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				f.Add(name, e.(string))
			}
		case float64:
			f.Set(name, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			f.Set(name, v.(string))
		}
	}
	return f
}

// post sends the draft's multipart form as user, with files by field.
func (s *dossierSite) post(t *testing.T, path, user string, form url.Values, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for k, b := range files {
		w, _ := mw.CreateFormFile(k, k+".pdf")
		_, _ = w.Write(b)
	}
	_ = mw.Close()
	r, _ := http.NewRequest("POST", s.url+path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-Test-User", user)
	r.Header.Set("X-Test-Role", "citizen")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// start starts a birth registration as the father: the draft's address.
func (s *dossierSite) start(t *testing.T) string {
	t.Helper()
	res, body := s.do(t, "POST", "/dich-vu/DANG_KY_KHAI_SINH", father, "citizen", url.Values{"ho-ten": {"Nguyễn Văn An"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !draftRE.MatchString(loc) {
		t.Fatalf("start: %d %q\n%s", res.StatusCode, loc, body)
	}
	return loc
}

var (
	draftRE = regexp.MustCompile(`^/ho-so-cua-toi/([^/]+)/soan$`)
	revRE   = regexp.MustCompile(`name="rev" value="(\d+)"`)
)

func revOf(t *testing.T, body string) string {
	t.Helper()
	m := revRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the draft carries no rev")
	}
	return m[1]
}

// TestProcedurePages: the catalogue's procedures with their agency,
// resolution time, fees and components, and on a procedure's page what
// the citizen's vault can give; starting one makes a dossier of the
// citizen, online, and goes to its draft.
func TestProcedurePages(t *testing.T) {
	s := newDossierSite(t)
	res, body := s.do(t, "GET", "/dich-vu", father, "citizen", nil)
	for _, want := range []string{`<a href="/dich-vu/DANG_KY_KHAI_SINH">Đăng ký khai sinh</a>`, "Thời hạn giải quyết: 1 ngày làm việc",
		"Lệ phí đăng ký hộ kinh doanh: 100.000 đồng", "Có thể dùng lại giấy tờ trong kho", `aria-current="page">Dịch vụ công`} {
		if res.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("the list lacks %q (status %d)", want, res.StatusCode)
		}
	}
	res, body = s.do(t, "GET", "/dich-vu/DANG_KY_KHAI_SINH", father, "citizen", nil)
	for _, want := range []string{"<h1>Đăng ký khai sinh</h1>", "Có 1 giấy tờ dùng lại được", "Miễn phí", "000.00.31.H29",
		`<button class="button" type="submit">Nộp hồ sơ trực tuyến</button>`} {
		if res.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("the procedure's page lacks %q (status %d)", want, res.StatusCode)
		}
	}
	// Signed out: to the sign-in page; staff: refused; unknown: 404.
	if res, _ := s.do(t, "GET", "/dich-vu", "", "", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dang-nhap?tiep=%2Fdich-vu" {
		t.Errorf("signed out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := s.do(t, "GET", "/dich-vu", deskSub, "staff", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("staff: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "GET", "/dich-vu/KHONG_CO", father, "citizen", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown procedure: %d", res.StatusCode)
	}
	// A blank name is refused on the page, with the focus on the summary.
	res, body = s.do(t, "POST", "/dich-vu/DANG_KY_KHAI_SINH", father, "citizen", url.Values{"ho-ten": {"  "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#ho-ten">Hãy nhập họ, chữ đệm và tên`) ||
		!strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("blank name: %d", res.StatusCode)
	}
	loc := s.start(t)
	d := s.dossier(t, draftRE.FindStringSubmatch(loc)[1])
	if d.Applicant.ID != father || d.Channel != workflow.ChannelPortal || d.Status != workflow.StatusRegistered || d.Procedure != "DANG_KY_KHAI_SINH" {
		t.Errorf("started %+v", d)
	}
}

// TestProcedureStartCSRF: starting a dossier and saving a draft without
// the token is refused and changes nothing.
func TestProcedureStartCSRF(t *testing.T) {
	s := newDossierSite(t, rejectCSRF{})
	res, _ := s.do(t, "POST", "/dich-vu/DANG_KY_KHAI_SINH", father, "citizen", url.Values{"ho-ten": {"Nguyễn Văn An"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("start without the token: %d", res.StatusCode)
	}
	if p, err := s.wf.List(context.Background(), archive.Actor{Subject: father, Role: archive.RoleCitizen}, workflow.ListQuery{}); err != nil || len(p.Dossiers) != 0 {
		t.Errorf("a dossier was made: %v %v", p.Dossiers, err)
	}
	v, err := s.wf.Create(context.Background(), archive.Actor{Subject: father, Role: archive.RoleCitizen}, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: father, Name: "Nguyễn Văn An"}})
	if err != nil {
		t.Fatal(err)
	}
	res, _ = s.post(t, "/ho-so-cua-toi/"+v.Code+"/soan", father, url.Values{"rev": {"1"}, "kho-GIAY_TO_TUY_THAN": {s.card.ID}, "lenh": {"luu"}}, nil)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("save without the token: %d", res.StatusCode)
	}
	if d := s.dossier(t, v.Code); len(d.Components) != 0 || d.Rev != 1 {
		t.Errorf("the draft changed: %+v", d.Components)
	}
}

// TestDossierDraft: the draft auto-fills the declaration from the
// citizen's identity card and says so; a half-filled declaration is
// refused field by field while the card picked from the vault is kept;
// a stale page gets the conflict notice with what was typed; submitting
// without the birth certificate lists it as missing; with it, the
// dossier goes to the agency and the confirmation shows its code.
func TestDossierDraft(t *testing.T) {
	s := newDossierSite(t)
	loc := s.start(t)
	code := draftRE.FindStringSubmatch(loc)[1]
	res, body := s.do(t, "GET", loc, father, "citizen", nil)
	for _, want := range []string{
		`id="bm-TO_KHAI-hoTenNguoiYeuCau" name="bm-TO_KHAI-hoTenNguoiYeuCau" value="Nguyễn Văn An"`,
		`<p class="source" id="bm-TO_KHAI-hoTenNguoiYeuCau-nguon">Lấy từ: Căn cước số 001099012345</p>`,
		`name="bm-TO_KHAI-soDinhDanhNguoiYeuCau" value="001099012345"`, "(không sửa được)", `<legend>Người được khai sinh</legend>`,
		`<input type="radio" id="kho-GIAY_TO_TUY_THAN-` + s.card.ID + `"`, `<span class="badge badge-valid">Còn hiệu lực</span>`,
		`<input class="file" type="file" id="tep-GIAY_CHUNG_SINH"`, `<option value="HO_CHIEU">`, "Mới đăng ký",
	} {
		if res.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("the draft lacks %q (status %d)", want, res.StatusCode)
		}
	}
	// Another citizen, staff, and the signed-out see nothing of it.
	for _, who := range []struct {
		user, role string
		status     int
	}{{another, "citizen", 404}, {deskSub, "staff", 404}, {"", "", 303}} {
		res, body := s.do(t, "GET", loc, who.user, who.role, nil)
		if res.StatusCode != who.status || strings.Contains(body, "Nguyễn Văn An") || strings.Contains(body, s.card.ID) {
			t.Errorf("%s %s: %d, or the draft leaks", who.role, who.user, res.StatusCode)
		}
		res, body = s.post(t, loc, cmpOr(who.user, another), url.Values{"rev": {"1"}, "kho-GIAY_TO_TUY_THAN": {s.card.ID}}, nil)
		if who.user == another && (res.StatusCode != 404 || strings.Contains(body, "Nguyễn Văn An")) {
			t.Errorf("another citizen's post: %d", res.StatusCode)
		}
	}
	// Half filled: the declaration's errors by field, the card kept.
	half := url.Values{"rev": {revOf(t, body)}, "lenh": {"luu"}, "kho-GIAY_TO_TUY_THAN": {s.card.ID},
		"bm-TO_KHAI-hoTenNguoiYeuCau": {"Nguyễn Văn An"}, "bm-TO_KHAI-soDinhDanhNguoiYeuCau": {father}, "bm-TO_KHAI-hoTen": {"Nguyễn Minh Khôi"},
		"bm-TO_KHAI-ngaySinh": {"31/02/2026"}, "bm-TO_KHAI-noiSinh": {strings.Repeat("Bệnh viện ", 2100)}}
	res, body = s.post(t, loc, father, half, nil)
	for _, want := range []string{`<a href="#bm-TO_KHAI-kinhGui">Kính gửi là thông tin bắt buộc.</a>`, `<a href="#bm-TO_KHAI-ngaySinh">`,
		`id="bm-TO_KHAI-ngaySinh-loi"`, `value="31/02/2026"`, `<a href="#bm-TO_KHAI-noiSinh">`, `value="Nguyễn Minh Khôi"`, `class="error-summary" role="alert" tabindex="-1"`} {
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("the half-filled draft lacks %q (status %d)", want, res.StatusCode)
		}
	}
	d := s.dossier(t, code)
	if len(d.Components) != 1 || d.Components[0].Code != "GIAY_TO_TUY_THAN" || d.Components[0].DocumentID != s.card.ID || d.Components[0].ReuseID == "" {
		t.Fatalf("components after the half-filled save: %+v", d.Components)
	}
	// A stale page: the conflict, nothing written, what was typed kept.
	stale := birthValues(t)
	stale.Set("rev", "1")
	stale.Set("lenh", "luu")
	res, body = s.post(t, loc, father, stale, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Hồ sơ đã thay đổi") || !strings.Contains(body, `value="Trần Thị Bích"`) {
		t.Errorf("stale page: %d", res.StatusCode)
	}
	if again := s.dossier(t, code); again.Rev != d.Rev {
		t.Errorf("the stale post wrote: rev %d → %d", d.Rev, again.Rev)
	}
	// Submitted without the birth certificate: saved, and the missing
	// component listed.
	full := birthValues(t)
	full.Set("rev", revOf(t, body))
	full.Set("lenh", "nop")
	full.Set("kho-GIAY_TO_TUY_THAN", s.card.ID)
	res, body = s.post(t, loc, father, full, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "còn thiếu thành phần bắt buộc") ||
		!strings.Contains(body, `<a href="#tp-GIAY_CHUNG_SINH">Còn thiếu: Giấy chứng sinh hoặc giấy tờ thay giấy chứng sinh.</a>`) {
		t.Errorf("submission without the certificate: %d\n%s", res.StatusCode, body)
	}
	if d := s.dossier(t, code); d.Status != workflow.StatusRegistered || len(d.Components) != 2 {
		t.Errorf("after the refused submission: %s, %d components", d.Status, len(d.Components))
	}
	// Saved as a draft, the page says so and shows the saved values.
	res, body = s.do(t, "GET", loc, father, "citizen", nil)
	if !strings.Contains(body, `value="Trần Thị Bích"`) || !strings.Contains(body, "Đã lưu biểu mẫu lúc") || !strings.Contains(body, "Dùng lại giấy tờ trong kho: Căn cước số 001099012345") {
		t.Errorf("the saved draft does not show what was saved")
	}
	// With the certificate: submitted.
	full.Set("rev", revOf(t, body))
	res, _ = s.post(t, loc, father, full, map[string][]byte{"tep-GIAY_CHUNG_SINH": tinyPDF("chung sinh")})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ho-so-cua-toi/"+code+"/da-nop" {
		t.Fatalf("submission: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	d = s.dossier(t, code)
	if d.Status != workflow.StatusAwaitingIntake || len(d.Components) != 3 {
		t.Fatalf("submitted %s with %d components", d.Status, len(d.Components))
	}
	for _, f := range d.Components {
		if f.Code == "TO_KHAI" && (f.Form == nil || f.Form.Provenance["hoTenNguoiYeuCau"].DocumentID != s.card.ID) {
			t.Errorf("the declaration lost its provenance: %+v", f.Form)
		}
	}
	res, body = s.do(t, "GET", "/ho-so-cua-toi/"+code+"/da-nop", father, "citizen", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<strong id="ma-ho-so">`+code+`</strong>`) || !strings.Contains(body, "Đang chờ tiếp nhận") {
		t.Errorf("the confirmation: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "GET", "/ho-so-cua-toi/"+code+"/da-nop", another, "citizen", nil); res.StatusCode != 404 {
		t.Errorf("another citizen's confirmation: %d", res.StatusCode)
	}
	// The draft of a submitted dossier is its confirmation.
	if res, _ := s.do(t, "GET", loc, father, "citizen", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the submitted draft: %d", res.StatusCode)
	}
}

// TestDossierDraftMalformed: a body that is no form, or a form without
// the dossier's revision, gets the Vietnamese error page and changes
// nothing.
func TestDossierDraftMalformed(t *testing.T) {
	s := newDossierSite(t)
	loc := s.start(t)
	code := draftRE.FindStringSubmatch(loc)[1]
	r, _ := http.NewRequest("POST", s.url+loc, strings.NewReader("--x\r\nkhông phải multipart"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=y")
	r.Header.Set("X-Test-User", father)
	r.Header.Set("X-Test-Role", "citizen")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "Không đọc được biểu mẫu gửi lên") {
		t.Errorf("a broken body: %d", res.StatusCode)
	}
	res2, body := s.post(t, loc, father, url.Values{"kho-GIAY_TO_TUY_THAN": {s.card.ID}, "lenh": {"luu"}}, nil)
	if res2.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Biểu mẫu thiếu phiên bản hồ sơ") {
		t.Errorf("no rev: %d", res2.StatusCode)
	}
	if d := s.dossier(t, code); len(d.Components) != 0 || d.Rev != 1 {
		t.Errorf("the draft changed: %+v", d.Components)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// halfBirth is a declaration the father half filled on the draft page:
// the auto-filled ID number as it came, his name changed, the child's
// name typed and an impossible birth date; the rest blank.
func halfBirth(rev, lenh string) url.Values {
	return url.Values{"rev": {rev}, "lenh": {lenh},
		"bm-TO_KHAI-hoTenNguoiYeuCau": {"Nguyễn Văn Ân"}, "bm-TO_KHAI-soDinhDanhNguoiYeuCau": {father},
		"bm-TO_KHAI-hoTen": {"Nguyễn Minh Khôi"}, "bm-TO_KHAI-ngaySinh": {"31/02/2026"}}
}

var (
	draftSavedRE = regexp.MustCompile(`Đã lưu bản nháp của tờ khai; còn (\d+) trường cần sửa trước khi nộp\.`)
	summaryRE    = regexp.MustCompile(`<li><a href="#(bm-TO_KHAI-[^"]+)">`)
	draftShownRE = regexp.MustCompile(`Đang hiện bản nháp của tờ khai lưu lúc (\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4})\.`)
)

// TestDossierFormDraft: "Lưu nháp" with a declaration that does not
// validate keeps what was typed as the citizen's draft and says how many
// fields are left; the page shows the draft again on reload, with when it
// was saved and where the untouched values came from; another citizen
// neither sees it nor writes to it; submitting with the declaration only
// in draft lists it as missing; fixed and saved, it is in the dossier and
// the draft is gone.
func TestDossierFormDraft(t *testing.T) {
	ctx := context.Background()
	s := newDossierSite(t)
	loc := s.start(t)
	code := draftRE.FindStringSubmatch(loc)[1]
	_, body := s.do(t, "GET", loc, father, "citizen", nil)
	res, body := s.post(t, loc, father, halfBirth(revOf(t, body), "luu"), nil)
	m := draftSavedRE.FindStringSubmatch(body)
	if res.StatusCode != http.StatusUnprocessableEntity || m == nil || !strings.Contains(body, `value="31/02/2026"`) {
		t.Fatalf("the half-filled save: %d, no draft notice\n%s", res.StatusCode, body)
	}
	fields := map[string]bool{}
	for _, f := range summaryRE.FindAllStringSubmatch(body, -1) {
		fields[f[1]] = true
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 || n != len(fields) {
		t.Errorf("the notice counts %s fields to fix, the summary links %d", m[1], len(fields))
	}
	if d := s.dossier(t, code); len(d.Components) != 0 {
		t.Fatalf("the invalid declaration was stored: %+v", d.Components)
	}
	id := s.drafts.DerivedID(father, code, "TO_KHAI")
	kept, err := s.drafts.Get(ctx, father, "TK_KHAI_SINH", id)
	if err != nil || kept.Data["hoTen"] != "Nguyễn Minh Khôi" || kept.Data["ngaySinh"] != "31/02/2026" {
		t.Fatalf("the draft: %+v %v", kept, err)
	}

	// Reloaded: the typed values, when the draft was saved, and where the
	// values the father left alone came from.
	res, body = s.do(t, "GET", loc, father, "citizen", nil)
	m = draftShownRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || m[1] != web.Clock(kept.UpdatedAt)+" "+web.Date(kept.UpdatedAt) {
		t.Errorf("the reloaded draft's notice: %d %q (saved %s)", res.StatusCode, m, kept.UpdatedAt)
	}
	for _, want := range []string{`name="bm-TO_KHAI-hoTen" value="Nguyễn Minh Khôi"`, `name="bm-TO_KHAI-ngaySinh" value="31/02/2026"`,
		`name="bm-TO_KHAI-hoTenNguoiYeuCau" value="Nguyễn Văn Ân"`, `name="bm-TO_KHAI-soDinhDanhNguoiYeuCau" value="001099012345"`,
		`<p class="source" id="bm-TO_KHAI-soDinhDanhNguoiYeuCau-nguon">Lấy từ: hồ sơ cá nhân (không sửa được)</p>`,
		`<p class="source" id="bm-TO_KHAI-hoTenNguoiYeuCau-nguon">Đã sửa giá trị lấy từ: Căn cước số 001099012345</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the reloaded draft lacks %q", want)
		}
	}

	// Another citizen: 404 and nothing of it, a forged post writes nothing,
	// and their own ID for the same component is another draft's.
	res, body = s.do(t, "GET", loc, another, "citizen", nil)
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "Nguyễn Minh Khôi") || strings.Contains(body, "31/02/2026") {
		t.Errorf("another citizen's GET: %d, or the draft leaks", res.StatusCode)
	}
	forged := halfBirth("1", "luu")
	forged.Set("bm-TO_KHAI-hoTen", "Kẻ Giả Mạo")
	res, body = s.post(t, loc, another, forged, nil)
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "Nguyễn Minh Khôi") {
		t.Errorf("another citizen's post: %d", res.StatusCode)
	}
	if after, err := s.drafts.Get(ctx, father, "TK_KHAI_SINH", id); err != nil || after.Data["hoTen"] != "Nguyễn Minh Khôi" || !after.UpdatedAt.Equal(kept.UpdatedAt) {
		t.Errorf("the father's draft after another's post: %+v %v", after, err)
	}
	if l, err := s.drafts.List(ctx, another, ""); err != nil || len(l) != 0 {
		t.Errorf("another citizen has drafts: %+v %v", l, err)
	}

	// Submitted with the declaration only in draft: refused, listed as
	// missing; the draft takes the new values.
	_, body = s.do(t, "GET", loc, father, "citizen", nil)
	sub := halfBirth(revOf(t, body), "nop")
	sub.Set("bm-TO_KHAI-hoTen", "Nguyễn Minh Khang")
	res, body = s.post(t, loc, father, sub, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "còn thiếu thành phần bắt buộc") ||
		!regexp.MustCompile(`<a href="#tp-TO_KHAI">Còn thiếu: [^<]+\.</a>`).MatchString(body) || draftSavedRE.FindString(body) == "" {
		t.Errorf("submission with the declaration in draft: %d\n%s", res.StatusCode, body)
	}
	if d := s.dossier(t, code); d.Status != workflow.StatusRegistered || len(d.Components) != 0 {
		t.Errorf("after the refused submission: %s, %+v", d.Status, d.Components)
	}
	if dr, err := s.drafts.Get(ctx, father, "TK_KHAI_SINH", id); err != nil || dr.Data["hoTen"] != "Nguyễn Minh Khang" {
		t.Errorf("the draft after the refused submission: %+v %v", dr, err)
	}

	// Fixed and saved: in the dossier, the draft gone, the page without it.
	full := birthValues(t)
	full.Set("rev", revOf(t, body))
	full.Set("lenh", "luu")
	res, _ = s.post(t, loc, father, full, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the fixed declaration: %d", res.StatusCode)
	}
	d := s.dossier(t, code)
	if len(d.Components) != 1 || d.Components[0].Code != "TO_KHAI" || d.Components[0].Form == nil || d.Components[0].Form.Data["hoTen"] != "Nguyễn Minh Khôi" {
		t.Fatalf("the stored declaration: %+v", d.Components)
	}
	if _, err := s.drafts.Get(ctx, father, "TK_KHAI_SINH", id); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("the draft outlived the stored declaration: %v", err)
	}
	_, body = s.do(t, "GET", loc, father, "citizen", nil)
	if strings.Contains(body, "bản nháp của tờ khai") || !strings.Contains(body, `value="Trần Thị Bích"`) {
		t.Errorf("the page after the fixed save still shows a draft, or not the stored declaration")
	}
}

// TestDossierFormDraftGuarded: a save without the CSRF token keeps no
// draft; a draft sealed with a former key is said to be unreadable, not
// shown, and replaced by the next save; without Drafts configured, the half-filled declaration is shown
// once and the reload shows the auto-fill, as before.
func TestDossierFormDraftGuarded(t *testing.T) {
	ctx := context.Background()
	s := newDossierSite(t, rejectCSRF{})
	v, err := s.wf.Create(ctx, archive.Actor{Subject: father, Role: archive.RoleCitizen}, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: father, Name: "Nguyễn Văn An"}})
	if err != nil {
		t.Fatal(err)
	}
	loc := "/ho-so-cua-toi/" + v.Code + "/soan"
	if res, _ := s.post(t, loc, father, halfBirth("1", "luu"), nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("save without the token: %d", res.StatusCode)
	}
	if l, err := s.drafts.List(ctx, father, ""); err != nil || len(l) != 0 {
		t.Errorf("a draft was kept without the token: %+v %v", l, err)
	}

	// A draft sealed with another key (the key was changed): the page
	// says it cannot open it and shows the auto-fill; the next save
	// replaces it.
	keyed := newDossierSite(t)
	loc = keyed.start(t)
	code := draftRE.FindStringSubmatch(loc)[1]
	oldKey, err := forms.NewDrafts(keyed.store, bytes.Repeat([]byte{9}, forms.DraftKeySize), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	def, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	birth, err := def.Get("TK_KHAI_SINH", 0)
	if err != nil {
		t.Fatal(err)
	}
	id := keyed.drafts.DerivedID(father, code, "TO_KHAI")
	if _, _, err := oldKey.Put(ctx, father, id, birth, []byte(`{"hoTen":"Nguyễn Minh Khôi"}`)); err != nil {
		t.Fatal(err)
	}
	res, body := keyed.do(t, "GET", loc, father, "citizen", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Không mở được bản nháp đã lưu của tờ khai") || strings.Contains(body, "Nguyễn Minh Khôi") ||
		!strings.Contains(body, `name="bm-TO_KHAI-hoTenNguoiYeuCau" value="Nguyễn Văn An"`) {
		t.Errorf("a draft sealed with another key: %d", res.StatusCode)
	}
	if res, _ = keyed.post(t, loc, father, halfBirth(revOf(t, body), "luu"), nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("saving over it: %d", res.StatusCode)
	}
	if dr, err := keyed.drafts.Get(ctx, father, "TK_KHAI_SINH", id); err != nil || dr.Data["ngaySinh"] != "31/02/2026" {
		t.Errorf("the draft after saving over the unreadable one: %+v %v", dr, err)
	}

	plain := dossierSiteOf(t, nil, false)
	loc = plain.start(t)
	_, body = plain.do(t, "GET", loc, father, "citizen", nil)
	res, body = plain.post(t, loc, father, halfBirth(revOf(t, body), "luu"), nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="Nguyễn Minh Khôi"`) || strings.Contains(body, "bản nháp của tờ khai") {
		t.Errorf("without drafts, the half-filled save: %d", res.StatusCode)
	}
	_, body = plain.do(t, "GET", loc, father, "citizen", nil)
	if strings.Contains(body, "Nguyễn Minh Khôi") || strings.Contains(body, "bản nháp của tờ khai") ||
		!strings.Contains(body, `name="bm-TO_KHAI-hoTenNguoiYeuCau" value="Nguyễn Văn An"`) {
		t.Errorf("without drafts, the reload does not show the auto-fill alone")
	}
}
