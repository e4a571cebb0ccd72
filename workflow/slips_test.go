package workflow_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/workflow"
)

// publicURL is the portal's public URL the slips' QR codes point to.
const publicURL = "https://dichvucong.example.vn"

// printing returns e's workflow with a printer over the shipped templates
// and the test Gotenberg server.
func (e *env) printing(t testing.TB) *workflow.Service {
	t.Helper()
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return workflow.New(workflow.Config{Store: e.store, Vault: e.vault, Forms: e.forms, Now: e.clock.Now,
		Printer: workflow.ConvertPrinter{Templates: ts, Converter: g, PublicURL: publicURL}})
}

// actSteps takes the actions in order on dossier code, an hour apart, and
// returns the dossier after the last one.
func (e *env) actSteps(t testing.TB, code string, steps ...actStep) workflow.View {
	t.Helper()
	var v workflow.View
	for i, s := range steps {
		e.clock.Add(time.Hour)
		var err error
		if v, err = e.wf.Act(context.Background(), s.who, code, s.in); err != nil {
			t.Fatalf("step %d %s by %s: %v", i, s.in.Action, s.who.Subject, err)
		}
	}
	return v
}

type actStep struct {
	who archive.Actor
	in  workflow.ActInput
}

// slipPDF prints a slip and reads it whole.
func slipPDF(t testing.TB, wf *workflow.Service, who archive.Actor, code string, kind workflow.SlipKind) ([]byte, string) {
	t.Helper()
	var (
		rc   io.ReadCloser
		name string
	)
	err := retryConverter(t, func() (err error) {
		rc, name, err = wf.Slip(context.Background(), who, code, kind, "in phiếu cho người nộp")
		return err
	})
	wantCode(t, err, "")
	return readPDFAll(t, rc), name
}

// retryConverter runs print up to three times while Gotenberg answers
// 500 converter_failed: on a loaded machine its browser health check
// times out and it restarts Chromium, cancelling the conversion under way
// ("browser health check failed: context canceled" in its log). Any
// other error, or a third failure, is returned.
func retryConverter(t testing.TB, print func() error) error {
	t.Helper()
	var err error
	for range 3 {
		if err = print(); kerr.KindOf(err) != kerr.Unavailable || kerr.Outer(err).Code != "converter_failed" {
			return err
		}
		t.Logf("Gotenberg failed, printing again: %v", err)
		time.Sleep(2 * time.Second)
	}
	return err
}

func readPDFAll(t testing.TB, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 20)])
	}
	return b
}

