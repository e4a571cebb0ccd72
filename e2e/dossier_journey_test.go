package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
)

// The dossier journey's server clock: Friday 28/08/2026, 09:00 in
// Vietnam. The shipped calendar gives Monday 31/08 (swapped for Saturday
// 22/08), Tuesday 01/09 and Wednesday 02/09 (Quốc khánh) off, so a birth
// registration (one working day) received that morning is due on
// Thursday 03/09/2026, not on Saturday 29/08 as a plain clock would say.
const (
	journeyNow   = "2026-08-28T09:00:00+07:00"
	journeyDay   = "260828"     // the day in the dossier code
	journeyDue   = "03/09/2026" // after the weekend and the holiday
	journeyWard  = "000.00.31.H29"
	journeyPublc = "https://kho.example.vn"
)

// journeyDossier is the part of a dossier the journey reads.
type journeyDossier struct {
	Code       string    `json:"code"`
	Status     string    `json:"status"`
	Stage      string    `json:"stage"`
	Rev        int64     `json:"rev"`
	ReceivedAt time.Time `json:"receivedAt"`
	DueAt      time.Time `json:"dueAt"`
	Components []struct {
		Code       string `json:"code"`
		Source     string `json:"source"`
		DocumentID string `json:"documentId"`
		Version    int    `json:"version"`
		ReuseID    string `json:"reuseId"`
	} `json:"components"`
	Display struct {
		Label string `json:"label"`
		Info  string `json:"info"`
	} `json:"display"`
	Result *struct {
		TypeCode   string `json:"typeCode"`
		DocumentID string `json:"documentId"`
	} `json:"result"`
	Trail []struct {
		Seq    int       `json:"seq"`
		At     time.Time `json:"at"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		From   struct{ Status, Stage string }
		To     struct{ Status, Stage string }
		Note   string `json:"note"`
	} `json:"trail"`
}

// journey is the running server and its users.
type journey struct {
	t       *testing.T
	srv     *server
	store   []string
	roots   string
	mail    testenv.MailpitServer
	email   string // the applicant's address
	citizen *client
	staff   map[string]*client // by subject
}

// TestDossierJourney is issue 10's "done when" through the real `kho
// serve`: a citizen uploads their identity card into the vault, applies
// online for a birth registration reusing it (with its version), the
// desk receives it, the head assigns it, the appraiser asks for a
// supplement (reasons and items), the citizen supplements, the appraiser
// appraises and submits it, the leader approves and signs, the desk
// returns the result and the citizen receives it. Each action's trail
// entry (who, when, from, to) is checked, and the whole trail at the
// end. The server runs on a test clock set to the working day before
// Quốc khánh 2026: the dossier's code carries that day and its due date
// skips the weekend and the holiday, after the supplement too. The
// receipt e-mail reaches Mailpit with the code; the receipt and
// supplement slips are PDFs with the code and a QR code of the public
// lookup URL; the signed birth certificate is in the citizen's vault,
// named by the dossier, and `kho verify` passes it with the leader's
// signature then the agency seal. The public lookup shows the dossier
// without personal data. It runs on the embedded store, and on FerretDB.
func TestDossierJourney(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { dossierJourney(t, nil) })
	t.Run("ferretdb", func(t *testing.T) {
		dossierJourney(t, []string{"--mongo-uri", testenv.MongoURI(t), "--mongo-db", testenv.UniqueName(t, "journey")})
	})
}

// dossierJourney is TestDossierJourney with the metadata in the store of
// meta (the flags of a MongoDB store; nil: embedded).
func dossierJourney(t *testing.T, meta []string) {
	j := startJourney(t, meta)
	const js = "application/json"

	// The identity card, uploaded into the citizen's vault first.
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước của Ngọc"}, "filename": {"cccd.pdf"},
		"fields": {`{"soDinhDanh":"` + citizenID + `","hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29","noiCuTru":"12 Lý Thường Kiệt, Hà Nội"}`}}
	var card struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	call(t, j.citizen, "POST", "/api/v1/documents", q, "application/pdf", tinyPDF("the can cuoc"), 201, &card)

	// Online application for a birth registration.
	var d journeyDossier
	call(t, j.citizen, "POST", "/api/v1/dossiers", nil, js, []byte(`{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"`+
		citizenID+`","name":"Trần Thị Bích Ngọc","email":"`+j.email+`"}}`), 201, &d)
	if want := journeyWard + "-" + journeyDay + "-0001"; d.Code != want || d.Status != "registered" {
		t.Fatalf("new dossier %s (%s), want code %s: the server's test clock is not the dossier's", d.Code, d.Status, want)
	}
	code := d.Code
	path := "/api/v1/dossiers/" + code
	call(t, j.citizen, "PUT", path+"/components/TO_KHAI", nil, js, []byte(`{"form":`+journeyForm()+`}`), 200, &d)
	call(t, j.citizen, "POST", path+"/components/GIAY_CHUNG_SINH/file", url.Values{"filename": {"chung-sinh.pdf"}}, "application/pdf",
		tinyPDF("giay chung sinh"), 200, &d)
	call(t, j.citizen, "PUT", path+"/components/GIAY_TO_TUY_THAN", nil, js,
		[]byte(fmt.Sprintf(`{"reuse":{"document":%q,"version":%d}}`, card.ID, card.Version)), 200, &d)
	reused := false
	for _, c := range d.Components {
		if c.Code == "GIAY_TO_TUY_THAN" {
			reused = c.Source == "reuse" && c.DocumentID == card.ID && c.Version == 1 && c.ReuseID != ""
		}
	}
	if !reused || len(d.Components) != 3 {
		t.Fatalf("components after the reuse: %+v", d.Components)
	}

	desk, head, appraiser, leader := j.staff["motcua01"], j.staff["truongphong01"], j.staff["thamdinh01"], j.staff["lanhdao01"]
	steps := []struct {
		who           *client
		actor, body   string
		status, stage string
	}{
		{j.citizen, citizenID, `{"action":"submit"}`, "awaiting_intake", ""},
		{desk, "motcua01", `{"action":"receive"}`, "received", ""},
		{desk, "motcua01", `{"action":"transfer"}`, "processing", "to_assign"},
		{head, "truongphong01", `{"action":"assign","assignee":"thamdinh01"}`, "processing", "appraising"},
		{appraiser, "thamdinh01", `{"action":"request_supplement","reason":"Giấy chứng sinh bị mờ","items":["Giấy chứng sinh bản rõ"]}`,
			"supplement_requested", ""},
		{j.citizen, citizenID, `{"action":"supplement","note":"Đã nộp bản rõ"}`, "processing", "appraising"},
		{appraiser, "thamdinh01", `{"action":"appraise","opinion":"Đủ điều kiện đăng ký khai sinh"}`, "processing", "appraised"},
		{appraiser, "thamdinh01", `{"action":"submit_for_approval"}`, "processing", "to_approve"},
		{leader, "lanhdao01", `{"action":"approve"}`, "processing", "approved"},
		{leader, "lanhdao01", `{"action":"sign"}`, "resolved", ""},
		{desk, "motcua01", `{"action":"return_result"}`, "awaiting_return", ""},
		{desk, "motcua01", `{"action":"receive_result","receiver":{"name":"Trần Thị Bích Ngọc","id":"` + citizenID + `"}}`, "result_returned", ""},
	}
	var actions []string
	for i, s := range steps {
		var in struct{ Action string }
		if err := json.Unmarshal([]byte(s.body), &in); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, in.Action)
		if in.Action == "supplement" {
			// The clearer birth certificate, while the supplement is open.
			j.checkSlip(code, "supplement", "Giấy chứng sinh bản rõ")
			call(t, j.citizen, "POST", path+"/components/GIAY_CHUNG_SINH/file", url.Values{"filename": {"chung-sinh-ro.pdf"}}, "application/pdf",
				tinyPDF("giay chung sinh ban ro"), 200, &d)
		}
		if in.Action == "sign" {
			j.beforeSign(code)
		}
		before := d
		// Each action moves the revision on (signing may move it twice:
		// the result's number is reserved, then the result issued).
		d = j.act(s.who, code, d.Rev, s.body)
		if d.Status != s.status || d.Stage != s.stage || d.Rev <= before.Rev || len(d.Trail) != i+1 {
			t.Fatalf("step %d %s: %s/%s rev %d (was %d), %d trail entries", i, in.Action, d.Status, d.Stage, d.Rev, before.Rev, len(d.Trail))
		}
		e := d.Trail[i]
		if e.Seq != i+1 || e.Action != in.Action || e.Actor != s.actor || e.From.Status != before.Status || e.From.Stage != before.Stage ||
			e.To.Status != s.status || e.To.Stage != s.stage {
			t.Fatalf("step %d %s: trail entry %+v, want %s from %s/%s to %s/%s", i, in.Action, e, s.actor, before.Status, before.Stage, s.status, s.stage)
		}
		if in.Action == "receive" {
			j.checkReceived(d)
		}
	}

	// The whole trail as the citizen reads it at the end: every action,
	// in order, each from where the previous one went, each at a time of
	// the server's (test) clock, none before the one before it.
	var final journeyDossier
	call(t, j.citizen, "GET", path, nil, "", nil, 200, &final)
	if len(final.Trail) != len(steps) {
		t.Fatalf("final trail: %d entries, want %d", len(final.Trail), len(steps))
	}
	for i, e := range final.Trail {
		if e.Action != actions[i] || (i > 0 && (e.From != final.Trail[i-1].To || e.At.Before(final.Trail[i-1].At))) ||
			e.At.In(ict).Format("02/01/2006") != "28/08/2026" {
			t.Fatalf("final trail entry %d: %+v after %+v", i, e, final.Trail[max(i-1, 0)])
		}
	}
	if !strings.Contains(final.Trail[4].Note, "Giấy chứng sinh bản rõ") || !strings.Contains(final.Trail[3].Note, "Phạm Văn Định") {
		t.Errorf("trail notes: supplement %q, assignment %q", final.Trail[4].Note, final.Trail[3].Note)
	}

	// The public lookup shows the dossier, not the applicant.
	public := &client{t: t, base: j.srv.url}
	body := call(t, public, "GET", "/api/v1/public/dossiers/"+code, nil, "", nil, 200, nil)
	if !strings.Contains(string(body), code) || !strings.Contains(string(body), "Đã trả kết quả") ||
		strings.Contains(string(body), citizenID) || strings.Contains(string(body), "Ngọc") || strings.Contains(string(body), j.email) {
		t.Errorf("public lookup: %s", body)
	}

	// The supplement restarted the clock on the same day: still due after
	// the holiday.
	if got := final.DueAt.In(ict).Format("02/01/2006"); got != journeyDue {
		t.Errorf("due on %s at the end (%v), want %s", got, final.DueAt, journeyDue)
	}
	j.checkResult(final)
}

