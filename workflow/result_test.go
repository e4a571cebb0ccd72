package workflow_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/workflow"
)

// testPKI is the test PKI with its OCSP, CRL and CA served on loopback,
// made once per test binary (RSA key generation dominates).
var testPKI = sync.OnceValues(func() (*pki.PKI, error) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	p, err := pki.Generate(pki.Options{BaseURL: srv.URL})
	if err != nil {
		srv.Close()
		return nil, err
	}
	srv.Config.Handler = p.Handler()
	return p, nil
})

// pkiKey is the test PKI's identity name as a signing key.
func pkiKey(t testing.TB, p *pki.PKI, name string) signing.KeySource {
	t.Helper()
	certs, key, err := p.Identity(name).PEM()
	if err != nil {
		t.Fatal(err)
	}
	k, err := signing.LoadPEM(certs, key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// resultEnv is an env whose workflow issues results: the real Gotenberg
// (or conv), the shipped templates, the leader's personal key and the
// ward's seal from the test PKI (revocation checked against its OCSP
// responder), and the env's vault (or vault).
type resultEnv struct {
	*env
	pki     *pki.PKI
	results *workflow.Results
	st      workflow.Store
}

func newResultEnv(t testing.TB, e *env, st workflow.Store) *resultEnv {
	t.Helper()
	conv, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return newResultEnvWith(t, e, st, conv)
}

// newResultEnvWith is newResultEnv rendering with conv.
func newResultEnvWith(t testing.TB, e *env, st workflow.Store, conv convert.Converter) *resultEnv {
	t.Helper()
	p, err := testPKI()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	r := &workflow.Results{Templates: tpl, Converter: conv, Vault: e.vault, PublicURL: "https://dichvucong.example.vn",
		Signer: &workflow.KeySigner{
			Leaders: map[string][]workflow.LeaderKey{leader.Subject: {{Name: "ca-nhan", Source: workflow.KeySourceFile, Key: pkiKey(t, p, pki.Personal)}}},
			Seals:   map[string]signing.KeySource{ward: pkiKey(t, p, pki.Seal)},
			Checker: &signing.Checker{Roots: p.Roots(), Timeout: 5 * time.Second},
		}}
	re := &resultEnv{env: e, pki: p, results: r, st: st}
	re.rebuild()
	return re
}

// rebuild makes the workflow again over re.results (after a change of it).
func (re *resultEnv) rebuild() {
	re.wf = workflow.New(workflow.Config{Store: re.st, Vault: re.vault, Forms: re.forms, Now: re.clock.Now, Results: re.results})
}

// approved takes the citizen's birth registration to approval.
func (e *env) approved(t testing.TB) workflow.View { return e.approve(t, e.filledBirth(t)) }

// approve takes a filled dossier of the citizen to approval.
func (e *env) approve(t testing.TB, v workflow.View) workflow.View {
	t.Helper()
	ctx := context.Background()
	for _, s := range []struct {
		who archive.Actor
		in  workflow.ActInput
	}{
		{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		{desk, workflow.ActInput{Action: workflow.ActionReceive}},
		{desk, workflow.ActInput{Action: workflow.ActionTransfer}},
		{head, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject}},
		{appraiser, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện"}},
		{appraiser, workflow.ActInput{Action: workflow.ActionSubmitForApproval}},
		{leader, workflow.ActInput{Action: workflow.ActionApprove}},
	} {
		e.clock.Add(10 * time.Minute)
		var err error
		if v, err = e.wf.Act(ctx, s.who, v.Code, s.in); err != nil {
			t.Fatalf("%s: %v", s.in.Action, err)
		}
	}
	return v
}

// papers lists the papers of kind (a result, a refusal's file) that
// agencies issued into the citizen's vault.
func (e *env) papers(t testing.TB, kind archive.IssueKind) []archive.Document {
	t.Helper()
	p, err := e.vault.List(context.Background(), citizen, archive.ListQuery{OwnerID: citizen.Subject, Limit: 1000}, archive.Access{})
	wantCode(t, err, "")
	var out []archive.Document
	for _, d := range p.Documents {
		if d.IssuedBy != nil && d.IssuedBy.Kind == kind {
			out = append(out, d)
		}
	}
	return out
}

// TestIssueResult signs an approved birth registration: only the ward's
// leader may; the birth certificate is rendered by the real Gotenberg,
// signed by the leader then the seal, numbered, issued into the
// applicant's vault naming the dossier, and the dossier is resolved with
// the paper on it. A second call issues nothing.
func TestIssueResult(t *testing.T) {
	e := newEnv(t)
	testIssueResult(t, newResultEnv(t, e, e.store))
}

// TestIssueResultFerretDB is TestIssueResult over FerretDB.
func TestIssueResultFerretDB(t *testing.T) {
	ctx := context.Background()
	st, err := mongo.Open(ctx, testenv.MongoURI(t), testenv.UniqueName(t, "wfresult"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.Drop(context.Background())
		_ = st.Close(context.Background())
	})
	testIssueResult(t, newResultEnv(t, newEnvOn(t, st), st))
}

func testIssueResult(t *testing.T, e *resultEnv) {
	ctx := context.Background()
	v := e.approved(t)
	trail := len(v.Trail)
	for _, c := range []struct {
		who  archive.Actor
		code string
	}{
		{stranger, "dossier_not_found"}, {citizen, "role_not_allowed"}, {head, "role_not_allowed"},
		{appraiser, "role_not_allowed"}, {desk, "role_not_allowed"}, {outsider, "other_agency"},
	} {
		_, err := e.wf.IssueResult(ctx, c.who, v.Code, 0)
		wantCode(t, err, c.code)
	}
	if got := e.papers(t, archive.IssueResult); len(got) != 0 {
		t.Fatalf("refused callers issued %d papers", len(got))
	}
	e.clock.Add(time.Hour)
	// Through Act, as the API's sign action goes.
	r, err := retryIssue(t, func() (workflow.View, error) {
		return e.wf.Act(ctx, leader, v.Code, workflow.ActInput{Action: workflow.ActionSign})
	})
	wantCode(t, err, "")
	if r.Status != workflow.StatusResolved || len(r.Trail) != trail+1 || r.ResolvedAt.IsZero() {
		t.Fatalf("signed dossier: status %s, trail %d", r.Status, len(r.Trail))
	}
	res := r.Result
	if res == nil || res.DocumentID == "" || res.Number != "0001/2026/KS" || res.TypeCode != "KHAI_SINH" || res.By != leader.Subject {
		t.Fatalf("result on the dossier: %+v", res)
	}
	last := r.Trail[len(r.Trail)-1]
	if last.Action != workflow.ActionSign || last.Actor != leader.Subject || !strings.Contains(last.Note, "0001/2026/KS") {
		t.Fatalf("trail entry %+v", last)
	}
	docs := e.papers(t, archive.IssueResult)
	if len(docs) != 1 {
		t.Fatalf("%d results in the vault, want 1", len(docs))
	}
	d := docs[0]
	if d.ID != res.DocumentID || d.TypeCode != "KHAI_SINH" || d.Number != res.Number || !d.Permanent || d.Source != archive.SourceResult ||
		d.IssuedBy.Dossier != v.Code || d.IssuedBy.Agency != ward || d.IssuedBy.By != leader.Subject || d.Fields["hoTen"] != "Nguyễn Minh Khôi" ||
		v.Procedure == "" || d.IssuedBy.Procedure != v.Procedure {
		t.Fatalf("issued paper %+v issuedBy %+v fields %v", d, d.IssuedBy, d.Fields)
	}
	content, err := e.vault.Open(ctx, citizen, d.ID, 0, archive.Access{})
	wantCode(t, err, "")
	pdf, err := io.ReadAll(content)
	content.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := signing.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{Roots: e.pki.Roots(),
		Checker: &signing.Checker{Roots: e.pki.Roots(), Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 2 {
		t.Fatalf("%d signatures, want 2", len(rep.Signatures))
	}
	for i, want := range []string{e.pki.Identity(pki.Personal).Cert.Subject.CommonName, e.pki.Identity(pki.Seal).Cert.Subject.CommonName} {
		s := rep.Signatures[i]
		if s.Verdict != signing.TotalPassed || s.Signer == nil || s.Signer.CommonName != want {
			t.Fatalf("signature %d: verdict %s %s signer %+v, want %s", i, s.Verdict, s.SubIndication, s.Signer, want)
		}
	}
	// Gotenberg's result is PDF/A; the demo's basicpdf says it is not.
	if _, basic := e.results.Converter.(basicpdf.Converter); basic == bytes.Contains(pdf, []byte("pdfaid")) {
		t.Fatalf("the result made by %T: pdfaid in its XMP %v", e.results.Converter, !basic)
	}
	// Again: nothing new.
	again, err := e.wf.IssueResult(ctx, leader, v.Code, 0)
	wantCode(t, err, "")
	if again.Rev != r.Rev || again.Result.DocumentID != res.DocumentID {
		t.Fatalf("second call changed the dossier: rev %d→%d", r.Rev, again.Rev)
	}
	if n := len(e.papers(t, archive.IssueResult)); n != 1 {
		t.Fatalf("%d results after the second call", n)
	}
	_, err = e.wf.IssueResult(ctx, head, v.Code, 0)
	wantCode(t, err, "role_not_allowed")

	// The result's status, read through the vault: valid, then revoked by
	// the ward.
	rv, err := e.wf.Result(ctx, citizen, v.Code, "")
	wantCode(t, err, "")
	if rv.Status != archive.StatusValid || rv.StatusLabel != "Còn hiệu lực" || rv.DocumentID != d.ID || rv.Number != res.Number ||
		rv.Version != d.Current.N || rv.Version < 1 {
		t.Fatalf("result view %+v", rv)
	}
	_, err = e.wf.Result(ctx, stranger, v.Code, "")
	wantCode(t, err, "dossier_not_found")
	if _, err := e.vault.Revoke(ctx, archive.Actor{Subject: leader.Subject, Role: archive.RoleStaff, Agency: ward}, d.ID, "Cấp nhầm thông tin"); err != nil {
		t.Fatal(err)
	}
	_, err = e.wf.Result(ctx, desk, v.Code, "")
	wantCode(t, err, "purpose_required")
	for _, who := range []archive.Actor{citizen, desk} {
		rv, err = e.wf.Result(ctx, who, v.Code, "Trả kết quả")
		wantCode(t, err, "")
		if rv.Status != archive.StatusRevoked || rv.StatusLabel != "Đã bị thu hồi" || rv.Change == nil || rv.Change.Reason != "Cấp nhầm thông tin" {
			t.Fatalf("after the revocation, %s reads %+v", who.Subject, rv)
		}
	}
	other := e.approved(t)
	_, err = e.wf.Result(ctx, citizen, other.Code, "")
	wantCode(t, err, "result_not_issued")
}

// failingIssue is the real vault whose Issue stores the paper and then
// reports a failure, as a process that died right after it would.
type failingIssue struct {
	workflow.ResultVault
	calls int
}

func (f *failingIssue) Issue(ctx context.Context, a archive.Actor, r archive.IssueRequest) (archive.Document, error) {
	f.calls++
	if _, err := f.ResultVault.Issue(ctx, a, r); err != nil {
		return archive.Document{}, err
	}
	return archive.Document{}, kerr.New(kerr.Unavailable, "crash", "Mất kết nối.", "the process died after the issue")
}

// TestIssueResultRetry: a leader without a key or an agency without a
// seal is refused with the dossier unchanged; Gotenberg down or no converter is Unavailable
// converter_unavailable and leaves the dossier approved with nothing
// issued (its number reserved); a retry issues under that number. A
// failure after the vault stored the paper, retried, issues one paper.
func TestIssueResultRetry(t *testing.T) {
	ctx := context.Background()
	base := newEnv(t)
	e := newResultEnv(t, base, base.store)
	v := e.approved(t)
	// No key for the leader, or no seal: refused before anything changes.
	keys := e.results.Signer
	p := e.pki
	for _, c := range []struct {
		ks   *workflow.KeySigner
		code string
	}{
		{&workflow.KeySigner{Seals: map[string]signing.KeySource{ward: pkiKey(t, p, pki.Seal)}}, "leader_key_missing"},
		{&workflow.KeySigner{Leaders: map[string][]workflow.LeaderKey{leader.Subject: {{Name: "ca-nhan", Key: pkiKey(t, p, pki.Personal)}}}}, "seal_key_missing"},
	} {
		e.results.Signer = c.ks
		e.rebuild()
		_, err := e.wf.IssueResult(ctx, leader, v.Code, 0)
		wantCode(t, err, c.code)
		if got, _ := e.wf.Get(ctx, leader, v.Code); got.Rev != v.Rev || got.Result != nil {
			t.Fatalf("%s changed the dossier: rev %d→%d, result %+v", c.code, v.Rev, got.Rev, got.Result)
		}
	}
	e.results.Signer = keys
	good := e.results.Converter
	e.results.Converter = nil
	e.rebuild()
	_, err := e.wf.IssueResult(ctx, leader, v.Code, 0)
	wantCode(t, err, "converter_unavailable")
	if kerr.KindOf(err) != kerr.Unavailable {
		t.Fatalf("kind %s", kerr.KindOf(err))
	}
	down, err := convert.NewGotenberg(convert.GotenbergConfig{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	e.results.Converter = down
	e.rebuild()
	_, err = e.wf.Act(ctx, leader, v.Code, workflow.ActInput{Action: workflow.ActionSign})
	wantCode(t, err, "converter_unavailable")
	got, err := e.wf.Get(ctx, leader, v.Code)
	wantCode(t, err, "")
	if got.State() != v.State() || len(got.Trail) != len(v.Trail) || got.Result == nil || got.Result.DocumentID != "" {
		t.Fatalf("after Gotenberg down: state %s trail %d result %+v", got.State(), len(got.Trail), got.Result)
	}
	if n := len(e.papers(t, archive.IssueResult)); n != 0 {
		t.Fatalf("%d papers issued with Gotenberg down", n)
	}
	number := got.Result.Number

	e.results.Converter = good
	fail := &failingIssue{ResultVault: e.vault}
	e.results.Vault = fail
	e.rebuild()
	_, err = retryIssue(t, func() (workflow.View, error) { return e.wf.IssueResult(ctx, leader, v.Code, 0) })
	wantCode(t, err, "crash")
	first := e.papers(t, archive.IssueResult)
	if len(first) != 1 {
		t.Fatalf("%d papers after the crash", len(first))
	}
	e.results.Vault = e.vault
	e.rebuild()
	r, err := retryIssue(t, func() (workflow.View, error) { return e.wf.IssueResult(ctx, leader, v.Code, 0) })
	wantCode(t, err, "")
	if r.Status != workflow.StatusResolved || r.Result.Number != number || r.Result.DocumentID != first[0].ID {
		t.Fatalf("after the retry: status %s result %+v, first paper %s", r.Status, r.Result, first[0].ID)
	}
	if n := len(e.papers(t, archive.IssueResult)); n != 1 {
		t.Fatalf("%d papers after the retry", n)
	}
}

// TestIssueOtherResults issues the results of the two other shipped
// procedures from their eForms' data: a business-household certificate
// (permanent, the household's name and lines of business printed) and a
// construction permit (valid 12 months from its date, the plot and the
// work's figures printed), both signed twice and kept with their typed
// fields.
func TestIssueOtherResults(t *testing.T) {
	base := newEnv(t)
	testIssueOtherResults(t, newResultEnv(t, base, base.store))
}

// TestIssueResultsBasicPDF is TestIssueResult and TestIssueOtherResults
// with the demo's built-in converter (convert/basicpdf, not PDF/A) in
// place of Gotenberg: each of the three shipped results it renders passes
// the vault's PDF check, is signed by the leader and the seal and
// verifies, and holds its Vietnamese text.
func TestIssueResultsBasicPDF(t *testing.T) {
	t.Run("birth", func(t *testing.T) {
		e := newEnv(t)
		testIssueResult(t, newResultEnvWith(t, e, e.store, basicpdf.New()))
	})
	t.Run("others", func(t *testing.T) {
		e := newEnv(t)
		testIssueOtherResults(t, newResultEnvWith(t, e, e.store, basicpdf.New()))
	})
}

func testIssueOtherResults(t *testing.T, e *resultEnv) {
	ctx := context.Background()
	up := func(t *testing.T, v workflow.View, comp, name string) {
		_, err := e.wf.Upload(ctx, citizen, v.Code, comp, "", 0, upload(name, pdf(name+" "+v.Code)))
		wantCode(t, err, "")
	}
	form := func(t *testing.T, v workflow.View, comp, file string) {
		b, err := os.ReadFile(filepath.Join("testdata", "results", file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.wf.SetComponent(ctx, citizen, v.Code, comp, workflow.ComponentInput{Form: b})
		wantCode(t, err, "")
	}
	newDossier := func(t *testing.T, procedure string) workflow.View {
		v, err := e.wf.Create(ctx, citizen, workflow.NewDossier{Procedure: procedure,
			Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
		wantCode(t, err, "")
		return v
	}
	cc := e.card(t, citizen, archive.Date{})
	for _, c := range []struct {
		procedure, typeCode, number string
		fill                        func(t *testing.T, v workflow.View)
		fields                      map[string]any
		text                        []string
		permanent                   bool
	}{
		{"DANG_KY_HO_KINH_DOANH", "GCN_DK_HKD", "0001/2026/HKD", func(t *testing.T, v workflow.View) {
			form(t, v, "GIAY_DE_NGHI", "household.json")
			_, err := e.wf.SetComponent(ctx, citizen, v.Code, "GIAY_TO_TUY_THAN", workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: cc.ID}})
			wantCode(t, err, "")
		}, map[string]any{"tenHoKinhDoanh": "Hộ kinh doanh Bánh mì Hồng & Con", "maSoHoKinhDoanh": "0001/2026/HKD"},
			[]string{"Bánh mì Hồng", "5610", "150.000.000 đồng", "Lê Thị Hồng"}, true},
		{"CAP_GP_XAY_DUNG_NHA_O", "GP_XAY_DUNG", "0002/2026/GPXD", func(t *testing.T, v workflow.View) {
			form(t, v, "DON_DE_NGHI", "permit.json")
			up(t, v, "GIAY_TO_DAT", "so-do.pdf")
			up(t, v, "BAN_VE", "ban-ve.pdf")
		}, map[string]any{"soTang": 4.0, "dienTichXayDung": 72.25, "diaDiem": "27 Hồ Tùng Mậu, phường Bến Nghé, Thành phố Hồ Chí Minh"},
			[]string{"Phạm Minh Tuấn", "72,25 m²", "27 Hồ Tùng Mậu"}, false},
	} {
		t.Run(c.procedure, func(t *testing.T) {
			v := newDossier(t, c.procedure)
			c.fill(t, v)
			v = e.approve(t, v)
			r, err := retryIssue(t, func() (workflow.View, error) { return e.wf.IssueResult(ctx, leader, v.Code, 0) })
			wantCode(t, err, "")
			if r.Result.TypeCode != c.typeCode || r.Result.Number != c.number {
				t.Fatalf("result %+v", r.Result)
			}
			d, err := e.vault.Get(ctx, citizen, r.Result.DocumentID, archive.Access{})
			wantCode(t, err, "")
			for k, want := range c.fields {
				if d.Fields[k] != want {
					t.Errorf("field %s = %#v, want %#v", k, d.Fields[k], want)
				}
			}
			issued := archive.DateOf(r.Result.ReservedAt.In(workflow.Vietnam))
			if d.Permanent != c.permanent || (!c.permanent && (d.ValidFrom != issued || d.ValidUntil != archive.DateOf(r.Result.ReservedAt.In(workflow.Vietnam).AddDate(1, 0, -1)))) {
				t.Errorf("validity: permanent %v, from %v until %v", d.Permanent, d.ValidFrom, d.ValidUntil)
			}
			content, err := e.vault.Open(ctx, citizen, d.ID, 0, archive.Access{})
			wantCode(t, err, "")
			b, _ := io.ReadAll(content)
			content.Close()
			rep, err := signing.Verify(ctx, bytes.NewReader(b), int64(len(b)), signing.VerifyOptions{Roots: e.pki.Roots()})
			if err != nil || len(rep.Signatures) != 2 {
				t.Fatalf("signatures: %v, %d", err, len(rep.Signatures))
			}
			text := pdfText(t, b)
			for _, want := range c.text {
				if !strings.Contains(text, want) {
					t.Errorf("the result's text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// pdfText is the text of a PDF as pdftotext (poppler) reads it, in
// reading order (not -layout: a line beside the QR code may wrap
// differently with each converter), each run of white space one space.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// retryIssue calls issue again (retryConverter), while it fails with
// converter_failed: the test Gotenberg restarts Chromium when its health
// check times out on a loaded machine, failing the conversion in flight.
// A retry is what a client does with a 503, and IssueResult is made for
// it (one number, one paper).
func retryIssue(t testing.TB, issue func() (workflow.View, error)) (workflow.View, error) {
	t.Helper()
	var v workflow.View
	err := retryConverter(t, func() error {
		var err error
		v, err = issue()
		return err
	})
	return v, err
}
