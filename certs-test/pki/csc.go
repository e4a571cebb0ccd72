package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The credentials of the test CSC service served by Handler.
const (
	CSCTestToken = "kho-test-token" // the bearer token it accepts
	CSCTestPIN   = "1234"           // the PIN of every credential
)

// CSCOptions configure CSCHandler.
type CSCOptions struct {
	// Token is the bearer token the service accepts (default CSCTestToken).
	Token string
	// PIN is every credential's PIN (default CSCTestPIN).
	PIN string
	// OTP, when set, is also required by credentials/authorize.
	OTP string
}

// OIDs of the CSC API's hashAlgorithmOID and signAlgo parameters.
const (
	oidSHA256        = "2.16.840.1.101.3.4.2.1"
	oidSHA384        = "2.16.840.1.101.3.4.2.2"
	oidSHA512        = "2.16.840.1.101.3.4.2.3"
	oidRSA           = "1.2.840.113549.1.1.1"
	oidECPublicKey   = "1.2.840.10045.2.1"
	oidECDSAWithSHA2 = "1.2.840.10045.4.3." // .2 SHA-256, .3 SHA-384, .4 SHA-512
)

var cscHashes = map[string]crypto.Hash{oidSHA256: crypto.SHA256, oidSHA384: crypto.SHA384, oidSHA512: crypto.SHA512}

// CSCHandler is a remote signing service speaking the Cloud Signature
// Consortium API v2 (a subset), for tests and demos. Mount it at /csc/v2/ (as
// Handler does). Every end-entity signer of the PKI (personal, seal, ecdsa,
// expired, notyet, revoked) is a credential whose ID is the identity's name.
//
//	POST /csc/v2/info                     service description
//	POST /csc/v2/credentials/list         {"credentialIDs": [...]}
//	POST /csc/v2/credentials/info         key, certificate chain, authMode "explicit", SCAL "2"
//	POST /csc/v2/credentials/authorize    PIN (and OTP) and the hashes → a one-use SAD (5 min)
//	POST /csc/v2/signatures/signHash      SAD and hashes → PKCS#1 v1.5 or DER ECDSA signatures
//
// Requests need "Authorization: Bearer <token>" (else 401, error
// invalid_token). Errors are JSON {"error", "error_description"} with 400:
// invalid_request, invalid_pin, invalid_otp, invalid_sad.
func (p *PKI) CSCHandler(opts CSCOptions) http.Handler {
	if opts.Token == "" {
		opts.Token = CSCTestToken
	}
	if opts.PIN == "" {
		opts.PIN = CSCTestPIN
	}
	s := &cscServer{p: p, opts: opts, sads: map[string]cscSAD{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /csc/v2/info", s.info)
	mux.HandleFunc("POST /csc/v2/credentials/list", s.list)
	mux.HandleFunc("POST /csc/v2/credentials/info", s.credInfo)
	mux.HandleFunc("POST /csc/v2/credentials/authorize", s.authorize)
	mux.HandleFunc("POST /csc/v2/signatures/signHash", s.signHash)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(auth), []byte(opts.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			cscError(w, http.StatusUnauthorized, "invalid_token", "The access token is missing, expired or invalid")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		mux.ServeHTTP(w, r)
	})
}

type cscServer struct {
	p    *PKI
	opts CSCOptions
	mu   sync.Mutex
	sads map[string]cscSAD
}

// cscSAD is a Signature Activation Data: one credential, these hashes, once.
type cscSAD struct {
	credential string
	hashes     []string
	expires    time.Time
}

func cscError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func cscJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// decode reads the JSON body into v, or answers 400 and returns false.
func cscDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		cscError(w, http.StatusBadRequest, "invalid_request", "Malformed JSON body: "+err.Error())
		return false
	}
	return true
}

var cscCredentials = []string{Personal, Seal, ECDSA, Expired, NotYet, Revoked}

func (s *cscServer) credential(w http.ResponseWriter, id string) *Identity {
	if !slices.Contains(cscCredentials, id) || s.p.Identity(id) == nil {
		cscError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter credentialID")
		return nil
	}
	return s.p.Identity(id)
}

func (s *cscServer) info(w http.ResponseWriter, r *http.Request) {
	cscJSON(w, map[string]any{
		"specs": "2.0.0.0", "name": "Kho test CSC service", "logo": "", "region": "VN", "lang": "vi-VN",
		"description": "Dịch vụ ký số từ xa thử nghiệm của Kho", "authType": []string{"external"},
		"methods": []string{"credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"},
	})
}

func (s *cscServer) list(w http.ResponseWriter, r *http.Request) {
	cscJSON(w, map[string]any{"credentialIDs": cscCredentials})
}

