package signing

import (
	"html/template"
	"io"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// VerdictVI is the Vietnamese wording of a verdict for people.
func VerdictVI(v Verdict) string {
	switch v {
	case TotalPassed:
		return "Chữ ký hợp lệ"
	case TotalFailed:
		return "Chữ ký không hợp lệ"
	}
	return "Không xác định được"
}

// subIndicationVI explains a sub-indication in plain Vietnamese.
var subIndicationVI = map[string]string{
	SubHashFailure:            "Nội dung tệp PDF đã bị thay đổi sau khi ký.",
	SubSigCryptoFailure:       "Giá trị chữ ký số không đúng.",
	SubRevoked:                "Chứng thư số của người ký đã bị thu hồi.",
	SubFormatFailure:          "Cấu trúc chữ ký bị lỗi.",
	SubNoCertificateChain:     "Chứng thư số không thuộc tổ chức chứng thực nào trong danh sách tin cậy.",
	SubOutOfBoundsNoPOE:       "Chứng thư số đã hết hạn (hoặc chưa có hiệu lực) và không có dấu thời gian chứng minh chữ ký được tạo khi chứng thư còn hiệu lực.",
	SubTryLater:               "Chưa lấy được trạng thái thu hồi của chứng thư số; vui lòng thử lại sau.",
	SubChainConstraintsFailed: "Chứng thư số không được cấp cho mục đích ký số.",
	SubSigConstraintsFailure:  "Tệp PDF đã bị thay đổi theo cách mà chữ ký chứng nhận không cho phép.",
	SubChangesNotClassified:   "Tệp PDF đã được bổ sung sau khi ký; hệ thống chưa xác định được thay đổi đó có được phép hay không.",
}

// ReasonVI is the plain-Vietnamese reason of a signature's verdict (empty
// for TOTAL-PASSED).
func (s *SignatureReport) ReasonVI() string {
	if s.Verdict == TotalPassed {
		return ""
	}
	if m := subIndicationVI[s.SubIndication]; m != "" {
		return m
	}
	return s.Message
}

var ict = time.FixedZone("ICT", 7*3600)

// viDate formats t as DD/MM/YYYY hh:mm:ss in Vietnam's time zone.
func viDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(ict).Format("02/01/2006 15:04:05") + " (giờ Việt Nam)"
}

