package signing

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"time"

	"golang.org/x/crypto/ocsp"
)

// DefaultCacheFor is how long a Checker reuses a successful check when
// CacheFor is zero.
const DefaultCacheFor = time.Minute

// MaxCacheFor caps Checker.CacheFor: never longer than the freshness
// tolerance applied to OCSP answers and CRLs.
const MaxCacheFor = freshness

// maxCacheEntries bounds each of the Checker's caches; when one is full,
// expired entries are dropped, and if none is, the whole cache.
const maxCacheEntries = 4096

// checkCache is what a Checker remembers between checks. Every entry
// records when (wall clock) it was stored and is used for at most the
// Checker's CacheFor after that.
type checkCache struct {
	chains     map[[32]byte]cachedChain
	answers    map[[32]byte]cachedAnswer
	responders map[[32]byte]time.Time
}

// cachedChain is a chain verified for one (certificate, intermediates,
// anchors, validation time bucket).
type cachedChain struct {
	path   []*x509.Certificate
	roots  *x509.CertPool
	stored time.Time
}

// cachedAnswer is a "good" OCSP answer about one certificate from one
// issuer, with its signature already checked against that issuer.
type cachedAnswer struct {
	resp   *ocsp.Response
	stored time.Time
}

// cacheFor is the effective CacheFor; zero means caching is off.
func (c *Checker) cacheFor() time.Duration {
	switch {
	case c.CacheFor < 0:
		return 0
	case c.CacheFor == 0:
		return DefaultCacheFor
	}
	return min(c.CacheFor, MaxCacheFor)
}

// fingerprint is SHA-256 over the DER of each certificate, in order, and
// extra, each length-prefixed so that no two lists give the same input.
func fingerprint(extra []byte, certs ...*x509.Certificate) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, c := range certs {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	h.Write(extra)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// chainKey names the chain verification of cert with the intermediates
// chain at time at: the certificates and the bucket of at (CacheFor wide).
func (c *Checker) chainKey(cert *x509.Certificate, chain []*x509.Certificate, at time.Time) [32]byte {
	ttl := c.cacheFor()
	if ttl == 0 {
		return [32]byte{}
	}
	var bucket [9]byte
	bucket[0] = 'T' // after the certificates: no certificate list ends this way
	binary.BigEndian.PutUint64(bucket[1:], uint64(at.UnixNano()/int64(ttl)))
	return fingerprint(bucket[:], append([]*x509.Certificate{cert}, chain...)...)
}

// cachedChain returns the chain verified under key, if it is younger than
// CacheFor, was built against the current Roots, and every certificate of
// it is valid at time at.
func (c *Checker) cachedChain(key [32]byte, at time.Time) []*x509.Certificate {
	ttl := c.cacheFor()
	if ttl == 0 {
		return nil
	}
	c.cacheMu.Lock()
	e, ok := c.cache.chains[key]
	c.cacheMu.Unlock()
	if !ok || time.Since(e.stored) >= ttl || e.roots != c.Roots {
		return nil
	}
	for _, p := range e.path {
		if at.Before(p.NotBefore) || at.After(p.NotAfter) {
			return nil
		}
	}
	return e.path[:len(e.path):len(e.path)] // an append by the caller copies
}

func (c *Checker) storeChain(key [32]byte, path []*x509.Certificate) {
	ttl := c.cacheFor()
	if ttl == 0 {
		return
	}
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	c.cache.chains = prune(c.cache.chains, func(e cachedChain) bool { return time.Since(e.stored) >= ttl })
	c.cache.chains[key] = cachedChain{path: path, roots: c.Roots, stored: time.Now()}
}

// cachedAnswer returns the "good" OCSP answer about cert from issuer stored
// less than CacheFor ago and not yet past its nextUpdate, or nil.
func (c *Checker) cachedAnswer(cert, issuer *x509.Certificate) *ocsp.Response {
	ttl := c.cacheFor()
	if ttl == 0 {
		return nil
	}
	c.cacheMu.Lock()
	e, ok := c.cache.answers[fingerprint(nil, cert, issuer)]
	c.cacheMu.Unlock()
	now := time.Now()
	if !ok || now.Sub(e.stored) >= ttl || e.resp.Status != ocsp.Good ||
		(!e.resp.NextUpdate.IsZero() && !now.Before(e.resp.NextUpdate)) {
		return nil
	}
	return e.resp
}

// storeAnswer remembers resp, a "good" answer about cert from issuer whose
// signature was checked; any other status is never stored.
func (c *Checker) storeAnswer(cert, issuer *x509.Certificate, resp *ocsp.Response) {
	ttl := c.cacheFor()
	if ttl == 0 || resp.Status != ocsp.Good {
		return
	}
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	c.cache.answers = prune(c.cache.answers, func(e cachedAnswer) bool { return time.Since(e.stored) >= ttl })
	c.cache.answers[fingerprint(nil, cert, issuer)] = cachedAnswer{resp: resp, stored: time.Now()}
}

// responderVerified says whether responder's certificate was found signed
// by issuer less than CacheFor ago.
func (c *Checker) responderVerified(responder, issuer *x509.Certificate) bool {
	ttl := c.cacheFor()
	if ttl == 0 {
		return false
	}
	c.cacheMu.Lock()
	stored, ok := c.cache.responders[fingerprint(nil, responder, issuer)]
	c.cacheMu.Unlock()
	return ok && time.Since(stored) < ttl
}

func (c *Checker) storeResponder(responder, issuer *x509.Certificate) {
	ttl := c.cacheFor()
	if ttl == 0 {
		return
	}
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	c.cache.responders = prune(c.cache.responders, func(t time.Time) bool { return time.Since(t) >= ttl })
	c.cache.responders[fingerprint(nil, responder, issuer)] = time.Now()
}

// prune makes m (allocating it when nil) ready for one more entry: when it
// holds maxCacheEntries, the expired entries go, and if none had expired,
// all of them.
func prune[V any](m map[[32]byte]V, expired func(V) bool) map[[32]byte]V {
	if m == nil {
		return make(map[[32]byte]V)
	}
	if len(m) < maxCacheEntries {
		return m
	}
	for k, v := range m {
		if expired(v) {
			delete(m, k)
		}
	}
	if len(m) >= maxCacheEntries {
		clear(m)
	}
	return m
}
