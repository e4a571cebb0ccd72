package web

import (
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// answer is one of the verifier's four answers: a question, a plain
// verdict and its explanation. Tone is ok, bad or unknown (the colour and
// mark; the words say it too).
type answer struct {
	ID       string
	Question string
	Tone     string
	Verdict  string
	Lines    []string
}

// The tones of an answer.
const (
	toneOK      = "ok"
	toneBad     = "bad"
	toneUnknown = "unknown"
)

// verdictInput is what one check learned.
type verdictInput struct {
	file      bool            // a file was uploaded
	report    *signing.Report // its verification (nil without a file)
	hash      string          // its SHA-256
	code      string          // the dossier code given ("" : none)
	paper     *archive.PublicPaper
	notIssued error // the code names no dossier, or one without a result
	systemErr error // the issuing system could not answer
}

// answers are the four answers, in order: intact? who signed, trusted?
// changed after signing? what the issuing system says now.
func answers(in verdictInput) []answer {
	return []answer{intactAnswer(in), signerAnswer(in), changedAnswer(in), systemAnswer(in)}
}

const noFileLine = "Hãy tải lên tệp PDF của giấy tờ để kiểm tra chữ ký số."

// signatures are the report's signatures proper (not document time-stamps).
func signatures(rep *signing.Report) []*signing.SignatureReport {
	var out []*signing.SignatureReport
	for _, s := range rep.Signatures {
		if s.Kind != signing.KindDocTimestamp {
			out = append(out, s)
		}
	}
	return out
}

// intactAnswer: are the signed bytes as they were signed, does every
// signature value verify?
func intactAnswer(in verdictInput) answer {
	a := answer{ID: "nguyen-ven", Question: "1. Tệp có nguyên vẹn không?"}
	switch {
	case !in.file:
		a.Tone, a.Verdict, a.Lines = toneUnknown, "Chưa kiểm tra", []string{noFileLine}
		return a
	case len(in.report.Signatures) == 0:
		a.Tone, a.Verdict = toneUnknown, "Không xác định được"
		a.Lines = []string{"Tệp không có chữ ký số nào, nên không có gì bảo đảm nội dung của tệp còn nguyên như khi được cấp."}
		return a
	}
	for _, s := range in.report.Signatures {
		if !s.Integrity || !s.CryptoValid {
			a.Tone, a.Verdict = toneBad, "Không. Tệp đã bị sửa đổi hoặc chữ ký bị hỏng."
			if m := s.ReasonVI(); m != "" {
				a.Lines = append(a.Lines, m)
			} else if !s.Integrity {
				a.Lines = append(a.Lines, "Nội dung tệp PDF đã bị thay đổi sau khi ký.")
			}
			return a
		}
	}
	a.Tone, a.Verdict = toneOK, "Có. Nội dung được chữ ký số bảo vệ còn nguyên vẹn."
	if in.paper != nil && in.paper.Issued(in.hash) {
		a.Lines = append(a.Lines, "Tệp trùng khớp từng byte với bản giấy tờ mà hệ thống đã cấp.")
	}
	return a
}

// signerAnswer: who signed, and does each signer's certificate chain to a
// trusted authority, unrevoked?
func signerAnswer(in verdictInput) answer {
	a := answer{ID: "nguoi-ky", Question: "2. Ai đã ký, và người ký có được tin cậy không?"}
	if !in.file {
		a.Tone, a.Verdict, a.Lines = toneUnknown, "Chưa kiểm tra", []string{noFileLine}
		return a
	}
	sigs := signatures(in.report)
	if len(sigs) == 0 {
		a.Tone, a.Verdict = toneUnknown, "Tệp không có chữ ký số."
		return a
	}
	a.Tone, a.Verdict = toneOK, "Người ký được tin cậy."
	for _, s := range sigs {
		who := "Không đọc được người ký"
		if s.Signer != nil {
			who = s.Signer.CommonName
			if s.Signer.Organization != "" && s.Signer.Organization != s.Signer.CommonName {
				who += " (" + s.Signer.Organization + ")"
			}
		}
		when := ""
		if !s.SigningTime.IsZero() {
			when = ", lúc " + DateTime(s.SigningTime)
		}
		switch {
		case s.ChainTrusted && s.Revocation != "revoked" && s.Verdict != signing.TotalFailed:
			line := who + when + ": chứng thư số do tổ chức chứng thực trong danh sách tin cậy cấp"
			if s.Revocation == "good" {
				line += ", chưa bị thu hồi."
			} else {
				line += "; chưa kiểm tra được trạng thái thu hồi."
				if a.Tone == toneOK {
					a.Tone, a.Verdict = toneUnknown, "Chưa khẳng định được người ký còn được tin cậy."
				}
			}
			a.Lines = append(a.Lines, line)
		case s.SubIndication == signing.SubTryLater:
			a.Lines = append(a.Lines, who+when+": "+s.ReasonVI())
			if a.Tone == toneOK {
				a.Tone, a.Verdict = toneUnknown, "Chưa khẳng định được người ký còn được tin cậy."
			}
		default:
			reason := s.ReasonVI()
			if reason == "" || s.Integrity && !s.ChainTrusted {
				reason = "Chứng thư số không thuộc tổ chức chứng thực nào trong danh sách tin cậy."
			}
			if s.Revocation == "revoked" {
				reason = "Chứng thư số của người ký đã bị thu hồi."
			}
			a.Lines = append(a.Lines, who+when+": "+reason)
			a.Tone, a.Verdict = toneBad, "Không. Có chữ ký không được tin cậy."
		}
	}
	return a
}

// changedAnswer: was anything added or altered after a signature, beyond
// what signing allows (later signatures, time-stamps, validation data)?
func changedAnswer(in verdictInput) answer {
	a := answer{ID: "thay-doi", Question: "3. Tệp có bị thay đổi sau khi ký không?"}
	if !in.file {
		a.Tone, a.Verdict, a.Lines = toneUnknown, "Chưa kiểm tra", []string{noFileLine}
		return a
	}
	if len(in.report.Signatures) == 0 {
		a.Tone, a.Verdict = toneUnknown, "Không xác định được: tệp không có chữ ký số."
		return a
	}
	allowed := false
	for _, s := range in.report.Signatures {
		if !s.Integrity || s.SubIndication == signing.SubHashFailure {
			a.Tone, a.Verdict = toneBad, "Có. Nội dung đã bị sửa sau khi ký."
			return a
		}
		for _, c := range s.Changes {
			if !c.Allowed {
				a.Tone, a.Verdict = toneBad, "Có. Tệp đã bị bổ sung sau khi ký theo cách không được phép."
				if m := s.ReasonVI(); m != "" {
					a.Lines = append(a.Lines, m)
				}
				return a
			}
			allowed = true
		}
		if s.SubIndication == signing.SubSigConstraintsFailure || s.SubIndication == signing.SubChangesNotClassified {
			a.Tone, a.Verdict, a.Lines = toneBad, "Có. Tệp đã bị bổ sung sau khi ký.", []string{s.ReasonVI()}
			return a
		}
	}
	a.Tone, a.Verdict = toneOK, "Không. Tệp không bị thay đổi sau khi ký."
	if allowed {
		a.Lines = []string{"Sau chữ ký chỉ có các bổ sung được phép: chữ ký tiếp theo, dấu thời gian hoặc dữ liệu kiểm tra chữ ký."}
	}
	return a
}

// systemAnswer: what the issuing system says of the paper now.
func systemAnswer(in verdictInput) answer {
	a := answer{ID: "he-thong", Question: "4. Hệ thống cấp giấy tờ nói gì về giấy tờ này?"}
	switch {
	case in.systemErr != nil:
		a.Tone, a.Verdict = toneUnknown, "Chưa hỏi được hệ thống cấp giấy tờ lúc này; vui lòng thử lại sau."
		return a
	case in.code == "" && in.notIssued == nil:
		a.Tone, a.Verdict = toneUnknown, "Chưa hỏi hệ thống cấp giấy tờ."
		a.Lines = []string{"Nhập mã hồ sơ in trên giấy tờ (cạnh mã QR), hoặc quét mã QR, để biết giấy tờ còn hiệu lực, đã bị thay thế hay đã bị thu hồi."}
		return a
	case in.paper == nil:
		a.Tone, a.Verdict = toneBad, "Hệ thống không có giấy tờ kết quả nào của hồ sơ "+in.code+"."
		a.Lines = []string{"Hãy kiểm tra lại mã hồ sơ. Hồ sơ có thể chưa được trả kết quả."}
		return a
	}
	p := in.paper
	label := workflow.PaperStatusLabel(p.Status)
	issued := p.Name
	if p.Number != "" {
		issued += ", số " + p.Number
	}
	issued += ", do " + p.AgencyName + " cấp"
	if !p.IssuedAt.IsZero() {
		issued += " ngày " + Date(p.IssuedAt)
	}
	a.Lines = []string{issued + " (hồ sơ " + p.Dossier + ")."}
	switch p.Status {
	case archive.StatusValid:
		a.Tone, a.Verdict = toneOK, label+"."
	default:
		a.Tone, a.Verdict = toneBad, label+"."
		if !p.ChangedAt.IsZero() {
			a.Verdict = strings.TrimSuffix(label, ".") + " từ ngày " + Date(p.ChangedAt) + "."
		}
		if p.Status == archive.StatusSuperseded {
			a.Lines = append(a.Lines, "Người được cấp có giấy tờ thay thế trong kho của mình.")
		}
	}
	if in.file && !p.Issued(in.hash) {
		a.Tone = toneBad
		a.Lines = append(a.Lines, "Lưu ý: tệp bạn tải lên không trùng với bản hệ thống đã cấp cho hồ sơ này.")
	}
	return a
}