// startJourney starts `kho serve` on the test clock with Mailpit, Gotenberg
// and signing keys, and makes its users: an admin, the citizen (an owner
// of the vault) and the ward's desk officer, head, appraiser and leader
// in the staff directory.
func startJourney(t *testing.T, meta []string) *journey {
	mp := testenv.Mailpit(t)
	gotenberg := testenv.Gotenberg(t)
	ca, keys, pw := testPKI(t)
	data := t.TempDir()
	store := []string{"--data", data}
	if meta != nil {
		store = meta
	}
	cmd := exec.Command(khoBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--test-clock"}, meta...)...)
	cmd.Args = append(cmd.Args,
		"--trust", filepath.Join(keys, "roots.pem"), "--tsa", ca.URL+"/tsa",
		"--sign-key", "lanhdao="+filepath.Join(keys, pki.Personal+".p12"), "--sign-key-password-file", "lanhdao="+pw,
		"--sign-key", "condau="+filepath.Join(keys, pki.Seal+".p12"), "--sign-key-password-file", "condau="+pw,
		"--gotenberg-url", gotenberg, "--public-url", journeyPublc,
		"--smtp-addr", mp.SMTPAddr, "--smtp-from", "Một cửa phường <mot-cua@kho.example.vn>", "--smtp-insecure", "--notify-interval", "100ms")
	cmd.Args = append(cmd.Args, "--result-leader-key", "lanhdao01=lanhdao", "--result-seal-key", journeyWard+"=condau")
	cmd.Env = cleanEnv("KHO_TEST_NOW=" + journeyNow)
	j := &journey{t: t, srv: runServer(t, cmd), store: store, roots: filepath.Join(keys, "roots.pem"), mail: mp,
		email: testenv.UniqueAddress(t, "kho.example.vn"), staff: map[string]*client{}}
	if !strings.Contains(j.srv.logs.String(), "Đồng hồ kiểm thử") {
		t.Fatalf("the server does not say it runs on the test clock:\n%s", j.srv.logs.String())
	}

	admin := &client{t: t, base: j.srv.url, token: createToken(t, j.store, "quantri-hanhtrinh", "admin")}
	registerOwner(t, admin, citizenID)
	j.citizen = &client{t: t, base: j.srv.url, token: createToken(t, j.store, citizenID, "citizen")}
	for _, m := range []struct{ subject, name, dept, position string }{
		{"motcua01", "Lê Văn Một", "MOT_CUA", "desk"},
		{"truongphong01", "Trần Thị Phòng", "VP", "head"},
		{"thamdinh01", "Phạm Văn Định", "VP", "appraiser"},
		{"lanhdao01", "Nguyễn Văn An", "VP", "leader"},
	} {
		call(t, admin, "PUT", "/api/v1/staff/"+m.subject, nil, "application/json", []byte(fmt.Sprintf(
			`{"name":%q,"agency":%q,"department":%q,"positions":[%q],"active":true}`, m.name, journeyWard, m.dept, m.position)), 200, nil)
		j.staff[m.subject] = &client{t: t, base: j.srv.url, token: createToken(t, j.store, m.subject, "staff")}
	}
	return j
}

// journeyForm is the birth declaration, dated before the server's day.
func journeyForm() string {
	return `{"kinhGui":"UBND phường Bến Nghé","hoTenNguoiYeuCau":"Trần Thị Bích Ngọc","soDinhDanhNguoiYeuCau":"` + citizenID + `",
	"noiCuTruNguoiYeuCau":"12 Lý Thường Kiệt, Hà Nội","quanHe":"me",
	"hoTen":"Trần Bình Minh","ngaySinh":"20/08/2026","gioiTinh":"nam","danToc":"Kinh","quocTich":"Việt Nam","noiSinh":"Bệnh viện Từ Dũ",
	"coThongTinCha":"khong","hoTenMe":"Trần Thị Bích Ngọc","deNghiCapBanSao":"khong","camDoan":["dong_y"],"lamTai":"Hà Nội","ngayKhai":"28/08/2026"}`
}

// act posts an action on a dossier at revision rev and returns the dossier.
func (j *journey) act(c *client, code string, rev int64, body string) journeyDossier {
	j.t.Helper()
	resp, err := c.do(http.MethodPost, "/api/v1/dossiers/"+code+"/actions", nil, strings.NewReader(body),
		map[string]string{"Content-Type": "application/json", "If-Match": fmt.Sprintf(`"%d"`, rev)})
	if err != nil {
		j.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		j.t.Fatalf("action %s on %s: %s: %s", body, code, resp.Status, b.String())
	}
	var d journeyDossier
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		j.t.Fatalf("action %s: %v: %s", body, err, b.String())
	}
	return d
}

