package convert

import (
	"encoding/base64"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/kho-vn/kho/internal/kerr"
)

// LookupPath is the path of the public dossier lookup under the portal's
// public base URL: <base>/tra-cuu/<code>.
const LookupPath = "/tra-cuu/"

// qrURIPrefix starts every QR data URI.
const qrURIPrefix = "data:image/png;base64,"

// qrSize is the side of the QR image in pixels (at 96 dpi about 4 cm on
// a page printed at 25 mm).
const qrSize = 256

// LookupURL is the public lookup URL of dossier code under base (the
// portal's public URL, e.g. https://dichvucong.bacninh.gov.vn).
func LookupURL(base, code string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", kerr.New(kerr.Invalid, "invalid_public_url", "Địa chỉ công khai của cổng tra cứu không hợp lệ.",
			"public URL %q: want http(s)://HOST[/ROOT]", base)
	}
	if code == "" || len(code) > 64 || strings.ContainsAny(code, "/?#%\\ ") {
		return "", kerr.New(kerr.Invalid, "invalid_dossier_code", "Mã hồ sơ không hợp lệ.", "dossier code %q", code)
	}
	return strings.TrimRight(u.String(), "/") + LookupPath + url.PathEscape(code), nil
}

// QRDataURI is a PNG QR code (error correction M) of the public lookup URL
// of dossier code, as a data: URI for a template's img (the qrsrc
// function).
func QRDataURI(base, code string) (string, error) {
	u, err := LookupURL(base, code)
	if err != nil {
		return "", err
	}
	png, err := qrcode.Encode(u, qrcode.Medium, qrSize)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "qr_failed", "Không tạo được mã QR tra cứu hồ sơ.")
	}
	return qrURIPrefix + base64.StdEncoding.EncodeToString(png), nil
}
