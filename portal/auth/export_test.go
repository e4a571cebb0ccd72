package auth

// HashCount returns how many argon2id hashes this process computed.
func HashCount() int64 { return hashCount.Load() }

// SummarizeUserAgent and IPKey expose the helpers to the tests.
var (
	SummarizeUserAgent = summarizeUserAgent
	IPKey              = ipKey
)

// FormatPHC exposes formatPHC to the fuzz test's round trip.
var FormatPHC = formatPHC