// checkReceived checks the dossier just received: received on the test
// clock's day; due one working day later, after the weekend and the
// holiday; the receipt slip; the receipt e-mail.
func (j *journey) checkReceived(d journeyDossier) {
	t := j.t
	t.Helper()
	if got := d.ReceivedAt.In(ict).Format("02/01/2006"); got != "28/08/2026" {
		t.Fatalf("received on %s (%v), want 28/08/2026 on the test clock", got, d.ReceivedAt)
	}
	if got := d.DueAt.In(ict).Format("02/01/2006"); got != journeyDue {
		t.Fatalf("due on %s (%v), want %s: one working day after Friday 28/08/2026, past the weekend and Quốc khánh", got, d.DueAt, journeyDue)
	}
	j.checkSlip(d.Code, "receipt", "Trần Thị Bích Ngọc")
	msgs := j.mail.WaitTo(t, j.email, 1, 30*time.Second)
	found := false
	for _, m := range msgs {
		if strings.Contains(m.Subject, d.Code) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no e-mail to %s names %s: %+v", j.email, d.Code, msgs)
	}
}

// checkSlip fetches a slip of the dossier as its applicant: a PDF whose
// text has the code and want, whose QR code is the public lookup URL.
func (j *journey) checkSlip(code, kind, want string) {
	t := j.t
	t.Helper()
	pdf := call(t, j.citizen, "GET", "/api/v1/dossiers/"+code+"/slips/"+kind, nil, "", nil, 200, nil)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("%s slip is not a PDF: %.60q", kind, pdf)
	}
	file := filepath.Join(t.TempDir(), kind+".pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(testenv.Tool(t, "pdftotext", "poppler-utils"), "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	if !strings.Contains(text, code) || !strings.Contains(text, want) {
		t.Fatalf("%s slip lacks %s or %q:\n%s", kind, code, want, text)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, testenv.RenderPage(t, pdf, 1, 150)); err != nil {
		t.Fatal(err)
	}
	qr := filepath.Join(t.TempDir(), kind+".png")
	if err := os.WriteFile(qr, img.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(testenv.Tool(t, "zbarimg", "zbar-tools"), "--quiet", qr).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code on the %s slip: %v", kind, err)
	}
	if want := "QR-Code:" + journeyPublc + "/tra-cuu/" + code; strings.TrimSpace(string(got)) != want {
		t.Fatalf("%s slip's QR code: %q, want %q", kind, got, want)
	}
}