// qrOf decodes the QR code on page 1 of pdf (pdftoppm, zbarimg).
func qrOf(t testing.TB, pdf []byte) string {
	t.Helper()
	zbar := testenv.Tool(t, "zbarimg", "zbar-tools")
	var buf bytes.Buffer
	if err := png.Encode(&buf, testenv.RenderPage(t, pdf, 1, 150)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "page.png")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", file).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func day(t time.Time) string { return t.In(workflow.Vietnam).Format("02/01/2006") }

// TestSlips takes a birth registration through reception, a supplement
// round, an extension and the return of its result, and a second one to
// a refusal at intake, and prints every slip through the real Gotenberg:
// each PDF's text carries its title (in capitals), the dossier code, the applicant's
// name and the dates of the trail (DD/MM/YYYY); its QR code decodes to
// the public lookup URL of this dossier; a slip printed again later is
// the same text; a slip whose event did not happen is slip_not_available;
// another citizen and staff of another agency get dossier_not_found; the
// applicant may not print the process control slip.
func TestSlips(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	wf := e.printing(t)

	v := e.filledBirth(t)
	code := v.Code
	for _, k := range workflow.SlipKinds {
		_, _, err := wf.Slip(ctx, desk, code, k, "in phiếu cho người nộp")
		wantCode(t, err, "slip_not_available")
	}
	e.actSteps(t, code,
		actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionReceive}})
	received, err := e.wf.Get(ctx, desk, code)
	wantCode(t, err, "")
	firstDue := received.DueAt
	e.actSteps(t, code,
		actStep{desk, workflow.ActInput{Action: workflow.ActionTransfer}},
		actStep{head, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject}},
		actStep{appraiser, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh bị mờ",
			Items: []string{"Bản sao Giấy chứng sinh rõ nét", "Chữ ký của người đi đăng ký"}}})
	_, _, err = wf.Slip(ctx, citizen, code, workflow.SlipApology, "in phiếu cho người nộp")
	wantCode(t, err, "slip_not_available")
	e.clock.Add(24 * time.Hour)
	v = e.actSteps(t, code, actStep{citizen, workflow.ActInput{Action: workflow.ActionSupplement}})
	restartedDue := v.DueAt
	newDue := restartedDue.Add(72 * time.Hour)
	e.actSteps(t, code, actStep{head, workflow.ActInput{Action: workflow.ActionExtend, Deadline: newDue, Reason: "Chờ xác minh nơi sinh"}})
	_, _, err = wf.Slip(ctx, citizen, code, workflow.SlipEvaluation, "in phiếu cho người nộp")
	wantCode(t, err, "slip_not_available")
	e.actSteps(t, code,
		actStep{appraiser, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện"}},
		actStep{appraiser, workflow.ActInput{Action: workflow.ActionSubmitForApproval}},
		actStep{leader, workflow.ActInput{Action: workflow.ActionApprove}},
		actStep{leader, workflow.ActInput{Action: workflow.ActionSign}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionReturnResult}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionReceiveResult, Receiver: &workflow.Receiver{Name: "Nguyễn Văn An"}}})
	if !firstDue.Before(restartedDue) || !restartedDue.Before(newDue) {
		t.Fatalf("due times %v, %v, %v: the test needs three different days", firstDue, restartedDue, newDue)
	}

	refused := e.filledBirth(t).Code
	e.actSteps(t, refused,
		actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: "Hồ sơ không thuộc thẩm quyền của phường"}})

	got, err := e.wf.Get(ctx, desk, code)
	wantCode(t, err, "")
	trail := func(code string, a workflow.Action) workflow.TrailEntry {
		d, err := e.wf.Get(ctx, desk, code)
		wantCode(t, err, "")
		for _, x := range d.Trail {
			if x.Action == a {
				return x
			}
		}
		t.Fatalf("%s has no %s", code, a)
		return workflow.TrailEntry{}
	}
	reqAt := trail(code, workflow.ActionRequestSupplement).At
	// The ward's heading: the place of its date line is in the shipped
	// catalogue; an admin adds the governing body printed above its name.
	ags, err := e.wf.Agencies(ctx, admin)
	wantCode(t, err, "")
	for _, ag := range ags {
		if ag.Code == ward {
			ag.Parent = "Ủy ban nhân dân Thành phố Hồ Chí Minh"
			if _, err := e.wf.PutAgency(ctx, admin, ag); err != nil {
				t.Fatal(err)
			}
		}
	}
	heading := []string{"ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ", // the parent wraps in its column
		"ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "Bến Nghé, ngày"}
	cases := []struct {
		kind  workflow.SlipKind
		code  string
		who   archive.Actor
		want  []string
		avoid []string
	}{
		{workflow.SlipReceipt, code, citizen, []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Nguyễn Văn An", "Đăng ký khai sinh",
			day(got.ReceivedAt), day(firstDue), "Tờ khai đăng ký khai sinh", "Bản điện tử (tái sử dụng từ Kho)", "Lê Văn Một"}, []string{day(newDue)}},
		{workflow.SlipSupplement, code, citizen, []string{"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Nguyễn Văn An", day(got.ReceivedAt),
			"Bản sao Giấy chứng sinh rõ nét", "Chữ ký của người đi đăng ký", "Giấy chứng sinh bị mờ", "Phạm Văn Định", day(reqAt)}, nil},
		{workflow.SlipApology, code, citizen, []string{"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Nguyễn Văn An", day(got.ReceivedAt),
			day(restartedDue), day(newDue), "Chờ xác minh nơi sinh", "LÃNH ĐẠO PHÒNG"}, nil},
		{workflow.SlipControl, code, desk, []string{"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Nguyễn Văn An", "Lê Văn Một",
			"Phạm Văn Định (Cán bộ thẩm định)", "Chuyển cơ quan có thẩm quyền giải quyết", "Ký duyệt kết quả", day(got.ReceivedAt)}, nil},
		{workflow.SlipEvaluation, code, citizen, []string{"PHIẾU ĐÁNH GIÁ", "Nguyễn Văn An", "Thời gian giải quyết"}, nil},
		{workflow.SlipRefusal, refused, citizen, []string{"PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Nguyễn Văn An",
			"Hồ sơ không thuộc thẩm quyền của phường", "Lê Văn Một"}, nil},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			pdf, name := slipPDF(t, wf, c.who, c.code, c.kind)
			if !strings.HasSuffix(name, "-"+c.code+".pdf") {
				t.Errorf("file name %q", name)
			}
			text := testenv.PDFText(t, pdf)
			for _, w := range append(append([]string{c.code}, heading...), c.want...) {
				if !strings.Contains(text, norm.NFC.String(w)) {
					t.Errorf("the %s slip lacks %q:\n%s", c.kind, w, text)
				}
			}
			for _, w := range c.avoid {
				if strings.Contains(text, w) {
					t.Errorf("the %s slip shows %q:\n%s", c.kind, w, text)
				}
			}
			if got, want := qrOf(t, pdf), "QR-Code:"+publicURL+"/tra-cuu/"+c.code; got != want {
				t.Errorf("QR code %q, want %q", got, want)
			}
			// Printed again a day later by staff: the same text.
			e.clock.Add(24 * time.Hour)
			again, _ := slipPDF(t, wf, desk, c.code, c.kind)
			if a := testenv.PDFText(t, again); a != text {
				t.Errorf("printed again:\n%s\nfirst:\n%s", a, text)
			}
		})
	}

	// Slips whose event never happened.
	for _, k := range []workflow.SlipKind{workflow.SlipReceipt, workflow.SlipSupplement, workflow.SlipApology, workflow.SlipControl} {
		_, _, err := wf.Slip(ctx, desk, refused, k, "in phiếu cho người nộp")
		wantCode(t, err, "slip_not_available")
	}
	_, _, err = wf.Slip(ctx, citizen, code, workflow.SlipRefusal, "in phiếu cho người nộp")
	wantCode(t, err, "slip_not_available")
	// Who may not print.
	for _, who := range []archive.Actor{stranger, outsider, admin} {
		for _, k := range []workflow.SlipKind{workflow.SlipReceipt, workflow.SlipControl} {
			_, _, err := wf.Slip(ctx, who, code, k, "in phiếu cho người nộp")
			wantCode(t, err, "dossier_not_found")
		}
	}
	_, _, err = wf.Slip(ctx, citizen, code, workflow.SlipControl, "in phiếu cho người nộp")
	wantCode(t, err, "slip_staff_only")
	_, _, err = wf.Slip(ctx, citizen, code, "bien-nhan", "in phiếu cho người nộp")
	wantCode(t, err, "unknown_slip")
	// No printer: Unavailable with its code.
	_, _, err = e.wf.Slip(ctx, citizen, code, workflow.SlipReceipt, "in phiếu cho người nộp")
	wantCode(t, err, "converter_unavailable")
}