func (s *cscServer) credInfo(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CredentialID string `json:"credentialID"`
		Certificates string `json:"certificates"` // none, single, chain (default single)
	}
	if !cscDecode(w, r, &req) {
		return
	}
	id := s.credential(w, req.CredentialID)
	if id == nil {
		return
	}
	var certs []string
	chain := id.Chain[:len(id.Chain)-1] // without the root
	switch req.Certificates {
	case "none":
		chain = nil
	case "", "single":
		chain = chain[:1]
	}
	for _, c := range chain {
		certs = append(certs, base64.StdEncoding.EncodeToString(c.Raw))
	}
	key := map[string]any{"status": "enabled"}
	switch k := id.Key.Public().(type) {
	case *rsa.PublicKey:
		key["algo"], key["len"] = []string{oidRSA}, k.N.BitLen()
	case *ecdsa.PublicKey:
		key["algo"], key["len"], key["curve"] = []string{oidECPublicKey}, k.Curve.Params().BitSize, "1.2.840.10045.3.1.7"
	}
	pin := map[string]any{"presence": "true", "format": "N", "label": "Mã PIN"}
	otp := map[string]any{"presence": "false"}
	if s.opts.OTP != "" {
		otp = map[string]any{"presence": "true", "type": "offline", "format": "N", "label": "Mã OTP"}
	}
	cscJSON(w, map[string]any{
		"key": key, "cert": map[string]any{"status": "valid", "certificates": certs},
		"authMode": "explicit", "SCAL": "2", "PIN": pin, "OTP": otp, "multisign": 10,
	})
}

func (s *cscServer) authorize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CredentialID  string   `json:"credentialID"`
		NumSignatures int      `json:"numSignatures"`
		Hashes        []string `json:"hashes"`
		HashAlgorithm string   `json:"hashAlgorithmOID"`
		PIN           string   `json:"PIN"`
		OTP           string   `json:"OTP"`
	}
	if !cscDecode(w, r, &req) || s.credential(w, req.CredentialID) == nil {
		return
	}
	if req.NumSignatures < 1 || req.NumSignatures > 10 || len(req.Hashes) != req.NumSignatures {
		cscError(w, http.StatusBadRequest, "invalid_request", "numSignatures must be 1 to 10 and match the hashes (SCAL 2)")
		return
	}
	if _, ok := cscHashes[req.HashAlgorithm]; !ok {
		cscError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter hashAlgorithmOID")
		return
	}
	if subtle.ConstantTimeCompare([]byte(req.PIN), []byte(s.opts.PIN)) != 1 {
		cscError(w, http.StatusBadRequest, "invalid_pin", "The PIN is invalid")
		return
	}
	if s.opts.OTP != "" && subtle.ConstantTimeCompare([]byte(req.OTP), []byte(s.opts.OTP)) != 1 {
		cscError(w, http.StatusBadRequest, "invalid_otp", "The OTP is invalid")
		return
	}
	var b [16]byte
	rand.Read(b[:])
	sad := hex.EncodeToString(b[:])
	s.mu.Lock()
	now := time.Now()
	for k, v := range s.sads {
		if now.After(v.expires) {
			delete(s.sads, k)
		}
	}
	s.sads[sad] = cscSAD{credential: req.CredentialID, hashes: req.Hashes, expires: now.Add(5 * time.Minute)}
	s.mu.Unlock()
	cscJSON(w, map[string]any{"SAD": sad, "expiresIn": 300})
}

func (s *cscServer) signHash(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CredentialID  string   `json:"credentialID"`
		SAD           string   `json:"SAD"`
		Hashes        []string `json:"hashes"`
		HashAlgorithm string   `json:"hashAlgorithmOID"`
		SignAlgo      string   `json:"signAlgo"`
	}
	if !cscDecode(w, r, &req) {
		return
	}
	id := s.credential(w, req.CredentialID)
	if id == nil {
		return
	}
	s.mu.Lock()
	sad, ok := s.sads[req.SAD]
	delete(s.sads, req.SAD) // one use
	s.mu.Unlock()
	if !ok || sad.credential != req.CredentialID || time.Now().After(sad.expires) || !slices.Equal(sad.hashes, req.Hashes) {
		cscError(w, http.StatusBadRequest, "invalid_sad", "The SAD is invalid, expired, or does not authorize these hashes")
		return
	}
	hash, ok := cscHashes[req.HashAlgorithm]
	switch {
	case !ok && strings.HasPrefix(req.SignAlgo, oidECDSAWithSHA2):
		hash, ok = map[string]crypto.Hash{"2": crypto.SHA256, "3": crypto.SHA384, "4": crypto.SHA512}[strings.TrimPrefix(req.SignAlgo, oidECDSAWithSHA2)]
	}
	if !ok {
		cscError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter hashAlgorithmOID")
		return
	}
	_, isRSA := id.Key.Public().(*rsa.PublicKey)
	if isRSA != (req.SignAlgo == oidRSA) {
		cscError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter signAlgo for this key")
		return
	}
	var sigs []string
	for _, h := range req.Hashes {
		digest, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(digest) != hash.Size() {
			cscError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter hashes")
			return
		}
		sig, err := id.Key.Sign(rand.Reader, digest, hash)
		if err != nil {
			cscError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		sigs = append(sigs, base64.StdEncoding.EncodeToString(sig))
	}
	cscJSON(w, map[string]any{"signatures": sigs})
}
