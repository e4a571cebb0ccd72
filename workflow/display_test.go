package workflow_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// TestDisplay: the status people read is the glossary's label with the
// extra information it lists, dates as the rules write them.
func TestDisplay(t *testing.T) {
	now := time.Date(2023, 8, 18, 3, 0, 0, 0, time.UTC) // 18/08/2023 10:00 in Vietnam
	at := func(day int) time.Time { return time.Date(2023, 8, day, 2, 0, 0, 0, time.UTC) }
	base := workflow.Dossier{HandlingAgency: "000.00.12.H29", HandlingAgencyName: "Sở Xây dựng",
		Handler: &workflow.Handler{Subject: "thamdinh1", Name: "Phạm Văn Định", DepartmentName: "Phòng Quản lý xây dựng"}}
	for _, c := range []struct {
		edit        func(*workflow.Dossier)
		label, info string
		late        bool
	}{
		{func(d *workflow.Dossier) { d.Status = workflow.StatusRegistered }, "Mới đăng ký", "", false},
		{func(d *workflow.Dossier) { d.Status, d.ReceivedAt = workflow.StatusReceived, at(15) }, "Được tiếp nhận", "15/08/2023", false},
		{func(d *workflow.Dossier) {
			d.Status = workflow.StatusIntakeSupplementRequested
			d.Supplement = &workflow.SupplementRequest{Reason: "Thiếu giấy tờ", Items: []string{"Bản sao A", "Bản sao B"}}
		}, "Yêu cầu bổ sung giấy tờ", "Lý do: Thiếu giấy tờ; Nội dung cần bổ sung: Bản sao A; Bản sao B", false},
		{func(d *workflow.Dossier) {
			d.Status, d.Reason = workflow.StatusIntakeRefused, "Không thuộc thẩm quyền"
		},
			"Dừng xử lý", "Lý do từ chối tiếp nhận: Không thuộc thẩm quyền", false},
		{func(d *workflow.Dossier) { d.Status, d.Reason = workflow.StatusStopped, "Không đủ điều kiện" },
			"Dừng xử lý", "Lý do không giải quyết: Không đủ điều kiện", false},
		{func(d *workflow.Dossier) {
			d.Status, d.Payment = workflow.StatusPaymentRequired, &workflow.Payment{Amount: 1500000, Reason: "Lệ phí cấp phép"}
		}, "Yêu cầu thực hiện nghĩa vụ tài chính", "Số tiền phải nộp: 1.500.000 đồng (Lệ phí cấp phép)", false},
		{func(d *workflow.Dossier) { d.Status, d.Stage = workflow.StatusProcessing, workflow.StageToAssign },
			"Đang xử lý", "Cơ quan có thẩm quyền giải quyết: Sở Xây dựng", false},
		{func(d *workflow.Dossier) {
			d.Status, d.Stage, d.DueAt = workflow.StatusProcessing, workflow.StageAppraising, at(25)
		},
			"Đang xử lý", "Cán bộ thẩm định, Phòng Quản lý xây dựng, Phạm Văn Định", false},
		{func(d *workflow.Dossier) {
			d.Status, d.Stage, d.DueAt = workflow.StatusProcessing, workflow.StageToApprove, at(15)
		},
			"Đang xử lý", "Hạn xử lý 15/08/2023 - Quá hạn 3 ngày", true},
		{func(d *workflow.Dossier) { d.Status = workflow.StatusResolved }, "Đã xử lý xong", "Đang trả kết quả", false},
		{func(d *workflow.Dossier) { d.Status, d.ReturnedAt = workflow.StatusResultReturned, at(17) }, "Đã trả kết quả", "17/08/2023", false},
		{func(d *workflow.Dossier) { d.Status = workflow.StatusApplicantStopped }, "Dừng thực hiện TTHC", "", false},
	} {
		d := base
		c.edit(&d)
		got := workflow.DisplayOf(d, now, workflow.PlainDeadlines{})
		if got.Label != c.label || got.Info != c.info || got.Late != c.late || got.Status != d.Status {
			t.Errorf("%s: %+v, want %q %q late %v", d.State(), got, c.label, c.info, c.late)
		}
	}
}

// TestConcurrentCreate: citizens applying at once through two processes
// get codes of one agency and day numbered 1..N, each once.
func TestConcurrentCreate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	procs := []*workflow.Service{e.wf, e.process(t)}
	const n = 24
	codes := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := procs[i%2].Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
				Applicant: workflow.Party{Kind: archive.Individual, ID: citizen.Subject, Name: "Nguyễn Văn An"}})
			codes[i], errs[i] = v.Code, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		wantCode(t, err, "")
	}
	slices.Sort(codes)
	day := workflow.CodeDay(e.clock.Now())
	for i, c := range codes {
		if want := fmt.Sprintf("%s-%s-%04d", ward, day, i+1); c != want {
			t.Fatalf("codes %v: %s at %d, want %s", codes, c, i, want)
		}
	}
}
