package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
)

// shareSite is the pages over a real embedded store and a vault whose
// clock the test moves (shift), the signed-in person named by the
// X-Test-User header: the owner holds a PDF and an office file; friend
// is a citizen, clerk staff of the ward, outsider staff of another
// agency, other a citizen who was given nothing.
type shareSite struct {
	h                    http.Handler
	vault                *archive.Service
	shift                *atomic.Int64 // nanoseconds added to the clock
	owner, friend, other archive.Actor
	clerk, outsider      archive.Actor
	pdfID, officeID      string
	pdf, office          []byte
	pdfName, officeName  string
	now                  func() time.Time
	actors               map[string]archive.Actor
	cfg                  web.Config
}

const testUserHeader = "X-Test-User"

func newShareSite(t *testing.T, edit func(*web.Config)) *shareSite {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, _, dir := openVault(t, archive.Config{}, log)
	s := &shareSite{shift: new(atomic.Int64),
		owner:    archive.Actor{Subject: "079090000011", Role: archive.RoleCitizen},
		friend:   archive.Actor{Subject: "079090000022", Role: archive.RoleCitizen},
		other:    archive.Actor{Subject: "079090000033", Role: archive.RoleCitizen},
		clerk:    archive.Actor{Subject: "canbo.phuong", Role: archive.RoleStaff, Agency: ward},
		outsider: archive.Actor{Subject: "canbo.khac", Role: archive.RoleStaff, Agency: otherWard},
		pdfName:  "Giấy chứng nhận quyền sử dụng đất", officeName: "Bảng kê tài sản"}
	s.now = func() time.Time { return time.Now().Add(time.Duration(s.shift.Load())) }
	// The vault the pages use: over openVault's store and blobs, with the
	// test's clock.
	drv, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	bucket := storage.NewBucket(drv)
	t.Cleanup(func() { bucket.Close() })
	s.vault = archive.New(store, bucket, archive.Config{}, log, s.now)
	s.actors = map[string]archive.Actor{}
	for _, a := range []archive.Actor{s.owner, s.friend, s.other, s.clerk, s.outsider} {
		s.actors[a.Subject] = a
	}
	if s.pdf, err = os.ReadFile("../../signing/testdata/one-page.pdf"); err != nil {
		t.Fatal(err)
	}
	s.office = docx(t)
	put := func(name, file, mt string, body []byte) string {
		d, err := s.vault.Put(ctx, s.owner, archive.NewDocument{OwnerID: s.owner.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: name},
			Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: file, MediaType: mt}})
		if err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
		return d.ID
	}
	s.pdfID = put(s.pdfName, "dat.pdf", "application/pdf", s.pdf)
	s.officeID = put(s.officeName, "bang-ke.docx", "", s.office)
	cfg := web.Config{Vault: s.vault, Now: s.now, Identify: func(r *http.Request) (archive.Actor, bool) {
		a, ok := s.actors[r.Header.Get(testUserHeader)]
		return a, ok
	}}
	s.cfg = cfg
	return s.with(t, edit)
}

// with is s with its pages configured by edit (nil: as they are).
func (s *shareSite) with(t *testing.T, edit func(*web.Config)) *shareSite {
	t.Helper()
	c := *s
	if edit != nil {
		edit(&c.cfg)
	}
	c.h = newHandler(t, c.cfg)
	return &c
}

