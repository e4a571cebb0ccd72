package pki

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"net/http"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// CRLValidity is how far after thisUpdate a CRL's nextUpdate lies.
const CRLValidity = 24 * time.Hour

// CRL returns a freshly signed DER revocation list of the named CA (Root or
// Intermediate). The root's list is empty; the intermediate's lists the
// revoked identity. Errors are of kind NotFound (not a CA) or Internal.
func (p *PKI) CRL(ca string) ([]byte, error) {
	if ca != Root && ca != Intermediate {
		return nil, kerr.New(kerr.NotFound, "pki_crl_not_found", "Không có danh sách thu hồi này.", "no CRL for %q", ca)
	}
	iss := p.ids[ca]
	now := p.now().UTC().Truncate(time.Second)
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(p.crlNumber.Add(1)),
		ThisUpdate: now,
		NextUpdate: now.Add(CRLValidity),
	}
	if ca == Intermediate {
		for _, r := range p.revocations {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: r.Serial, RevocationTime: r.RevokedAt, ReasonCode: r.Reason,
			})
		}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, iss.Cert, iss.Key)
	if err != nil {
		return nil, &kerr.Error{Kind: kerr.Internal, Code: "pki_crl_failed", Message: "Không tạo được danh sách thu hồi.", Detail: "create CRL of " + ca, Err: err}
	}
	return der, nil
}

// CRLHandler serves GET /crl/root.crl and GET /crl/intermediate.crl
// (application/pkix-crl, DER), signed afresh on every request.
func (p *PKI) CRLHandler() http.Handler {
	mux := http.NewServeMux()
	for _, ca := range []string{Root, Intermediate} {
		mux.HandleFunc("GET /crl/"+ca+".crl", func(w http.ResponseWriter, r *http.Request) {
			der, err := p.CRL(ca)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-crl")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(der)
		})
	}
	return mux
}

// CAHandler serves the CA certificates named in the AIA extensions,
// GET /ca/root.crt and GET /ca/intermediate.crt (application/pkix-cert, DER).
func (p *PKI) CAHandler() http.Handler {
	mux := http.NewServeMux()
	for _, ca := range []string{Root, Intermediate} {
		mux.HandleFunc("GET /ca/"+ca+".crt", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pkix-cert")
			_, _ = w.Write(p.ids[ca].Cert.Raw)
		})
	}
	return mux
}
