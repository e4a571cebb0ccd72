package auth_test

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/authtest"
)

// answerOf reads the question as a person does.
func answerOf(t *testing.T, q string) int {
	t.Helper()
	n, err := authtest.AnswerChallenge(q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func form(c auth.Challenge, answer string) url.Values {
	return url.Values{auth.ChallengeTokenField: {c.Token}, auth.ChallengeAnswerField: {answer}, auth.HoneypotField: {""}}
}

func TestChallenge(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	fresh := func() (auth.Challenge, int) {
		c, err := e.svc.NewChallenge()
		if err != nil {
			t.Fatal(err)
		}
		return c, answerOf(t, c.Question)
	}
	c, sum := fresh()
	if strings.Contains(c.Token, strconv.Itoa(sum)) && len(strconv.Itoa(sum)) > 1 {
		t.Logf("note: the token happens to contain the digits %d", sum)
	}
	e.clock.Add(3 * time.Second)
	if err := e.svc.CheckChallenge(ctx, form(c, " "+strconv.Itoa(sum)+" ")); err != nil {
		t.Fatalf("right answer in digits: %v", err)
	}
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum))); code(err) != "challenge_used" {
		t.Errorf("the same form again: %v, want challenge_used", err)
	}
	words := []string{"", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "Mười Một", "mười  hai", "mười ba", "mười bốn", "mười lăm", "mười sáu", "mười bảy", "mười tám"}
	c, sum = fresh()
	e.clock.Add(3 * time.Second)
	if err := e.svc.CheckChallenge(ctx, form(c, words[sum])); err != nil {
		t.Errorf("right answer in words (%q): %v", words[sum], err)
	}
	c, sum = fresh()
	e.clock.Add(3 * time.Second)
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum+1))); code(err) != "challenge_wrong_answer" {
		t.Errorf("wrong answer: %v", err)
	}
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum))); code(err) != "challenge_used" {
		t.Errorf("a second guess with the same token: %v, want challenge_used", err)
	}

	c, sum = fresh()
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum))); code(err) != "challenge_too_fast" {
		t.Errorf("sent at once: %v", err)
	}
	e.clock.Add(31 * time.Minute)
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum))); code(err) != "challenge_expired" {
		t.Errorf("sent after 31 min: %v", err)
	}

	c, sum = fresh()
	e.clock.Add(3 * time.Second)
	bot := form(c, strconv.Itoa(sum))
	bot.Set(auth.HoneypotField, "http://spam.example")
	if err := e.svc.CheckChallenge(ctx, bot); code(err) != "challenge_failed" {
		t.Errorf("honeypot filled: %v", err)
	}
	nonce, issued, _, ok := auth.ParseChallengeToken(c.Token)
	if !ok {
		t.Fatalf("ParseChallengeToken(%q) refused a fresh token", c.Token)
	}
	other, _ := auth.NewService(auth.Config{Store: e.store, Tokens: e.store, Key: []byte(strings.Repeat("k", 32)), Now: e.clock.Now, Argon2: cheap})
	forged := nonce + "." + strconv.FormatInt(issued-600, 10) + "." + strings.Split(c.Token, ".")[2]
	for name, tok := range map[string]string{
		"none":                   "",
		"malformed":              "abc",
		"issue time moved":       forged,
		"over-long":              c.Token + strings.Repeat("A", 200),
		"mac of another key":     nonce + "." + strconv.FormatInt(issued, 10) + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"padding added to nonce": nonce + "==" + "." + strconv.FormatInt(issued, 10) + "." + strings.Split(c.Token, ".")[2],
	} {
		f := form(c, strconv.Itoa(sum))
		f.Set(auth.ChallengeTokenField, tok)
		if err := e.svc.CheckChallenge(ctx, f); code(err) != "challenge_failed" {
			t.Errorf("token %s: %v, want challenge_failed", name, err)
		}
	}
	// A token of another server key is not good here.
	oc, err := other.NewChallenge()
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(3 * time.Second)
	if err := e.svc.CheckChallenge(ctx, form(oc, "1")); code(err) != "challenge_failed" {
		t.Errorf("another key's token: %v", err)
	}
	// The refused tries above did not spend the real token.
	if err := e.svc.CheckChallenge(ctx, form(c, strconv.Itoa(sum))); err != nil {
		t.Errorf("the untouched token after forged ones: %v", err)
	}
}

// FuzzParseChallengeToken: never panics; an accepted token is in the one
// canonical spelling NewChallenge writes.
func FuzzParseChallengeToken(f *testing.F) {
	for _, s := range []string{"AAAAAAAAAAAAAAAAAAAAAA.1796630400.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "a.b.c", "..", "", "AAAAAAAAAAAAAAAAAAAAAA.01.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nonce, issued, mac, ok := auth.ParseChallengeToken(s)
		if !ok {
			return
		}
		if issued < 0 || len(mac) != 32 {
			t.Fatalf("accepted %q: issued %d, mac %d bytes", s, issued, len(mac))
		}
		if got := nonce + "." + strconv.FormatInt(issued, 10) + "." + base64.RawURLEncoding.EncodeToString(mac); got != s {
			t.Fatalf("accepted %q, canonical %q", s, got)
		}
	})
}

// FuzzParseSessionCookie: never panics; an accepted value is exactly the
// base64url of 32 bytes, and two values never share a hash.
func FuzzParseSessionCookie(f *testing.F) {
	for _, s := range []string{strings.Repeat("A", 43), strings.Repeat("_", 43), strings.Repeat("A", 42) + "=", "", "%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hash, ok := auth.ParseSessionCookie(s)
		if !ok {
			if hash != "" {
				t.Fatalf("refused %q but returned a hash", s)
			}
			return
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != s || len(hash) != 64 {
			t.Fatalf("accepted %q (%v, %d bytes), hash %q", s, err, len(raw), hash)
		}
	})
}
