package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
)

// digitiseOwner is the citizen whose paper is digitised, and another.
const (
	digitiseOwner = "001099012345"
	scanStranger  = "036300001234"
)

// postScan posts the digitise form as user (role staff unless role says):
// the CSRF token first, the fields, then the scan as file name with its
// content type.
func (s *staffSite) postScan(t *testing.T, user, role string, fields [][2]string, name, contentType string, scan []byte) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", "ma-thu")
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	if name != "" {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="tep"; filename="` + name + `"`}
		h["Content-Type"] = []string{contentType}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(scan)
	}
	_ = mw.Close()
	r, err := http.NewRequest("POST", s.url+"/can-bo/so-hoa", &b)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return sendAs(t, r, user, role)
}

// cardFields are the form's fields of a paper identity card.
func cardFields(owner string) [][2]string {
	return [][2]string{{"loai", "CAN_CUOC"}, {"chu-kho", owner}, {"ten", "Căn cước (bản giấy)"}, {"so-hieu", "001099012345"},
		{"noi-cap", "Cục Cảnh sát QLHC về TTXH"}, {"ngay-cap", "2021-04-10"}, {"f-soDinhDanh", owner}, {"f-hoTen", "Nguyễn Văn Ấn"},
		{"f-ngaySinh", "1999-05-12"}}
}

// digitisedPapers are the owner's papers staff digitised.
func (s *staffSite) digitisedPapers(t *testing.T, owner string) []archive.Document {
	t.Helper()
	p, err := s.vault.List(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen},
		archive.ListQuery{OwnerID: owner, Limit: 100}, archive.Access{})
	if err != nil && !strings.Contains(err.Error(), "owner_not_found") {
		t.Fatal(err)
	}
	var out []archive.Document
	for _, d := range p.Documents {
		if d.Source == archive.SourceDigitised {
			out = append(out, d)
		}
	}
	return out
}

// TestDigitisePage: a desk officer chooses the document type, fills the
// paper's details and uploads its scan into a citizen's vault (made for
// them); the citizen sees it in "Kho của tôi" with "Số hoá bởi" the
// officer and agency, and their ledger names the officer. Another citizen
// reaches nothing of it. A missing owner or a file that is no scan is
// refused on the form with what was typed kept and the focus on the
// error; a citizen or a forged form stores nothing.
func TestDigitisePage(t *testing.T) {
	s := newStaffSite(t, 0, nil, nil)
	res, body := s.do(t, "GET", "/can-bo/so-hoa", deskSub, "", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<option value="CAN_CUOC">`) || strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("the type choice: %d", res.StatusCode)
	}
	_, body = s.do(t, "GET", "/can-bo/so-hoa?loai=CAN_CUOC", deskSub, "", nil)
	for _, want := range []string{`enctype="multipart/form-data"`, `<input type="hidden" name="csrf" value="">`,
		`<label for="chu-kho">Số định danh cá nhân của công dân (chủ kho)</label>`, `id="f-hoTen" name="f-hoTen"`,
		`<input class="input" type="file" id="tep" name="tep" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"`,
		`aria-current="page">Số hoá giấy tờ</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	// Who may not.
	if res, _ := s.do(t, "GET", "/can-bo/so-hoa", digitiseOwner, "citizen", nil); res.StatusCode != 403 {
		t.Errorf("a citizen's form: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "GET", "/can-bo/so-hoa", "", "", nil); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/dang-nhap?tiep=") {
		t.Errorf("signed out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	scan := pngScan()
	if res, _ := s.postScan(t, digitiseOwner, "citizen", cardFields(digitiseOwner), "the.png", "image/png", scan); res.StatusCode != 403 {
		t.Errorf("a citizen's post: %d", res.StatusCode)
	}
	// Refused on the form, what was typed kept.
	noOwner := cardFields("")
	res, body = s.postScan(t, deskSub, "", noOwner, "the.png", "image/png", scan)
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#chu-kho">Hãy nhập số định danh của công dân (chủ kho).</a>`) ||
		!strings.Contains(body, `autofocus`) || !strings.Contains(body, `value="Nguyễn Văn Ấn"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("no owner: %d", res.StatusCode)
	}
	res, body = s.postScan(t, deskSub, "", cardFields(digitiseOwner), "don.doc", "application/msword", []byte("không phải bản quét"))
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#tep">Bản quét phải là tệp PDF, JPEG hoặc PNG.</a>`) {
		t.Errorf("a word file: %d", res.StatusCode)
	}
	if n := len(s.digitisedPapers(t, digitiseOwner)); n != 0 {
		t.Fatalf("refused posts stored %d papers", n)
	}
	// Stored.
	res, _ = s.postScan(t, deskSub, "", cardFields(digitiseOwner), "the-can-cuoc.png", "image/png", scan)
	if res.StatusCode != 303 || res.Header.Get("Location") != "/can-bo/so-hoa?loai=CAN_CUOC&da-luu=1" {
		t.Fatalf("digitise: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := s.do(t, "GET", res.Header.Get("Location"), deskSub, "", nil); !strings.Contains(body, "Đã lưu bản số hoá vào kho dữ liệu của công dân.") {
		t.Error("no notice after the scan was stored")
	}
	papers := s.digitisedPapers(t, digitiseOwner)
	if len(papers) != 1 || papers[0].IssuedBy == nil || papers[0].IssuedBy.By != deskSub || papers[0].IssuedBy.Agency != ward ||
		papers[0].Current.MediaType != "image/png" || papers[0].Number != "001099012345" {
		t.Fatalf("digitised papers %+v", papers)
	}
	d := papers[0]
	by := "Số hoá bởi cán bộ " + deskSub + ", " + d.IssuedBy.AgencyName
	_, body = s.do(t, "GET", "/kho-cua-toi", digitiseOwner, "citizen", nil)
	if !strings.Contains(body, by) {
		t.Errorf("the citizen's vault does not say %q", by)
	}
	_, body = s.do(t, "GET", "/kho-cua-toi/"+d.ID, digitiseOwner, "citizen", nil)
	if !strings.Contains(body, "<dt>Số hoá</dt><dd>"+by) {
		t.Errorf("the paper's page does not say %q", by)
	}
	es, _, err := s.vault.Ledger(context.Background(), archive.Actor{Subject: digitiseOwner, Role: archive.RoleCitizen}, digitiseOwner, d.ID, "", 100, archive.Access{})
	if err != nil || len(es) == 0 || es[0].Actor != deskSub || !strings.Contains(es[0].Purpose, "số hoá") {
		t.Errorf("ledger %v %+v", err, es)
	}
	// Another citizen reaches nothing of it.
	if res, body := s.do(t, "GET", "/kho-cua-toi/"+d.ID, scanStranger, "citizen", nil); res.StatusCode != 404 || strings.Contains(body, "Căn cước (bản giấy)") {
		t.Errorf("another citizen: %d", res.StatusCode)
	}
	// A forged form stores nothing.
	f := newStaffSite(t, 0, nil, rejectCSRF{})
	res, body = f.postScan(t, deskSub, "", cardFields(digitiseOwner), "the.png", "image/png", scan)
	if res.StatusCode != 403 || !strings.Contains(body, "Phiên làm việc không hợp lệ") || len(f.digitisedPapers(t, digitiseOwner)) != 0 {
		t.Errorf("forged form: %d", res.StatusCode)
	}
}

