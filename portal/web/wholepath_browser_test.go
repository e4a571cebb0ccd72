package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// The accounts of the whole path: the citizen, and the ward's desk
// officer, head of department, appraiser and leader.
var pathAccounts = []struct {
	user, pw string
	role     archive.Role
	citizen  string
	position workflow.Role
}{
	{"congdan.an", "mật khẩu của công dân An", archive.RoleCitizen, father, ""},
	{"motcua", "mật khẩu của một cửa", archive.RoleStaff, "", workflow.RoleDesk},
	{"truongphong", "mật khẩu của trưởng phòng", archive.RoleStaff, "", workflow.RoleHead},
	{"thamdinh", "mật khẩu của thẩm định", archive.RoleStaff, "", workflow.RoleAppraiser},
	{"chutich", "mật khẩu của chủ tịch", archive.RoleStaff, "", workflow.RoleLeader},
}

// pathSite is kho serve's pages as kho serve builds them — sign-in by
// portal/auth sessions over the embedded store, the vault on local files
// verifying against the test PKI, the workflow issuing results through
// the real Gotenberg, signed with the test PKI's personal key of the
// leader and the ward's seal — with the citizen's identity card in their
// vault.
type pathSite struct {
	url  string
	card archive.Document
}

func newPathSite(t *testing.T) *pathSite {
	t.Helper()
	ctx := context.Background()
	srv, err := pki.StartServer(ctx, pki.Options{})
	if err != nil {
		t.Fatalf("test PKI: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	p := srv.PKI
	checker := &signing.Checker{Roots: p.Roots(), Timeout: 5 * time.Second}
	verifier := archive.NewVerifier(signing.VerifyOptions{Roots: p.Roots(), Checker: checker})
	log := slog.New(slog.DiscardHandler)
	store, vault, _ := openVault(t, archive.Config{Verifier: verifier}, log)
	conv, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
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
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	wf := workflow.New(workflow.Config{Store: store, Vault: vault, Forms: reg, Log: log, Results: &workflow.Results{Templates: tpl, Converter: conv,
		Vault: vault, PublicURL: hs.URL, Signer: &workflow.KeySigner{Leaders: map[string][]workflow.LeaderKey{"chutich": {{Name: "tep-ca-nhan", Source: workflow.KeySourceFile, Key: key(pki.Personal)}}},
			Seals: map[string]signing.KeySource{ward: key(pki.Seal)}, Checker: checker}}})
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, err := wf.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	for _, u := range pathAccounts {
		acc := auth.Account{Username: u.user, DisplayName: u.user, Role: u.role, CitizenID: u.citizen}
		if u.role == archive.RoleStaff {
			acc.Agency = ward
			if _, err := wf.PutStaff(ctx, admin, workflow.Staff{Subject: u.user, Name: "Cán bộ " + u.user, Agency: ward, Department: "VP",
				Positions: []workflow.Role{u.position}, Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		a, err := auth.NewAccount(acc, u.pw, auth.DefaultArgon2, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := auth.NewService(auth.Config{Store: store, Tokens: store, Key: []byte("khóa thử nghiệm của trang đăng nhập, đủ 32 byte")})
	if err != nil {
		t.Fatal(err)
	}
	if h, err = web.New(web.Config{Vault: vault, Workflow: wf, Verifier: verifier, MaxVerifyBytes: 8 << 20, Auth: svc}, log); err != nil {
		t.Fatal(err)
	}
	card, err := vault.Put(ctx, archive.Actor{Subject: father, Role: archive.RoleCitizen}, archive.NewDocument{
		Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước", Number: father,
			Fields: map[string]any{"soDinhDanh": father, "hoTen": "Nguyễn Văn An", "ngaySinh": "1999-05-12"}},
		Upload: archive.Upload{Body: bytes.NewReader(tinyPDF("can cuoc")), Size: -1, FileName: "can-cuoc.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	return &pathSite{url: hs.URL, card: card}
}

// walker is the whole path's one browser tab, with axe run on every page.
type walker struct {
	t    *testing.T
	b    *browsertest.Browser
	tab  *browsertest.Tab
	base string
	seen map[string]bool
}

// axe checks the tab's page as it is (a page reached by a post), at this
// width; check checks an address at desktop and phone width, once.
func (w *walker) axe(what string) {
	w.t.Helper()
	for _, v := range browsertest.Serious(w.tab.Axe(w.t)) {
		w.t.Errorf("axe, %s: %s", what, v)
	}
}

func (w *walker) check(path string) {
	w.t.Helper()
	if !w.seen[path] {
		w.seen[path] = true
		w.b.CheckAccessible(w.t, w.base+path)
	}
}

// path is the tab's address without the origin.
func (w *walker) path() string {
	w.t.Helper()
	return strings.TrimPrefix(browsertest.Eval[string](w.t, w.tab, `location.href`), w.base)
}

// signIn signs in through the sign-in page, going to next, in a new tab
// (a tab lives a minute; the browser's cookies are the same in all).
func (w *walker) signIn(user, pw, next string) {
	w.t.Helper()
	w.tab = w.b.Tab(w.t, browsertest.DesktopWidth)
	w.tab.Do(w.t, chromedp.Navigate(w.base+"/dang-nhap?tiep="+url.QueryEscape(next)), chromedp.WaitReady(chromedp.ID("username")))
	w.check("/dang-nhap")
	w.tab.Do(w.t, chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitReady(chromedp.CSS("form.sign-out")))
	if got := w.path(); got != next {
		w.t.Fatalf("%s signed in to %s, want %s", user, got, next)
	}
}

// signOut signs out with the header's button.
func (w *walker) signOut() {
	w.t.Helper()
	w.tab.Do(w.t, chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitNotPresent(chromedp.CSS("form.sign-out")))
}

// act takes a workflow action on the staff dossier page by its form (the
// hidden action field) or its button's text, filling controls by ID.
// Its form gone, the page shows the dossier after it.
func (w *walker) act(a workflow.Action, fill map[string]string) {
	w.t.Helper()
	form := fmt.Sprintf(`//form[.//input[@name="action" and @value=%q] or .//button[normalize-space(.)=%q]]`, string(a), a.Label())
	if !browsertest.Eval[bool](w.t, w.tab, fmt.Sprintf(`!!document.evaluate(%q, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`, form)) {
		w.t.Fatalf("no form for %s at %s: %s", a, w.path(), w.mainText())
	}
	for id, v := range fill {
		if !browsertest.Eval[bool](w.t, w.tab, fmt.Sprintf(`!!document.getElementById(%q)`, id)) {
			id = string(a) + "-note" // the action does not ask for it: said in the note
		}
		w.tab.Do(w.t, chromedp.SendKeys(chromedp.ID(id), v))
	}
	for try := 0; ; try++ {
		browsertest.Eval[bool](w.t, w.tab, `window.khoWalk = true`)
		w.tab.Do(w.t, chromedp.Click(form+`//button[@type="submit"]`))
		w.loaded()
		if browsertest.Eval[bool](w.t, w.tab, `!!document.getElementById("thanh-phan") && !document.querySelector(".error-summary")`) {
			return
		}
		// The test Gotenberg restarts its Chromium under load, failing the
		// conversion in flight; issuing a result is made to be retried.
		if text := w.mainText(); a != workflow.ActionSign || try == 2 || !strings.Contains(text, "chuyển đổi") {
			w.t.Fatalf("%s refused: %s", a, text)
		}
		w.t.Logf("the converter failed; signing again")
		time.Sleep(2 * time.Second)
	}
}

// loaded waits for the page that replaces the one marked window.khoWalk
// (an action that stays available leaves the same form on the next page).
func (w *walker) loaded() {
	w.t.Helper()
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if done, err := chromedp.Run(w.tab.Ctx, chromedp.Evaluate[bool](`!window.khoWalk && document.readyState === "complete"`)); err == nil && done {
			return
		}
	}
	w.t.Fatalf("no page after the action at %s", w.path())
}

// mainText is the page's main content, for a failure's message.
func (w *walker) mainText() string {
	return browsertest.Eval[string](w.t, w.tab, `document.querySelector("main").innerText.slice(0, 2000)`)
}

// status is the dossier page's status.
func (w *walker) status() string {
	w.t.Helper()
	return browsertest.Eval[string](w.t, w.tab, `document.querySelector("strong.status").innerText`)
}

// TestWholePathBrowser is issue 11's whole path in a real browser: a
// citizen signs in, starts a birth registration from /dich-vu, fills the
// declaration (auto-filled from the identity card in their vault, which
// the page says), uploads the birth certificate, picks the identity card
// from the vault and submits; the desk officer receives it from the desk
// and passes it on; the head assigns it, the appraiser appraises it and
// submits it for approval; the leader approves and signs, the result
// rendered by the real Gotenberg and signed with the test PKI; the
// citizen finds the signed result in "Kho của tôi", downloads it through
// the paper's page, and the verifier page gives it four good answers.
// axe runs on every page the walk visits, at desktop and phone width.
func TestWholePathBrowser(t *testing.T) {
	s := newPathSite(t)
	b := browsertest.New(t)
	w := &walker{b: b, base: s.url, seen: map[string]bool{}}
	today := time.Now().In(web.Vietnam).Format("02/01/2006")
	var code, paper, staffPage string
	var pdf []byte
	// Each step is a subtest: its tabs close when it ends (a tab lives a
	// minute at most); the walk stops at the first step that fails.
	phase := func(name string, f func(t *testing.T)) {
		if t.Failed() {
			return
		}
		t.Run(name, func(t *testing.T) {
			w.t = t
			f(t)
		})
	}

	phase("1 citizen submits", func(t *testing.T) {
		w.signIn("congdan.an", "mật khẩu của công dân An", "/dich-vu")
		w.check("/dich-vu")
		w.tab.Do(t, chromedp.Click(`//a[normalize-space(.)="Đăng ký khai sinh"]`), chromedp.WaitReady(chromedp.ID("ho-ten")))
		w.check(w.path())
		w.tab.Do(t, chromedp.SendKeys(chromedp.ID("ho-ten"), "Nguyễn Văn An"), chromedp.Click(`//button[normalize-space(.)="Nộp hồ sơ trực tuyến"]`),
			chromedp.WaitReady(chromedp.ID("bm-TO_KHAI-kinhGui")))
		draft := w.path()
		w.check(draft)
		// Sent empty: the errors, the focus on their summary, axe.
		w.tab.Do(t, chromedp.Click(`//button[normalize-space(.)="Nộp hồ sơ"]`), chromedp.WaitReady(chromedp.CSS(".error-summary")))
		if got := browsertest.Eval[string](t, w.tab, `document.activeElement.className`); got != "error-summary" {
			t.Errorf("after the refused submission the focus is on %q, not the error summary", got)
		}
		w.axe("the draft's errors")
		if got := browsertest.Eval[string](t, w.tab, `document.getElementById("bm-TO_KHAI-hoTenNguoiYeuCau").value`); got != "Nguyễn Văn An" {
			t.Errorf("the applicant's name is not auto-filled: %q", got)
		}
		if got := browsertest.Eval[string](t, w.tab, `document.getElementById("bm-TO_KHAI-hoTenNguoiYeuCau-nguon").innerText`); got != "Lấy từ: Căn cước số "+father {
			t.Errorf("the auto-filled name says %q", got)
		}
		for id, v := range map[string]string{"kinhGui": "Ủy ban nhân dân phường Bến Nghé", "noiCuTruNguoiYeuCau": "Số 12 phố Đội Cấn, Hà Nội",
			"hoTen": "Nguyễn Minh Khôi", "ngaySinh": today, "danToc": "Kinh", "quocTich": "Việt Nam", "noiSinh": "Bệnh viện Từ Dũ",
			"hoTenCha": "Nguyễn Văn An", "hoTenMe": "Trần Thị Bích", "lamTai": "Thành phố Hồ Chí Minh", "ngayKhai": today} {
			w.tab.Do(t, chromedp.SendKeys(chromedp.ID("bm-TO_KHAI-"+id), v))
		}
		w.tab.Do(t, chromedp.SetValue(chromedp.ID("bm-TO_KHAI-quanHe"), "cha"))
		for _, c := range [][2]string{{"gioiTinh", "nam"}, {"coThongTinCha", "co"}, {"deNghiCapBanSao", "khong"}, {"camDoan", "dong_y"}} {
			w.tab.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="bm-TO_KHAI-%s"][value=%q]`, c[0], c[1]))))
		}
		w.tab.Do(t, chromedp.SetUploadFiles(chromedp.ID("tep-GIAY_CHUNG_SINH"), []string{writeTemp(t, "chung-sinh.pdf", tinyPDF("chung sinh"))}),
			chromedp.Click(chromedp.ID("kho-GIAY_TO_TUY_THAN-"+s.card.ID)),
			chromedp.Click(`//button[normalize-space(.)="Nộp hồ sơ"]`), chromedp.WaitReady(chromedp.ID("ma-ho-so")))
		code = browsertest.Eval[string](t, w.tab, `document.getElementById("ma-ho-so").innerText`)
		if code == "" || w.path() != "/ho-so-cua-toi/"+code+"/da-nop" {
			t.Fatalf("submitted %q at %s", code, w.path())
		}
		w.check(w.path())
		w.signOut()

	})
	phase("2 desk receives", func(t *testing.T) {
		w.signIn("motcua", "mật khẩu của một cửa", "/can-bo")
		w.check("/can-bo")
		w.tab.Do(t, chromedp.Navigate(s.url+"/can-bo?nhom=desk.to_receive"), chromedp.WaitReady(chromedp.CSS("main")))
		w.check("/can-bo?nhom=desk.to_receive")
		w.tab.Do(t, chromedp.Click(fmt.Sprintf(`//a[normalize-space(.)=%q]`, code)), chromedp.WaitReady(chromedp.ID("muc-dich")))
		w.check(w.path())
		w.tab.Do(t, chromedp.SendKeys(chromedp.ID("muc-dich"), "Tiếp nhận hồ sơ"), chromedp.Submit(chromedp.ID("muc-dich")),
			chromedp.WaitReady(chromedp.ID("thanh-phan")))
		w.check(w.path())
		if n := browsertest.Eval[int](t, w.tab, `document.querySelectorAll("#thanh-phan + div tbody tr").length`); n != 3 {
			t.Errorf("the officer sees %d components, want 3", n)
		}
		w.act(workflow.ActionReceive, nil)
		w.act(workflow.ActionTransfer, nil)
		w.signOut()

	})
	phase("3 appraisal", func(t *testing.T) {
		staffPage = "/can-bo/ho-so/" + code + "?muc-dich=" + url.QueryEscape("Giải quyết hồ sơ")
		w.signIn("truongphong", "mật khẩu của trưởng phòng", staffPage)
		w.act(workflow.ActionAssign, map[string]string{string(workflow.ActionAssign) + "-assignee": "thamdinh"})
		w.signOut()
		w.signIn("thamdinh", "mật khẩu của thẩm định", staffPage)
		w.act(workflow.ActionAppraise, map[string]string{string(workflow.ActionAppraise) + "-opinion": "Hồ sơ đủ điều kiện đăng ký khai sinh."})
		w.act(workflow.ActionSubmitForApproval, nil)
		w.signOut()

	})
	phase("4 leader signs", func(t *testing.T) {
		w.signIn("chutich", "mật khẩu của chủ tịch", staffPage)
		w.check(staffPage)
		w.act(workflow.ActionApprove, nil)
		w.act(workflow.ActionSign, nil)
		if st := w.status(); st != workflow.StatusResolved.Label() {
			t.Fatalf("after signing the dossier is %q", st)
		}
		w.signOut()

	})
	phase("5 citizen finds the result", func(t *testing.T) {
		w.signIn("congdan.an", "mật khẩu của công dân An", "/kho-cua-toi")
		w.check("/kho-cua-toi")
		paper = browsertest.Eval[string](t, w.tab, `(() => { const li = [...document.querySelectorAll("li.paper")].find(li => li.querySelector(".badge-signed")); return li ? li.querySelector("h3 a").getAttribute("href") : ""; })()`)
		if paper == "" {
			t.Fatal("no signed paper in the citizen's vault")
		}
		w.tab.Do(t, chromedp.Navigate(s.url+paper), chromedp.WaitReady(chromedp.CSS("main h1")))
		w.check(paper)
		b64 := browsertest.Eval[string](t, w.tab, `(async () => {
			const a = [...document.querySelectorAll("a[download]")][0];
			const r = await fetch(a.href);
			const b = new Uint8Array(await r.arrayBuffer());
			let s = ""; for (const x of b) { s += String.fromCharCode(x); }
			return btoa(s); })()`)
		var err error
		pdf, err = base64.StdEncoding.DecodeString(b64)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("the downloaded result is not a PDF (%d bytes, %v)", len(pdf), err)
		}
		w.signOut()

	})
	phase("6 verifier", func(t *testing.T) {
		w.check("/xac-thuc")
		w.tab = b.Tab(t, browsertest.DesktopWidth)
		submitPDF(t, w.tab, s.url, writeTemp(t, "ket-qua.pdf", pdf), code)
		w.axe("the verifier's answers")
		got := answersOf(t, w.tab)
		if len(got) != 4 {
			t.Fatalf("%d answers: %q", len(got), got)
		}
		for i, want := range []string{"Có. Nội dung được chữ ký số bảo vệ còn nguyên vẹn", "Người ký được tin cậy", "Không. Tệp không bị thay đổi sau khi ký", "Còn hiệu lực"} {
			if got[i][0] != "ok" || !strings.Contains(got[i][1], want) {
				t.Errorf("answer %d: %s %q, want ok with %q", i+1, got[i][0], got[i][1], want)
			}
		}
	})
}