var reportHTML = template.Must(template.New("report").Funcs(template.FuncMap{
	"date": viDate, "verdict": VerdictVI, "inc": func(i int) int { return i + 1 }, "yesno": func(b bool) string {
		if b {
			return "Có"
		}
		return "Không"
	},
	"timeSource": func(s string) string {
		return map[string]string{"timestamp": "theo dấu thời gian", "signed_attribute": "do người ký khai, chưa được chứng minh", "pdf_M": "do người ký khai, chưa được chứng minh"}[s]
	},
	"source": func(s string) string {
		return map[string]string{"dss": "dữ liệu lưu kèm tệp PDF (DSS)", "online": "máy chủ OCSP/CRL lúc kiểm tra", "dss+online": "dữ liệu lưu kèm tệp PDF (DSS) và máy chủ OCSP/CRL"}[s]
	},
	"level": func(s string) string {
		return map[string]string{"B-B": "PAdES B-B (chữ ký cơ bản)", "B-T": "PAdES B-T (có dấu thời gian)", "B-LT": "PAdES B-LT (kèm dữ liệu kiểm tra dài hạn)", "B-LTA": "PAdES B-LTA (lưu trữ dài hạn, có dấu thời gian của tệp)"}[s]
	},
	"change": func(c Change) string {
		return map[string]string{ChangeLaterSignature: "chữ ký sau", ChangeDSS: "bổ sung dữ liệu kiểm tra dài hạn (DSS)", ChangeDocTimestamp: "dấu thời gian của tệp", ChangeFormFilling: "điền biểu mẫu", ChangeUnclassified: "thay đổi chưa phân loại"}[c.Kind]
	},
	"revocation": func(s string) string {
		return map[string]string{"good": "Chưa bị thu hồi", "revoked": "Đã bị thu hồi", "unavailable": "Không lấy được trạng thái", "not_checked": "Chưa kiểm tra"}[s]
	},
	"class": func(v Verdict) string {
		return map[Verdict]string{TotalPassed: "pass", TotalFailed: "fail"}[v] + " verdict"
	},
}).Parse(`<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>Kết quả kiểm tra chữ ký số</title>
<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}section{border:1px solid #ccc;padding:1em;margin:1em 0}
.verdict{font-size:1.3em;font-weight:bold;color:#a60}.pass{color:#070}.fail{color:#b00}th{text-align:left;padding-right:1em}</style></head>
<body>
<h1>Kết quả kiểm tra chữ ký số</h1>
<p>Thời điểm kiểm tra: {{date .VerifiedAt}}. Kích thước tệp: {{.Size}} byte. Số chữ ký và dấu thời gian: {{len .Signatures}}.</p>
{{with .DSS}}<p>Dữ liệu kiểm tra dài hạn lưu kèm tệp PDF (DSS): {{.Certs}} chứng thư, {{.OCSPs}} phản hồi OCSP, {{.CRLs}} danh sách thu hồi (CRL).{{if .Error}} Dữ liệu này vượt giới hạn nên không được dùng.{{end}}</p>{{end}}
{{if not .Signatures}}<p class="fail verdict">Tệp PDF không có chữ ký số nào.</p>{{end}}
{{range $i, $s := .Signatures}}<section>
<h2>{{if eq $s.Kind "document_timestamp"}}Dấu thời gian của tệp{{else}}Chữ ký{{end}} {{inc $i}}{{if $s.Field}}: {{$s.Field}}{{end}}</h2>
<p class="{{class $s.Verdict}}">{{verdict $s.Verdict}}</p>
{{with $s.ReasonVI}}<p>Lý do: {{.}}</p>{{end}}
<table>
{{with level $s.Level}}<tr><th>Mức chữ ký</th><td>{{.}}</td></tr>{{end}}
{{with $s.Signer}}<tr><th>{{if eq $s.Kind "document_timestamp"}}Đơn vị cấp dấu thời gian{{else}}Người ký{{end}}</th><td>{{.CommonName}}</td></tr>
{{with .Organization}}<tr><th>Tổ chức</th><td>{{.}}</td></tr>{{end}}
{{with .SerialNumber}}<tr><th>Số định danh</th><td>{{.}}</td></tr>{{end}}
<tr><th>Số hiệu chứng thư</th><td>{{.CertSerial}}</td></tr>
<tr><th>Tổ chức cấp chứng thư</th><td>{{.Issuer}}</td></tr>{{end}}
<tr><th>Thời điểm ký</th><td>{{date $s.SigningTime}}{{with timeSource $s.SigningTimeSource}} ({{.}}){{end}}</td></tr>
<tr><th>Toàn vẹn nội dung</th><td>{{yesno $s.Integrity}}</td></tr>
<tr><th>Chữ ký đúng về mật mã</th><td>{{yesno $s.CryptoValid}}</td></tr>
<tr><th>Chuỗi tới tổ chức tin cậy</th><td>{{yesno $s.ChainTrusted}}</td></tr>
<tr><th>Trạng thái thu hồi</th><td>{{revocation $s.Revocation}}{{with source $s.RevocationSource}} (theo {{.}}){{end}}</td></tr>
<tr><th>Dấu thời gian</th><td>{{if $s.Timestamp.Present}}{{if $s.Timestamp.Valid}}Hợp lệ, {{date $s.Timestamp.Time}}{{else}}Không hợp lệ{{end}}{{with $s.Timestamp.TSA}}; cấp bởi {{.}}{{end}}{{with source $s.Timestamp.RevocationSource}}; trạng thái thu hồi theo {{.}}{{end}}{{else}}Không có{{end}}</td></tr>
<tr><th>Ký toàn bộ tệp</th><td>{{yesno $s.CoversWholeDocument}}</td></tr>
<tr><th>Thay đổi sau khi ký</th><td>{{if $s.ModifiedAfterSigning}}{{range $s.Changes}}{{change .}}{{with .Fields}} ({{range $j, $f := .}}{{if $j}}, {{end}}{{$f}}{{end}}){{end}} ({{if .Allowed}}được phép{{else}}không được phép{{end}}); {{end}}{{else}}Không{{end}}</td></tr>
</table>
<p><small>{{$s.Verdict}}{{with $s.SubIndication}} / {{.}}{{end}}</small></p>
</section>
{{end}}</body></html>
`))

// WriteHTML writes the report as a small HTML page in Vietnamese for people.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := reportHTML.Execute(w, r); err != nil {
		return kerr.Wrap(err, kerr.Internal, "report_write_failed", "Không ghi được báo cáo kiểm tra chữ ký.")
	}
	return nil
}
