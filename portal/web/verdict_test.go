package web

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/signing"
)

// TestVerdicts walks the verifier's four answers through the cases a real
// file rarely shows in a browser test: no signature, a signer outside the
// trust list, one whose revocation could not be checked, a revoked one, a
// responder to try later, changes after signing allowed and not, a
// document time-stamp alone, the issuing system down, a superseded paper
// and a file that is not the copy the system issued. Each case names the
// tone every answer must take ("ok", "bad", "unknown" in order) and a
// phrase the answer in question must say.
func TestVerdicts(t *testing.T) {
	good := func(edit ...func(*signing.SignatureReport)) *signing.SignatureReport {
		s := &signing.SignatureReport{Kind: signing.KindSignature, Integrity: true, CryptoValid: true, ChainTrusted: true,
			Revocation: "good", Verdict: signing.TotalPassed, Signer: &signing.SignerIdentity{CommonName: "Nguyễn Văn Tịch", Organization: "UBND phường Bến Nghé"},
			SigningTime: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)}
		for _, e := range edit {
			e(s)
		}
		return s
	}
	report := func(sigs ...*signing.SignatureReport) *signing.Report { return &signing.Report{Signatures: sigs} }
	paper := func(st archive.Status, blobs ...string) *archive.PublicPaper {
		p := &archive.PublicPaper{Name: "Giấy khai sinh", Number: "0001/2026/KS", AgencyName: "Ủy ban nhân dân phường Bến Nghé",
			Dossier: "000.00.31.H29-261207-0001", IssuedAt: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), Status: st, Blobs: blobs}
		if st != archive.StatusValid {
			p.ChangedAt = time.Date(2026, 12, 9, 3, 0, 0, 0, time.UTC)
		}
		return p
	}
	const hash = "aa"
	cases := []struct {
		name  string
		in    verdictInput
		tones [4]string
		say   map[int]string // answer index → a phrase it must hold
	}{
		{"valid, issued copy", verdictInput{file: true, report: report(good()), hash: hash, code: "X", paper: paper(archive.StatusValid, hash)},
			[4]string{toneOK, toneOK, toneOK, toneOK}, map[int]string{0: "trùng khớp từng byte", 1: "Nguyễn Văn Tịch (UBND phường Bến Nghé), lúc 09:00:00 07/12/2026", 3: "Còn hiệu lực"}},
		{"no signature", verdictInput{file: true, report: report()},
			[4]string{toneUnknown, toneUnknown, toneUnknown, toneUnknown}, map[int]string{1: "không có chữ ký số"}},
		{"signer not trusted", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.ChainTrusted, s.Verdict, s.SubIndication = false, signing.Indeterminate, signing.SubNoCertificateChain
		}))}, [4]string{toneOK, toneBad, toneOK, toneUnknown}, map[int]string{1: "không thuộc tổ chức chứng thực nào trong danh sách tin cậy"}},
		{"revocation not checked", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) { s.Revocation = "unavailable" }))},
			[4]string{toneOK, toneUnknown, toneOK, toneUnknown}, map[int]string{1: "chưa kiểm tra được trạng thái thu hồi"}},
		{"signer revoked", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.Revocation, s.Verdict, s.SubIndication = "revoked", signing.Indeterminate, signing.SubRevoked
		}))}, [4]string{toneOK, toneBad, toneOK, toneUnknown}, map[int]string{1: "đã bị thu hồi"}},
		{"try later", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.ChainTrusted, s.Revocation, s.Verdict, s.SubIndication = false, "unavailable", signing.Indeterminate, signing.SubTryLater
		}))}, [4]string{toneOK, toneUnknown, toneOK, toneUnknown}, nil},
		{"tampered", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.Integrity, s.Verdict, s.SubIndication = false, signing.TotalFailed, signing.SubHashFailure
		}))}, [4]string{toneBad, toneBad, toneBad, toneUnknown}, map[int]string{2: "đã bị sửa sau khi ký"}},
		{"changed after signing, not allowed", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.Changes = []signing.Change{{Kind: "unclassified", Allowed: false}}
			s.Verdict, s.SubIndication = signing.TotalFailed, signing.SubChangesNotClassified
		}))}, [4]string{toneOK, toneBad, toneBad, toneUnknown}, map[int]string{2: "không được phép"}},
		{"later signature allowed", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.Changes = []signing.Change{{Kind: signing.ChangeLaterSignature, Allowed: true}}
		}), good())}, [4]string{toneOK, toneOK, toneOK, toneUnknown}, map[int]string{2: "chỉ có các bổ sung được phép"}},
		{"document time-stamp only", verdictInput{file: true, report: report(good(func(s *signing.SignatureReport) {
			s.Kind, s.Signer = signing.KindDocTimestamp, &signing.SignerIdentity{CommonName: "TSA"}
		}))}, [4]string{toneOK, toneUnknown, toneOK, toneUnknown}, map[int]string{1: "không có chữ ký số"}},
		{"system down", verdictInput{code: "X", systemErr: errors.New("down")},
			[4]string{toneUnknown, toneUnknown, toneUnknown, toneUnknown}, map[int]string{3: "thử lại sau"}},
		{"no result for the code", verdictInput{code: "X", notIssued: errors.New("none")},
			[4]string{toneUnknown, toneUnknown, toneUnknown, toneBad}, map[int]string{3: "không có giấy tờ kết quả"}},
		{"superseded", verdictInput{code: "X", paper: paper(archive.StatusSuperseded, hash)},
			[4]string{toneUnknown, toneUnknown, toneUnknown, toneBad}, map[int]string{3: "từ ngày 09/12/2026"}},
		{"valid paper, other file", verdictInput{file: true, report: report(good()), hash: "bb", code: "X", paper: paper(archive.StatusValid, hash)},
			[4]string{toneOK, toneOK, toneOK, toneBad}, map[int]string{3: "không trùng với bản hệ thống đã cấp"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as := answers(c.in)
			if len(as) != 4 {
				t.Fatalf("%d answers", len(as))
			}
			for i, a := range as {
				if a.Tone != c.tones[i] {
					t.Errorf("answer %d (%s) is %s, want %s: %s %v", i+1, a.Question, a.Tone, c.tones[i], a.Verdict, a.Lines)
				}
				if a.Verdict == "" {
					t.Errorf("answer %d has no verdict", i+1)
				}
			}
			for i, phrase := range c.say {
				if text := as[i].Verdict + " " + strings.Join(as[i].Lines, " "); !strings.Contains(text, phrase) {
					t.Errorf("answer %d says %q, want %q in it", i+1, text, phrase)
				}
			}
		})
	}
}
