package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSPValidity is how far after thisUpdate an OCSP response's nextUpdate lies.
const OCSPValidity = time.Hour

const maxRequestBytes = 64 << 10

// OCSPHandler is an RFC 6960 responder for certificates issued by the
// intermediate CA: POST /ocsp (application/ocsp-request body) and
// GET /ocsp/{base64 request}. It answers good for every certificate the
// intermediate issued, revoked (with time and reason) for the revoked one,
// unknown for other serials, and "unauthorized" for requests about another
// issuer. Responses are signed by the OCSP responder certificate, which they
// include.
func (p *PKI) OCSPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ocsp", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil || len(body) > maxRequestBytes {
			p.writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			return
		}
		p.writeOCSP(w, p.OCSPResponse(body))
	})
	get := func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.URL.EscapedPath(), "/ocsp")
		raw = strings.TrimPrefix(raw, "/")
		s, err := url.PathUnescape(raw)
		if err != nil {
			p.writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			return
		}
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			p.writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			return
		}
		p.writeOCSP(w, p.OCSPResponse(der))
	}
	mux.HandleFunc("GET /ocsp/", get)
	return mux
}

func (p *PKI) writeOCSP(w http.ResponseWriter, resp []byte) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(resp)
}

// OCSPResponse answers one DER OCSP request with a DER OCSP response. Bad
// requests get an RFC 6960 error response (malformedRequest, unauthorized,
// internalError), never a Go error.
func (p *PKI) OCSPResponse(reqDER []byte) []byte {
	req, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse
	}
	issuer := p.ids[Intermediate].Cert
	if !issuedBy(req, issuer) {
		return ocsp.UnauthorizedErrorResponse
	}
	now := p.now().UTC().Truncate(time.Second)
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber,
		ThisUpdate:   now,
		NextUpdate:   now.Add(OCSPValidity),
		Status:       ocsp.Unknown,
		Certificate:  p.ids[OCSP].Cert,
		IssuerHash:   req.HashAlgorithm,
	}
	for _, id := range p.ids {
		if id.Cert.SerialNumber.Cmp(req.SerialNumber) == 0 && bytes.Equal(id.Cert.RawIssuer, issuer.RawSubject) {
			tmpl.Status = ocsp.Good
		}
	}
	for _, rv := range p.revocations {
		if rv.Serial.Cmp(req.SerialNumber) == 0 {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, rv.RevokedAt, rv.Reason
		}
	}
	resp, err := ocsp.CreateResponse(issuer, p.ids[OCSP].Cert, tmpl, p.ids[OCSP].Key)
	if err != nil {
		return ocsp.InternalErrorErrorResponse
	}
	return resp
}

// issuedBy reports whether the request's issuer hashes name issuer.
func issuedBy(req *ocsp.Request, issuer *x509.Certificate) bool {
	h := req.HashAlgorithm
	if h != crypto.SHA1 && h != crypto.SHA256 && h != crypto.SHA384 && h != crypto.SHA512 {
		return false
	}
	if !h.Available() {
		return false
	}
	nameHash := h.New()
	nameHash.Write(issuer.RawSubject)
	keyHash := h.New()
	keyHash.Write(subjectPublicKeyBits(issuer))
	return bytes.Equal(nameHash.Sum(nil), req.IssuerNameHash) && bytes.Equal(keyHash.Sum(nil), req.IssuerKeyHash)
}