// TestBook prints the tracking book of the ward for two days: it lists
// the dossiers the ward received in them, in the order received, and
// none received before, none not yet received and none of another
// agency.
func TestBook(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	wf := e.printing(t)
	receive := func() string {
		code := e.filledBirth(t).Code
		e.actSteps(t, code, actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}}, actStep{desk, workflow.ActInput{Action: workflow.ActionReceive}})
		return code
	}
	before := receive() // Monday 07/12/2026
	e.clock.Add(24 * time.Hour)
	first, second := receive(), receive() // Tuesday
	e.clock.Add(24 * time.Hour)
	third := receive() // Wednesday
	notReceived := e.filledBirth(t).Code
	e.actSteps(t, notReceived, actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}})
	// Received on Tuesday by the other agency's desk, for the ward to resolve.
	ov := e.plant(t, workflow.State{Status: workflow.StatusReceived}, func(d *workflow.Dossier) {
		d.Code = other + d.Code[len(ward):]
		d.Agency, d.AgencyName = other, "Ủy ban nhân dân phường Đa Kao"
		d.ReceivedAt = time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	})

	from := archive.Date{Year: 2026, Month: 12, Day: 8}
	to := archive.Date{Year: 2026, Month: 12, Day: 9}
	var (
		rc   io.ReadCloser
		name string
	)
	err := retryConverter(t, func() (err error) {
		rc, name, err = wf.Book(ctx, desk, "", from, to)
		return err
	})
	wantCode(t, err, "")
	text := testenv.PDFText(t, readPDFAll(t, rc))
	if name != "so-theo-doi-ho-so-"+ward+"-2026-12-08-2026-12-09.pdf" {
		t.Errorf("file name %q", name)
	}
	for _, w := range []string{"SỔ THEO DÕI HỒ SƠ", first, second, third, "08/12/2026", "09/12/2026", "Nguyễn Văn An"} {
		if !strings.Contains(text, w) {
			t.Errorf("the book lacks %q:\n%s", w, text)
		}
	}
	for _, w := range []string{before, notReceived, ov.Code} {
		if strings.Contains(text, w) {
			t.Errorf("the book lists %s:\n%s", w, text)
		}
	}
	if i, j, k := strings.Index(text, first), strings.Index(text, second), strings.Index(text, third); !(i < j && j < k) {
		t.Errorf("rows out of the order of reception: %d %d %d", i, j, k)
	}

	_, _, err = wf.Book(ctx, desk, other, from, to)
	wantCode(t, err, "other_agency")
	_, _, err = wf.Book(ctx, citizen, ward, from, to)
	wantCode(t, err, "staff_only")
	_, _, err = wf.Book(ctx, desk, "", to, from)
	wantCode(t, err, "invalid_date_range")
	_, _, err = wf.Book(ctx, desk, "", from, archive.Date{Year: 2028, Month: 1, Day: 1})
	wantCode(t, err, "invalid_date_range")
	_, _, err = wf.Book(ctx, admin, "", from, to)
	wantCode(t, err, "agency_required")
	_, _, err = e.wf.Book(ctx, desk, "", from, to)
	wantCode(t, err, "converter_unavailable")
}

