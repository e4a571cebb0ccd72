package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
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
// include, and echo the request's nonce. Only the first certificate of a
// request is answered (a limit of golang.org/x/crypto/ocsp).
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
	if nonce, ok := requestNonce(reqDER); ok {
		withNonce, err := addResponseExtension(resp, nonce, p.ids[OCSP].Key)
		if err != nil {
			return ocsp.InternalErrorErrorResponse
		}
		resp = withNonce
	}
	return resp
}

// The outer layers of an OCSP response (RFC 6960 section 4.2.1).
type ocspResponseASN1 struct {
	Status   asn1.Enumerated
	Response struct {
		ResponseType asn1.ObjectIdentifier
		Response     []byte
	} `asn1:"explicit,tag:0,optional"`
}

type basicResponseASN1 struct {
	TBSResponseData    asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
	Certificates       []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type responseDataASN1 struct {
	Version            int `asn1:"optional,explicit,default:0,tag:0"`
	ResponderID        asn1.RawValue
	ProducedAt         time.Time `asn1:"generalized"`
	Responses          []asn1.RawValue
	ResponseExtensions []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

var oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}

// addResponseExtension adds ext to the responseExtensions of a signed OCSP
// response and signs it again (golang.org/x/crypto/ocsp can only write
// singleExtensions). The responder key is RSA, signing SHA-256 with RSA.
func addResponseExtension(der []byte, ext pkix.Extension, key crypto.Signer) ([]byte, error) {
	var outer ocspResponseASN1
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		return nil, err
	}
	var basic basicResponseASN1
	if _, err := asn1.Unmarshal(outer.Response.Response, &basic); err != nil {
		return nil, err
	}
	if !basic.SignatureAlgorithm.Algorithm.Equal(oidSHA256WithRSA) {
		return nil, fmt.Errorf("unexpected OCSP signature algorithm %v", basic.SignatureAlgorithm.Algorithm)
	}
	var data responseDataASN1
	if _, err := asn1.Unmarshal(basic.TBSResponseData.FullBytes, &data); err != nil {
		return nil, err
	}
	data.ResponseExtensions = append(data.ResponseExtensions, ext)
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic.TBSResponseData = asn1.RawValue{FullBytes: tbs}
	basic.Signature = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	if outer.Response.Response, err = asn1.Marshal(basic); err != nil {
		return nil, err
	}
	return asn1.Marshal(outer)
}

var oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

// requestNonce returns the nonce extension of an OCSP request (RFC 6960
// section 4.4.1), which golang.org/x/crypto/ocsp does not parse.
func requestNonce(reqDER []byte) (pkix.Extension, bool) {
	var req struct {
		TBS struct {
			Version       int           `asn1:"explicit,tag:0,default:0,optional"`
			RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
			RequestList   []asn1.RawValue
			Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
		}
		Signature asn1.RawValue `asn1:"explicit,tag:0,optional"`
	}
	if _, err := asn1.Unmarshal(reqDER, &req); err != nil {
		return pkix.Extension{}, false
	}
	for _, e := range req.TBS.Extensions {
		if e.Id.Equal(oidOCSPNonce) && len(e.Value) <= 128 {
			return pkix.Extension{Id: oidOCSPNonce, Value: e.Value}, true
		}
	}
	return pkix.Extension{}, false
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
