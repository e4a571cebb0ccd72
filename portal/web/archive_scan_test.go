package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// otherArchivist is an archivist of the other ward.
const otherArchivist = "luutru2"

// scanSite is an archivist site whose archivist (archivistSub) has a key
// of the test PKI, with csrf.
func scanSite(t *testing.T, csrf web.CSRF) *staffSite {
	t.Helper()
	srv, err := pki.StartServer(context.Background(), pki.Options{})
	if err != nil {
		t.Fatalf("test PKI: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	certs, k, err := srv.PKI.Identity(pki.Personal).PEM()
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPEM(certs, k)
	if err != nil {
		t.Fatal(err)
	}
	return newStaffSiteWith(t, 0, nil, csrf, staffSiteOptions{
		staff: []workflow.Staff{
			{Subject: archivistSub, Name: "Phan Thị Lưu", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleArchivist}},
			{Subject: otherArchivist, Name: "Vũ Văn Trữ", Agency: otherWard, Department: "VP", Positions: []workflow.Role{workflow.RoleArchivist}},
		},
		config: func(_ *staffSite, c *web.Config) {
			c.ArchivistKeys = map[string]archive.ScanKey{archivistSub: {Key: key, Checker: &signing.Checker{Roots: srv.PKI.Roots(), Timeout: 5 * time.Second}}}
		},
	})
}

// postBatch posts the upload form as user: the token first, the fields,
// then each page as a file part "trang".
func (s *staffSite) postBatch(t *testing.T, user, role string, fields [][2]string, pages map[string][]byte) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", "ma-thu")
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	for name, data := range pages {
		w, err := mw.CreateFormFile("trang", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	r, err := http.NewRequest("POST", s.url+web.PathArchiveScan, &b)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return sendAs(t, r, user, role)
}

func scanTestPage(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../archive/testdata/scan/giay-khai-sinh.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func batchFields(owner string) [][2]string {
	return [][2]string{{"chu-kho", owner}, {"loai", "KHAI_SINH"}, {"may-quet", "Fujitsu fi-7160"}}
}

// TestArchiveScanPage: the archivist uploads a scanned page; the review
// shows the page count, the OCR text and each key field prefilled with
// its confidence; nobody else — the citizen, staff without the position,
// an archivist of another agency, an admin, a signed-out visitor — sees
// the pending batch, its review or its PDF. A confirmation without a name
// is refused on its control with what was typed kept; confirmed, the
// paper is signed into the citizen's vault and the review says so.
func TestArchiveScanPage(t *testing.T) {
	s := scanSite(t, nil)
	_, body := s.do(t, "GET", web.PathArchive, archivistSub, "staff", nil)
	if !strings.Contains(body, `href="/luu-tru/so-hoa"`) {
		t.Fatalf("the archive's page has no digitisation card:\n%s", body)
	}
	res, body := s.do(t, "GET", web.PathArchiveScan, archivistSub, "staff", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `<label for="may-quet">`) {
		t.Fatalf("the upload form: %d\n%s", res.StatusCode, body)
	}
	// A missing scanner is refused on its control, what was typed kept.
	res, body = s.postBatch(t, archivistSub, "staff", [][2]string{{"chu-kho", digitiseOwner}, {"loai", "KHAI_SINH"}}, map[string][]byte{"trang-1.png": scanTestPage(t)})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#may-quet">`) || !strings.Contains(body, `value="`+digitiseOwner+`"`) {
		t.Fatalf("no scanner: %d\n%s", res.StatusCode, body)
	}
	// Staff without the position and a citizen cannot upload.
	for _, u := range [][2]string{{deskSub, "staff"}, {digitiseOwner, "citizen"}} {
		if res, _ := s.postBatch(t, u[0], u[1], batchFields(digitiseOwner), map[string][]byte{"a.png": scanTestPage(t)}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s uploads: %d", u[0], res.StatusCode)
		}
	}
	res, _ = s.postBatch(t, archivistSub, "staff", batchFields(digitiseOwner), map[string][]byte{"trang-1.png": scanTestPage(t)})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, web.PathArchiveScan+"/") {
		t.Fatalf("upload: %d to %q", res.StatusCode, loc)
	}
	res, body = s.do(t, "GET", loc, archivistSub, "staff", nil)
	for _, want := range []string{"<dd>1 trang", "GIẤY KHAI SINH", `name="f-hoTen" value="NGUYỄN THỊ HƯƠNG"`, `name="f-ngaySinh" value="2019-03-12"`,
		`<option value="nu" selected>Nữ</option>`, `name="so-hieu" value="125/2019"`, "độ tin cậy", "Fujitsu fi-7160", "200</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the review lacks %q", want)
		}
	}
	if res.StatusCode != 200 || t.Failed() {
		t.Fatalf("the review: %d\n%s", res.StatusCode, body)
	}
	res, pdf := s.do(t, "GET", loc+"/tep", archivistSub, "staff", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("the batch's PDF: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Nobody else reaches the pending batch.
	for _, c := range []struct {
		user, role string
		want       int
	}{
		{digitiseOwner, "citizen", http.StatusForbidden},
		{scanStranger, "citizen", http.StatusForbidden},
		{deskSub, "staff", http.StatusForbidden},
		{outSub, "staff", http.StatusForbidden},
		{otherArchivist, "staff", http.StatusNotFound},
		{"quantri", "admin", http.StatusForbidden},
		{"", "", http.StatusSeeOther},
	} {
		for _, p := range []string{loc, loc + "/tep"} {
			res, body := s.do(t, "GET", p, c.user, c.role, nil)
			if res.StatusCode != c.want || strings.Contains(body, "HƯƠNG") || strings.Contains(body, "%PDF") {
				t.Errorf("%s %s GET %s: %d (want %d) or the batch's data shown", c.role, c.user, p, res.StatusCode, c.want)
			}
		}
		if res, _ := s.do(t, "POST", loc, c.user, c.role, url.Values{"rev": {"1"}, "ten": {"x"}}); res.StatusCode != c.want {
			t.Errorf("%s %s confirms: %d, want %d", c.role, c.user, res.StatusCode, c.want)
		}
	}
	if n := len(s.digitisedPapers(t, digitiseOwner)); n != 0 {
		t.Fatalf("before the confirmation the citizen has %d digitised papers", n)
	}

	form := url.Values{"rev": {"1"}, "ten": {""}, "so-hieu": {"125/2019"}, "noi-cap": {"UBND phường Láng Hạ"},
		"trich-yeu": {"Giấy khai sinh Nguyễn Thị Hương, quê Đông Hưng, Thái Bình"},
		"f-hoTen":   {"NGUYỄN THỊ HƯƠNG"}, "f-ngaySinh": {"2019-03-12"}, "f-gioiTinh": {"nu"}}
	res, body = s.do(t, "POST", loc, archivistSub, "staff", form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#ten">`) || !strings.Contains(body, `value="UBND phường Láng Hạ"`) {
		t.Fatalf("no name: %d\n%s", res.StatusCode, body)
	}
	form.Set("ten", "Giấy khai sinh (bản số hoá)")
	res, _ = s.do(t, "POST", loc, archivistSub, "staff", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc+"?da-luu=1" {
		t.Fatalf("confirm: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	papers := s.digitisedPapers(t, digitiseOwner)
	if len(papers) != 1 || papers[0].IssuedBy == nil || papers[0].IssuedBy.By != archivistSub || papers[0].Summary != form.Get("trich-yeu") {
		t.Fatalf("the citizen's digitised papers: %+v", papers)
	}
	c, err := s.vault.Open(context.Background(), archive.Actor{Subject: digitiseOwner, Role: archive.RoleCitizen}, papers[0].ID, 0, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := io.ReadAll(c)
	c.Close()
	if !bytes.Contains(signed, []byte("/ByteRange")) || !bytes.Contains(signed, []byte("/Reason")) {
		t.Fatal("the stored PDF carries no signature")
	}
	_, body = s.do(t, "GET", loc+"?da-luu=1", archivistSub, "staff", nil)
	if !strings.Contains(body, "Đã ký bản sao điện tử chứng thực từ bản chính") || !strings.Contains(body, papers[0].ID) || strings.Contains(body, `name="rev"`) {
		t.Fatalf("the review after the confirmation:\n%s", body)
	}
}

// TestArchiveScanCSRF: a forged upload or confirmation is refused before
// anything is read or stored.
func TestArchiveScanCSRF(t *testing.T) {
	s := scanSite(t, rejectCSRF{})
	res, _ := s.postBatch(t, archivistSub, "staff", batchFields(digitiseOwner), map[string][]byte{"a.png": scanTestPage(t)})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged upload: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "POST", web.PathArchiveScan+"/x", archivistSub, "staff", url.Values{"rev": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged confirmation: %d", res.StatusCode)
	}
}
