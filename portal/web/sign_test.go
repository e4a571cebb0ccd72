package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// The leaders of the signing tests: the ward's leader with two keys, a
// second leader of the ward with one, and an appraiser with none.
const (
	leaderSub    = "chutich"
	leader2Sub   = "phochutich"
	appraiserSub = "thamdinh1"
)

// signSite is a staffSite whose workflow issues results: the real
// Gotenberg, the shipped templates, the test PKI's keys (the ward's
// leader holds a file key and a token key, the second leader a remote
// one, the other ward's leader a file key), and n dossiers of the ward
// approved and waiting for the leader's signature.
type signSite struct {
	*staffSite
	pki  *pki.PKI
	csrf web.CSRF
}

func newSignSite(t *testing.T, n int, csrf web.CSRF, fixed *archive.Actor) *signSite {
	t.Helper()
	ctx := context.Background()
	srv, err := pki.StartServer(ctx, pki.Options{})
	if err != nil {
		t.Fatalf("test PKI: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	p := srv.PKI
	key := func(name string) signing.KeySource {
		certs, k, err := p.Identity(name).PEM()
		if err != nil {
			t.Fatal(err)
		}
		ks, err := signing.LoadPEM(certs, k)
		if err != nil {
			t.Fatal(err)
		}
		return ks
	}
	conv, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	results := func(vault *archive.Service) *workflow.Results {
		return &workflow.Results{Templates: tpl, Converter: conv, Vault: vault, Signer: &workflow.KeySigner{
			Leaders: map[string][]workflow.LeaderKey{
				leaderSub: {{Name: "tep-ca-nhan", Source: workflow.KeySourceFile, Key: key(pki.Personal)},
					{Name: "the-ky-so", Source: workflow.KeySourceToken, Key: key(pki.ECDSA)}},
				leader2Sub: {{Name: "ky-tu-xa", Source: workflow.KeySourceRemote, Key: key(pki.Personal)}},
				outSub:     {{Name: "khoa-khac", Source: workflow.KeySourceFile, Key: key(pki.Personal)}},
			},
			Seals:   map[string]signing.KeySource{ward: key(pki.Seal), otherWard: key(pki.Seal)},
			Checker: &signing.Checker{Roots: p.Roots(), Timeout: 5 * time.Second},
		}}
	}
	s := newStaffSiteWith(t, n, fixed, csrf, staffSiteOptions{
		staff: []workflow.Staff{
			{Subject: appraiserSub, Name: "Phạm Văn Định", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleAppraiser}},
			{Subject: leaderSub, Name: "Nguyễn Văn Tịch", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleLeader}},
			{Subject: leader2Sub, Name: "Trần Văn Phó", Agency: ward, Department: "VP", Positions: []workflow.Role{workflow.RoleLeader}},
		},
		results: results,
		age:     4 * time.Hour,
		edit: func(d *workflow.Dossier, at time.Time) {
			d.Components = d.Components[:1] // the eForm: no paper of a vault that is not there
			d.Components[0].Form = birthForm(t)
			d.Status, d.Stage, d.Step, d.ReceivedAt = workflow.StatusProcessing, workflow.StageApproved, "", at.Add(time.Minute)
			d.Handler = &workflow.Handler{Subject: appraiserSub, Name: "Phạm Văn Định"}
		},
		timeout: 3 * time.Minute,
	})
	return &signSite{staffSite: s, pki: p, csrf: csrf}
}

var dmyRE = regexp.MustCompile(`^(\d{2})/(\d{2})/(\d{4})$`)

// birthForm is the shipped birth registration's eForm as a citizen fills
// it (the result is filled from it).
func birthForm(t *testing.T) *forms.Values {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(workflowtest.BirthForm))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	// Dates as the eForm's parser stores them (the form shows DD/MM/YYYY).
	for k, v := range data {
		if m := dmyRE.FindStringSubmatch(fmt.Sprint(v)); m != nil {
			data[k] = m[3] + "-" + m[2] + "-" + m[1]
		}
	}
	return &forms.Values{Form: "TK_KHAI_SINH", Version: 1, Data: data}
}

