package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/workflow"
)

// otherCitizen is a citizen with no dossier of the site's.
const otherCitizen = "079090000002"

// followSite is newStaffSite's store, vault and dossiers (all of one
// applicant, waiting for intake) behind pages whose workflow reads
// results from the vault. The signed-in person is as newStaffSite's
// (X-Test-User, X-Test-Role), or fixed.
type followSite struct {
	*staffSite
	citizen archive.Actor
}

func newFollowSite(t *testing.T, n int, fixed *archive.Actor, csrf web.CSRF) *followSite {
	t.Helper()
	s := newStaffSite(t, n, nil, nil)
	log := slog.New(slog.DiscardHandler)
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	wf := workflow.New(workflow.Config{Store: s.store, Vault: s.vault, Forms: reg, Log: log, Results: &workflow.Results{Vault: s.vault}})
	identify := func(r *http.Request) (archive.Actor, bool) {
		if fixed != nil {
			return *fixed, true
		}
		sub, role := r.Header.Get("X-Test-User"), archive.Role(r.Header.Get("X-Test-Role"))
		if role == "" {
			role = archive.RoleStaff
		}
		return archive.Actor{Subject: sub, Role: role}, sub != ""
	}
	h, err := web.New(web.Config{Vault: s.vault, Workflow: wf, Identify: identify, CSRF: csrf}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.url, s.wf = hs.URL, wf
	return &followSite{staffSite: s, citizen: archive.Actor{Subject: s.first.Applicant.ID, Role: archive.RoleCitizen}}
}

// as sends a request as the site's citizen.
func (s *followSite) as(t *testing.T, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return s.do(t, method, path, s.citizen.Subject, "citizen", form)
}

// act takes an action as the desk officer.
func (s *followSite) act(t *testing.T, code string, in workflow.ActInput) {
	t.Helper()
	if _, err := s.wf.Act(context.Background(), archive.Actor{Subject: deskSub, Role: archive.RoleStaff}, code, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

// onePagePDF is the signing package's one-page PDF.
func onePagePDF(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload posts a file for component comp as who, with the fields given.
func (s *followSite) upload(t *testing.T, who, role, code, comp string, fields map[string]string, file []byte) (*http.Response, string) {
	t.Helper()
	r := fileRequest(t, s.url+"/ho-so-cua-toi/"+code+"/thanh-phan/"+comp, fields, file)
	return sendAs(t, r, who, role)
}

// postFile posts a file with the fields given through client c.
func postFile(t *testing.T, c *http.Client, u string, fields map[string]string, file []byte) *http.Response {
	t.Helper()
	res, err := c.Do(fileRequest(t, u, fields, file))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// fileRequest is a multipart POST of the fields and, unless nil, the
// file (field tep).
func fileRequest(t *testing.T, u string, fields map[string]string, file []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		fw, err := mw.CreateFormFile("tep", "giay.pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	r, err := http.NewRequest("POST", u, &buf)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

var myRowRE = regexp.MustCompile(`<h2><a href="/ho-so-cua-toi/([^"]+)">`)

// TestMyDossiersList: the citizen's dossiers newest first, twenty a page,
// each with its code, procedure, status label, dates (DD/MM/YYYY) and,
// when late, the badge; the pages together are exactly their dossiers.
// Signed out: to sign in; another citizen: none of them; staff: 404.
func TestMyDossiersList(t *testing.T) {
	s := newFollowSite(t, 21, nil, nil)
	late := s.dossier(t, s.codes[0])
	due := time.Now().Add(-7 * 24 * time.Hour).UTC().Truncate(time.Second)
	late.Status, late.Stage, late.ReceivedAt, late.DueAt, late.Rev = workflow.StatusProcessing, workflow.StageToAssign, due.Add(-24*time.Hour), due, late.Rev+1
	if err := s.store.UpdateDossier(context.Background(), late, workflow.StatusAwaitingIntake); err != nil {
		t.Fatal(err)
	}
	var seen []string
	next := "/ho-so-cua-toi"
	for page := 1; next != ""; page++ {
		res, body := s.as(t, "GET", next, nil)
		if res.StatusCode != 200 || page > 3 {
			t.Fatalf("page %d: %d", page, res.StatusCode)
		}
		rows := myRowRE.FindAllStringSubmatch(body, -1)
		if page == 1 {
			if len(rows) != 20 {
				t.Fatalf("first page has %d rows", len(rows))
			}
			for _, want := range []string{s.first.ProcedureName, workflow.StatusAwaitingIntake.Label(),
				workflow.StatusProcessing.Label() + " " + workflow.StageToAssign.Label(),
				`<span class="badge badge-revoked">` + workflow.LateOverdue.Label() + `</span>`,
				"Ngày tiếp nhận: <time datetime=\"" + strings.ReplaceAll(web.MachineTime(late.ReceivedAt), "+", "&#43;") + "\">" + web.Date(late.ReceivedAt) +
					"</time> · Hẹn trả kết quả: <time datetime=\"" + strings.ReplaceAll(web.MachineTime(due), "+", "&#43;") + "\">" + web.Date(due) + "</time>",
				`aria-current="page">Hồ sơ của tôi</a>`} {
				if !strings.Contains(body, want) {
					t.Errorf("list lacks %q\n%s", want, body[strings.Index(body, "<ul class=\"papers\">"):][:900])
				}
			}
			if n := strings.Count(body, "badge-revoked"); n != 1 {
				t.Errorf("%d late badges, want the one late dossier's", n)
			}
		}
		for _, m := range rows {
			seen = append(seen, m[1])
		}
		next = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if strings.Join(seen, ",") != strings.Join(s.codes, ",") {
		t.Errorf("the pages list %v, want %v", seen, s.codes)
	}
	res, _ := s.do(t, "GET", "/ho-so-cua-toi", "", "", nil)
	if res.StatusCode != 303 || res.Header.Get("Location") != "/dang-nhap?tiep=%2Fho-so-cua-toi" {
		t.Errorf("signed out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := s.do(t, "GET", "/ho-so-cua-toi", otherCitizen, "citizen", nil)
	if res.StatusCode != 200 || myRowRE.MatchString(body) || !strings.Contains(body, "Bạn chưa có hồ sơ nào.") || strings.Contains(body, s.first.ProcedureName) {
		t.Errorf("another citizen's list: %d, rows %v", res.StatusCode, myRowRE.FindAllString(body, -1))
	}
	for _, who := range []struct{ sub, role string }{{deskSub, "staff"}, {"quantri", "admin"}} {
		if res, body := s.do(t, "GET", "/ho-so-cua-toi", who.sub, who.role, nil); res.StatusCode != 404 || strings.Contains(body, s.codes[0]) ||
			strings.Contains(body, `href="/ho-so-cua-toi"`) {
			t.Errorf("%s on the citizen's list: %d (or the navigation offers it)", who.role, res.StatusCode)
		}
	}
}

// TestMyDossierPrivacy: another citizen and staff (even of the dossier's
// own agency) get 404 on the dossier's page, its actions, its uploads and
// its slips, see nothing of it, and change nothing.
func TestMyDossierPrivacy(t *testing.T) {
	s := newFollowSite(t, 1, nil, nil)
	code := s.codes[0]
	s.act(t, code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}})
	before := s.dossier(t, code)
	secret := []string{s.first.Applicant.Name, s.first.Applicant.Phone, s.first.ProcedureName, "Thiếu giấy", "Giấy chứng sinh"}
	for _, who := range []struct{ sub, role string }{{otherCitizen, "citizen"}, {deskSub, "staff"}, {outSub, "staff"}, {"quantri", "admin"}} {
		for _, path := range []string{"/ho-so-cua-toi/" + code, "/ho-so-cua-toi/" + code + "/phieu/supplement"} {
			res, body := s.do(t, "GET", path, who.sub, who.role, nil)
			if res.StatusCode != 404 {
				t.Errorf("%s %s: %d", who.sub, path, res.StatusCode)
			}
			for _, p := range secret {
				if strings.Contains(body, p) {
					t.Errorf("%s %s shows %q", who.sub, path, p)
				}
			}
		}
		for _, act := range []string{"request_withdrawal", "supplement"} {
			res, body := s.do(t, "POST", "/ho-so-cua-toi/"+code, who.sub, who.role, url.Values{"action": {act}, "rev": {"3"}})
			if res.StatusCode != 404 || strings.Contains(body, s.first.Applicant.Name) {
				t.Errorf("%s posts %s: %d", who.sub, act, res.StatusCode)
			}
		}
		res, body := s.upload(t, who.sub, who.role, code, "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, onePagePDF(t))
		if res.StatusCode != 404 || strings.Contains(body, s.first.Applicant.Name) {
			t.Errorf("%s uploads: %d", who.sub, res.StatusCode)
		}
	}
	if d := s.dossier(t, code); d.Rev != before.Rev || d.Status != before.Status || len(d.Components) != len(before.Components) {
		t.Errorf("the dossier changed: rev %d, %s, %d components", d.Rev, d.Status, len(d.Components))
	}
}

// TestMyDossierPage: the dossier as its applicant sees it — status, the
// components with a reused paper's frozen verdict, the trail with people
// by name and position (never a login ID) at hh:mm:ss DD/MM/YYYY, the
// officer's supplement request, only the slips whose event happened, and
// a form for each of the applicant's actions with the CSRF token and the
// revision. A draft links to its composing page instead.
func TestMyDossierPage(t *testing.T) {
	s := newFollowSite(t, 3, nil, nil)
	code := s.codes[0]
	s.act(t, code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh bị mờ",
		Items: []string{"Bản sao Giấy chứng sinh rõ nét", "Giấy tờ tùy thân"}})
	d := s.dossier(t, code)
	res, body := s.as(t, "GET", "/ho-so-cua-toi/"+code, nil)
	if res.StatusCode != 200 {
		t.Fatalf("page: %d", res.StatusCode)
	}
	req := d.Trail[len(d.Trail)-1]
	for _, want := range []string{
		"<h1>Hồ sơ " + code + "</h1>", d.ProcedureName, workflow.StatusAwaitingSupplement.Label(),
		"Dùng lại giấy tờ trong kho", "Căn cước công dân / Thẻ căn cước, phiên bản 3", "Chữ ký hợp lệ", "Người ký: Nguyễn Văn An",
		"<strong>" + workflow.ActionSubmit.Label() + "</strong> — Nguyễn Văn Ấn, " + workflow.RoleApplicant.Label() + ".",
		"<strong>" + workflow.ActionRequestSupplement.Label() + "</strong> — Lê Văn Một, " + workflow.RoleDesk.Label() + ".",
		web.Clock(req.At) + " " + web.Date(req.At),
		"Lý do: Giấy chứng sinh bị mờ", "<li>Bản sao Giấy chứng sinh rõ nét</li>", "<li>Giấy tờ tùy thân</li>",
		`action="/ho-so-cua-toi/` + code + `/thanh-phan/GIAY_CHUNG_SINH" enctype="multipart/form-data"`,
		`<label for="tep-GIAY_CHUNG_SINH">`,
		`<a href="/ho-so-cua-toi/` + code + `/phieu/supplement" download>` + workflow.SlipSupplement.Label() + ` (PDF)</a>`,
		`<input type="hidden" name="csrf" value="">`, `<input type="hidden" name="rev" value="3">`,
		`<h3 id="applicant_stop-tieu-de">` + workflow.ActionApplicantStop.Label() + `</h3>`,
		`<textarea class="input" id="applicant_stop-reason" name="reason" rows="3" required></textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// No login ID, no staff-only slip, no slip whose event did not happen.
	for _, avoid := range []string{deskSub, "(" + d.Applicant.ID + ")", "/phieu/control", "/phieu/receipt", "/phieu/evaluation", "/soan"} {
		if strings.Contains(body, avoid) {
			t.Errorf("page shows %q", avoid)
		}
	}
	// The forms are exactly the applicant's actions of the view.
	v, err := s.wf.Get(context.Background(), s.citizen, code)
	if err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`<input type="hidden" name="action" value="([a-z_]+)">`).FindAllStringSubmatch(body, -1)
	if len(got) != len(v.Actions) || len(got) < 3 {
		t.Fatalf("%d forms, the view allows %v", len(got), v.Actions)
	}
	for i, f := range got {
		if f[1] != string(v.Actions[i]) {
			t.Errorf("form %d is %s, want %s", i, f[1], v.Actions[i])
		}
	}
	// The slip of the request: the applicant's, printed without a
	// purpose; no printer here, so the Vietnamese 503. The agency's own
	// slip and one not ready are refused.
	res, body = s.as(t, "GET", "/ho-so-cua-toi/"+code+"/phieu/supplement", nil)
	if res.StatusCode != 503 || !strings.Contains(body, "chưa in được phiếu") {
		t.Errorf("supplement slip: %d", res.StatusCode)
	}
	if res, _ = s.as(t, "GET", "/ho-so-cua-toi/"+code+"/phieu/control", nil); res.StatusCode != 403 {
		t.Errorf("control slip: %d", res.StatusCode)
	}
	if res, _ = s.as(t, "GET", "/ho-so-cua-toi/"+code+"/phieu/receipt", nil); res.StatusCode != 409 {
		t.Errorf("receipt before reception: %d", res.StatusCode)
	}
	// Applied by a representative: they follow it too, with no upload into
	// the applicant's vault offered.
	agent := s.dossier(t, s.codes[2])
	agent.Representative = &workflow.Representative{Party: workflow.Party{Kind: archive.Individual, ID: otherCitizen, Name: "Trần Thị Đại Diện"},
		Authorization: "Giấy ủy quyền số 1"}
	agent.Rev++
	if err := s.store.UpdateDossier(context.Background(), agent, agent.Status); err != nil {
		t.Fatal(err)
	}
	s.act(t, agent.Code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}})
	res, body = s.do(t, "GET", "/ho-so-cua-toi/"+agent.Code, otherCitizen, "citizen", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "(nộp thay: Trần Thị Đại Diện)") || !strings.Contains(body, "Bạn nộp hồ sơ này thay cho") ||
		strings.Contains(body, "/thanh-phan/") || !strings.Contains(body, `name="action" value="supplement"`) {
		t.Errorf("the representative's page: %d", res.StatusCode)
	}
	if _, body = s.do(t, "GET", "/ho-so-cua-toi", otherCitizen, "citizen", nil); !strings.Contains(body, agent.Code) || strings.Contains(body, code) {
		t.Error("the representative's list does not hold exactly the dossier they applied for")
	}
	// A draft: the link to its composing page, no action form.
	draft := s.dossier(t, s.codes[1])
	draft.Status, draft.Trail, draft.Rev = workflow.StatusRegistered, nil, draft.Rev+1
	if err := s.store.UpdateDossier(context.Background(), draft, workflow.StatusAwaitingIntake); err != nil {
		t.Fatal(err)
	}
	_, body = s.as(t, "GET", "/ho-so-cua-toi/"+draft.Code, nil)
	if !strings.Contains(body, `href="/ho-so-cua-toi/`+draft.Code+`/soan">Tiếp tục soạn và nộp hồ sơ</a>`) || strings.Contains(body, `name="action"`) ||
		!strings.Contains(body, workflow.StatusRegistered.Label()) {
		t.Error("the draft's page does not link to its composing page, or offers actions")
	}
	if res, _ := s.as(t, "POST", "/ho-so-cua-toi/"+draft.Code, url.Values{"action": {"submit"}, "rev": {"3"}}); res.StatusCode != 400 {
		t.Errorf("submit from the follow page: %d", res.StatusCode)
	}
}

// TestMyDossierSupplement: asked for a supplement, the applicant tries to
// send it with a component missing (refused, the message linked from the
// summary, the dossier unchanged), uploads the missing files (an
// oversized one refused with its message at the file's control), and
// sends it: the dossier goes back to the desk. A form drawn before
// another change is 409 with the fresh dossier; a form the CSRF check
// refuses changes nothing.
func TestMyDossierSupplement(t *testing.T) {
	s := newFollowSite(t, 1, nil, nil)
	code := s.codes[0]
	s.act(t, code, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}})
	res, body := s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"supplement"}, "rev": {"3"}, "note": {"Đã gõ"}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#supplement-note">Hồ sơ còn thiếu thành phần bắt buộc:`) ||
		!strings.Contains(body, `id="supplement-note" name="note" rows="3" aria-describedby=" supplement-note-loi" aria-invalid="true">Đã gõ</textarea>`) {
		t.Errorf("supplement with a component missing: %d", res.StatusCode)
	}
	if d := s.dossier(t, code); d.Rev != 3 {
		t.Fatalf("a refused supplement changed the dossier (rev %d)", d.Rev)
	}
	// Too large: refused before the vault, the message at the control.
	big := make([]byte, 51<<20)
	res, body = s.upload(t, s.citizen.Subject, "citizen", code, "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, big)
	if res.StatusCode != 413 || !strings.Contains(body, `<a href="#tep-GIAY_CHUNG_SINH">Tệp quá lớn (tối đa 50 MB).</a>`) ||
		!strings.Contains(body, `<p class="error-message" id="tep-GIAY_CHUNG_SINH-loi">`) {
		t.Errorf("oversized upload: %d", res.StatusCode)
	}
	// No file chosen.
	res, body = s.upload(t, s.citizen.Subject, "citizen", code, "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, nil)
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#tep-GIAY_CHUNG_SINH">Hãy chọn tệp cần nộp.</a>`) {
		t.Errorf("upload without a file: %d", res.StatusCode)
	}
	res, body = s.upload(t, s.citizen.Subject, "citizen", code, "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, onePagePDF(t))
	if res.StatusCode != 303 || res.Header.Get("Location") != "/ho-so-cua-toi/"+code+"#bo-sung" {
		t.Fatalf("upload: %d %q %s", res.StatusCode, res.Header.Get("Location"), errorsOf(body))
	}
	// The identity card is reused from the vault: the applicant's own
	// valid cards are offered, another citizen's never.
	mine, theirs := s.card(t, s.citizen.Subject), s.card(t, otherCitizen)
	_, body = s.as(t, "GET", "/ho-so-cua-toi/"+code, nil)
	if !strings.Contains(body, `<option value="`+mine+`">Căn cước, số `+s.citizen.Subject+`</option>`) || strings.Contains(body, theirs) {
		t.Errorf("the cards offered: %q", regexp.MustCompile(`<option value="[^"]*">[^<]*</option>`).FindAllString(body, -1))
	}
	res, body = s.as(t, "POST", "/ho-so-cua-toi/"+code+"/thanh-phan/GIAY_TO_TUY_THAN", url.Values{"rev": {"4"}, "giay-to": {theirs}})
	if res.StatusCode != 404 || !strings.Contains(body, `<a href="#giay-to-GIAY_TO_TUY_THAN">`) {
		t.Errorf("reuse another citizen's card: %d %s", res.StatusCode, errorsOf(body))
	}
	res, body = s.as(t, "POST", "/ho-so-cua-toi/"+code+"/thanh-phan/GIAY_TO_TUY_THAN", url.Values{"rev": {"4"}, "giay-to": {mine}})
	if res.StatusCode != 303 {
		t.Fatalf("reuse the card: %d %s", res.StatusCode, errorsOf(body))
	}
	// A form drawn at an older revision.
	res, body = s.upload(t, s.citizen.Subject, "citizen", code, "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, onePagePDF(t))
	if res.StatusCode != 409 || !strings.Contains(body, "Hồ sơ vừa thay đổi") || !strings.Contains(body, `name="rev" value="5"`) {
		t.Errorf("stale upload: %d", res.StatusCode)
	}
	res, body = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"supplement"}, "rev": {"3"}})
	if res.StatusCode != 409 || !strings.Contains(body, "Hồ sơ vừa thay đổi") {
		t.Errorf("stale supplement: %d", res.StatusCode)
	}
	_, body = s.as(t, "GET", "/ho-so-cua-toi/"+code, nil)
	if !strings.Contains(body, "Tải tệp lên") || !strings.Contains(body, "Đã nộp; tệp mới sẽ thay tệp cũ.") {
		t.Error("the page does not show the uploaded components")
	}
	// The CSRF seam is checked before anything.
	c := newFollowSite(t, 1, nil, rejectCSRF{})
	c.act(t, c.codes[0], workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}})
	res, body = c.as(t, "POST", "/ho-so-cua-toi/"+c.codes[0], url.Values{"action": {"request_withdrawal"}, "rev": {"3"}})
	if res.StatusCode != 403 || !strings.Contains(body, "Phiên làm việc không hợp lệ") {
		t.Errorf("forged action: %d", res.StatusCode)
	}
	res, _ = c.upload(t, c.citizen.Subject, "citizen", c.codes[0], "GIAY_CHUNG_SINH", map[string]string{"rev": "3"}, onePagePDF(t))
	if res.StatusCode != 403 {
		t.Errorf("forged upload: %d", res.StatusCode)
	}
	if d := c.dossier(t, c.codes[0]); d.Rev != 3 || len(d.Components) != 2 {
		t.Errorf("a forged form changed the dossier: rev %d, %d components", d.Rev, len(d.Components))
	}
	if _, body = c.as(t, "GET", "/ho-so-cua-toi/"+c.codes[0], nil); !strings.Contains(body, `<input type="hidden" name="csrf" value="ma-thu">`) {
		t.Error("the forms do not carry the seam's token")
	}
	// Sent: back to the desk, in the trail by the applicant's name.
	res, _ = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"supplement"}, "rev": {"5"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/ho-so-cua-toi/"+code {
		t.Fatalf("supplement: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	d := s.dossier(t, code)
	if d.Status != workflow.StatusSupplemented || d.Trail[len(d.Trail)-1].Actor != s.citizen.Subject {
		t.Fatalf("after the supplement: %s", d.Status)
	}
	if _, body = s.as(t, "GET", "/ho-so-cua-toi/"+code, nil); !strings.Contains(body, workflow.StatusSupplemented.Label()) ||
		strings.Contains(body, `id="bo-sung"`) {
		t.Error("after the supplement the page still asks for it")
	}
	// Malformed input: no revision, a hidden direction mark in the reason.
	for _, c := range []struct{ rev, reason, want string }{
		{"abc", "Không còn nhu cầu", "Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang."},
		{"6", "Không còn \u202enhu cầu", "chứa ký tự điều khiển hoặc ký tự định dạng ẩn"},
	} {
		res, body = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"applicant_stop"}, "rev": {c.rev}, "reason": {c.reason}})
		if res.StatusCode != 400 || !strings.Contains(errorsOf(body), c.want) || !strings.Contains(body, `class="error-summary" role="alert" tabindex="-1"`) {
			t.Errorf("rev %q reason %q: %d %s", c.rev, c.reason, res.StatusCode, errorsOf(body))
		}
	}
	// The applicant asks to stop, giving no reason: refused at the control.
	res, body = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"applicant_stop"}, "rev": {"6"}, "reason": {"  "}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#applicant_stop-reason">`) {
		t.Errorf("stop without a reason: %d", res.StatusCode)
	}
	res, _ = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"applicant_stop"}, "rev": {"6"}, "reason": {"Không còn nhu cầu"}})
	if d := s.dossier(t, code); res.StatusCode != 303 || d.Status != workflow.StatusApplicantStopped || d.Reason != "Không còn nhu cầu" {
		t.Errorf("stop: %d, %s", res.StatusCode, d.Status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// card stores an identity card of owner into their vault.
func (s *followSite) card(t *testing.T, owner string) string {
	t.Helper()
	pdf := onePagePDF(t)
	d, err := s.vault.Put(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, archive.NewDocument{OwnerID: owner,
		Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước", Number: owner,
			Fields: map[string]any{"soDinhDanh": owner, "hoTen": "Nguyễn Văn Ấn", "ngaySinh": "1999-05-12"}},
		Upload: archive.Upload{Body: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "cc.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// resultDossier makes the site's first dossier one whose result the
// agency issued into the applicant's vault and is ready to hand over; it
// returns the paper.
func (s *followSite) resultDossier(t *testing.T) archive.Document {
	t.Helper()
	ctx := context.Background()
	d := s.first
	staff := archive.Actor{Subject: "lanhdao", Role: archive.RoleStaff, Agency: d.HandlingAgency}
	pdf := onePagePDF(t)
	doc, err := s.vault.Issue(ctx, staff, archive.IssueRequest{Owner: d.Applicant.ID, TypeCode: "KHAI_SINH", Name: "Giấy khai sinh của Nguyễn Minh Khang",
		Number: "0001/2026/KS", Fields: map[string]any{"hoTen": "Nguyễn Minh Khang", "ngaySinh": "2026-08-20"},
		Agency: archive.Agency{Code: d.HandlingAgency, Name: d.HandlingAgencyName}, Dossier: d.Code,
		Upload: archive.Upload{Body: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "ket-qua.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatalf("issue the result: %v", err)
	}
	cur := s.dossier(t, d.Code)
	n := cur
	n.Status, n.Rev = workflow.StatusAwaitingReturn, cur.Rev+1
	n.Result = &workflow.IssuedResult{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Number: "0001/2026/KS", DocumentID: doc.ID,
		ReservedAt: d.CreatedAt, IssuedAt: d.CreatedAt, By: "lanhdao"}
	if err := s.store.UpdateDossier(ctx, n, cur.Status); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestMyDossierResult: a dossier whose result was issued shows it with
// its status read from the vault now, a link to it in "Kho của tôi" and
// its download (which serves the paper); the applicant receives it with
// the receiver's name; once done, the evaluation slip is offered.
func TestMyDossierResult(t *testing.T) {
	s := newFollowSite(t, 1, nil, nil)
	doc := s.resultDossier(t)
	code := s.codes[0]
	res, body := s.as(t, "GET", "/ho-so-cua-toi/"+code, nil)
	if res.StatusCode != 200 {
		t.Fatalf("page: %d", res.StatusCode)
	}
	file := "/kho-cua-toi/" + doc.ID + "/phien-ban/1?tai=1"
	for _, want := range []string{"Kết quả giải quyết", "Giấy khai sinh, số 0001/2026/KS", `<span class="badge badge-valid">Còn hiệu lực</span>`,
		`<a href="/kho-cua-toi/` + doc.ID + `">Xem giấy tờ kết quả trong Kho của tôi</a>`, `<a href="` + strings.ReplaceAll(file, "&", "&amp;") + `" download>`,
		`<h3 id="receive_result-tieu-de">` + workflow.ActionReceiveResult.Label() + `</h3>`, `<label for="receive_result-receiver-name">`,
		"/phieu/evaluation"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	res, pdf := s.as(t, "GET", file, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	// A revoked result says so.
	if _, err := s.vault.Revoke(context.Background(), archive.Actor{Subject: "lanhdao", Role: archive.RoleStaff, Agency: s.first.HandlingAgency}, doc.ID, "Cấp nhầm"); err != nil {
		t.Fatal(err)
	}
	if _, body = s.as(t, "GET", "/ho-so-cua-toi/"+code, nil); !strings.Contains(body, `<span class="badge badge-revoked">Đã bị thu hồi</span> — Cấp nhầm`) {
		t.Error("the revoked result is not shown revoked")
	}
	res, _ = s.as(t, "POST", "/ho-so-cua-toi/"+code, url.Values{"action": {"receive_result"}, "rev": {"3"}, "receiver-name": {"Nguyễn Văn Ấn"}})
	if d := s.dossier(t, code); res.StatusCode != 303 || d.Status != workflow.StatusResultReturned || d.Receiver == nil || d.Receiver.Name != "Nguyễn Văn Ấn" {
		t.Errorf("receive the result: %d, %s", res.StatusCode, d.Status)
	}
	// Another citizen reaches neither the dossier nor the paper.
	for _, path := range []string{"/ho-so-cua-toi/" + code, file} {
		if res, body := s.do(t, "GET", path, otherCitizen, "citizen", nil); res.StatusCode != 404 || strings.Contains(body, "0001/2026/KS") {
			t.Errorf("another citizen %s: %d", path, res.StatusCode)
		}
	}
}

// TestMyDossierPagesAccessible: the list, a dossier asked for a
// supplement (upload, reuse and action forms), a refused action (the summary
// takes the focus), a dossier with its result and the lookup with its QR
// scan pass axe at desktop and phone width; the lookup's scan of a slip's
// QR code looks the dossier up.
func TestMyDossierPagesAccessible(t *testing.T) {
	a := &archive.Actor{Subject: "001099012345", Role: archive.RoleCitizen}
	s := newFollowSite(t, 2, a, nil)
	s.act(t, s.codes[0], workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}})
	s.resultDossier(t)   // the first made: codes[1]
	s.card(t, a.Subject) // offered to reuse for the supplement
	b := browsertest.New(t)
	for _, path := range []string{"/ho-so-cua-toi", "/ho-so-cua-toi/" + s.codes[1], "/ho-so-cua-toi/" + s.codes[0], "/tra-cuu"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, s.url+path) })
	}
	t.Run("refused action", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			tab.Do(t, chromedp.Navigate(s.url+"/ho-so-cua-toi/"+s.codes[0]), chromedp.WaitReady(chromedp.ID("applicant_stop-reason")),
				chromedp.SendKeys(chromedp.ID("applicant_stop-reason"), "   "), chromedp.Click(chromedp.CSS("#applicant_stop button[type=submit]")),
				chromedp.WaitReady(chromedp.CSS(".error-summary")))
			if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
				t.Errorf("at %d px focus on %q, want the error summary", w, got)
			}
			for _, v := range browsertest.Serious(tab.Axe(t)) {
				t.Errorf("axe at %d px, refused action: %s", w, v)
			}
		}
	})
	// The lookup's QR scan, with a camera and a detector that reads the
	// slip's QR code (the public lookup URL): the code is filled in and
	// looked up.
	t.Run("lookup by QR", func(t *testing.T) {
		code := s.codes[0]
		tab := b.Tab(t, browsertest.PhoneWidth)
		stub := `window.BarcodeDetector = function () { this.detect = function () {
			return Promise.resolve([{ rawValue: "https://dichvucong.example.vn/tra-cuu/` + code + `" }]); }; };
			if (navigator.mediaDevices) { navigator.mediaDevices.getUserMedia = function () { return Promise.resolve(new MediaStream()); }; }`
		if _, err := chromedp.Call(tab.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stub}); err != nil {
			t.Fatal(err)
		}
		tab.Do(t, chromedp.Navigate(s.url+"/tra-cuu"), chromedp.WaitVisible(chromedp.CSS("[data-qr-start]")),
			chromedp.Click(chromedp.CSS("[data-qr-start]")), chromedp.WaitVisible(chromedp.ID("ket-qua")))
		if got := browsertest.Eval[string](t, tab, `location.pathname + location.search + " " + document.getElementById("ket-qua").textContent`); got != "/tra-cuu?ma="+url.QueryEscape(code)+" Hồ sơ "+code {
			t.Errorf("after the scan: %q", got)
		}
	})
}

var errorSummaryRE = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>|<p class="error-message"[^>]*>.*?</p>`)

// errorsOf is the error summary and messages of a page, for a failure's
// message.
func errorsOf(body string) string { return strings.Join(errorSummaryRE.FindAllString(body, -1), "\n") }

// TestMyDossierSignedIn: through the real sign-in service and its session
// cookie, the applicant's action form carries the session's CSRF token
// and is taken with it; a wrong token or none is refused and changes
// nothing; another citizen's session gets 404.
func TestMyDossierSignedIn(t *testing.T) {
	ctx := context.Background()
	s := newStaffSite(t, 1, nil, nil)
	code := s.codes[0]
	for _, u := range []struct{ name, pw, id string }{{userA, passA, s.first.Applicant.ID}, {userB, passB, otherCitizen}} {
		acc, err := auth.NewAccount(auth.Account{Username: u.name, DisplayName: u.name, Role: archive.RoleCitizen, CitizenID: u.id}, u.pw, auth.DefaultArgon2, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.store.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := auth.NewService(auth.Config{Store: s.store, Tokens: s.store, Key: []byte("khóa thử nghiệm của trang hồ sơ, đủ 32 byte nhé")})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Vault: s.vault, Workflow: s.wf, Auth: svc}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	site := &signInSite{url: hs.URL, store: s.store}
	a, b := site.browser(t, "Firefox"), site.browser(t, "Chrome")
	for _, c := range []struct {
		br       *browser
		user, pw string
	}{{a, userA, passA}, {b, userB, passB}} {
		if res, _ := c.br.signIn(hs.URL, c.user, c.pw, "/ho-so-cua-toi"); res.StatusCode != 303 {
			t.Fatalf("sign in %s: %d", c.user, res.StatusCode)
		}
	}
	if _, err := s.wf.Act(ctx, archive.Actor{Subject: deskSub, Role: archive.RoleStaff}, code, workflow.ActInput{Action: workflow.ActionRequestSupplement,
		Reason: "Thiếu giấy", Items: []string{"Giấy chứng sinh"}}); err != nil {
		t.Fatal(err)
	}
	page := hs.URL + "/ho-so-cua-toi/" + code
	_, body := a.do("GET", page, nil)
	token := firstMatch(csrfRE, body)
	if token == "" || !strings.Contains(body, `name="action" value="request_withdrawal"`) {
		t.Fatal("the page has no action form with a token")
	}
	for _, bad := range []string{"", "sai" + token} {
		res, _ := a.do("POST", page, url.Values{"csrf": {bad}, "action": {"request_withdrawal"}, "rev": {"3"}})
		if res.StatusCode != 403 {
			t.Errorf("token %q: %d", bad, res.StatusCode)
		}
		if res := postFile(t, a.c, page+"/thanh-phan/GIAY_CHUNG_SINH", map[string]string{"csrf": bad, "rev": "3"}, onePagePDF(t)); res.StatusCode != 403 {
			t.Errorf("upload with token %q: %d", bad, res.StatusCode)
		}
	}
	if d := s.dossier(t, code); d.Rev != 3 {
		t.Fatalf("a refused token changed the dossier: rev %d", d.Rev)
	}
	_, other := b.do("GET", hs.URL+"/ho-so-cua-toi", nil)
	res, _ := b.do("POST", page, url.Values{"csrf": {firstMatch(csrfRE, other)}, "action": {"request_withdrawal"}, "rev": {"3"}})
	if res.StatusCode != 404 {
		t.Errorf("another citizen's action: %d", res.StatusCode)
	}
	// The multipart upload carries the token too.
	if res := postFile(t, a.c, page+"/thanh-phan/GIAY_CHUNG_SINH", map[string]string{"csrf": token, "rev": "3"}, onePagePDF(t)); res.StatusCode != 303 {
		t.Fatalf("upload with the session's token: %d", res.StatusCode)
	}
	res, _ = a.do("POST", page, url.Values{"csrf": {token}, "action": {"request_withdrawal"}, "rev": {"4"}})
	if d := s.dossier(t, code); res.StatusCode != 303 || d.Status != workflow.StatusWithdrawalRequested {
		t.Errorf("withdrawal request: %d, %s", res.StatusCode, d.Status)
	}
}

// TestStaffActionSignedIn: an officer's action form posted through the
// real sign-in service with the session's token is taken (the check reads
// the token from the parsed form); a wrong token is refused.
func TestStaffActionSignedIn(t *testing.T) {
	ctx := context.Background()
	s := newStaffSite(t, 1, nil, nil)
	acc, err := auth.NewAccount(auth.Account{Username: deskSub, DisplayName: "Lê Văn Một", Role: archive.RoleStaff}, passA, auth.DefaultArgon2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.NewService(auth.Config{Store: s.store, Tokens: s.store, Key: []byte("khóa thử nghiệm của trang hồ sơ, đủ 32 byte nhé")})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Vault: s.vault, Workflow: s.wf, Auth: svc}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	a := (&signInSite{url: hs.URL, store: s.store}).browser(t, "Firefox")
	if res, _ := a.signIn(hs.URL, deskSub, passA, "/can-bo"); res.StatusCode != 303 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	page := hs.URL + "/can-bo/ho-so/" + s.codes[0]
	_, body := a.do("GET", page+"?muc-dich=x", nil)
	token := firstMatch(csrfRE, body)
	form := url.Values{"csrf": {"sai" + token}, "action": {"refuse_intake"}, "reason": {"Không thuộc thẩm quyền"}, "rev": {"2"}, "muc-dich": {"x"}}
	if res, _ := a.do("POST", page, form); res.StatusCode != 403 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	form.Set("csrf", token)
	res, body := a.do("POST", page, form)
	if d := s.dossier(t, s.codes[0]); res.StatusCode != 303 || d.Status != workflow.StatusIntakeRefused {
		t.Errorf("refusal with the session's token: %d, %s %s", res.StatusCode, d.Status, errorsOf(body))
	}
}
