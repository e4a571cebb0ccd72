package notify

import (
	"embed"
	"strings"
	"text/template"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// The four messages of the dossier lifecycle (2025 appendix, item 18):
// receipt, supplement request, result ready, lateness with the apology and
// the new date. Each is made from plain values by a function below, from
// the templates in notify/templates (one file per kind, each defining
// "subject", "short" (the SMS, without diacritics so that it travels as
// GSM-7) and "text"). The caller adds the key, the recipient and the
// channels, then calls Enqueue.

//go:embed templates/*.txt
var templateFiles embed.FS

// vietnamTime is the time zone of the dates people read (UTC+7).
var vietnamTime = time.FixedZone("ICT", 7*3600)

// templateFuncs format times as people read them, in Vietnam's time.
var templateFuncs = template.FuncMap{
	// time: "08:30:00 ngày 07/12/2026"
	"time": func(t time.Time) string { return t.In(vietnamTime).Format("15:04:05 ngày 02/01/2006") },
	// date: "07/12/2026"
	"date": func(t time.Time) string { return t.In(vietnamTime).Format("02/01/2006") },
	// datetime: "08:30 07/12/2026" (SMS)
	"datetime": func(t time.Time) string { return t.In(vietnamTime).Format("15:04 02/01/2006") },
}

// templates are each kind's templates with the footer, parsed once; one
// that does not parse is a bug that every test of this file catches.
var templates = func() map[Kind]*template.Template {
	m := map[Kind]*template.Template{}
	for _, k := range []Kind{KindReceipt, KindSupplement, KindResult, KindLate} {
		m[k] = template.Must(template.New(string(k)).Funcs(templateFuncs).ParseFS(templateFiles, "templates/footer.txt", "templates/"+string(k)+".txt"))
	}
	return m
}()

// Dossier names the dossier a message is about, in plain values.
type Dossier struct {
	// Code is the dossier's code, e.g. 000.00.31.H29-261207-0001.
	Code string
	// Procedure is the procedure's name, e.g. "Đăng ký khai sinh".
	Procedure string
	// Applicant is how the message addresses the applicant, e.g. "ông
	// Nguyễn Văn An" (default "ông/bà").
	Applicant string
	// Agency is the agency handling the dossier (default "Cơ quan giải
	// quyết hồ sơ").
	Agency string
	// Link is the dossier's path in the portal (optional).
	Link string
}

// templateData is what the templates see.
type templateData struct {
	Dossier
	Received, Due, NewDue, At time.Time
	Reasons                   []string
	Instructions, Reason      string
	Pickup                    string
}

// ReceiptMessage tells the applicant that the dossier was received at
// received and when its result is due.
func ReceiptMessage(d Dossier, received, due time.Time) (Message, error) {
	return render(KindReceipt, templateData{Dossier: d, Received: received, Due: due})
}

// SupplementMessage asks the applicant, at at, to supplement the dossier,
// for reasons (at least one), with instructions (optional).
func SupplementMessage(d Dossier, at time.Time, reasons []string, instructions string) (Message, error) {
	if len(reasons) == 0 {
		return Message{}, invalid("notification_no_reason", "Yêu cầu bổ sung hồ sơ cần nêu lý do.", "notify: a supplement request without reasons")
	}
	return render(KindSupplement, templateData{Dossier: d, At: at, Reasons: reasons, Instructions: instructions})
}

// ResultMessage tells the applicant that the result is ready since at;
// pickup says how to receive it (default: it is in their vault).
func ResultMessage(d Dossier, at time.Time, pickup string) (Message, error) {
	if pickup == "" {
		pickup = "Kết quả điện tử đã được lưu vào kho dữ liệu của ông/bà trên Cổng dịch vụ công, sẵn sàng để sử dụng lại cho các thủ tục sau."
	}
	return render(KindResult, templateData{Dossier: d, At: at, Pickup: pickup})
}

// LateMessage apologises to the applicant that the result promised for
// due is late, gives the reason (optional) and the new date newDue: the
// apology slip's content (phiếu xin lỗi và hẹn lại ngày trả kết quả).
func LateMessage(d Dossier, due, newDue time.Time, reason string) (Message, error) {
	if !newDue.After(due) {
		return Message{}, invalid("notification_bad_date", "Ngày hẹn trả mới phải sau ngày hẹn cũ.", "notify: new due %v is not after %v", newDue, due)
	}
	return render(KindLate, templateData{Dossier: d, Due: due, NewDue: newDue, Reason: reason})
}

// render fills kind's templates with data.
func render(kind Kind, data templateData) (Message, error) {
	if strings.TrimSpace(data.Code) == "" || strings.TrimSpace(data.Procedure) == "" {
		return Message{}, invalid("notification_no_dossier", "Thông báo cần mã hồ sơ và tên thủ tục.", "notify: %s message without dossier code or procedure", kind)
	}
	if data.Applicant == "" {
		data.Applicant = "ông/bà"
	}
	if data.Agency == "" {
		data.Agency = "Cơ quan giải quyết hồ sơ"
	}
	m := Message{Kind: kind, Ref: data.Code, Link: data.Link}
	for _, part := range []struct {
		name string
		to   *string
	}{{"subject", &m.Subject}, {"short", &m.Short}, {"text", &m.Text}} {
		var b strings.Builder
		if err := templates[kind].ExecuteTemplate(&b, part.name, data); err != nil {
			return Message{}, kerr.Wrap(err, kerr.Internal, "notification_template_failed", "Không tạo được nội dung thông báo.")
		}
		*part.to = strings.TrimSpace(b.String())
	}
	m.Short = Unaccent(m.Short)
	return m, nil
}
