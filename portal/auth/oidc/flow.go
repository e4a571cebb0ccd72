package oidc

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// flow is what a sign-in keeps between the redirect to the provider and
// the callback, in a cookie sealed with HMAC-SHA256: nothing is kept on
// the server, so any Kho process can take the callback.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // the PKCE code verifier
	ReturnTo string `json:"r"` // a local path, checked by localPath
	Expires  int64  `json:"e"` // Unix seconds
}

const (
	// maxFlowCookie bounds the cookie value read before any decoding.
	maxFlowCookie = 1024
	// randomLen is the length of state and nonce: 32 random bytes in
	// unpadded base64url.
	randomLen = 43
	// maxReturnTo bounds the path a sign-in returns to.
	maxReturnTo = 512
)

var b64 = base64.RawURLEncoding

// seal returns f as a cookie value: base64url(JSON) "." base64url(MAC).
func (f flow) seal(key []byte) string {
	payload, _ := json.Marshal(f) // strings and an int: cannot fail
	p := b64.EncodeToString(payload)
	return p + "." + b64.EncodeToString(mac(key, p))
}

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kho-oidc-flow\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// parseFlow checks and opens a cookie value made by seal with key. It
// returns errFlowInvalid for anything malformed or not sealed with key, and
// errFlowExpired for a flow past its time at now.
func parseFlow(key []byte, value string, now time.Time) (flow, error) {
	if len(value) > maxFlowCookie {
		return flow{}, errFlowInvalid("too long")
	}
	p, m, ok := strings.Cut(value, ".")
	if !ok {
		return flow{}, errFlowInvalid("no seal")
	}
	got, err := b64.DecodeString(m)
	if err != nil || !hmac.Equal(got, mac(key, p)) {
		return flow{}, errFlowInvalid("seal does not match")
	}
	payload, err := b64.DecodeString(p)
	if err != nil {
		return flow{}, errFlowInvalid("payload is not base64url")
	}
	var f flow
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || dec.More() {
		return flow{}, errFlowInvalid("payload is not the flow's JSON")
	}
	switch {
	case !isToken(f.State, randomLen, randomLen):
		return flow{}, errFlowInvalid("bad state")
	case !isToken(f.Nonce, randomLen, randomLen):
		return flow{}, errFlowInvalid("bad nonce")
	case !isToken(f.Verifier, 43, 128): // RFC 7636 §4.1
		return flow{}, errFlowInvalid("bad code verifier")
	case localPath(f.ReturnTo) != f.ReturnTo:
		return flow{}, errFlowInvalid("bad return path")
	case f.Expires <= 0:
		return flow{}, errFlowInvalid("bad expiry")
	}
	if !now.Before(time.Unix(f.Expires, 0)) {
		return flow{}, errFlowExpired()
	}
	return f, nil
}

// isToken reports whether s is min to max characters of base64url's
// alphabet (which includes RFC 7636's unreserved characters but "." and "~").
func isToken(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// localPath returns p when it is a path on this site that is safe to
// redirect to after sign-in, else "/": it must start with a single "/"
// (not "//" nor "/\", which browsers take for another host), be at most
// maxReturnTo bytes and hold only printable ASCII (no control characters,
// so no header splitting).
func localPath(p string) string {
	if p == "" || len(p) > maxReturnTo || p[0] != '/' {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7e || p[i] == '\\' {
			return "/"
		}
	}
	return p
}