// firstSigner is the certificate that made the first signature of the
// result a dossier issued: its common name and serial.
func (s *signSite) firstSigner(t *testing.T, code string) string {
	t.Helper()
	ctx := context.Background()
	d := s.dossier(t, code)
	if d.Result == nil || d.Result.DocumentID == "" {
		t.Fatalf("%s issued no result (%s)", code, d.Status)
	}
	owner := archive.Actor{Subject: d.Applicant.ID, Role: archive.RoleCitizen}
	rc, err := s.vault.Open(ctx, owner, d.Result.DocumentID, 0, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{Roots: s.pki.Roots()})
	if err != nil || len(rep.Signatures) != 2 || rep.Signatures[0].Signer == nil {
		t.Fatalf("the result of %s: %v %+v", code, err, rep)
	}
	return rep.Signatures[0].Signer.CommonName + "/" + rep.Signatures[0].Signer.CertSerial
}

// identity is the common name and serial of a test PKI identity.
func (s *signSite) identity(name string) string {
	c := s.pki.Identity(name).Cert
	return c.Subject.CommonName + "/" + fmt.Sprintf("%X", c.SerialNumber)
}

// retrySign sends a sign request again while the test Gotenberg fails the
// conversion in flight (it restarts Chromium under load); signing is made
// to be retried.
func retrySign(t *testing.T, send func() (*http.Response, string)) (*http.Response, string) {
	t.Helper()
	res, body := send()
	for i := 0; i < 2 && strings.Contains(body, "converter_failed"); i++ {
		t.Logf("Gotenberg failed; retrying")
		time.Sleep(2 * time.Second)
		res, body = send()
	}
	return res, body
}

// TestSignForm: the sign action's form on the staff dossier page offers
// the leader's own keys with where each is kept; a leader with one key
// sees it as text. Signing with the key chosen makes that key's
// certificate the result's first signature; none chosen of two, or a key
// that is another leader's, is refused on the page, the choice marked and
// nothing signed.
func TestSignForm(t *testing.T) {
	s := newSignSite(t, 2, nil, nil)
	code := s.codes[0]
	page := "/can-bo/ho-so/" + code + "?muc-dich=" + url.QueryEscape("Ký duyệt kết quả")
	res, body := s.do(t, "GET", page, leaderSub, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("dossier page: %d", res.StatusCode)
	}
	for _, want := range []string{`<label for="sign-key">Khóa ký số</label>`,
		`<select class="input" id="sign-key" name="key" aria-describedby="sign-key-goi-y" required>`,
		`<option value="tep-ca-nhan">tep-ca-nhan — Tệp chứng thư (PKCS#12) trên máy chủ</option>`,
		`<option value="the-ky-so">the-ky-so — Thiết bị ký số (PKCS#11)</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the leader's sign form lacks %q", want)
		}
	}
	if strings.Contains(body, "ky-tu-xa") || strings.Contains(body, "khoa-khac") {
		t.Error("the sign form shows another leader's key")
	}
	_, body = s.do(t, "GET", page, leader2Sub, "", nil)
	if !strings.Contains(body, `<p><strong>Khóa ký số:</strong></p>`) || !strings.Contains(body, "ky-tu-xa — Dịch vụ ký số từ xa") ||
		strings.Contains(body, `<select class="input" id="sign-key"`) {
		t.Error("a leader with one key does not see it as text")
	}
	post := func(f url.Values) (*http.Response, string) {
		f.Set("action", "sign")
		f.Set("rev", strconv.FormatInt(s.dossier(t, code).Rev, 10))
		f.Set("muc-dich", "Ký duyệt kết quả")
		return s.do(t, "POST", "/can-bo/ho-so/"+code, leaderSub, "", f)
	}
	rev := s.dossier(t, code).Rev
	for key, want := range map[string]string{"": "Bạn có nhiều khóa ký số; hãy chọn khóa dùng để ký.",
		"ky-tu-xa": "Khóa ký số đã chọn không phải khóa của bạn; hãy chọn lại trong danh sách."} {
		res, body := post(url.Values{"key": {key}})
		if res.StatusCode != 400 || !strings.Contains(body, `<a href="#sign-key">`+want+`</a>`) ||
			!strings.Contains(body, `id="sign-key" name="key" aria-describedby="sign-key-goi-y sign-key-loi" aria-invalid="true" required>`) {
			t.Errorf("key %q: %d, want the refusal on the key", key, res.StatusCode)
		}
		if d := s.dossier(t, code); d.Rev != rev || d.Result != nil {
			t.Fatalf("key %q changed the dossier", key)
		}
	}
	// Another agency's leader, with a key of their own.
	res, _ = s.do(t, "POST", "/can-bo/ho-so/"+code, outSub, "", url.Values{"action": {"sign"}, "rev": {strconv.FormatInt(rev, 10)},
		"key": {"khoa-khac"}, "muc-dich": {"x"}})
	if res.StatusCode != 403 || s.dossier(t, code).Result != nil {
		t.Errorf("another agency's leader: %d", res.StatusCode)
	}
	res, _ = retrySign(t, func() (*http.Response, string) { return post(url.Values{"key": {"the-ky-so"}}) })
	if res.StatusCode != 303 {
		t.Fatalf("sign with the token key: %d", res.StatusCode)
	}
	if got, want := s.firstSigner(t, code), s.identity(pki.ECDSA); got != want {
		t.Fatalf("the result was signed by %s, want the chosen key's %s", got, want)
	}
}

var outcomeRE = regexp.MustCompile(`<td><a href="/can-bo/ho-so/([^"]+)">[^<]+</a></td>\s*<td>(Đã ký|<strong>Chưa ký</strong>)</td>\s*<td>([^<]*)</td>`)

