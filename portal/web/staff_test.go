package web_test

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/browsertest"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/web"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/workflowtest"
)

// The staff of the tests: a desk officer of the ward, and an officer
// holding every position in another agency.
const (
	ward      = "000.00.31.H29"
	otherWard = "000.00.12.H29"
	deskSub   = "motcua1"
	outSub    = "khac1"
)

// staffSite is the pages over a real embedded store and vault with the
// shipped catalogue, a staff directory, and n dossiers of the ward
// waiting for intake. The signed-in person is the X-Test-User header's
// subject with the X-Test-Role header's role (staff by default), or
// fixed when the site was made with one.
type staffSite struct {
	url   string
	store *sqlite.Store
	vault *archive.Service
	wf    *workflow.Service
	codes []string // newest first, as the lists show them
	first workflow.Dossier
}

func newStaffSite(t *testing.T, n int, fixed *archive.Actor, csrf web.CSRF) *staffSite {
	t.Helper()
	return newStaffSiteWith(t, n, fixed, csrf, staffSiteOptions{})
}

// staffSiteOptions change what newStaffSiteWith builds.
type staffSiteOptions struct {
	// staff are more members of the directory (besides the desk officer
	// and the other agency's officer).
	staff []workflow.Staff
	// results, given the site's vault, is how the workflow issues results
	// (nil: it does not).
	results func(vault *archive.Service) *workflow.Results
	// age is how long before now the first dossier was made (default 2 h).
	age time.Duration
	// edit changes each dossier, made at, before it is stored.
	edit func(d *workflow.Dossier, at time.Time)
	// timeout is the pages' RequestTimeout (0: the default).
	timeout time.Duration
	// config changes the pages' configuration last.
	config func(*staffSite, *web.Config)
}

