package notify

import (
	"fmt"
	"strings"
	"time"
)

// KindPaper is a message about a paper in the recipient's vault that an
// agency issued, revoked or replaced.
const KindPaper Kind = "paper"

// The changes an agency makes to a paper in someone's vault.
const (
	PaperIssued     = "issue"
	PaperRevoked    = "revoke"
	PaperSuperseded = "supersede"
)

// Paper is a change an agency made to a paper of the recipient's vault,
// in plain values (archive.PaperEvent carries them).
type Paper struct {
	Change     string // PaperIssued, PaperRevoked or PaperSuperseded
	DocumentID string
	Name       string // the paper's name, e.g. "Giấy khai sinh"
	Agency     string // the agency's name
	Dossier    string // the dossier that issued it (optional)
	Reason     string // why it was revoked or replaced
	At         time.Time
}

// PaperMessage tells the owner of a vault that an agency issued, revoked
// or replaced one of their papers (in-app; the caller adds the key, the
// recipient and the channels). Invalid for an unknown change or a paper
// without a name or an ID.
func PaperMessage(p Paper) (Message, error) {
	if strings.TrimSpace(p.Name) == "" || strings.TrimSpace(p.DocumentID) == "" {
		return Message{}, invalid("notification_no_paper", "Thông báo cần tên và mã của giấy tờ.", "notify: paper message without name or document ID")
	}
	agency := p.Agency
	if strings.TrimSpace(agency) == "" {
		agency = "Cơ quan có thẩm quyền"
	}
	at := p.At.In(vietnamTime).Format("15:04:05 ngày 02/01/2006")
	reason := ""
	if r := strings.TrimSpace(p.Reason); r != "" {
		reason = " Lý do: " + r + "."
	}
	m := Message{Kind: KindPaper, Ref: p.DocumentID, Link: "/documents/" + p.DocumentID}
	switch p.Change {
	case PaperIssued:
		m.Subject = "Giấy tờ mới trong kho: " + p.Name
		m.Text = fmt.Sprintf("%s đã cấp %s vào kho dữ liệu của ông/bà lúc %s", agency, p.Name, at)
		if p.Dossier != "" {
			m.Text += " (hồ sơ " + p.Dossier + ")"
		}
		m.Text += ". Giấy tờ sẵn sàng để sử dụng lại cho các thủ tục sau."
	case PaperRevoked:
		m.Subject = "Giấy tờ bị thu hồi: " + p.Name
		m.Text = fmt.Sprintf("%s đã thu hồi %s trong kho dữ liệu của ông/bà lúc %s.%s Giấy tờ này không còn dùng được cho hồ sơ mới.", agency, p.Name, at, reason)
	case PaperSuperseded:
		m.Subject = "Giấy tờ được thay thế: " + p.Name
		m.Text = fmt.Sprintf("%s đã thay %s trong kho dữ liệu của ông/bà bằng một giấy tờ mới lúc %s.%s Hãy dùng giấy tờ mới cho hồ sơ sau.", agency, p.Name, at, reason)
	default:
		return Message{}, invalid("notification_bad_change", "Không rõ thay đổi của giấy tờ cần thông báo.", "notify: paper change %q", p.Change)
	}
	return m, nil
}