// pngScan is a small PNG (a 1×1 image) standing for a scan.
func pngScan() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"), bytes.Repeat([]byte{0}, 64)...)
}

// TestDigitiseLimits: a scan over Config.MaxScanBytes is refused on the
// form with the Vietnamese message, nothing stored; a visitor signed out
// who posts either form is sent to sign in.
func TestDigitiseLimits(t *testing.T) {
	s := newStaffSite(t, 0, nil, nil)
	desk := archive.Actor{Subject: deskSub, Role: archive.RoleStaff}
	h, err := web.New(web.Config{Vault: s.vault, Workflow: s.wf, MaxScanBytes: 2048,
		Identify: func(*http.Request) (archive.Actor, bool) { return desk, true }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	small := &staffSite{url: hs.URL, vault: s.vault, wf: s.wf, store: s.store}
	big := append(pngScan(), bytes.Repeat([]byte{0}, 1<<20)...)
	res, body := small.postScan(t, deskSub, "", cardFields(digitiseOwner), "lon.png", "image/png", big)
	if res.StatusCode != 413 || !strings.Contains(body, `<a href="#tep">Tệp bản quét vượt quá dung lượng cho phép.</a>`) {
		t.Errorf("an oversized scan: %d", res.StatusCode)
	}
	if n := len(s.digitisedPapers(t, digitiseOwner)); n != 0 {
		t.Fatalf("an oversized scan stored %d papers", n)
	}
	for _, p := range []string{"/can-bo/so-hoa", "/can-bo/ky-nhieu"} {
		res, _ := s.do(t, "POST", p, "", "", url.Values{"ho-so": {"x@1"}})
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/dang-nhap?tiep=") {
			t.Errorf("signed out, POST %s: %d %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
