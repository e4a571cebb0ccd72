package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kho-vn/kho/internal/kerr"
)

// The challenge of public forms (anti-spam, 2023 circular appendix VI).
//
// Why this one: it must be accessible (WCAG 2.2 AA: no image-only CAPTCHA;
// a screen reader reads the question, a keyboard answers it), work without
// JavaScript, and send nothing about the citizen to a third party (which a
// hosted CAPTCHA would). So a public form carries three things:
//
//   - a honeypot: a text field (HoneypotField) hidden from people by CSS
//     and from assistive technology (aria-hidden, tabindex=-1, labelled
//     "leave empty"); generic bots fill every field;
//   - a form token (ChallengeTokenField), HMAC-signed by the server, good
//     from ChallengeMinAge (a person does not fill a form in under two
//     seconds) to ChallengeTTL after it was made, and single-use (its
//     nonce is recorded in the store until it expires, so a replayed form
//     is refused on any kho serve process);
//   - a question in Vietnamese words derived from the token ("Bảy cộng
//     hai bằng mấy?"), answered in digits or words (ChallengeAnswerField).
//     The answer is in no field of the form: only the server's key turns
//     the nonce into the question.
//
// It stops untargeted spam, not an attacker who writes a bot for Kho; the
// per-address throttling of sign-ins and the server's connection limits
// bound what such a bot can do.

// Form fields of the challenge.
const (
	HoneypotField        = "website"
	ChallengeTokenField  = "challenge_token"
	ChallengeAnswerField = "challenge_answer"
)

const (
	challengeNonceBytes = 16
	maxChallengeToken   = 128
	maxChallengeAnswer  = 64
)

// Challenge is what a public form shows: the hidden token and the
// question to label the answer field with.
type Challenge struct {
	Token    string
	Question string
}

// NewChallenge makes a fresh challenge for one public form.
func (s *Service) NewChallenge() (Challenge, error) {
	var nonce [challengeNonceBytes]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return Challenge{}, kerr.Wrap(err, kerr.Internal, "random_failed", "Không tạo được câu hỏi kiểm tra; vui lòng thử lại.")
	}
	n := b64url.EncodeToString(nonce[:])
	issued := strconv.FormatInt(s.now().Unix(), 10)
	tok := n + "." + issued + "." + b64url.EncodeToString(s.mac("kho-challenge", n, issued))
	a, b := s.operands(n)
	return Challenge{Token: tok, Question: capitalize(numberWords[a]) + " cộng " + numberWords[b] + " bằng mấy?"}, nil
}

// operands are the two numbers (1..9) of the question of nonce n.
func (s *Service) operands(n string) (int, int) {
	m := s.mac("kho-question", n)
	return 1 + int(m[0])%9, 1 + int(m[1])%9
}

// ParseChallengeToken splits a challenge token into its nonce and issue
// time (Unix seconds) without checking its signature; ok is false for
// any other shape.
func ParseChallengeToken(tok string) (nonce string, issued int64, mac []byte, ok bool) {
	// base64's decoders skip \r and \n even when strict: a token with a
	// line break would be accepted beside its canonical spelling.
	if len(tok) > maxChallengeToken || strings.ContainsAny(tok, "\r\n") {
		return "", 0, nil, false
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", 0, nil, false
	}
	raw, err := b64url.Strict().DecodeString(parts[0])
	if err != nil || len(raw) != challengeNonceBytes {
		return "", 0, nil, false
	}
	if parts[1] == "" || len(parts[1]) > 12 || parts[1][0] == '0' || strings.TrimLeft(parts[1], "0123456789") != "" {
		return "", 0, nil, false
	}
	issued, err = strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, nil, false
	}
	mac, err = b64url.Strict().DecodeString(parts[2])
	if err != nil || len(mac) != 32 {
		return "", 0, nil, false
	}
	return parts[0], issued, mac, true
}

func errChallenge(code, msg, detail string) error {
	return kerr.New(kerr.Invalid, code, msg, "%s", detail)
}

// CheckChallenge checks the challenge fields of a submitted public form
// (after r.ParseForm: pass r.PostForm). Invalid with codes
// "challenge_failed" (honeypot filled, token missing, malformed or forged),
// "challenge_too_fast", "challenge_expired", "challenge_used" (a replayed
// form) and "challenge_wrong_answer"; the page then shows a new challenge.
// A token is spent by its first check that gets past its signature and
// age, whatever the answer: one token gives one guess.
func (s *Service) CheckChallenge(ctx context.Context, form url.Values) error {
	const failed = "Không xác minh được biểu mẫu. Vui lòng tải lại trang và thử lại."
	if form.Get(HoneypotField) != "" {
		return errChallenge("challenge_failed", failed, "the honeypot field is filled")
	}
	nonce, issued, mac, ok := ParseChallengeToken(form.Get(ChallengeTokenField))
	if !ok {
		return errChallenge("challenge_failed", failed, "missing or malformed challenge token")
	}
	if !hmac.Equal(mac, s.mac("kho-challenge", nonce, strconv.FormatInt(issued, 10))) {
		return errChallenge("challenge_failed", failed, "challenge token signature does not match")
	}
	now := s.now()
	at := time.Unix(issued, 0)
	switch {
	case now.Sub(at) < s.cfg.ChallengeMinAge:
		return errChallenge("challenge_too_fast", "Biểu mẫu được gửi quá nhanh. Vui lòng kiểm tra lại và gửi lại.", "form sent sooner than the minimum age")
	case now.Sub(at) > s.cfg.ChallengeTTL:
		return errChallenge("challenge_expired", "Biểu mẫu đã hết hạn. Vui lòng trả lời câu hỏi mới và gửi lại.", "challenge token expired")
	}
	if err := s.cfg.Store.UseNonce(ctx, "challenge:"+nonce, at.Add(s.cfg.ChallengeTTL+time.Minute)); err != nil {
		if kerr.IsKind(err, kerr.Conflict) {
			return errChallenge("challenge_used", "Biểu mẫu này đã được gửi. Vui lòng trả lời câu hỏi mới và gửi lại.", "challenge token replayed")
		}
		return err
	}
	a, b := s.operands(nonce)
	if got, ok := parseAnswer(form.Get(ChallengeAnswerField)); !ok || got != a+b {
		return errChallenge("challenge_wrong_answer", "Câu trả lời kiểm tra chưa đúng. Vui lòng trả lời câu hỏi mới.", "wrong answer to the challenge")
	}
	return nil
}

// numberWords are the Vietnamese words of 0..18.
var numberWords = [...]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
	"mười", "mười một", "mười hai", "mười ba", "mười bốn", "mười lăm", "mười sáu", "mười bảy", "mười tám"}

// wordVariants are other spellings people type for a word of numberWords.
var wordVariants = map[string]string{"bẩy": "bảy", "mười năm": "mười lăm", "tư": "bốn", "mươi": "mười"}

func capitalize(s string) string {
	r := []rune(s)
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}

// parseAnswer reads an answer typed in digits ("9") or words ("chín",
// "Mười hai"), with any spaces and letter case.
func parseAnswer(s string) (int, bool) {
	if len(s) > maxChallengeAnswer {
		return 0, false
	}
	s = strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil && len(s) <= 3 {
		return n, n >= 0
	}
	if v, ok := wordVariants[s]; ok {
		s = v
	}
	for i, w := range numberWords {
		if s == w {
			return i, true
		}
	}
	return 0, false
}
