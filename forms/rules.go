package forms

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Vietnam is the time zone of dates and of "today" (UTC+7, no daylight
// saving).
var Vietnam = time.FixedZone("ICT", 7*3600)

// date is a calendar day.
type date struct{ y, m, d int }

func (a date) before(b date) bool {
	if a.y != b.y {
		return a.y < b.y
	}
	if a.m != b.m {
		return a.m < b.m
	}
	return a.d < b.d
}

// String formats the day as DD/MM/YYYY.
func (a date) String() string { return fmt.Sprintf("%02d/%02d/%04d", a.d, a.m, a.y) }

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, int(m), d}
}

var (
	dateRE    = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	isoDateRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
)

// iso formats the day as YYYY-MM-DD, the form stored.
func (a date) iso() string { return fmt.Sprintf("%04d-%02d-%02d", a.y, a.m, a.d) }

// errNoSuchDay is a well-formed date that is not in the calendar.
var errNoSuchDay = errors.New("no such day")

// parseDate reads DD/MM/YYYY (or D/M/YYYY) as people write it, or
// YYYY-MM-DD as systems do. A well-formed day that does not exist
// (31/02/2025) gives errNoSuchDay.
func parseDate(s string) (date, error) {
	var d, mo, y int
	if m := dateRE.FindStringSubmatch(s); m != nil {
		d, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[2])
		y, _ = strconv.Atoi(m[3])
	} else if m := isoDateRE.FindStringSubmatch(s); m != nil {
		y, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[2])
		d, _ = strconv.Atoi(m[3])
	} else {
		return date{}, errors.New("not DD/MM/YYYY")
	}
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return date{}, errNoSuchDay
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != mo {
		return date{}, errNoSuchDay
	}
	return date{y, mo, d}, nil
}

// relDate is a date bound: a fixed day, or "today" moved by an offset.
type relDate struct {
	d      date
	rel    string // "today" or ""
	offset int
	unit   byte // 'd', 'm' or 'y'
}

var relDateRE = regexp.MustCompile(`^today(?:([+-])(\d{1,4})([dmy]))?$`)

func parseRelDate(s string) (relDate, error) {
	if m := relDateRE.FindStringSubmatch(s); m != nil {
		r := relDate{rel: "today", unit: 'd'}
		if m[1] != "" {
			r.offset, _ = strconv.Atoi(m[2])
			if m[1] == "-" {
				r.offset = -r.offset
			}
			r.unit = m[3][0]
		}
		return r, nil
	}
	d, err := parseDate(s)
	if err != nil {
		return relDate{}, fmt.Errorf("%q is neither a date DD/MM/YYYY nor \"today\" with an offset such as \"today-18y\"", s)
	}
	return relDate{d: d}, nil
}

// resolve returns the day the bound means when today is today.
func (r relDate) resolve(today time.Time) date {
	if r.rel == "" {
		return r.d
	}
	switch r.unit {
	case 'y':
		today = today.AddDate(r.offset, 0, 0)
	case 'm':
		today = today.AddDate(0, r.offset, 0)
	default:
		today = today.AddDate(0, 0, r.offset)
	}
	return dateOf(today)
}

var (
	clockRE   = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)$`)
	clock12RE = regexp.MustCompile(`^(0?[1-9]|1[0-2]):([0-5]\d) ?(?i:(SA|CH|AM|PM))$`)
)

// parseClock reads hh:mm (24-hour) and returns minutes after midnight.
func parseClock(s string) (int, bool) {
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return h*60 + mi, true
}

// parseClockInput reads a time as people type it: hh:mm (24-hour), or
// h:mm with SA/CH (sáng/chiều) or AM/PM. It returns the minutes after
// midnight and the time as hh:mm.
func parseClockInput(s string) (int, string, bool) {
	if m, ok := parseClock(s); ok {
		return m, s, true
	}
	m := clock12RE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	h %= 12
	if p := strings.ToUpper(m[3]); p == "CH" || p == "PM" {
		h += 12
	}
	return h*60 + mi, fmt.Sprintf("%02d:%02d", h, mi), true
}

var decimalRE = regexp.MustCompile(`^-?(0|[1-9]\d{0,17})(\.\d{1,6})?$`)

// parseDecimal reads a plain decimal number (no exponent, at most 18
// integer digits and 6 decimals) exactly.
func parseDecimal(s string) (*big.Rat, bool) {
	if !decimalRE.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// decimalPlaces returns how many decimals r needs (r came from
// parseDecimal, so at most 6).
func decimalPlaces(r *big.Rat) int {
	x := new(big.Rat).Set(r)
	ten := big.NewRat(10, 1)
	for n := 0; n < 20; n++ {
		if x.IsInt() {
			return n
		}
		x.Mul(x, ten)
	}
	return 20
}

// decimalString is r's shortest exact decimal text.
func decimalString(r *big.Rat) string { return r.FloatString(decimalPlaces(r)) }

// The text formats, as patterns a browser applies with the same meaning
// (JavaScript and Go agree on them). Phone and money values are normalised
// before the pattern applies: see normalisePhone and normaliseMoney.
var (
	// emailRE is the WHATWG HTML e-mail pattern, with a dot required in
	// the domain.
	emailRE    = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")
	phoneRE    = regexp.MustCompile(`^(0[35789]\d{8}|02\d{9})$`)
	moneyRE    = regexp.MustCompile(`^(\d{1,3}(\.\d{3})*|\d+)$`)
	identityRE = regexp.MustCompile(`^\d{12}$`)
	taxCodeRE  = regexp.MustCompile(`^\d{10}(-\d{3})?$`)
)

// FormatPatterns returns, for each text format, the pattern the
// (normalised) value must match, for clients that check before sending.
func FormatPatterns() map[string]string {
	return map[string]string{
		FormatEmail:          emailRE.String(),
		FormatPhone:          phoneRE.String(),
		FormatMoney:          moneyRE.String(),
		FormatIdentityNumber: identityRE.String(),
		FormatTaxCode:        taxCodeRE.String(),
	}
}

// normalisePhone drops spaces, dots, dashes and brackets and writes a +84
// or 84 prefix as 0.
func normalisePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+84"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "84") && len(s) >= 11:
		s = "0" + s[2:]
	}
	return s
}

// normaliseMoney writes an amount in đồng as digits without leading zeros;
// ok is false when s is not an amount.
func normaliseMoney(s string) (string, bool) {
	if !moneyRE.MatchString(s) {
		return "", false
	}
	s = strings.ReplaceAll(s, ".", "")
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	return s, len(s) <= 18
}

// provinceOK reports whether a 12-digit identity number starts with a
// province code from 001 to 096.
func provinceOK(s string) bool {
	p, _ := strconv.Atoi(s[:3])
	return p >= 1 && p <= 96
}
