// Package signing makes PAdES baseline signatures (ETSI EN 319 142-1) on PDF
// documents: B-B; B-T with an RFC 3161 timestamp from a TSA; B-LT, which
// appends a Document Security Store (DSS) with the certificates, OCSP
// responses and CRLs of the signer's and the TSA's chains; and B-LTA, which
// then adds a document time-stamp over it all. Extend raises an
// already-signed PDF to B-LT or B-LTA later, as an archive does. Each
// signature is an incremental update, so a second signer leaves the first
// signature valid; an optional certification signature (DocMDP) locks an
// issued result.
//
// A Signer is built from a KeySource (a crypto.Signer with its certificate
// and chain: LoadPKCS12 and LoadPEM read key files; OpenPKCS11 keeps the key
// on a PKCS#11 token through github.com/ThalesGroup/crypto11, with a pool of
// logged-in sessions; NewCSCClient signs through a remote signing service
// speaking the Cloud Signature Consortium API v2, behind the RemoteSigner
// interface that an eSign gateway client would also implement) and Options. Before every
// signing run it checks the signer certificate with a Checker — validity
// period, key usage, chain to the configured trust anchors, and revocation
// (OCSP from the certificate's AIA, then the CRL from its distribution point)
// — and refuses with a kerr error whose Vietnamese message tells the signer
// exactly why. SignBatch signs many documents with one check and reports
// success or failure per document.
//
// What a Checker remembers (its cache policy). A check costs about seven
// RSA verifications and an OCSP round trip, more than the signature itself,
// so a Checker reuses successful checks for Checker.CacheFor (default
// DefaultCacheFor, one minute; never more than MaxCacheFor, five minutes,
// the freshness tolerance on OCSP and CRL times; negative disables it):
//   - a verified chain, per (signer certificate, the intermediates given,
//     the trust anchors, the validation time in CacheFor-wide buckets), and
//     only while every certificate of it is valid at the time checked;
//   - a "good" OCSP answer, per (certificate, issuer), never past its
//     nextUpdate, and checked again (responder authorisation and validity,
//     thisUpdate/nextUpdate) at each use; "revoked" and "unknown" answers
//     and failures are never remembered;
//   - an OCSP responder certificate found signed by the issuer, per
//     (responder, issuer).
//
// The entries are keyed by SHA-256 fingerprints of the certificates, so
// nothing is shared between different certificates or issuers. The price
// is a window: a certificate revoked after a "good" answer was cached is
// still accepted before signing until that answer is CacheFor old (one
// minute by default), as an RFC 5019 client caching OCSP responses would.
// Whoever needs no window sets CacheFor to a negative value (`kho serve
// --revocation-cache 0`; the flag sets CacheFor, docs/deployment.md). CRLs
// are cached separately, until their nextUpdate and at most an hour, as
// before. Verify never uses these caches for revocation: it asks afresh.
//
// Invisible approval signatures, the DSS updates and document time-stamps
// are incremental updates written by this package (stream.go, ltv.go): the
// document is read through its io.ReaderAt and copied, never held, so
// memory does not grow with its size. Visible and certification signatures
// are made by github.com/digitorus/pdfsign, which builds the signed
// document in memory (Options.MaxSize bounds it). This package adds the
// checks, the error vocabulary and the stream-shaped API.
//
// Verify checks every signature and document time-stamp, using the
// revocation data of the DSS before asking OCSP and CRL servers, and
// reports a verdict, the PAdES level reached and every change made after
// each signature.
//
// Every PDF read (Verify, signing, Extend) is untrusted input: before the
// PDF reader opens it, internal/pdfguard checks every size and count it
// declares against its real size and estimates what the reader may hold,
// and the parse runs within a ParseBudget (memory, time, and a pool shared
// by a process's parses). testdata/hostile holds files that crashed or
// hung the reader before.
//
// SignData and VerifyData do the same for data (eForm JSON or XML): a
// detached CMS signature (CAdES-BES, optionally with a signature
// time-stamp) over the exact bytes, streamed, with the same checks before
// signing and the same verdicts; OpenSSL's `cms -verify` accepts it.
package signing