// outcomes are the rows of the sign many result page: code → "ký|Số N"
// or "chưa|reason".
func outcomes(body string) map[string]string {
	out := map[string]string{}
	for _, m := range outcomeRE.FindAllStringSubmatch(body, -1) {
		st := "ký"
		if m[2] != "Đã ký" {
			st = "chưa"
		}
		out[m[1]] = st + "|" + m[3]
	}
	return out
}

// TestSignMany: the leader's list of dossiers waiting for their signature
// has a checkbox per dossier and the key choice; POST /can-bo/ky-nhieu
// signs each one chosen in turn with the key chosen — one another officer
// changed since the list was drawn is refused with the reason and does not
// stop the others — and lists each with its result number or reason.
// Sending the same form again signs nothing twice. Nobody chosen, more
// than 50, or a forged form are refused; a citizen, a non-leader and
// another agency's leader sign nothing.
func TestSignMany(t *testing.T) {
	s := newSignSite(t, 3, nil, nil)
	res, body := s.do(t, "GET", "/can-bo?nhom=leader.to_sign", leaderSub, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("the list: %d", res.StatusCode)
	}
	for _, c := range s.codes {
		want := fmt.Sprintf(`<input type="checkbox" id="ho-so-%s" name="ho-so" value="%s@%d">`, c, c, s.dossier(t, c).Rev)
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if !strings.Contains(body, `<form class="form" method="post" action="/can-bo/ky-nhieu" id="ky-nhieu"`) ||
		!strings.Contains(body, `<option value="the-ky-so">the-ky-so — Thiết bị ký số (PKCS#11)</option>`) {
		t.Error("the list has no sign form with the key choice")
	}
	if _, other := s.do(t, "GET", "/can-bo?nhom=leader.to_sign", outSub, "", nil); strings.Contains(other, "ho-so-") {
		t.Error("another agency's leader sees this agency's dossiers to sign")
	}
	choice := func(code string, rev int64) string { return code + "@" + strconv.FormatInt(rev, 10) }
	form := url.Values{"key": {"tep-ca-nhan"}}
	for _, c := range s.codes {
		form.Add("ho-so", choice(c, s.dossier(t, c).Rev))
	}
	// Refusals that sign nothing.
	for _, c := range []struct {
		name, user, role string
		form             url.Values
		status           int
		want             string
	}{
		{"none chosen", leaderSub, "", url.Values{"key": {"tep-ca-nhan"}}, 400, `<a href="#ho-so-` + s.codes[0] + `">Hãy chọn ít nhất một hồ sơ để ký.</a>`},
		{"over 50", leaderSub, "", url.Values{"ho-so": slicesRepeat(choice(s.codes[0], 2), 51)}, 400, "Mỗi lần chỉ ký được tối đa 50 hồ sơ"},
		{"malformed", leaderSub, "", url.Values{"ho-so": {"khong-co-phien-ban"}}, 400, "Danh sách hồ sơ đã chọn không hợp lệ"},
		{"citizen", "001099012345", "citizen", form, 403, "Trang này dành cho cán bộ xử lý hồ sơ."},
		{"appraiser", appraiserSub, "", form, 200, "Đã ký <strong>0</strong> hồ sơ"},
		{"other agency", outSub, "", url.Values{"ho-so": form["ho-so"], "key": {"khoa-khac"}}, 200, "Đã ký <strong>0</strong> hồ sơ"},
	} {
		res, body := s.do(t, "POST", "/can-bo/ky-nhieu", c.user, c.role, c.form)
		if res.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q", c.name, res.StatusCode, c.status, c.want)
		}
		if c.status == 400 && !strings.Contains(body, `class="error-summary" role="alert" tabindex="-1" aria-labelledby="loi-tieu-de" autofocus`) {
			t.Errorf("%s: no error summary taking the focus", c.name)
		}
		if c.name == "appraiser" {
			if o := outcomes(body); len(o) != 3 || !strings.Contains(o[s.codes[0]], "chỉ dành cho") {
				t.Errorf("appraiser's outcomes %v", o)
			}
		}
	}
	for _, c := range s.codes {
		if d := s.dossier(t, c); d.Result != nil {
			t.Fatalf("a refused request signed %s", c)
		}
	}
	// Another officer changed the last dossier after the list was drawn.
	moved := s.dossier(t, s.codes[2])
	moved.Rev++
	if err := s.store.UpdateDossier(context.Background(), moved, moved.Status); err != nil {
		t.Fatal(err)
	}
	send := func() (*http.Response, string) { return s.do(t, "POST", "/can-bo/ky-nhieu", leaderSub, "", form) }
	res, body = retrySign(t, send)
	o := outcomes(body)
	if res.StatusCode != 200 || len(o) != 3 || !strings.Contains(body, "Đã ký <strong>2</strong> hồ sơ") {
		t.Fatalf("sign many: %d, outcomes %v", res.StatusCode, o)
	}
	for _, c := range s.codes[:2] {
		d := s.dossier(t, c)
		if d.Status != workflow.StatusResolved || o[c] != "ký|Số "+d.Result.Number {
			t.Errorf("%s: %s, outcome %q", c, d.Status, o[c])
		}
		if got, want := s.firstSigner(t, c), s.identity(pki.Personal); got != want {
			t.Errorf("%s signed by %s, want %s", c, got, want)
		}
	}
	if !strings.HasPrefix(o[s.codes[2]], "chưa|") || !strings.Contains(o[s.codes[2]], "vừa được người khác cập nhật") || s.dossier(t, s.codes[2]).Result != nil {
		t.Errorf("the changed dossier: %q", o[s.codes[2]])
	}
	// Again: the two signed answer as signed, nothing new is issued.
	before := s.dossier(t, s.codes[0]).Rev
	_, body = retrySign(t, send)
	if o2 := outcomes(body); o2[s.codes[0]] != o[s.codes[0]] || s.dossier(t, s.codes[0]).Rev != before {
		t.Errorf("a retry: %v", o2)
	}
	// A forged form is refused before anything.
	f := newSignSite(t, 1, rejectCSRF{}, nil)
	res, body = f.do(t, "POST", "/can-bo/ky-nhieu", leaderSub, "", url.Values{"ho-so": {choice(f.codes[0], f.dossier(t, f.codes[0]).Rev)}})
	if res.StatusCode != 403 || !strings.Contains(body, "Phiên làm việc không hợp lệ") || f.dossier(t, f.codes[0]).Result != nil {
		t.Errorf("forged form: %d", res.StatusCode)
	}
}

