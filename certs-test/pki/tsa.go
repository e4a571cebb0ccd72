package pki

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// TSAAccuracy is the accuracy the test TSA claims in its tokens.
const TSAAccuracy = time.Second

var (
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// RFC 3161 section 2.4.2 structures (the library keeps its own unexported).
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	Time           time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional,default:false"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"tag:0,optional"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type accuracy struct {
	Seconds      int64 `asn1:"optional"`
	Milliseconds int64 `asn1:"tag:0,optional"`
	Microseconds int64 `asn1:"tag:1,optional"`
}

type tsResponse struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

type pkiStatusInfo struct {
	Status int
}

// RFC 5035 SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the default
// algorithm, so the AlgorithmIdentifier is omitted).
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	IssuerName   []asn1.RawValue
	SerialNumber *big.Int
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

var hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
	crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
	crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
}

// TSAHandler is an RFC 3161 time-stamping responder: POST with a DER
// TimeStampReq body (application/timestamp-query) returns a TimeStampResp
// (application/timestamp-reply). Tokens are signed with SHA-256 by the TSA
// certificate, carry a monotonic serial number and echo the request's nonce;
// the TSA and intermediate certificates are included when the request sets
// certReq. Requests with a bad body or a message imprint that is not
// SHA-256/384/512 get a rejection reply.
func (p *PKI) TSAHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tsa", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil || len(body) > maxRequestBytes {
			http.Error(w, "request too large or unreadable", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(p.TimestampResponse(body))
	})
	return mux
}

// TimestampResponse answers one DER RFC 3161 request with a DER response.
// Bad requests get a rejection response, never a Go error.
func (p *PKI) TimestampResponse(reqDER []byte) []byte {
	reject := func(fi timestamp.FailureInfo) []byte {
		resp, err := timestamp.CreateErrorResponse(timestamp.Rejection, fi)
		if err != nil {
			return nil
		}
		return resp
	}
	req, err := timestamp.ParseRequest(reqDER)
	if err != nil {
		return reject(timestamp.BadDataFormat)
	}
	oid, ok := hashOIDs[req.HashAlgorithm]
	if !ok || len(req.HashedMessage) != req.HashAlgorithm.Size() {
		return reject(timestamp.BadAlgorithm)
	}
	policy := TSAPolicy()
	if len(req.TSAPolicyOID) > 0 && !req.TSAPolicyOID.Equal(policy) {
		return reject(timestamp.UnacceptedPolicy)
	}
	tsa := p.ids[TSA]
	gn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: tsa.Cert.RawSubject})
	if err != nil {
		return reject(timestamp.SystemFailure)
	}

	// The serial and the time are taken together so that serial order is
	// time order.
	p.tsaMu.Lock()
	info := tstInfo{
		Version:        1,
		Policy:         policy,
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, HashedMessage: req.HashedMessage},
		SerialNumber:   big.NewInt(p.tsaSerial.Add(1)),
		Time:           p.now().UTC().Truncate(time.Millisecond),
		Accuracy:       accuracy{Seconds: int64(TSAAccuracy / time.Second)},
		Nonce:          req.Nonce,
		TSA:            asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: gn},
	}
	p.tsaMu.Unlock()
	content, err := asn1.Marshal(info)
	if err != nil {
		return reject(timestamp.SystemFailure)
	}
	token, err := p.signToken(content, tsa, req.Certificates)
	if err != nil {
		return reject(timestamp.SystemFailure)
	}
	resp, err := asn1.Marshal(tsResponse{Status: pkiStatusInfo{Status: int(timestamp.Granted)}, TimeStampToken: asn1.RawValue{FullBytes: token}})
	if err != nil {
		return reject(timestamp.SystemFailure)
	}
	return resp
}

func (p *PKI) signToken(content []byte, tsa *Identity, withCerts bool) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	sd.SetContentType(oidTSTInfo)
	sd.GetSignedData().Version = 3

	sum := sha256.Sum256(tsa.Cert.Raw)
	issuerName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: tsa.Cert.RawIssuer})
	if err != nil {
		return nil, err
	}
	scv2, err := asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     sum[:],
		IssuerSerial: issuerSerial{IssuerName: []asn1.RawValue{{FullBytes: issuerName}}, SerialNumber: tsa.Cert.SerialNumber},
	}}})
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{
		ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: scv2}}},
		SkipCertificates:      !withCerts,
	}
	if err := sd.AddSignerChain(tsa.Cert, tsa.Key, []*x509.Certificate{p.ids[Intermediate].Cert}, cfg); err != nil {
		return nil, err
	}
	return sd.Finish()
}