// beforeSign runs just before the leader signs: nothing is in the
// citizen's vault of type KHAI_SINH yet.
func (j *journey) beforeSign(code string) {
	if n := len(j.results()); n != 0 {
		j.t.Fatalf("%d birth certificates in the vault before %s was signed", n, code)
	}
}

// results lists the citizen's birth certificates (KHAI_SINH) in their vault.
func (j *journey) results() []struct {
	ID string `json:"id"`
} {
	var page struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	call(j.t, j.citizen, "GET", "/api/v1/documents", url.Values{"owner": {citizenID}, "type": {"KHAI_SINH"}}, "", nil, 200, &page)
	return page.Documents
}

// checkResult checks the signed result of the returned dossier d in the
// citizen's vault: one birth certificate, the one the dossier names,
// which `kho verify` passes with two signatures, the leader's then the
// agency seal's.
func (j *journey) checkResult(d journeyDossier) {
	t := j.t
	t.Helper()
	docs := j.results()
	if len(docs) != 1 || d.Result == nil || d.Result.DocumentID != docs[0].ID || d.Result.TypeCode != "KHAI_SINH" {
		t.Fatalf("after %s was signed: birth certificates %+v in the vault, the dossier's result %+v", d.Code, docs, d.Result)
	}
	pdf, _ := j.citizen.download(docs[0].ID)
	file := filepath.Join(t.TempDir(), "khai-sinh.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustKho(t, "verify", "--trust", j.roots, "--json", file)
	var rep signing.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("kho verify --json: %v\n%s", err, r.stdout)
	}
	if len(rep.Signatures) != 2 || rep.Signatures[0].Signer == nil || rep.Signatures[0].Signer.CommonName != "Nguyễn Văn An" ||
		rep.Signatures[1].Signer == nil || rep.Signatures[1].Signer.CommonName != "Ủy ban nhân dân Phường Bến Nghé" {
		t.Fatalf("the result's signatures: %+v, want the leader's then the seal's", rep.Signatures)
	}
	// The citizen is told in the portal that the paper is in their vault.
	var inbox struct {
		Notifications []struct {
			Kind    string `json:"kind"`
			Subject string `json:"subject"`
			Ref     string `json:"ref"`
		} `json:"notifications"`
	}
	call(t, j.citizen, "GET", "/api/v1/notifications", nil, "", nil, 200, &inbox)
	told := 0
	for _, n := range inbox.Notifications {
		if n.Kind == "paper" && n.Ref == docs[0].ID && strings.HasPrefix(n.Subject, "Giấy tờ mới trong kho: ") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the citizen's notifications about the issued paper %s: %d, want 1: %+v", docs[0].ID, told, inbox.Notifications)
	}
}
