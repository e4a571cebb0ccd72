package web_test

import (
	"bytes"
	"context"
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
	"github.com/kho-vn/kho/internal/pdfobj"
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
}

func newDossierSite(t *testing.T, csrf ...rejectCSRF) *dossierSite {
	t.Helper()
	var s *staffSite
	if len(csrf) > 0 {
		s = newStaffSite(t, 0, nil, csrf[0])
	} else {
		s = newStaffSite(t, 0, nil, nil)
	}
	card, err := s.vault.Put(context.Background(), archive.Actor{Subject: father, Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước", Number: "001099012345",
			Fields: map[string]any{"soDinhDanh": father, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}},
		Upload: archive.Upload{Body: bytes.NewReader(tinyPDF("cc")), Size: -1, FileName: "can-cuoc.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	return &dossierSite{staffSite: s, card: card}
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