// slicesRepeat is n copies of v.
func slicesRepeat(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestSignPagesAccessible: the leader's list with the sign many form, the
// dossier page with the key choice, the sign many form refused (nothing
// chosen: the summary takes the focus), its result page, and the digitise
// form (with a type chosen, and refused) pass axe at desktop and phone
// width.
func TestSignPagesAccessible(t *testing.T) {
	s := newSignSite(t, 2, nil, &archive.Actor{Subject: leaderSub, Role: archive.RoleStaff})
	b := browsertest.New(t)
	for _, path := range []string{"/can-bo?nhom=leader.to_sign", "/can-bo/ho-so/" + s.codes[0] + "?muc-dich=k%C3%BD",
		"/can-bo/so-hoa", "/can-bo/so-hoa?loai=CAN_CUOC"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, s.url+path) })
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
	t.Run("sign many refused", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			tab.Do(t, chromedp.Navigate(s.url+"/can-bo?nhom=leader.to_sign"), chromedp.WaitReady(chromedp.ID("ky-nhieu")),
				chromedp.SetValue(chromedp.ID("ky-nhieu-key"), "tep-ca-nhan"), chromedp.Click(chromedp.CSS("#ky-nhieu button[type=submit]")),
				chromedp.WaitReady(chromedp.CSS(".error-summary")))
			check(t, tab, w, "sign many refused", "error-summary")
		}
	})
	t.Run("digitise refused", func(t *testing.T) {
		scanFile, err := filepath.Abs("../../signing/testdata/one-page.pdf")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			// A blank owner passes the browser's check, not the server's.
			tab.Do(t, chromedp.Navigate(s.url+"/can-bo/so-hoa?loai=KHAC"), chromedp.WaitReady(chromedp.ID("tep")),
				chromedp.SendKeys(chromedp.ID("chu-kho"), "   "), chromedp.SendKeys(chromedp.ID("ten"), "Giấy tờ"),
				chromedp.SetUploadFiles(chromedp.ID("tep"), []string{scanFile}),
				chromedp.Click(chromedp.CSS("form[enctype] button[type=submit]")), chromedp.WaitReady(chromedp.CSS(".error-summary")))
			check(t, tab, w, "digitise refused", "error-summary")
		}
	})
	t.Run("sign many result", func(t *testing.T) {
		tab := b.Tab(t, browsertest.PhoneWidth)
		tab.Do(t, chromedp.Navigate(s.url+"/can-bo?nhom=leader.to_sign"), chromedp.WaitReady(chromedp.ID("ky-nhieu")),
			chromedp.Click(chromedp.CSS(`[id="ho-so-`+s.codes[0]+`"]`)), chromedp.SetValue(chromedp.ID("ky-nhieu-key"), "tep-ca-nhan"),
			chromedp.Click(chromedp.CSS("#ky-nhieu button[type=submit]")), chromedp.WaitReady(chromedp.CSS(`[aria-label="Bảng kết quả ký từng hồ sơ"]`)))
		if got := browsertest.Eval[string](t, tab, `document.querySelector("h1").textContent`); got != "Kết quả ký các hồ sơ đã chọn" {
			t.Fatalf("after sending: %q", got)
		}
		check(t, tab, browsertest.PhoneWidth, "sign many result", "notice")
		if got := browsertest.Eval[string](t, tab, `document.querySelector("tbody tr td:nth-child(2)").textContent`); got != "Đã ký" &&
			!strings.Contains(browsertest.Eval[string](t, tab, `document.body.textContent`), "converter") {
			t.Errorf("the dossier's outcome %q", got)
		}
	})
}

