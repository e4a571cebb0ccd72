package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
)

// vaultSite is the "Kho của tôi" pages over newSite's vault, the signed-in
// citizen named by the X-Test-Citizen header: citizen a holds the issued
// birth certificate and an office file, citizen b one paper of their own.
type vaultSite struct {
	*site
	h          http.Handler
	a, b       archive.Actor
	office     string // a's .docx
	bPaper     string // b's paper
	bPaperName string
}

const testCitizenHeader = "X-Test-Citizen"

func newVaultSite(t *testing.T) *vaultSite {
	t.Helper()
	s := newSite(t)
	v := &vaultSite{site: s, a: archive.Actor{Subject: s.dossier.Applicant.ID, Role: archive.RoleCitizen},
		b: archive.Actor{Subject: "079090000002", Role: archive.RoleCitizen}, bPaperName: "Bằng tốt nghiệp của người thứ hai"}
	ctx := context.Background()
	put := func(a archive.Actor, name, file, mt string, body []byte) string {
		t.Helper()
		d, err := s.vault.Put(ctx, a, archive.NewDocument{OwnerID: a.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: file, MediaType: mt}})
		if err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
		return d.ID
	}
	v.office = put(v.a, "Bảng kê tài sản", "bang-ke.docx", "", docx(t))
	v.bPaper = put(v.b, v.bPaperName, "bang.pdf", "application/pdf", s.signed)
	h, err := web.New(web.Config{Vault: s.vault, Identify: func(r *http.Request) (archive.Actor, bool) {
		switch r.Header.Get(testCitizenHeader) {
		case v.a.Subject:
			return v.a, true
		case v.b.Subject:
			return v.b, true
		}
		return archive.Actor{}, false
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v.h = h
	return v
}

// as gets path as citizen who ("" = signed out).
func (v *vaultSite) as(t *testing.T, who archive.Actor, path string) (*http.Response, string) {
	t.Helper()
	return get(t, v.h, path, testCitizenHeader, who.Subject)
}

// docx is a minimal Word file.
func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Bảng kê</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMyVaultSignedOut(t *testing.T) {
	v := newVaultSite(t)
	for path, next := range map[string]string{
		"/kho-cua-toi":                                "%2Fkho-cua-toi",
		"/kho-cua-toi?loai=KHAC":                      "%2Fkho-cua-toi%3Floai%3DKHAC",
		"/kho-cua-toi/nhat-ky":                        "%2Fkho-cua-toi%2Fnhat-ky",
		"/kho-cua-toi/" + v.resultID:                  "%2Fkho-cua-toi%2F" + v.resultID,
		"/kho-cua-toi/" + v.resultID + "/phien-ban/1": "%2Fkho-cua-toi%2F" + v.resultID + "%2Fphien-ban%2F1",
	} {
		res, body := v.as(t, archive.Actor{}, path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dang-nhap?tiep="+next {
			t.Errorf("%s signed out: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
		if strings.Contains(body, "Nguyễn Minh Khang") {
			t.Errorf("%s signed out shows the paper", path)
		}
	}
}

func TestMyVaultList(t *testing.T) {
	v := newVaultSite(t)
	res, body := v.as(t, v.a, "/kho-cua-toi")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Giấy khai sinh của Nguyễn Minh Khang", "Bảng kê tài sản", `href="/kho-cua-toi/` + v.resultID + `"`,
		`<span class="badge badge-valid">Còn hiệu lực</span> <span class="badge badge-signed">Đã ký số</span>`,
		"Đã dùng <strong>", "2 giấy tờ", `aria-current="page">Kho của tôi`, `href="/kho-cua-toi/nhat-ky"`} {
		if !strings.Contains(body, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	// The office file is valid and carries no signature: one badge.
	if n := strings.Count(body, "badge-signed"); n != 1 {
		t.Errorf("%d signed badges, want 1 (the issued result only)", n)
	}
	if strings.Contains(body, v.bPaperName) || strings.Contains(body, v.bPaper) {
		t.Error("a's list shows b's paper")
	}
	// Search and filters.
	for q, want := range map[string][]string{
		"?q=khang":               {"Nguyễn Minh Khang"},
		"?q=bang+ke":             {"Bảng kê tài sản"},
		"?loai=KHAI_SINH":        {"Nguyễn Minh Khang"},
		"?tinh-trang=valid":      {"Nguyễn Minh Khang", "Bảng kê tài sản"},
		"?tinh-trang=revoked":    {"Không có giấy tờ nào khớp"},
		"?q=khong-co-tu-nay-dau": {"Không có giấy tờ nào khớp"},
	} {
		_, body := v.as(t, v.a, "/kho-cua-toi"+q)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", q, w)
			}
		}
		all := []string{"Nguyễn Minh Khang", "Bảng kê tài sản"}
		for _, other := range all {
			if !strings.Contains(strings.Join(want, "|"), other) && strings.Contains(body, other) {
				t.Errorf("%s shows %q", q, other)
			}
		}
	}
	// After the agency revokes it, the badge says so and the filter finds it.
	if _, err := v.vault.Revoke(context.Background(), v.staff, v.resultID, "Cấp nhầm"); err != nil {
		t.Fatal(err)
	}
	_, body = v.as(t, v.a, "/kho-cua-toi?tinh-trang=revoked")
	if !strings.Contains(body, `<span class="badge badge-revoked">Đã bị thu hồi</span>`) || strings.Contains(body, "Bảng kê tài sản") {
		t.Error("the revoked filter does not show the revoked paper alone with its badge")
	}
	// A paper past its end date is shown expired (the effective status),
	// and the expired filter finds it alone.
	_, err := v.vault.Put(context.Background(), v.a, archive.NewDocument{OwnerID: v.a.Subject, Metadata: archive.Metadata{TypeCode: "KHAC",
		Name: "Hộ chiếu cũ", ValidUntil: archive.Date{Year: 2020, Month: 1, Day: 1}},
		Upload: archive.Upload{Body: bytes.NewReader(v.signed), Size: int64(len(v.signed)), FileName: "ho-chieu.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	_, body = v.as(t, v.a, "/kho-cua-toi?tinh-trang=expired")
	if !strings.Contains(body, `<span class="badge badge-expired">Hết hiệu lực</span>`) || !strings.Contains(body, "Hộ chiếu cũ") ||
		strings.Contains(body, "Nguyễn Minh Khang") || strings.Contains(body, "Bảng kê") {
		t.Error("the expired filter does not show the expired paper alone with its badge")
	}
	// Storage used against the quota.
	if err := v.vault.SetQuota(context.Background(), archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, v.a.Subject, 10<<20); err != nil {
		t.Fatal(err)
	}
	st, err := v.vault.Stats(context.Background(), v.a, v.a.Subject, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	_, body = v.as(t, v.a, "/kho-cua-toi")
	used := strings.Replace(fmt.Sprintf("%.1f KB", float64(st.UsedBytes)/1024), ".", ",", 1)
	if !strings.Contains(body, "Đã dùng <strong>"+used+"</strong> trên hạn mức <strong>10 MB</strong>") || !strings.Contains(body, "3 giấy tờ") ||
		!strings.Contains(body, fmt.Sprintf(`<label for="dung-luong-da-dung">Tỷ lệ dung lượng đã dùng: %[1]d%%</label><br>
<meter class="quota" id="dung-luong-da-dung" min="0" max="100" low="80" high="95" optimum="0" value="%[1]d">`, st.UsedBytes*100/(10<<20))) {
		t.Errorf("storage used %s of 10 MB not shown", used)
	}
	// b sees only b's paper.
	_, body = v.as(t, v.b, "/kho-cua-toi")
	if !strings.Contains(body, v.bPaperName) || strings.Contains(body, "Nguyễn Minh Khang") || strings.Contains(body, "Bảng kê") {
		t.Error("b's list is not b's papers alone")
	}
}

// TestMyVaultPaging: 20 papers a page; the next page keeps the filters.
func TestMyVaultPaging(t *testing.T) {
	v := newVaultSite(t)
	for i := range 20 {
		if _, err := v.vault.Put(context.Background(), v.b, archive.NewDocument{OwnerID: v.b.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: fmt.Sprintf("Giấy tờ số %02d", i)},
			Upload: archive.Upload{Body: bytes.NewReader(v.signed), Size: int64(len(v.signed)), FileName: "g.pdf", MediaType: "application/pdf"}}); err != nil {
			t.Fatal(err)
		}
	}
	_, first := v.as(t, v.b, "/kho-cua-toi?loai=KHAC")
	m := regexp.MustCompile(`href="(/kho-cua-toi\?[^"]+)" rel="next"`).FindStringSubmatch(first)
	if m == nil {
		t.Fatal("no next page")
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "loai=KHAC") || !strings.Contains(next, "sau=") {
		t.Errorf("the next page %q drops the filter", next)
	}
	_, second := v.as(t, v.b, next)
	n1, n2 := strings.Count(first, `<li class="paper">`), strings.Count(second, `<li class="paper">`)
	if n1 != 20 || n2 != 1 || strings.Contains(second, `rel="next"`) || !strings.Contains(second, `href="/kho-cua-toi?loai=KHAC">Trang đầu`) {
		t.Errorf("pages of %d and %d papers, want 20 and 1 with the first page's link", n1, n2)
	}
	for i := range 20 {
		name := fmt.Sprintf("Giấy tờ số %02d", i)
		if strings.Contains(first, name) == strings.Contains(second, name) {
			t.Errorf("%s is on both pages or neither", name)
		}
	}
}

func TestMyPaper(t *testing.T) {
	v := newVaultSite(t)
	paper := "/kho-cua-toi/" + v.resultID
	res, body := v.as(t, v.a, paper)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if csp := res.Header.Get("Content-Security-Policy"); csp != web.PaperContentSecurityPolicy || !strings.Contains(csp, "frame-src 'self'") {
		t.Errorf("paper page CSP %q", csp)
	}
	for _, want := range []string{"Giấy khai sinh của Nguyễn Minh Khang", "0001/2026/KS", "<dd>20/08/2026</dd>", "Còn hiệu lực", "Đã ký số",
		`<iframe class="pdf-view" src="` + paper + `/phien-ban/1"`, `href="` + paper + `/phien-ban/1?tai=1" download`, "Lưu lần đầu"} {
		if !strings.Contains(body, want) {
			t.Errorf("paper page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<time datetime="[^"]+(\+|&#43;)07:00">\d\d:\d\d:\d\d \d\d/\d\d/\d{4}</time>`).MatchString(body) {
		t.Error("the version's time is not hh:mm:ss DD/MM/YYYY")
	}
	// The PDF inline, framed by the portal only; and as a download.
	res, pdf := v.as(t, v.a, paper+"/phien-ban/1")
	if res.StatusCode != 200 || pdf != string(v.signed) {
		t.Fatalf("inline content: %d, %d bytes", res.StatusCode, len(pdf))
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") {
		t.Errorf("inline Content-Disposition %q", cd)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self'") || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("inline content may not be framed by the portal: CSP %q, XFO %q", csp, res.Header.Get("X-Frame-Options"))
	}
	res, _ = v.as(t, v.a, paper+"/phien-ban/1?tai=1")
	if cd := res.Header.Get("Content-Disposition"); res.StatusCode != 200 || !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "ket-qua.pdf") {
		t.Errorf("download: %d %q", res.StatusCode, cd)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("a download may be framed")
	}
	for _, bad := range []string{"/phien-ban/0", "/phien-ban/2", "/phien-ban/x"} {
		if res, _ := v.as(t, v.a, paper+bad); res.StatusCode != 404 {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
	// A signed PDF changed after signing carries a signature the verifier
	// fails: no "Đã ký số".
	bad := tamper(t, v.signed)
	d, err := v.vault.Put(context.Background(), v.a, archive.NewDocument{OwnerID: v.a.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Bản đã bị sửa"},
		Upload: archive.Upload{Body: bytes.NewReader(bad), Size: int64(len(bad)), FileName: "sua.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Current.Signature == nil || !d.Current.Signature.Signed {
		t.Fatal("the changed copy is not seen as signed: the case tests nothing")
	}
	_, body = v.as(t, v.a, "/kho-cua-toi/"+d.ID)
	if !strings.Contains(body, "Bản đã bị sửa") || strings.Contains(body, "Đã ký số") {
		t.Error("a signature the verifier failed shows Đã ký số")
	}
	// The office file: a clear download, no frame.
	res, body = v.as(t, v.a, "/kho-cua-toi/"+v.office)
	if res.StatusCode != 200 || strings.Contains(body, "<iframe") || !strings.Contains(body, "tệp văn phòng") ||
		!strings.Contains(body, `/phien-ban/1?tai=1" download>Tải xuống bang-ke.docx`) {
		t.Errorf("office file page: %d", res.StatusCode)
	}
	res, _ = v.as(t, v.a, "/kho-cua-toi/"+v.office+"/phien-ban/1")
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Error("an office file is served inline")
	}
}

// TestMyVaultPrivacy: b gets the 404 of a paper that does not exist for
// a's paper, its page and every version's bytes, and nothing of a in b's
// pages.
func TestMyVaultPrivacy(t *testing.T) {
	v := newVaultSite(t)
	_, missing := v.as(t, v.b, "/kho-cua-toi/khong-ton-tai")
	for _, path := range []string{"/kho-cua-toi/" + v.resultID, "/kho-cua-toi/" + v.resultID + "/phien-ban/1",
		"/kho-cua-toi/" + v.resultID + "/phien-ban/1?tai=1", "/kho-cua-toi/" + v.office} {
		res, body := v.as(t, v.b, path)
		if res.StatusCode != 404 {
			t.Errorf("b gets %s: %d", path, res.StatusCode)
		}
		if strings.Contains(body, "Nguyễn Minh Khang") || strings.Contains(body, "%PDF") || strings.Contains(body, "Bảng kê") {
			t.Errorf("b's answer to %s shows a's paper", path)
		}
		if !strings.Contains(missing, "Không tìm thấy") || !strings.Contains(body, "Không tìm thấy") {
			t.Errorf("b's 404 for %s does not read as a missing paper", path)
		}
	}
	// a reads their paper: it enters a's ledger, never b's.
	v.as(t, v.a, "/kho-cua-toi/"+v.resultID+"/phien-ban/1")
	_, body := v.as(t, v.b, "/kho-cua-toi/nhat-ky")
	for _, s := range []string{v.resultID, v.office, v.a.Subject, "canbo.a", v.code} {
		if strings.Contains(body, s) {
			t.Errorf("b's ledger shows %q", s)
		}
	}
	// a gets the 404 of b's paper too.
	if res, _ := v.as(t, v.a, "/kho-cua-toi/"+v.bPaper); res.StatusCode != 404 {
		t.Errorf("a gets b's paper: %d", res.StatusCode)
	}
}

func TestMyLedger(t *testing.T) {
	v := newVaultSite(t)
	ctx := context.Background()
	// Staff read the paper for a dossier, more times than a page holds.
	for range 55 {
		if _, err := v.vault.Get(ctx, v.staff, v.resultID, archive.Access{Purpose: "Thẩm định hồ sơ", Dossier: v.code}); err != nil {
			t.Fatal(err)
		}
	}
	v.as(t, v.a, "/kho-cua-toi/"+v.resultID+"/phien-ban/1?tai=1")
	res, body := v.as(t, v.a, "/kho-cua-toi/nhat-ky")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	row := regexp.MustCompile(`<tr><td>canbo\.a<br><span class="meta">Cán bộ</span></td><td data-label="Thời gian"><time datetime="[^"]+(\+|&#43;)07:00">\d\d:\d\d:\d\d \d\d/\d\d/\d{4}</time></td>\s*<td data-label="Việc đã làm">Xem thông tin giấy tờ \(<a href="/kho-cua-toi/` +
		regexp.QuoteMeta(v.resultID) + `">xem giấy tờ</a>\), phiên bản 1</td><td data-label="Mục đích">Thẩm định hồ sơ</td><td data-label="Hồ sơ">` + regexp.QuoteMeta(v.code) + `</td></tr>`)
	if n := len(row.FindAllString(body, -1)); n == 0 {
		t.Error("the first page lacks the staff read with who, when, what, purpose and dossier")
	}
	if !strings.Contains(body, "Cơ quan cấp giấy tờ vào kho") {
		t.Error("the first page lacks the issue")
	}
	m := regexp.MustCompile(`href="(/kho-cua-toi/nhat-ky\?sau=[^"]+)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next page")
	}
	_, next := v.as(t, v.a, strings.ReplaceAll(m[1], "&amp;", "&"))
	if !strings.Contains(next, "Tải xuống giấy tờ") || !strings.Contains(next, "<td>Bạn<br>") {
		t.Error("the second page lacks a's own download")
	}
	if strings.Contains(next, `rel="next"`) || !strings.Contains(next, `href="/kho-cua-toi/nhat-ky">Trang đầu`) {
		t.Error("the last page's pager")
	}
	if strings.Count(body, "<tr><td>")+strings.Count(next, "<tr><td>") != 1+1+55+1 {
		t.Errorf("%d + %d entries, want 58 (issue, a's own upload, 55 reads, download)", strings.Count(body, "<tr><td>"), strings.Count(next, "<tr><td>"))
	}
}

// TestMyVaultStaffRefused: staff signed in have no vault page here.
func TestMyVaultStaffRefused(t *testing.T) {
	s := newSite(t)
	h := newHandler(t, web.Config{Vault: s.vault, Identify: func(*http.Request) (archive.Actor, bool) { return s.staff, true }})
	for _, path := range []string{"/kho-cua-toi", "/kho-cua-toi/" + s.resultID, "/kho-cua-toi/nhat-ky"} {
		if res, body := get(t, h, path); res.StatusCode != 403 || strings.Contains(body, "Nguyễn Minh Khang") {
			t.Errorf("staff at %s: %d", path, res.StatusCode)
		}
	}
}

// TestMyPaperUnreadable: a version whose bytes cannot be read is the error
// page, not an empty 200, and no download enters the ledger.
func TestMyPaperUnreadable(t *testing.T) {
	v := newVaultSite(t)
	filepath.WalkDir(v.blobDir, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			os.Remove(p)
		}
		return nil
	})
	res, body := v.as(t, v.a, "/kho-cua-toi/"+v.resultID+"/phien-ban/1?tai=1")
	if res.StatusCode < 500 || !strings.Contains(body, "Lỗi hệ thống") || res.Header.Get("Content-Disposition") != "" {
		t.Errorf("an unreadable version: %d, %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	es, _, err := v.vault.Ledger(context.Background(), v.a, v.a.Subject, "", "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == archive.ActionDownload {
			t.Error("a download that sent nothing is in the ledger")
		}
	}
}