// TestBookBound: a period with more dossiers than one book holds
// (workflow.MaxBookRows) is refused with book_too_large before anything
// is printed; exactly MaxBookRows go on to the printer (here none:
// converter_unavailable).
func TestBookBound(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	in := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	for range workflow.MaxBookRows {
		e.plant(t, workflow.State{Status: workflow.StatusReceived}, func(d *workflow.Dossier) { d.ReceivedAt = in })
	}
	day := archive.Date{Year: 2026, Month: 12, Day: 7}
	_, _, err := e.wf.Book(ctx, desk, "", day, day)
	wantCode(t, err, "converter_unavailable")
	e.plant(t, workflow.State{Status: workflow.StatusReceived}, func(d *workflow.Dossier) { d.ReceivedAt = in })
	_, _, err = e.wf.Book(ctx, desk, "", day, day)
	wantCode(t, err, "book_too_large")
	// The next day's book is not concerned.
	next := archive.Date{Year: 2026, Month: 12, Day: 8}
	_, _, err = e.wf.Book(ctx, desk, "", next, next)
	wantCode(t, err, "converter_unavailable")
}

// TestApologySlipFromScan: a dossier the deadline scan found overdue,
// with no extension from staff, has its apology slip with the new date
// the scan promised (Dossier.Lateness) — not slip_not_available.
func TestApologySlipFromScan(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	wf := e.printing(t)
	code := e.filledBirth(t).Code
	e.actSteps(t, code,
		actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionReceive}})
	_, _, err := wf.Slip(ctx, citizen, code, workflow.SlipApology, "in phiếu cho người nộp")
	wantCode(t, err, "slip_not_available")
	e.clock.Add(30 * 24 * time.Hour)
	if _, err := e.wf.ScanDeadlines(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	v, err := e.wf.Get(ctx, desk, code)
	wantCode(t, err, "")
	l := v.Lateness
	if l == nil || l.State != workflow.LateOverdue || l.NewDue.IsZero() || l.Reason == "" {
		t.Fatalf("lateness after the scan: %+v", l)
	}
	pdf, _ := slipPDF(t, wf, citizen, code, workflow.SlipApology)
	text := testenv.PDFText(t, pdf)
	for _, w := range []string{code, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Nguyễn Văn An", day(l.Due), day(l.NewDue), "LÃNH ĐẠO ĐƠN VỊ"} {
		if !strings.Contains(text, norm.NFC.String(w)) {
			t.Errorf("the apology slip lacks %q:\n%s", w, text)
		}
	}
}