// newStaffSiteWith is newStaffSite with opts.
func newStaffSiteWith(t *testing.T, n int, fixed *archive.Actor, csrf web.CSRF, opts staffSiteOptions) *staffSite {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, vault, _ := openVault(t, archive.Config{}, log)
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	cfg := workflow.Config{Store: store, Vault: vault, Forms: reg, Log: log}
	if opts.results != nil {
		cfg.Results = opts.results(vault)
	}
	wf := workflow.New(cfg)
	if _, err := wf.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	if _, err := wf.PutAgency(ctx, admin, workflow.Agency{Code: otherWard, Name: "Ủy ban nhân dân phường Đa Kao",
		Departments: []workflow.Department{{Code: "VP", Name: "Văn phòng"}}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range append([]workflow.Staff{
		{Subject: deskSub, Name: "Lê Văn Một", Agency: ward, Department: "MOT_CUA", Positions: []workflow.Role{workflow.RoleDesk}},
		{Subject: outSub, Name: "Đỗ Văn Khác", Agency: otherWard, Department: "VP", Positions: []workflow.Role{
			workflow.RoleDesk, workflow.RoleHead, workflow.RoleAppraiser, workflow.RoleLeader}},
	}, opts.staff...) {
		m.Active = true
		if _, err := wf.PutStaff(ctx, admin, m); err != nil {
			t.Fatal(err)
		}
	}
	s := &staffSite{store: store, vault: vault, wf: wf}
	created := time.Now().Add(-cmp.Or(opts.age, 2*time.Hour))
	for i := range n {
		at := created.Add(time.Duration(i) * time.Minute)
		d := workflowtest.Dossier(workflow.DossierCode(ward, at, int64(i+1)), at)
		d.ProcessVersion = 1 // the shipped catalogue's
		if opts.edit != nil {
			opts.edit(&d, at)
		}
		if err := store.CreateDossier(ctx, d); err != nil {
			t.Fatal(err)
		}
		s.codes = append([]string{d.Code}, s.codes...)
		if i == 0 {
			s.first = d
		}
	}
	identify := func(r *http.Request) (archive.Actor, bool) {
		if fixed != nil {
			return *fixed, true
		}
		sub := r.Header.Get("X-Test-User")
		role := archive.Role(r.Header.Get("X-Test-Role"))
		if role == "" {
			role = archive.RoleStaff
		}
		return archive.Actor{Subject: sub, Role: role}, sub != ""
	}
	pages := web.Config{Vault: vault, Workflow: wf, Identify: identify, CSRF: csrf, RequestTimeout: opts.timeout}
	if opts.config != nil {
		opts.config(s, &pages)
	}
	h, err := web.New(pages, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// do sends a request as user (role staff unless role says) without
// following redirects.
func (s *staffSite) do(t *testing.T, method, path, user, role string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return sendAs(t, r, user, role)
}

// sendAs sends r as user (with role; nobody when user is "") without
// following redirects, and reads the answer.
func sendAs(t *testing.T, r *http.Request, user, role string) (*http.Response, string) {
	t.Helper()
	if user != "" {
		r.Header.Set("X-Test-User", user)
		r.Header.Set("X-Test-Role", role)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (s *staffSite) dossier(t *testing.T, code string) workflow.Dossier {
	t.Helper()
	d, err := s.store.GetDossier(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// reads are the dossier reads in the first applicant's ledger, as
// "actor|purpose|dossier".
func (s *staffSite) reads(t *testing.T) []string {
	t.Helper()
	owner := s.first.Applicant.ID
	es, _, err := s.vault.Ledger(context.Background(), archive.Actor{Subject: owner, Role: archive.RoleCitizen}, owner, "", "", 100, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Dossier != "" {
			out = append(out, e.Actor+"|"+e.Purpose+"|"+e.Dossier)
		}
	}
	return out
}

var rowCodeRE = regexp.MustCompile(`<td><a href="/can-bo/ho-so/([^"]+)">`)

// TestStaffDesk: the desk's counts of 2025 item 20, each a link to its
// list; the list shows code, procedure, applicant, dates and lateness,
// twenty at a time, and its pages together are exactly the dossiers
// counted.
func TestStaffDesk(t *testing.T) {
	s := newStaffSite(t, 21, nil, nil)
	res, body := s.do(t, "GET", "/can-bo", deskSub, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("desk: %d", res.StatusCode)
	}
	for _, want := range []string{
		workflow.RoleDesk.Label(),
		`<a href="/can-bo?nhom=desk.to_receive">Hồ sơ chờ tiếp nhận: <strong>21</strong></a>`,
		`<a href="/can-bo?nhom=desk.awaiting_supplement">Hồ sơ chờ bổ sung: <strong>0</strong></a>`,
		`<a href="/can-bo?nhom=desk.to_return">Hồ sơ chờ trả kết quả: <strong>0</strong></a>`,
		`<a href="/can-bo?nhom=desk.in_progress">Hồ sơ đang xử lý: <strong>0</strong></a>`,
		`<a href="/can-bo?nhom=desk.refused">Hồ sơ từ chối: <strong>0</strong></a>`,
		`<a href="/can-bo?nhom=desk.near_deadline">Hồ sơ sắp hết hạn: <strong>0</strong></a>`,
		`<a href="/can-bo?nhom=desk.all">Tất cả hồ sơ: <strong>21</strong></a>`,
		`aria-current="page">Hồ sơ cần xử lý</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("desk lacks %q", want)
		}
	}
	if strings.Contains(body, "<table") {
		t.Error("the desk lists dossiers before a bucket is chosen")
	}
	var seen []string
	next := "/can-bo?nhom=desk.to_receive"
	for page := 1; next != ""; page++ {
		res, body = s.do(t, "GET", next, deskSub, "", nil)
		if res.StatusCode != 200 || page > 3 {
			t.Fatalf("page %d: %d", page, res.StatusCode)
		}
		rows := rowCodeRE.FindAllStringSubmatch(body, -1)
		if page == 1 {
			if len(rows) != 20 {
				t.Fatalf("first page has %d rows", len(rows))
			}
			for _, want := range []string{s.first.ProcedureName, s.first.Applicant.Name, s.first.Status.Label(), workflow.LateOnTime.Label(),
				workflow.RoleDesk.Label() + ": Hồ sơ chờ tiếp nhận"} {
				if !strings.Contains(body, want) {
					t.Errorf("list lacks %q", want)
				}
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
	// A bucket of a position the officer does not hold is refused.
	if res, _ := s.do(t, "GET", "/can-bo?nhom=head.to_assign", deskSub, "", nil); res.StatusCode != 403 {
		t.Errorf("another position's bucket: %d", res.StatusCode)
	}
}

// TestStaffPagesPrivacy: signed out, the staff pages send to sign in; a
// citizen gets 403; an officer of another agency counts none of the
// ward's dossiers and gets 403 or 404 on the dossier, its slips and its
// actions, seeing nothing of it, and changes nothing.
func TestStaffPagesPrivacy(t *testing.T) {
	s := newStaffSite(t, 1, nil, nil)
	code := s.codes[0]
	res, _ := s.do(t, "GET", "/can-bo/ho-so/"+code+"?muc-dich=x", "", "", nil)
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/dang-nhap?tiep="+url.QueryEscape("/can-bo/ho-so/"+code+"?muc-dich=x") {
		t.Errorf("signed out: %d %q", res.StatusCode, loc)
	}
	secret := []string{s.first.Applicant.Name, s.first.Applicant.ID, s.first.Applicant.Phone, "Nguyễn Văn An", code}
	hidden := func(what, body string) {
		for _, p := range secret {
			if strings.Contains(body, p) && !(p == code && strings.Contains(what, "list")) {
				t.Errorf("%s shows %q", what, p)
			}
		}
	}
	citizen := s.first.Applicant.ID
	for _, path := range []string{"/can-bo", "/can-bo?nhom=desk.all", "/can-bo/ho-so/" + code, "/can-bo/ho-so/" + code + "?muc-dich=x"} {
		if res, body := s.do(t, "GET", path, citizen, "citizen", nil); res.StatusCode != 403 || !strings.Contains(body, "dành cho cán bộ") {
			t.Errorf("citizen %s: %d", path, res.StatusCode)
		}
	}
	_, body := s.do(t, "GET", "/can-bo", outSub, "", nil)
	if !strings.Contains(body, `Tất cả hồ sơ: <strong>0</strong>`) {
		t.Error("the other agency's desk counts the ward's dossiers")
	}
	res, body = s.do(t, "GET", "/can-bo?nhom=desk.all", outSub, "", nil)
	if res.StatusCode != 200 || rowCodeRE.MatchString(body) {
		t.Errorf("the other agency's list: %d, rows %v", res.StatusCode, rowCodeRE.FindAllString(body, -1))
	}
	hidden("other agency's list", body)
	for _, path := range []string{"/can-bo/ho-so/" + code, "/can-bo/ho-so/" + code + "?muc-dich=th%E1%BA%A9m+%C4%91%E1%BB%8Bnh", "/can-bo/ho-so/" + code + "/phieu/receipt?muc-dich=in"} {
		res, body := s.do(t, "GET", path, outSub, "", nil)
		if res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("other agency %s: %d", path, res.StatusCode)
		}
		hidden("other agency "+path, strings.ReplaceAll(body, "/can-bo/ho-so/"+code, ""))
	}
	res, body = s.do(t, "POST", "/can-bo/ho-so/"+code, outSub, "", url.Values{"action": {"refuse_intake"}, "rev": {"2"},
		"reason": {"Không đủ giấy tờ"}, "muc-dich": {"x"}})
	if res.StatusCode != 403 && res.StatusCode != 404 {
		t.Errorf("other agency's action: %d", res.StatusCode)
	}
	hidden("other agency's action", strings.ReplaceAll(body, "/can-bo/ho-so/"+code, ""))
	if d := s.dossier(t, code); d.Status != workflow.StatusAwaitingIntake || d.Rev != s.first.Rev {
		t.Errorf("the other agency changed the dossier: %s rev %d", d.Status, d.Rev)
	}
}

// TestStaffDossierPage: the officer gives a purpose first (the form shows
// nothing of the dossier); then the page shows the components with how
// each was filled and a reused paper's frozen verdict, the trail, the due
// dates, and a form for each action the view allows with the CSRF field,
// the revision and the purpose, and the slips to print. The read is in
// the applicant's ledger with the purpose.
func TestStaffDossierPage(t *testing.T) {
	s := newStaffSite(t, 1, nil, nil)
	code := s.codes[0]
	res, body := s.do(t, "GET", "/can-bo/ho-so/"+code, deskSub, "", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `<label for="muc-dich">Mục đích xem hồ sơ</label>`) {
		t.Fatalf("purpose form: %d", res.StatusCode)
	}
	if strings.Contains(body, s.first.Applicant.Name) || strings.Contains(body, "Nộp hồ sơ") {
		t.Error("the purpose form shows the dossier")
	}
	if res, body = s.do(t, "GET", "/can-bo/ho-so/"+code+"?muc-dich=+", deskSub, "", nil); !strings.Contains(body, "Hãy nêu mục đích xem hồ sơ.") {
		t.Errorf("empty purpose: %d, no error", res.StatusCode)
	}
	if reads := s.reads(t); len(reads) != 0 {
		t.Errorf("the purpose form recorded reads: %v", reads)
	}
	purpose := "Tiếp nhận hồ sơ"
	res, body = s.do(t, "GET", "/can-bo/ho-so/"+code+"?muc-dich="+url.QueryEscape(purpose), deskSub, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("dossier: %d", res.StatusCode)
	}
	for _, want := range []string{
		s.first.ProcedureName, s.first.Applicant.Name, s.first.Status.Label(),
		"Biểu mẫu điện tử (4 trường)", "Dùng lại giấy tờ trong kho", "Căn cước công dân / Thẻ căn cước, phiên bản 3", "Chữ ký hợp lệ", "Người ký: Nguyễn Văn An",
		"<strong>Nộp hồ sơ</strong> — Nguyễn Văn Ấn (001099012345), " + workflow.RoleApplicant.Label(),
		"Từ «" + workflow.StatusRegistered.Label() + "» sang «" + workflow.StatusAwaitingIntake.Label() + "»",
		`<input type="hidden" name="csrf" value="">`, `<input type="hidden" name="rev" value="2">`,
		`<input type="hidden" name="muc-dich" value="` + purpose + `">`,
		`<h3 id="receive-tieu-de">` + workflow.ActionReceive.Label() + `</h3>`,
		`<label for="refuse_intake-reason">Lý do</label>`, `<textarea class="input" id="refuse_intake-reason" name="reason" rows="3" required></textarea>`,
		`<label for="request_supplement-items">Nội dung cần bổ sung</label>`,
		`/phieu/receipt?muc-dich=`, workflow.SlipReceipt.Label(), "Hẹn trả kết quả</dt><dd>Chưa có",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dossier page lacks %q", want)
		}
	}
	// The trail's time is Vietnam's, as hh:mm:ss DD/MM/YYYY.
	at := s.first.Trail[0].At.In(time.FixedZone("ICT", 7*3600))
	if want := at.Format("15:04:05 02/01/2006"); !strings.Contains(body, want) {
		t.Errorf("trail time %q missing", want)
	}
	if reads := s.reads(t); len(reads) != 1 || reads[0] != deskSub+"|"+purpose+"|"+code {
		t.Errorf("ledger reads %v, want the desk's read for %q", reads, purpose)
	}
	// A slip is printed for a purpose too.
	res, slip := s.do(t, "GET", "/can-bo/ho-so/"+code+"/phieu/control", deskSub, "", nil)
	if res.StatusCode != 400 || !strings.Contains(slip, "Cán bộ cần nêu mục đích in phiếu") {
		t.Errorf("slip without a purpose: %d", res.StatusCode)
	}
	// The actions offered are exactly the view's.
	v, err := s.wf.Get(context.Background(), archive.Actor{Subject: deskSub, Role: archive.RoleStaff}, code)
	if err != nil {
		t.Fatal(err)
	}
	forms := regexp.MustCompile(`<input type="hidden" name="action" value="([a-z_]+)">`).FindAllStringSubmatch(body, -1)
	if len(forms) != len(v.Actions) || len(forms) == 0 {
		t.Fatalf("%d forms, the view allows %v", len(forms), v.Actions)
	}
	for i, f := range forms {
		if f[1] != string(v.Actions[i]) {
			t.Errorf("form %d is %s, want %s", i, f[1], v.Actions[i])
		}
	}
}

// rejectCSRF refuses every form, as portal/auth does a forged one.
type rejectCSRF struct{}

func (rejectCSRF) Token(*http.Request) string { return "ma-thu" }
func (rejectCSRF) Check(*http.Request) error {
	return kerr.New(kerr.Permission, "csrf_invalid", "Phiên làm việc không hợp lệ; hãy tải lại trang.", "bad token")
}

// TestStaffActions: an action posted with the revision seen is taken and
// goes back to the dossier (303); a missing required field is refused
// with its message and a link to the control, the dossier unchanged; a
// revision another officer moved past is 409 with the notice and the
// fresh dossier; a form the CSRF check refuses changes nothing.
func TestStaffActions(t *testing.T) {
	s := newStaffSite(t, 2, nil, nil)
	code := s.codes[0]
	post := func(f url.Values) (*http.Response, string) {
		f.Set("muc-dich", "Tiếp nhận hồ sơ")
		return s.do(t, "POST", "/can-bo/ho-so/"+code, deskSub, "", f)
	}
	res, body := post(url.Values{"action": {"refuse_intake"}, "rev": {"2"}, "note": {"Ghi chú đã gõ"}})
	if res.StatusCode != 400 || !strings.Contains(body, `<a href="#refuse_intake-reason">Thao tác «Từ chối tiếp nhận» cần nhập «Lý do».</a>`) {
		t.Errorf("missing reason: %d", res.StatusCode)
	}
	// The control is marked and nothing typed is lost.
	for _, want := range []string{`<p class="error-message" id="refuse_intake-reason-loi">`,
		`id="refuse_intake-reason" name="reason" rows="3" aria-describedby=" refuse_intake-reason-loi" aria-invalid="true" required>`,
		`id="refuse_intake-note" name="note" rows="3">Ghi chú đã gõ</textarea>`, `id="receive-note" name="note" rows="3"></textarea>`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}
	if d := s.dossier(t, code); d.Rev != 2 {
		t.Fatalf("a refused action changed the dossier (rev %d)", d.Rev)
	}
	res, _ = post(url.Values{"action": {"refuse_intake"}, "rev": {"2"}, "reason": {"Hồ sơ không thuộc thẩm quyền"}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/can-bo/ho-so/"+code+"?muc-dich=") {
		t.Fatalf("refuse: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	d := s.dossier(t, code)
	if d.Status != workflow.StatusIntakeRefused || d.Trail[len(d.Trail)-1].Actor != deskSub {
		t.Fatalf("after refusal: %s", d.Status)
	}
	// The refusal slip is printed for its purpose, recorded before the
	// printer is asked (none is configured here: the Vietnamese 503).
	res, body = s.do(t, "GET", "/can-bo/ho-so/"+code+"/phieu/refusal?muc-dich=In+phi%E1%BA%BFu", deskSub, "", nil)
	if reads := s.reads(t); res.StatusCode != 503 || len(reads) == 0 || reads[len(reads)-1] != deskSub+"|In phiếu|"+code {
		t.Errorf("refusal slip: %d, reads %v", res.StatusCode, reads)
	}
	// Another officer changed the second dossier (its status still allows
	// the action) after this one's page was drawn at rev 2.
	code2 := s.codes[1]
	moved := s.dossier(t, code2)
	moved.Rev, moved.Reason = moved.Rev+1, "Đã sửa bởi cán bộ khác"
	if err := s.store.UpdateDossier(context.Background(), moved, moved.Status); err != nil {
		t.Fatal(err)
	}
	res, body = s.do(t, "POST", "/can-bo/ho-so/"+code2, deskSub, "", url.Values{"action": {"refuse_intake"}, "rev": {"2"},
		"reason": {"Không đủ giấy tờ"}, "muc-dich": {"Tiếp nhận hồ sơ"}})
	if res.StatusCode != 409 || !strings.Contains(body, "Hồ sơ vừa được cán bộ khác xử lý") ||
		!strings.Contains(body, `<input type="hidden" name="rev" value="3">`) {
		t.Errorf("conflict: %d", res.StatusCode)
	}
	if got := s.dossier(t, code2); got.Rev != 3 || got.Status != workflow.StatusAwaitingIntake {
		t.Errorf("the conflict changed the dossier: rev %d, %s", got.Rev, got.Status)
	}
	// An action the new status no longer allows is the same notice.
	res, body = post(url.Values{"action": {"receive"}, "rev": {"3"}})
	if res.StatusCode != 409 || !strings.Contains(body, "Hồ sơ vừa được cán bộ khác xử lý") || !strings.Contains(body, d.Status.Label()) {
		t.Errorf("illegal transition: %d", res.StatusCode)
	}
	// The CSRF seam is checked before anything.
	c := newStaffSite(t, 1, nil, rejectCSRF{})
	res, body = c.do(t, "POST", "/can-bo/ho-so/"+c.codes[0], deskSub, "", url.Values{"action": {"refuse_intake"}, "rev": {"2"},
		"reason": {"x"}, "muc-dich": {"x"}})
	if res.StatusCode != 403 || !strings.Contains(body, "Phiên làm việc không hợp lệ") {
		t.Errorf("forged form: %d", res.StatusCode)
	}
	if got := c.dossier(t, c.codes[0]); got.Rev != 2 {
		t.Error("a forged form changed the dossier")
	}
	_, body = c.do(t, "GET", "/can-bo/ho-so/"+c.codes[0]+"?muc-dich=x", deskSub, "", nil)
	if !strings.Contains(body, `<input type="hidden" name="csrf" value="ma-thu">`) {
		t.Error("the forms do not carry the seam's token")
	}
}

// TestStaffPagesAccessible: the desk with a list and the dossier page
// with its action forms pass axe at desktop and phone width.
func TestStaffPagesAccessible(t *testing.T) {
	s := newStaffSite(t, 2, &archive.Actor{Subject: deskSub, Role: archive.RoleStaff}, nil)
	b := browsertest.New(t)
	for _, path := range []string{"/can-bo", "/can-bo?nhom=desk.to_receive", "/can-bo/ho-so/" + s.codes[0],
		"/can-bo/ho-so/" + s.codes[0] + "?muc-dich=ti%E1%BA%BFp+nh%E1%BA%ADn"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { b.CheckAccessible(t, s.url+path) })
	}
	// A refused action (a reason of blanks passes the browser's check,
	// not the server's): the summary takes the focus, the page passes axe.
	t.Run("refused action", func(t *testing.T) {
		for _, w := range []int{browsertest.DesktopWidth, browsertest.PhoneWidth} {
			tab := b.Tab(t, w)
			tab.Do(t, chromedp.Navigate(s.url+"/can-bo/ho-so/"+s.codes[0]+"?muc-dich=x"), chromedp.WaitReady(chromedp.ID("refuse_intake-reason")),
				chromedp.SendKeys(chromedp.ID("refuse_intake-reason"), "   "), chromedp.Click(chromedp.CSS("#refuse_intake button[type=submit]")),
				chromedp.WaitReady(chromedp.CSS(".error-summary")))
			if got := browsertest.Eval[string](t, tab, `document.activeElement.className`); got != "error-summary" {
				t.Errorf("at %d px focus on %q, want the error summary", w, got)
			}
			for _, v := range browsertest.Serious(tab.Axe(t)) {
				t.Errorf("axe at %d px, refused action: %s", w, v)
			}
		}
	})
}

// TestStaffLateness: a dossier being processed past its due time is "Quá hạn"
// in its bucket's list and on its page, with the due time in Vietnam's
// hh:mm:ss DD/MM/YYYY.
func TestStaffLateness(t *testing.T) {
	s := newStaffSite(t, 1, nil, nil)
	d := s.first
	due := time.Now().Add(-7 * 24 * time.Hour).UTC().Truncate(time.Second) // late by working days
	d.Status, d.Stage, d.ReceivedAt, d.DueAt, d.Rev = workflow.StatusProcessing, workflow.StageToAssign, due.Add(-24*time.Hour), due, d.Rev+1
	if err := s.store.UpdateDossier(context.Background(), d, workflow.StatusAwaitingIntake); err != nil {
		t.Fatal(err)
	}
	dueText := due.In(time.FixedZone("ICT", 7*3600)).Format("15:04:05 02/01/2006")
	_, body := s.do(t, "GET", "/can-bo?nhom=desk.in_progress", deskSub, "", nil)
	if !strings.Contains(body, "<td><strong>"+workflow.LateOverdue.Label()+"</strong></td>") || !strings.Contains(body, dueText) {
		t.Errorf("the list does not show the dossier late, due %s", dueText)
	}
	_, body = s.do(t, "GET", "/can-bo/ho-so/"+d.Code+"?muc-dich=x", deskSub, "", nil)
	if !strings.Contains(body, dueText+"</time> ("+workflow.LateOverdue.Label()+")") {
		t.Errorf("the page does not show the dossier late, due %s", dueText)
	}
}
