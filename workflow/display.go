package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/forms"
)

// Display is a dossier's status as people read it: the official label and
// the extra information the rules attach to it (2025 appendix item 4;
// GLOSSARY.md), e.g. "Được tiếp nhận" with "15/8/2023", or "Đang xử lý"
// with "Hạn xử lý 15/08/2023 - Quá hạn 3 ngày".
type Display struct {
	Status Status `json:"status"`
	Label  string `json:"label"`
	Info   string `json:"info,omitempty"`
	// Stage is the stage of a dossier being processed, as people read it.
	Stage string `json:"stage,omitempty"`
	// Late is set when the dossier is past its due date.
	Late bool `json:"late,omitempty"`
	// Near is set when its due date is near (within the last working
	// day) and its clock runs (Service.Display).
	Near bool `json:"near,omitempty"`
}

// longDate is a day as DD/MM/YYYY, "15/08/2023" — the portal's one way
// of writing a day (the rules' examples also write "15/8/2023"; people
// should not meet two spellings of one day).
func longDate(t time.Time) string { return t.In(Vietnam).Format("02/01/2006") }

// DisplayOf returns the status of d as people read it at now.
func DisplayOf(d Dossier, now time.Time, dl Deadlines) Display {
	out := Display{Status: d.Status, Label: d.Status.Label()}
	if d.Stage != "" {
		out.Stage = d.Stage.Label()
	}
	late := 0
	if !d.DueAt.IsZero() && d.Status.Phase() == PhaseResolution {
		late = dl.DaysLate(d.DueAt, now)
	}
	out.Late = late > 0
	switch d.Status {
	case StatusReceived:
		out.Info = longDate(d.ReceivedAt)
	case StatusIntakeSupplementRequested, StatusSupplementRequested:
		if s := d.Supplement; s != nil {
			out.Info = "Lý do: " + s.Reason + "; Nội dung cần bổ sung: " + strings.Join(s.Items, "; ")
		}
	case StatusIntakeRefused:
		out.Info = "Lý do từ chối tiếp nhận: " + d.Reason
	case StatusStopped:
		out.Info = "Lý do không giải quyết: " + d.Reason
	case StatusPaymentRequired:
		if p := d.Payment; p != nil {
			out.Info = "Số tiền phải nộp: " + formatMoney(p.Amount) + " đồng (" + p.Reason + ")"
		}
	case StatusProcessing:
		switch {
		case late > 0:
			out.Info = fmt.Sprintf("Hạn xử lý %s - Quá hạn %d ngày", longDate(d.DueAt), late)
		case d.Stage == StageToAssign:
			out.Info = "Cơ quan có thẩm quyền giải quyết: " + nonEmpty(d.HandlingAgencyName, d.HandlingAgency)
		default:
			out.Info = handlerInfo(d)
		}
	case StatusResolved:
		out.Info = "Đang trả kết quả"
	case StatusResultReturned:
		out.Info = longDate(d.ReturnedAt)
	}
	return out
}

// handlerInfo is "position, department, current handler" of a dossier
// being processed: the position whose move it is at the stage, the
// assigned appraiser's department and name while the appraiser has it.
func handlerInfo(d Dossier) string {
	pos := d.Stage.owner()
	parts := []string{pos.Label()}
	if h := d.Handler; h != nil && pos == RoleAppraiser {
		parts = append(parts, nonEmpty(h.DepartmentName, h.Department), h.Name)
	} else {
		parts = append(parts, nonEmpty(d.HandlingAgencyName, d.HandlingAgency))
	}
	return strings.Join(parts, ", ")
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// formatMoney writes đồng with dots between thousands: 1.500.000.
func formatMoney(n int64) string { return forms.GroupThousands(strconv.FormatInt(n, 10)) }