// TestSlipReady walks a dossier through reception, a supplement round,
// an extension, the result's return, and another to a refusal at intake:
// at every step SlipReady says of each slip exactly what Slip answers —
// ready is the printer's turn (none is configured: converter_unavailable),
// not ready is slip_not_available.
func TestSlipReady(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	check := func(code, step string) {
		t.Helper()
		d, err := e.store.GetDossier(ctx, code)
		wantCode(t, err, "")
		for _, k := range workflow.SlipKinds {
			_, _, err := e.wf.Slip(ctx, desk, code, k, "in phiếu")
			want := "slip_not_available"
			if workflow.SlipReady(d, k) {
				want = "converter_unavailable"
			}
			got := ""
			if ke := kerr.Outer(err); ke != nil {
				got = ke.Code
			}
			if got != want {
				t.Errorf("%s, slip %s: SlipReady says %s, Slip answers %s", step, k, want, got)
			}
		}
	}
	code := e.filledBirth(t).Code
	check(code, "registered")
	steps := []struct {
		name string
		step actStep
	}{
		{"submitted", actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}}},
		{"received", actStep{desk, workflow.ActInput{Action: workflow.ActionReceive}}},
		{"transferred", actStep{desk, workflow.ActInput{Action: workflow.ActionTransfer}}},
		{"assigned", actStep{head, workflow.ActInput{Action: workflow.ActionAssign, Assignee: appraiser.Subject}}},
		{"supplement requested", actStep{appraiser, workflow.ActInput{Action: workflow.ActionRequestSupplement, Reason: "Giấy chứng sinh bị mờ",
			Items: []string{"Bản sao Giấy chứng sinh rõ nét"}}}},
		{"supplemented", actStep{citizen, workflow.ActInput{Action: workflow.ActionSupplement}}},
		{"extended", actStep{head, workflow.ActInput{Action: workflow.ActionExtend, Deadline: start.Add(30 * 24 * time.Hour), Reason: "Chờ xác minh"}}},
		{"appraised", actStep{appraiser, workflow.ActInput{Action: workflow.ActionAppraise, Opinion: "Đủ điều kiện"}}},
		{"to approve", actStep{appraiser, workflow.ActInput{Action: workflow.ActionSubmitForApproval}}},
		{"approved", actStep{leader, workflow.ActInput{Action: workflow.ActionApprove}}},
		{"signed", actStep{leader, workflow.ActInput{Action: workflow.ActionSign}}},
		{"to return", actStep{desk, workflow.ActInput{Action: workflow.ActionReturnResult}}},
		{"returned", actStep{citizen, workflow.ActInput{Action: workflow.ActionReceiveResult, Receiver: &workflow.Receiver{Name: "Nguyễn Văn An"}}}},
	}
	for _, s := range steps {
		e.actSteps(t, code, s.step)
		check(code, s.name)
	}
	refused := e.filledBirth(t).Code
	e.actSteps(t, refused,
		actStep{citizen, workflow.ActInput{Action: workflow.ActionSubmit}},
		actStep{desk, workflow.ActInput{Action: workflow.ActionRefuseIntake, Reason: "Hồ sơ không thuộc thẩm quyền"}})
	check(refused, "refused")
	if d, _ := e.store.GetDossier(ctx, refused); workflow.SlipReady(d, workflow.SlipReceipt) || !workflow.SlipReady(d, workflow.SlipRefusal) {
		t.Error("a dossier refused at intake: receipt ready or refusal not")
	}
}
