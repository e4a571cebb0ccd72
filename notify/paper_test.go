package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
)

func TestPaperMessage(t *testing.T) {
	at := time.Date(2026, 9, 3, 8, 30, 5, 0, time.UTC) // 15:30:05 in Vietnam
	base := notify.Paper{DocumentID: "d1", Name: "Giấy khai sinh", Agency: "Ủy ban nhân dân Phường Bến Nghé",
		Dossier: "000.00.31.H29-260828-0001", At: at}
	for _, c := range []struct {
		change, reason, subject string
		text                    []string
	}{
		{notify.PaperIssued, "", "Giấy tờ mới trong kho: Giấy khai sinh",
			[]string{"Ủy ban nhân dân Phường Bến Nghé đã cấp Giấy khai sinh", "15:30:05 ngày 03/09/2026", "(hồ sơ 000.00.31.H29-260828-0001)"}},
		{notify.PaperRevoked, "Cấp sai thông tin", "Giấy tờ bị thu hồi: Giấy khai sinh",
			[]string{"đã thu hồi Giấy khai sinh", "Lý do: Cấp sai thông tin.", "không còn dùng được"}},
		{notify.PaperSuperseded, "Cải chính hộ tịch", "Giấy tờ được thay thế: Giấy khai sinh",
			[]string{"bằng một giấy tờ mới", "Lý do: Cải chính hộ tịch."}},
	} {
		p := base
		p.Change, p.Reason = c.change, c.reason
		m, err := notify.PaperMessage(p)
		if err != nil {
			t.Fatalf("%s: %v", c.change, err)
		}
		if m.Kind != notify.KindPaper || m.Subject != c.subject || m.Ref != "d1" || m.Link != "/documents/d1" {
			t.Errorf("%s: %+v", c.change, m)
		}
		for _, w := range c.text {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: text %q lacks %q", c.change, m.Text, w)
			}
		}
	}
	for name, p := range map[string]notify.Paper{
		"no name":        {Change: notify.PaperIssued, DocumentID: "d1"},
		"no document":    {Change: notify.PaperIssued, Name: "Giấy khai sinh"},
		"unknown change": {Change: "delete", DocumentID: "d1", Name: "Giấy khai sinh"},
	} {
		if _, err := notify.PaperMessage(p); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}
