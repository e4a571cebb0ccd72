package convert

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/kho-vn/kho/internal/kerr"
)

// TemplatePaperCopy is the frame of a paper copy of an electronic paper
// (Decree 45/2020/NĐ-CP art. 18; PaperCopyData): one A4 page for each of
// the original's pages, each with the conversion mark, who converted it
// and when, the verification's verdict and the QR code in a band at its
// foot, then a page with the verification's summary. The caller stamps the
// original's pages into the space above each band.
const TemplatePaperCopy = "paper-copy" // Bản chuyển đổi từ văn bản điện tử sang văn bản giấy

// PaperCopyBand is the height in millimetres that the paper copy's
// template keeps free at the foot of each frame page for its band; the
// original's page is fitted into the rest of the A4 page (297 mm less this
// and PaperCopyTop).
const PaperCopyBand = 42

// PaperCopyTop is the top margin in millimetres above the original's page
// on a frame page.
const PaperCopyTop = 6

// PaperCopyData fills TemplatePaperCopy.
type PaperCopyData struct {
	// Pages are the page numbers of the original, 1 to N: one frame page each.
	Pages []int
	// Paper is what the copy is of: the paper's name and number, its issuer.
	Paper PaperCopyPaper
	// Officer converted it; ConvertedAt is when.
	Officer     PaperCopyOfficer
	ConvertedAt time.Time
	// Code is the copy's verification code; VerifyURL opens the public
	// verification of the original; QR is a QR code of it (PaperQRDataURI).
	Code      string
	VerifyURL string
	QR        string
	// Verdict is the original's verification in a few words ("Hợp lệ",
	// "Không hợp lệ", "Chưa xác định được"), Tone "ok", "bad" or
	// "unknown"; VerifiedAt is when it ran.
	Verdict    string
	Tone       string
	VerifiedAt time.Time
	// Signatures are the original's signatures and document time-stamps.
	Signatures []PaperCopySignature
}

// PaperCopyPaper is the electronic paper a copy is made of.
type PaperCopyPaper struct {
	Name   string // "Giấy khai sinh"
	Number string
	Issuer string // the agency that issued it
	// Dossier is the code of the dossier it was issued in ("" : none).
	Dossier string
	// Version is the version printed; SHA256 its content's hash.
	Version int
	SHA256  string
}

// PaperCopyOfficer is the officer who converted the paper.
type PaperCopyOfficer struct {
	Name     string
	Position string
	Agency   string
}

// PaperCopySignature is one signature of the original as the copy shows it.
type PaperCopySignature struct {
	// Kind is "Chữ ký số" or "Dấu thời gian của giấy tờ".
	Kind string
	// Signer is the signer's name, and Organization theirs.
	Signer       string
	Organization string
	// SigningTime is when it was signed (zero: unknown).
	SigningTime time.Time
	// Status says in Vietnamese whether it is valid; Tone as in PaperCopyData.
	Status string
	Tone   string
	// Timestamp describes its time-stamp in Vietnamese ("" : none).
	Timestamp string
	// Level is its PAdES level ("B-T", …).
	Level string
}

// PaperQRDataURI is a PNG QR code (error correction M) of a public
// verification URL (http or https, at most 512 bytes), as a data: URI for
// a template's img (the qrsrc function).
func PaperQRDataURI(verifyURL string) (string, error) {
	u, err := url.Parse(verifyURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(verifyURL) > 512 || strings.ContainsAny(verifyURL, " \n\"'<>") {
		return "", kerr.New(kerr.Invalid, "invalid_public_url", "Địa chỉ công khai của trang xác thực không hợp lệ.",
			"verification URL %q: want http(s)://HOST/…, at most 512 bytes", verifyURL)
	}
	png, err := qrcode.Encode(verifyURL, qrcode.Medium, qrSize)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "qr_failed", "Không tạo được mã QR xác thực giấy tờ.")
	}
	return qrURIPrefix + base64.StdEncoding.EncodeToString(png), nil
}

// samplePaperCopy is the data a paper copy template is tried with.
func samplePaperCopy() PaperCopyData {
	at := time.Date(2026, 12, 7, 9, 30, 15, 0, vietnamTime)
	qr, _ := PaperQRDataURI("https://dichvucong.example.gov.vn/xac-thuc?ban-sao=ABCD2345EF")
	return PaperCopyData{
		Pages:       []int{1, 2},
		Paper:       PaperCopyPaper{Name: "Giấy khai sinh", Number: "123/2026", Issuer: "Ủy ban nhân dân phường Kinh Bắc", Dossier: "BN-261207-0042", Version: 1, SHA256: strings.Repeat("ab", 32)},
		Officer:     PaperCopyOfficer{Name: "Trần Thị Lưu", Position: "Cán bộ lưu trữ", Agency: "Ủy ban nhân dân phường Kinh Bắc"},
		ConvertedAt: at,
		Code:        "ABCD2345EF",
		VerifyURL:   "https://dichvucong.example.gov.vn/xac-thuc?ban-sao=ABCD2345EF",
		QR:          qr,
		Verdict:     "Hợp lệ",
		Tone:        "ok",
		VerifiedAt:  at,
		Signatures: []PaperCopySignature{{Kind: "Chữ ký số", Signer: "Nguyễn Văn Lãnh Đạo", Organization: "Ủy ban nhân dân phường Kinh Bắc",
			SigningTime: at.Add(-24 * time.Hour), Status: "Hợp lệ", Tone: "ok", Timestamp: "Có dấu thời gian hợp lệ lúc 09:30:15 06/12/2026", Level: "B-T"}},
	}
}
