package portal

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// signingKeyJSON is one of the server's signing keys as staff see it: the
// certificate's holder and validity, and whether it may sign now.
type signingKeyJSON struct {
	Name         string    `json:"name"`
	CommonName   string    `json:"commonName"`
	Organization string    `json:"organization,omitempty"`
	SerialNumber string    `json:"serialNumber,omitempty"` // the subject's (e.g. a CCCD number)
	CertSerial   string    `json:"certSerial"`
	Issuer       string    `json:"issuer"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	HasImage     bool      `json:"hasImage"`
	// Usable says the pre-signing checks pass now (validity, key usage,
	// chain, revocation); otherwise Problem says why.
	Usable  bool       `json:"usable"`
	Problem *errorJSON `json:"problem,omitempty"`
}

// listSigningKeys lists the server's signing keys with a check of each
// certificate's status now (2025 appendix item 10.2: the signer sees it
// before signing). Staff and admin only.
func (s *Server) listSigningKeys(w http.ResponseWriter, r *http.Request) {
	if err := staffOnly(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	sc := s.cfg.Signing
	if sc == nil || len(sc.Keys) == 0 {
		s.writeError(w, r, kerr.New(kerr.Unavailable, "signing_not_configured", "Máy chủ chưa được cấu hình khóa ký số.", "no signing key is configured (kho serve --sign-key)"))
		return
	}
	names := make([]string, 0, len(sc.Keys))
	for n := range sc.Keys {
		names = append(names, n)
	}
	slices.Sort(names)
	now := s.cfg.Now()
	out := make([]signingKeyJSON, 0, len(names))
	for _, n := range names {
		k := sc.Keys[n]
		c := k.Certificate()
		kj := signingKeyJSON{Name: n, CommonName: c.Subject.CommonName, SerialNumber: c.Subject.SerialNumber,
			CertSerial: fmt.Sprintf("%X", c.SerialNumber), Issuer: c.Issuer.CommonName,
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), HasImage: len(sc.Images[n]) > 0, Usable: true}
		if len(c.Subject.Organization) > 0 {
			kj.Organization = c.Subject.Organization[0]
		}
		if sc.Checker != nil {
			if err := sc.Checker.CheckCertificate(r.Context(), c, k.Chain(), now); err != nil {
				code, msg := kerr.Public(err)
				kj.Usable, kj.Problem = false, &errorJSON{Code: code, Message: msg}
			}
		}
		out = append(out, kj)
	}
	writeJSON(w, http.StatusOK, struct {
		Keys []signingKeyJSON `json:"keys"`
	}{out})
}
