package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// site is the pages over a real embedded store and vault, verifying
// against the test PKI, with one public dossier whose result — a PDF
// signed by the test PKI's personal signer — the agency issued.
type site struct {
	url      string
	vault    *archive.Service
	code     string // the dossier's code
	resultID string // its result in the citizen's vault
	signed   []byte // the result's bytes
	staff    archive.Actor
	dossier  workflow.Dossier
	blobDir  string // the vault's blobs on disk
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	srv, err := pki.StartServer(ctx, pki.Options{})
	if err != nil {
		t.Fatalf("test PKI: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	p := srv.PKI
	verifier := archive.NewVerifier(signing.VerifyOptions{Roots: p.Roots(), Checker: &signing.Checker{Roots: p.Roots(), Timeout: 3 * time.Second}})
	log := slog.New(slog.DiscardHandler)
	store, vault, dir := openVault(t, archive.Config{Verifier: verifier}, log)
	wf := workflow.New(workflow.Config{Store: store, Vault: vault, Log: log, Results: &workflow.Results{Vault: vault}})

	s := &site{vault: vault, blobDir: filepath.Join(dir, "blobs")}
	s.signed = signPDF(t, p, pki.Personal)
	created := time.Now().Add(-48 * time.Hour)
	d := workflowtest.Dossier(workflow.DossierCode(workflowtest.Dossier("x", created).Agency, created, 1), created)
	s.code, s.staff = d.Code, archive.Actor{Subject: "canbo.a", Role: archive.RoleStaff, Agency: d.HandlingAgency}
	doc, err := vault.Issue(ctx, s.staff, archive.IssueRequest{Owner: d.Applicant.ID, TypeCode: "KHAI_SINH", Name: "Giấy khai sinh của Nguyễn Minh Khang",
		Number: "0001/2026/KS", Fields: map[string]any{"hoTen": "Nguyễn Minh Khang", "ngaySinh": "2026-08-20"}, Agency: archive.Agency{Code: d.HandlingAgency, Name: d.HandlingAgencyName}, Dossier: d.Code,
		Upload: archive.Upload{Body: bytes.NewReader(s.signed), Size: int64(len(s.signed)), FileName: "ket-qua.pdf", MediaType: "application/pdf"}})
	if err != nil {
		t.Fatalf("issue the result: %v", err)
	}
	s.resultID = doc.ID
	d.Status = workflow.StatusReturned
	d.Result = &workflow.IssuedResult{TypeCode: "KHAI_SINH", Name: "Giấy khai sinh", Number: "0001/2026/KS", DocumentID: doc.ID, ReservedAt: created, IssuedAt: created}
	if err := store.CreateDossier(ctx, d); err != nil {
		t.Fatal(err)
	}
	s.dossier = d
	h, err := web.New(web.Config{Vault: vault, Workflow: wf, Verifier: verifier, MaxVerifyBytes: 4 << 20}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// openVault opens a real embedded store (SQLite) and a vault over it on
// local files, with the shipped catalogue of document types, and its
// folder (the blobs are in dir/blobs).
func openVault(t *testing.T, cfg archive.Config, log *slog.Logger) (store *sqlite.Store, vault *archive.Service, dir string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	drv, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	bucket := storage.NewBucket(drv)
	t.Cleanup(func() { bucket.Close() })
	vault = archive.New(store, bucket, cfg, log, nil)
	if _, _, err := vault.LoadCatalog(ctx, archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	return store, vault, dir
}

// signPDF signs the signing package's one-page PDF with a test identity.
func signPDF(t *testing.T, p *pki.PKI, name string) []byte {
	t.Helper()
	pdf, err := os.ReadFile("../../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	certs, key, err := p.Identity(name).PEM()
	if err != nil {
		t.Fatal(err)
	}
	ks, err := signing.LoadPEM(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signing.New(ks, signing.Options{Level: signing.LevelBB, Reason: "Ký kết quả", Checker: &signing.Checker{Roots: p.Roots(), Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := sg.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// tamper changes one byte inside the signed range (the binary comment
// of the header), leaving the PDF readable.
func tamper(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := bytes.Clone(pdf)
	if !bytes.HasPrefix(out, []byte("%PDF-1.7\n%")) || out[10] < 0x80 {
		t.Fatal("the fixture's header changed")
	}
	out[10]++
	return out
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPagesAccessible: every public page, and each state of the lookup
// and the verifier, has no serious or critical axe-core violation at
// desktop and phone width, nor sideways scrolling on a phone.
func TestPagesAccessible(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	for _, path := range []string{
		"/",
		"/tra-cuu",
		"/tra-cuu/" + s.code,
		"/tra-cuu?ma=000.00.00.X00-000000-0000", // not found: the form with its error
		"/xac-thuc",
		"/xac-thuc?ma=" + s.code,
		"/xac-thuc?ma=khong-hop-le",
		"/khong-co-trang-nay",
	} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, s.url+path) })
	}
	t.Run("verifier answers", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			submitPDF(t, tab, s.url, writeTemp(t, "ket-qua.pdf", s.signed), s.code)
			tab.Do(t, chromedp.Click(chromedp.CSS("details.report summary")))
			for _, v := range browsertest.Serious(tab.Axe(t)) {
				t.Errorf("axe at %d px, verifier answers: %s", w, v)
			}
			if o := browsertest.Eval[int](t, tab, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); o > 0 {
				t.Errorf("at %d px the answers are %d px wider than the viewport", w, o)
			}
		}
	})
}

// submitPDF fills the verifier's form with a file and a code and sends it.
func submitPDF(t *testing.T, tab *browsertest.Tab, base, file, code string) {
	t.Helper()
	tab.Do(t, chromedp.Navigate(base+"/xac-thuc"), chromedp.WaitReady(chromedp.ID("tep")),
		chromedp.SetUploadFiles(chromedp.ID("tep"), []string{file}))
	if code != "" {
		tab.Do(t, chromedp.SendKeys(chromedp.ID("ma"), code))
	}
	tab.Do(t, chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitReady(chromedp.CSS("#ket-qua-kiem-tra")))
}

// answersOf reads the four answers: tone and text of each.
func answersOf(t *testing.T, tab *browsertest.Tab) [][2]string {
	t.Helper()
	return browsertest.Eval[[][2]string](t, tab, `[...document.querySelectorAll("section.answer")].map(s => [s.className.replace("answer answer-", ""), s.innerText])`)
}

func TestVerifierFourAnswers(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	cases := []struct {
		name  string
		pdf   []byte
		code  string
		tones [4]string
		words [4]string
	}{
		{"signed result with its code", s.signed, s.code, [4]string{"ok", "ok", "ok", "ok"},
			[4]string{"Có. Nội dung được chữ ký số bảo vệ còn nguyên vẹn", "Người ký được tin cậy", "Không. Tệp không bị thay đổi sau khi ký", "Còn hiệu lực"}},
		{"signed result without a code", s.signed, "", [4]string{"ok", "ok", "ok", "unknown"},
			[4]string{"trùng khớp", "Nguyễn Văn An", "Không.", "Chưa hỏi hệ thống cấp giấy tờ"}},
		{"tampered", tamper(t, s.signed), s.code, [4]string{"bad", "bad", "bad", "bad"},
			[4]string{"Không. Tệp đã bị sửa đổi", "Không", "Có. Nội dung đã bị sửa sau khi ký", "không trùng với bản hệ thống đã cấp"}},
	}
	// "trùng khớp" is only said when the code names the paper: the case
	// without a code must not claim it.
	cases[1].words[0] = "còn nguyên vẹn"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := b.Tab(t, browsertest.DesktopWidth)
			submitPDF(t, tab, s.url, writeTemp(t, "giay-to.pdf", c.pdf), c.code)
			got := answersOf(t, tab)
			if len(got) != 4 {
				t.Fatalf("%d answers: %q", len(got), got)
			}
			for i := range 4 {
				if got[i][0] != c.tones[i] || !strings.Contains(got[i][1], c.words[i]) {
					t.Errorf("answer %d: %s %q, want %s with %q", i+1, got[i][0], got[i][1], c.tones[i], c.words[i])
				}
			}
			// The technical report is one click away.
			report := browsertest.Eval[string](t, tab, `document.querySelector("details.report").innerText`)
			if !strings.Contains(report, "Báo cáo kỹ thuật đầy đủ") {
				t.Error("no technical report")
			}
			tab.Do(t, chromedp.Click(chromedp.CSS("details.report summary")))
			if open := browsertest.Eval[bool](t, tab, `document.querySelector("details.report").open`); !open {
				t.Error("the report does not open")
			}
		})
	}
	t.Run("revoked", func(t *testing.T) {
		if _, err := s.vault.Revoke(context.Background(), s.staff, s.resultID, "Cấp nhầm"); err != nil {
			t.Fatal(err)
		}
		tab := b.Tab(t, browsertest.DesktopWidth)
		submitPDF(t, tab, s.url, writeTemp(t, "giay-to.pdf", s.signed), s.code)
		got := answersOf(t, tab)
		if got[3][0] != "bad" || !strings.Contains(got[3][1], "Đã bị thu hồi") || strings.Contains(got[3][1], "Cấp nhầm") {
			t.Errorf("answer 4 after revocation: %q", got[3])
		}
		if got[0][0] != "ok" {
			t.Errorf("answer 1 after revocation: %q (the file is still intact)", got[0])
		}
	})
}

// TestVerifierKeyboard: from the top of the page, the keyboard alone
// reaches the file field, the code field and the button, and sends the
// form (the file dialog's choice is made through the protocol, as a
// person picks in the dialog).
func TestVerifierKeyboard(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.DesktopWidth)
	tab.Do(t, chromedp.Navigate(s.url+"/xac-thuc"), chromedp.WaitReady(chromedp.ID("tep")))
	tabTo := func(id string) {
		t.Helper()
		for range 30 {
			tab.Do(t, chromedp.KeyEvent(kb.Tab))
			if browsertest.Eval[string](t, tab, `document.activeElement.id || document.activeElement.tagName`) == id {
				return
			}
		}
		t.Fatalf("Tab never reaches #%s", id)
	}
	// The first Tab lands on the skip link.
	tab.Do(t, chromedp.KeyEvent(kb.Tab))
	if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "skip-link" {
		t.Errorf("first Tab on %q, want the skip link", got)
	}
	tabTo("tep")
	tab.Do(t, chromedp.SetUploadFiles(chromedp.ID("tep"), []string{writeTemp(t, "ket-qua.pdf", s.signed)}))
	tabTo("ma")
	tab.Do(t, chromedp.KeyEvent(s.code))
	tabTo("BUTTON")
	if got := browsertest.Eval[string](t, tab, `document.activeElement.textContent`); got != "Kiểm tra" {
		t.Fatalf("focus on button %q", got)
	}
	tab.Do(t, chromedp.KeyEvent(kb.Enter), chromedp.WaitReady(chromedp.CSS("#ket-qua-kiem-tra")))
	got := answersOf(t, tab)
	if len(got) != 4 || got[3][0] != "ok" || got[0][0] != "ok" {
		t.Fatalf("answers after a keyboard submit: %q", got)
	}
}

// TestVerifierErrorFocus: a form sent empty answers with the error
// summary, which takes the focus and links to the field.
func TestVerifierErrorFocus(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.DesktopWidth)
	tab.Do(t, chromedp.Navigate(s.url+"/xac-thuc"), chromedp.WaitReady(chromedp.ID("tep")),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitReady(chromedp.CSS(".error-summary")))
	if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
		t.Errorf("focus on %q, want the error summary", got)
	}
	if href := browsertest.Eval[string](t, tab, `document.querySelector(".error-summary a").getAttribute("href")`); href != "#tep" {
		t.Errorf("the summary links to %q", href)
	}
}
