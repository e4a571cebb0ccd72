package archive

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// idAlphabet is Crockford's base32 in lower case: its order is byte order,
// so IDs made later sort after IDs made earlier.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns a 26-character identifier: 48 bits of milliseconds since
// the Unix epoch followed by 80 random bits, in lower-case Crockford base32.
// IDs sort by creation time (to the millisecond).
func NewID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic("archive: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return encodeID(b)
}

// encodeID writes 16 bytes as NewID's 26 base32 digits.
func encodeID(b [16]byte) string {
	// 128 bits → 26 base32 digits (the first digit carries 3 bits).
	var out [26]byte
	var acc uint64
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 | uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := 25; i >= 0; i-- {
		acc = lo & 31
		out[i] = idAlphabet[acc]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ValidID reports whether s has the form NewID makes.
func ValidID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(idAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// Fold returns s in lower case without Vietnamese diacritics (đ → d), with
// runs of white space collapsed to one space: the form word search compares.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	r, _, err := transform.String(t, s)
	if err != nil {
		r = s
	}
	r = strings.Map(func(c rune) rune {
		switch c {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(c)
	}, r)
	return strings.Join(strings.Fields(r), " ")
}

// EntryHash returns the hex SHA-256 of a ledger entry's canonical JSON
// encoding with its Hash field empty. Chaining comes from PrevHash being
// part of what is hashed.
func EntryHash(e LedgerEntry) string {
	e.Hash = ""
	e.At = e.At.UTC().Truncate(time.Millisecond)
	b, err := json.Marshal(e) // struct field order is fixed: the encoding is canonical
	if err != nil {
		panic("archive: cannot encode ledger entry: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