// TestSignManyOutOfTime: when the request's time has run out before a
// dossier is begun, it is listed as not signed, to be chosen again, and
// nothing of it changes.
func TestSignManyOutOfTime(t *testing.T) {
	s := newSignSite(t, 2, nil, nil)
	leader := archive.Actor{Subject: leaderSub, Role: archive.RoleStaff}
	h, err := web.New(web.Config{Vault: s.vault, Workflow: s.wf, RequestTimeout: time.Nanosecond,
		Identify: func(*http.Request) (archive.Actor, bool) { return leader, true }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	late := &staffSite{url: hs.URL, store: s.store}
	form := url.Values{"key": {"tep-ca-nhan"}}
	for _, c := range s.codes {
		form.Add("ho-so", c+"@"+strconv.FormatInt(s.dossier(t, c).Rev, 10))
	}
	res, body := late.do(t, "POST", "/can-bo/ky-nhieu", leaderSub, "", form)
	o := outcomes(body)
	if res.StatusCode != 200 || len(o) != 2 || !strings.Contains(body, "Đã ký <strong>0</strong> hồ sơ") {
		t.Fatalf("out of time: %d, outcomes %v", res.StatusCode, o)
	}
	for _, c := range s.codes {
		if !strings.Contains(o[c], "hết thời gian xử lý") || s.dossier(t, c).Result != nil {
			t.Errorf("%s: %q", c, o[c])
		}
	}
}