// do sends method path as who ("" = signed out) with form (nil: none).
func (s *shareSite) do(t *testing.T, method, path string, who archive.Actor, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set(testUserHeader, who.Subject)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// day is today plus days, DD/MM/YYYY in Vietnam time, by the site's clock.
func (s *shareSite) day(days int) string {
	return s.now().In(web.Vietnam).AddDate(0, 0, days).Format("02/01/2006")
}

// share posts the share form of paper id and wants it taken (303).
func (s *shareSite) share(t *testing.T, id, kind, grantee, purpose, until string) {
	t.Helper()
	res, body := s.do(t, "POST", "/kho-cua-toi/"+id+"/chia-se", s.owner,
		url.Values{"doi-tuong": {kind}, "ma": {grantee}, "muc-dich": {purpose}, "den-ngay": {until}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/kho-cua-toi/"+id+"#chia-se" {
		t.Fatalf("share: %d to %q: %s", res.StatusCode, res.Header.Get("Location"), errorText(body))
	}
}

// receivedID is the ID of the one share the list at /duoc-chia-se shows who.
func (s *shareSite) receivedID(t *testing.T, who archive.Actor) string {
	t.Helper()
	res, body := s.do(t, "GET", "/duoc-chia-se", who, nil)
	ids := regexp.MustCompile(`href="/duoc-chia-se/([^"/?]+)"`).FindAllStringSubmatch(body, -1)
	if res.StatusCode != 200 || len(ids) != 1 {
		t.Fatalf("%s's shares: %d, %d links", who.Subject, res.StatusCode, len(ids))
	}
	return ids[0][1]
}

// errorText is the error summary or error page of body, for messages.
func errorText(body string) string {
	if m := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>|<main.*?</main>`).FindString(body); m != "" {
		return html.UnescapeString(m)
	}
	return body[:min(len(body), 300)]
}

// ledgerUses is the owner's ledger page's rows that name who.
func (s *shareSite) ledgerRows(t *testing.T, who archive.Actor) []string {
	t.Helper()
	res, body := s.do(t, "GET", "/kho-cua-toi/nhat-ky", s.owner, nil)
	if res.StatusCode != 200 {
		t.Fatalf("ledger: %d", res.StatusCode)
	}
	return regexp.MustCompile(`(?s)<tr><td>`+regexp.QuoteMeta(who.Subject)+`<br>.*?</tr>`).FindAllString(body, -1)
}

// TestSharePerson: the owner shares a paper with a person; the paper's
// page and "Giấy tờ tôi đã chia sẻ" list it; the person finds it in
// "Được chia sẻ với tôi", sees it and its file, each use in the owner's
// ledger page with the share's purpose; after the owner revokes it the
// person gets the refusal and no byte, and the list no longer shows it.
func TestSharePerson(t *testing.T) {
	s := newShareSite(t, nil)
	paper := "/kho-cua-toi/" + s.pdfID
	res, body := s.do(t, "GET", paper, s.owner, nil)
	for _, want := range []string{`<form class="form" method="post" action="` + paper + `/chia-se">`, `name="csrf"`, `<label for="chia-se-den-ngay">`,
		"Bạn chưa chia sẻ giấy tờ này với ai.", "từ hôm nay (" + s.day(0) + ")"} {
		if res.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("paper page lacks %q", want)
		}
	}
	until := s.day(30)
	s.share(t, s.pdfID, "person", s.friend.Subject, "Làm thủ tục vay vốn ngân hàng", until)
	_, body = s.do(t, "GET", paper, s.owner, nil)
	for _, want := range []string{"<td data-label=\"Chia sẻ với\">Cá nhân " + s.friend.Subject + "</td>", "Làm thủ tục vay vốn ngân hàng", until,
		`<span class="badge badge-valid">Đang chia sẻ</span>`, "/thu-hoi?tiep=%2Fkho-cua-toi%2F" + s.pdfID + "%23chia-se"} {
		if !strings.Contains(body, want) {
			t.Errorf("paper page after sharing lacks %q", want)
		}
	}
	_, body = s.do(t, "GET", "/kho-cua-toi/chia-se", s.owner, nil)
	if !strings.Contains(body, `<a href="`+paper+`">`+s.pdfName+`</a>`) || !strings.Contains(body, "Đang chia sẻ") {
		t.Error("the owner's shares do not list the share")
	}
	// The person.
	id := s.receivedID(t, s.friend)
	_, body = s.do(t, "GET", "/duoc-chia-se", s.friend, nil)
	if !strings.Contains(body, s.pdfName) || !strings.Contains(body, "Được xem đến hết ngày "+until) || !strings.Contains(body, "Chủ giấy tờ "+s.owner.Subject) {
		t.Error("the person's list lacks the paper, its last day or its owner")
	}
	res, body = s.do(t, "GET", "/duoc-chia-se/"+id, s.friend, nil)
	if res.StatusCode != 200 || !strings.Contains(body, "<h1>"+s.pdfName+"</h1>") || !strings.Contains(body, `<iframe class="pdf-view" src="/duoc-chia-se/`+id+`/tep"`) ||
		!strings.Contains(body, "Làm thủ tục vay vốn ngân hàng") || res.Header.Get("Content-Security-Policy") != web.PaperContentSecurityPolicy {
		t.Errorf("the shared paper's page: %d", res.StatusCode)
	}
	res, pdf := s.do(t, "GET", "/duoc-chia-se/"+id+"/tep", s.friend, nil)
	if res.StatusCode != 200 || pdf != string(s.pdf) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("the shared file: %d, %d bytes", res.StatusCode, len(pdf))
	}
	// The person sees what was shared and nothing else: not the paper in
	// the owner's vault, nor a version the owner added since.
	if res, body := s.do(t, "GET", paper, s.friend, nil); res.StatusCode != 404 || strings.Contains(body, s.pdfName) {
		t.Errorf("the person at the owner's paper: %d", res.StatusCode)
	}
	d, err := s.vault.Get(t.Context(), s.owner, s.pdfID, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.vault.AddVersion(t.Context(), s.owner, s.pdfID, d.Rev, archive.Upload{Body: bytes.NewReader(s.office), Size: int64(len(s.office)), FileName: "moi.docx"}); err != nil {
		t.Fatal(err)
	}
	if res, b := s.do(t, "GET", "/duoc-chia-se/"+id+"/tep?tai=1", s.friend, nil); res.StatusCode != 200 || b != string(s.pdf) {
		t.Errorf("after a new version the share gives %d bytes, want the shared version's", len(b))
	}
	// Every use is in the owner's ledger page, with the purpose.
	rows := s.ledgerRows(t, s.friend)
	joined := strings.Join(rows, "\n")
	if len(rows) != 3 || !strings.Contains(joined, "Xem thông tin giấy tờ — chia sẻ với Cá nhân "+s.friend.Subject) ||
		!strings.Contains(joined, "Tải xuống giấy tờ — chia sẻ với Cá nhân "+s.friend.Subject) ||
		strings.Count(joined, `<td data-label="Mục đích">Làm thủ tục vay vốn ngân hàng</td>`) != 3 {
		t.Errorf("the owner's ledger page shows %d uses by the person, want the read and two downloads with the purpose:\n%s", len(rows), joined)
	}
	// The owner revokes it, with a reason, from the paper's page.
	m := regexp.MustCompile(`action="(/kho-cua-toi/chia-se/[^"]+/thu-hoi\?tiep=[^"]+)"`).FindStringSubmatch(body0(t, s, paper))
	if m == nil {
		t.Fatal("no revocation form")
	}
	res, _ = s.do(t, "POST", html.UnescapeString(m[1]), s.owner, url.Values{"ly-do": {"Đã xong thủ tục"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != paper+"#chia-se" {
		t.Fatalf("revoke: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = s.do(t, "GET", paper, s.owner, nil)
	if !strings.Contains(body, `<span class="badge badge-revoked">Đã thu hồi chia sẻ</span>`) || !strings.Contains(body, "Lý do: Đã xong thủ tục") ||
		strings.Contains(body, "/thu-hoi?") {
		t.Error("the paper's page does not show the share revoked, with its reason and no form")
	}
	for _, p := range []string{"/duoc-chia-se/" + id, "/duoc-chia-se/" + id + "/tep", "/duoc-chia-se/" + id + "/tep?tai=1"} {
		res, body := s.do(t, "GET", p, s.friend, nil)
		if res.StatusCode != 403 || !strings.Contains(body, "đã thu hồi việc chia sẻ") || strings.Contains(body, "%PDF") || strings.Contains(body, s.pdfName) {
			t.Errorf("%s after revocation: %d", p, res.StatusCode)
		}
	}
	if _, body := s.do(t, "GET", "/duoc-chia-se", s.friend, nil); strings.Contains(body, s.pdfName) || !strings.Contains(body, "Hiện chưa có giấy tờ nào") {
		t.Error("the person's list still shows the revoked share")
	}
	if n := len(s.ledgerRows(t, s.friend)); n != 3 {
		t.Errorf("%d uses in the ledger after the refused ones, want the 3 before", n)
	}
	// Revoked twice: the list with the message (409).
	res, body = s.do(t, "POST", "/kho-cua-toi/chia-se/"+id+"/thu-hoi", s.owner, url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `<div class="error-summary"`) || !strings.Contains(body, "đã được thu hồi lúc") {
		t.Errorf("revoked twice: %d %s", res.StatusCode, errorText(body))
	}
}

// body0 is the body of GET path as the owner.
func body0(t *testing.T, s *shareSite, path string) string {
	t.Helper()
	_, b := s.do(t, "GET", path, s.owner, nil)
	return b
}

// TestShareAgencyAndExpiry: a share with an agency is its staff's, not
// another agency's; on the day after its last day it is refused and
// listed no more, and the owner's list says it ended.
func TestShareAgencyAndExpiry(t *testing.T) {
	s := newShareSite(t, nil)
	until := s.day(1)
	s.share(t, s.pdfID, "agency", ward, "Xác minh hồ sơ đất đai", until)
	id := s.receivedID(t, s.clerk)
	if res, body := s.do(t, "GET", "/duoc-chia-se/"+id, s.clerk, nil); res.StatusCode != 200 || !strings.Contains(body, "Cơ quan "+ward) {
		t.Errorf("the agency's clerk: %d", res.StatusCode)
	}
	if n := len(s.ledgerRows(t, s.clerk)); n != 1 {
		t.Errorf("%d reads by the clerk in the ledger, want 1", n)
	}
	// Another agency, another citizen, the owner: nothing.
	for _, who := range []archive.Actor{s.outsider, s.other, s.friend} {
		if _, body := s.do(t, "GET", "/duoc-chia-se", who, nil); strings.Contains(body, s.pdfName) {
			t.Errorf("%s's list shows the agency's share", who.Subject)
		}
		for _, p := range []string{"/duoc-chia-se/" + id, "/duoc-chia-se/" + id + "/tep", "/duoc-chia-se/" + id + "/pdf"} {
			if res, body := s.do(t, "GET", p, who, nil); res.StatusCode != 404 || strings.Contains(body, s.pdfName) || strings.Contains(body, "%PDF") {
				t.Errorf("%s at %s: %d", who.Subject, p, res.StatusCode)
			}
		}
	}
	// Two days on, the last day is past.
	s.shift.Store(int64(48 * time.Hour))
	for _, p := range []string{"/duoc-chia-se/" + id, "/duoc-chia-se/" + id + "/tep"} {
		if res, body := s.do(t, "GET", p, s.clerk, nil); res.StatusCode != 403 || !strings.Contains(body, "được xem đến hết ngày "+until) || strings.Contains(body, "%PDF") {
			t.Errorf("%s after its last day: %d", p, res.StatusCode)
		}
	}
	if _, body := s.do(t, "GET", "/duoc-chia-se", s.clerk, nil); strings.Contains(body, s.pdfName) {
		t.Error("the clerk's list shows the ended share")
	}
	if _, body := s.do(t, "GET", "/kho-cua-toi/chia-se", s.owner, nil); !strings.Contains(body, `<span class="badge badge-expired">Hết hạn chia sẻ</span>`) || strings.Contains(body, "/thu-hoi?") {
		t.Error("the owner's list does not show the share ended, without a revocation form")
	}
	if n := len(s.ledgerRows(t, s.clerk)); n != 1 {
		t.Errorf("%d reads by the clerk after the refused ones, want 1", n)
	}
}

// TestShareFormErrors: each malformed or refused share is the paper's
// page (400) with the Vietnamese reason in the error summary, linked to
// its control, marked invalid, the values kept — and no share made.
func TestShareFormErrors(t *testing.T) {
	s := newShareSite(t, nil)
	ok := url.Values{"doi-tuong": {"person"}, "ma": {s.friend.Subject}, "muc-dich": {"Nộp hồ sơ xin việc"}, "den-ngay": {s.day(10)}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range ok {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
	}
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"no kind", with("doi-tuong", ""), "chia-se-doi-tuong", "Cần chọn chia sẻ với cơ quan"},
		{"unknown kind", with("doi-tuong", "robot"), "chia-se-doi-tuong", "phải là cơ quan"},
		{"bad person", with("ma", "12345"), "chia-se-ma", "12 chữ số"},
		{"bad agency", with("doi-tuong", "agency"), "chia-se-ma", "Mã định danh cơ quan"},
		{"self", with("ma", s.owner.Subject), "chia-se-ma", "chính mình"},
		{"no purpose", with("muc-dich", "  "), "chia-se-muc-dich", "mục đích"},
		{"long purpose", with("muc-dich", strings.Repeat("a", 501)), "chia-se-muc-dich", "tối đa 500 ký tự"},
		{"bidi purpose", with("muc-dich", "Nộp\u202ehồ sơ"), "chia-se-muc-dich", "ký tự điều khiển"},
		{"no date", with("den-ngay", ""), "chia-se-den-ngay", "Cần chọn ngày hết hạn"},
		{"no such day", with("den-ngay", "31/02/2030"), "chia-se-den-ngay", "DD/MM/YYYY"},
		{"ISO date", with("den-ngay", "2030-01-01"), "chia-se-den-ngay", "DD/MM/YYYY"},
		{"long date", with("den-ngay", "01/01/2030000"), "chia-se-den-ngay", "DD/MM/YYYY"},
		{"past", with("den-ngay", s.day(-1)), "chia-se-den-ngay", "đã qua"},
		{"too far", with("den-ngay", s.now().In(web.Vietnam).AddDate(6, 0, 0).Format("02/01/2006")), "chia-se-den-ngay", "tối đa 5 năm"},
	} {
		res, body := s.do(t, "POST", "/kho-cua-toi/"+s.pdfID+"/chia-se", s.owner, c.form)
		summary := errorText(body)
		if res.StatusCode != 400 || !strings.Contains(summary, `<a href="#`+c.field+`">`) || !strings.Contains(summary, c.msg) {
			t.Errorf("%s: %d, summary %s", c.name, res.StatusCode, summary)
			continue
		}
		if !regexp.MustCompile(`id="`+c.field+`"[^>]*aria-invalid="true"`).MatchString(body) || !strings.Contains(body, "autofocus") {
			t.Errorf("%s: the control is not marked invalid or the summary not focused", c.name)
		}
		if v := c.form.Get("ma"); !strings.Contains(body, `name="ma" value="`+html.EscapeString(v)+`"`) {
			t.Errorf("%s: the grantee typed is not kept", c.name)
		}
	}
	// An oversized body is refused before it is read whole.
	res, body := s.do(t, "POST", "/kho-cua-toi/"+s.pdfID+"/chia-se", s.owner, with("muc-dich", strings.Repeat("a", 20<<10)))
	if res.StatusCode != 413 && res.StatusCode != 400 || !strings.Contains(body, "Biểu mẫu gửi lên không hợp lệ") {
		t.Errorf("oversized form: %d", res.StatusCode)
	}
	page, err := s.vault.SharesGiven(context.Background(), s.owner, "", "", 100)
	if err != nil || len(page.Shares) != 0 {
		t.Errorf("refused forms made %d shares (%v)", len(page.Shares), err)
	}
	// D/M/YYYY is read too.
	d := s.now().In(web.Vietnam).AddDate(0, 1, 0)
	s.share(t, s.pdfID, "person", s.friend.Subject, "Nộp hồ sơ", fmt.Sprintf("%d/%d/%d", d.Day(), d.Month(), d.Year()))
}

// TestSharePrivacy: another citizen gets the 404 of a paper that does
// not exist when sharing the owner's paper or revoking the owner's share,
// and changes nothing; staff may not share; signed out, every page and
// form sends to sign in.
func TestSharePrivacy(t *testing.T) {
	s := newShareSite(t, nil)
	s.share(t, s.pdfID, "person", s.friend.Subject, "Vay vốn", s.day(5))
	page, err := s.vault.SharesGiven(context.Background(), s.owner, "", "", 10)
	if err != nil || len(page.Shares) != 1 {
		t.Fatal(err)
	}
	id := page.Shares[0].ID
	form := url.Values{"doi-tuong": {"person"}, "ma": {s.other.Subject}, "muc-dich": {"x"}, "den-ngay": {s.day(5)}}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/kho-cua-toi/" + s.pdfID + "/chia-se", form},
		{"/kho-cua-toi/chia-se/" + id + "/thu-hoi", url.Values{}},
	} {
		res, body := s.do(t, "POST", c.path, s.other, c.form)
		if res.StatusCode != 404 || strings.Contains(body, s.pdfName) || strings.Contains(body, s.friend.Subject) {
			t.Errorf("another citizen posts %s: %d", c.path, res.StatusCode)
		}
	}
	for _, p := range []string{"/kho-cua-toi/chia-se", "/duoc-chia-se"} {
		if _, body := s.do(t, "GET", p, s.other, nil); strings.Contains(body, s.pdfName) || strings.Contains(body, s.friend.Subject) {
			t.Errorf("another citizen's %s shows the owner's share", p)
		}
	}
	if res, _ := s.do(t, "POST", "/kho-cua-toi/"+s.pdfID+"/chia-se", s.clerk, form); res.StatusCode != 403 {
		t.Errorf("staff share: %d", res.StatusCode)
	}
	if res, _ := s.do(t, "GET", "/kho-cua-toi/chia-se", s.clerk, nil); res.StatusCode != 403 {
		t.Errorf("staff at the owner's shares: %d", res.StatusCode)
	}
	page, _ = s.vault.SharesGiven(context.Background(), s.owner, "", "", 10)
	if len(page.Shares) != 1 || page.Shares[0].State(archive.DateOf(time.Now().In(web.Vietnam))) != archive.ShareActive {
		t.Error("another citizen changed the owner's shares")
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/kho-cua-toi/chia-se"}, {"GET", "/duoc-chia-se"}, {"GET", "/duoc-chia-se/" + id}, {"GET", "/duoc-chia-se/" + id + "/tep"},
		{"GET", "/duoc-chia-se/" + id + "/pdf"}, {"GET", "/kho-cua-toi/" + s.officeID + "/phien-ban/1/pdf"},
		{"POST", "/kho-cua-toi/" + s.pdfID + "/chia-se"}, {"POST", "/kho-cua-toi/chia-se/" + id + "/thu-hoi"},
	} {
		res, body := s.do(t, c.method, c.path, archive.Actor{}, url.Values{})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/dang-nhap?tiep=") || strings.Contains(body, s.pdfName) {
			t.Errorf("signed out %s %s: %d to %q", c.method, c.path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestSharePostsNeedCSRF: a share or a revocation whose CSRF token the
// check refuses changes nothing.
func TestSharePostsNeedCSRF(t *testing.T) {
	s := newShareSite(t, nil)
	s.share(t, s.pdfID, "person", s.friend.Subject, "Vay vốn", s.day(5))
	page, _ := s.vault.SharesGiven(context.Background(), s.owner, "", "", 10)
	id := page.Shares[0].ID
	guarded := s.with(t, func(cfg *web.Config) { cfg.CSRF = rejectCSRF{} })
	for _, p := range []string{"/kho-cua-toi/" + s.pdfID + "/chia-se", "/kho-cua-toi/chia-se/" + id + "/thu-hoi"} {
		res, _ := guarded.do(t, "POST", p, s.owner, url.Values{"csrf": {"sai"}, "doi-tuong": {"person"}, "ma": {s.other.Subject}, "muc-dich": {"x"}, "den-ngay": {s.day(3)}})
		if res.StatusCode != 403 {
			t.Errorf("%s with a refused token: %d", p, res.StatusCode)
		}
	}
	// The form carries the token.
	if _, body := guarded.do(t, "GET", "/kho-cua-toi/"+s.pdfID, s.owner, nil); strings.Count(body, `name="csrf" value="ma-thu"`) < 2 {
		t.Error("the share and revocation forms lack the CSRF token")
	}
	page, _ = s.vault.SharesGiven(context.Background(), s.owner, "", "", 10)
	if len(page.Shares) != 1 || !page.Shares[0].RevokedAt.IsZero() {
		t.Error("a refused form changed the shares")
	}
}

// TestShareWithSessions: with the real sign-in sessions, the share form
// carries the session's CSRF token and is refused without it; the person
// it is shared with, signed in with their own account, finds and opens
// the paper.
func TestShareWithSessions(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	_, vault, _ := openVault(t, archive.Config{}, log)
	owner := archive.Actor{Subject: "001099000111", Role: archive.RoleCitizen} // userA's citizen ID
	pdf, err := os.ReadFile("../../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d, err := vault.Put(t.Context(), owner, archive.NewDocument{OwnerID: owner.Subject, Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Sổ hộ khẩu cũ"},
		Upload: archive.Upload{Body: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "so.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	s := newSignInSiteWith(t, 0, func(cfg *web.Config, _ string) { cfg.Vault = vault })
	a := s.browser(t, "trình duyệt của Lan")
	if res, _ := a.signIn(s.url, userA, passA, "/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	paper := s.url + "/kho-cua-toi/" + d.ID
	_, body := a.do("GET", paper, nil)
	tok := firstMatch(csrfRE, body[strings.Index(body, `id="chia-se"`):])
	if tok == "" {
		t.Fatal("the share form has no CSRF token")
	}
	until := time.Now().In(web.Vietnam).AddDate(0, 0, 3).Format("02/01/2006")
	form := url.Values{"doi-tuong": {"person"}, "ma": {"001099000222"}, "muc-dich": {"Đăng ký thường trú"}, "den-ngay": {until}}
	for _, bad := range []string{"", "sai-ma"} {
		f := url.Values{"csrf": {bad}}
		for k, v := range form {
			f[k] = v
		}
		if res, _ := a.do("POST", paper+"/chia-se", f); res.StatusCode != 403 {
			t.Errorf("token %q: %d", bad, res.StatusCode)
		}
	}
	if p, _ := vault.SharesGiven(t.Context(), owner, "", "", 10); len(p.Shares) != 0 {
		t.Fatal("a share was made without the token")
	}
	form.Set("csrf", tok)
	if res, body := a.do("POST", paper+"/chia-se", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("share with the token: %d %s", res.StatusCode, errorText(body))
	}
	b := s.browser(t, "trình duyệt của Bình")
	if res, _ := b.signIn(s.url, userB, passB, "/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in B: %d", res.StatusCode)
	}
	_, body = b.do("GET", s.url+"/duoc-chia-se", nil)
	m := regexp.MustCompile(`href="(/duoc-chia-se/[^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Sổ hộ khẩu cũ") || !strings.Contains(body, `aria-current="page">Được chia sẻ với tôi`) {
		t.Fatal("B's list lacks the share")
	}
	if res, got := b.do("GET", s.url+m[1]+"/tep", nil); res.StatusCode != 200 || got != string(pdf) {
		t.Errorf("B opens the shared file: %d", res.StatusCode)
	}
}
