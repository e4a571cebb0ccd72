package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
)

// ThrottlePolicy is the back-off of failed sign-ins. Failures are counted
// per account name (known or not) and per client address (IPv4, or IPv6
// /64) in the metadata store, so every kho serve process sees the same
// counts. After Free failures under a key, the next attempt must wait
// Base, then twice as long after each further failure, at most Max. A key
// with no failure for Window is forgotten (its record expires and the
// purge job deletes it); a successful sign-in clears its account's count
// (not its address's: one good account must not unlock guessing at
// others from the same place).
//
// Before any wait, a sign-in after AccountChallenge failures of its
// account, or IPChallenge of its address, needs a solved public-form
// challenge (SignInInput.ChallengeSolved): a bot that guesses must then
// also answer (0: never).
type ThrottlePolicy struct {
	AccountFree      int
	IPFree           int
	Base             time.Duration
	Max              time.Duration
	Window           time.Duration
	AccountChallenge int
	IPChallenge      int
}

// DefaultThrottlePolicy: 5 free failures per account and 20 per address,
// then 30 s, 1 min, 2 min … up to 1 h; forgotten after 24 h. The
// challenge from the first failure of an account, or the third of an
// address (an office behind one address is not made to answer for one
// person's typo).
var DefaultThrottlePolicy = ThrottlePolicy{AccountFree: 5, IPFree: 20, Base: 30 * time.Second, Max: time.Hour, Window: 24 * time.Hour,
	AccountChallenge: 1, IPChallenge: 3}

// isIPKey is whether a throttle key is an address's (else an account's).
func isIPKey(key string) bool { return len(key) > 3 && key[:3] == "ip:" }

// needsChallenge is whether key's failures call for the challenge.
func (p ThrottlePolicy) needsChallenge(key string, failures int) bool {
	n := p.AccountChallenge
	if isIPKey(key) {
		n = p.IPChallenge
	}
	return n > 0 && failures >= n
}

// delay is how long after its last failure key's record makes a sign-in
// wait.
func (p ThrottlePolicy) delay(key string, failures int) time.Duration {
	free := p.AccountFree
	if isIPKey(key) {
		free = p.IPFree
	}
	if failures < free {
		return 0
	}
	d := p.Base
	for i := free; i < failures && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// vietnam is the time zone of what people read (UTC+7, no DST).
var vietnam = time.FixedZone("ICT", 7*3600)

// ThrottledError is the error of a sign-in refused while its account or
// address must wait: kind Permission, code "sign_in_throttled". A page
// answers 429 with Retry-After from Until.
type ThrottledError struct {
	Until time.Time // when the next attempt is allowed
	Wait  time.Duration
}

// Error implements error (English, for logs).
func (e *ThrottledError) Error() string {
	return "too many failed sign-ins; retry after " + e.Until.UTC().Format(time.RFC3339)
}

// Message is what the user reads: the time (hh:mm:ss, Vietnam time) after
// which they may try again, and roughly how long that is.
func (e *ThrottledError) Message() string {
	mins := int((e.Wait + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %s (khoảng %d phút nữa).",
		e.Until.In(vietnam).Format("15:04:05"), mins)
}

// kerr returns e as the project's error type.
func (e *ThrottledError) kerr() error {
	return &kerr.Error{Kind: kerr.Permission, Code: "sign_in_throttled", Message: e.Message(), Err: e}
}

// RetryAfterSeconds is the value of a Retry-After header (at least 1).
func (e *ThrottledError) RetryAfterSeconds() int {
	return max(1, int((e.Wait+time.Second-1)/time.Second))
}

// errChallengeRequired is the answer to a sign-in that needs the
// challenge and came without a solved one.
func errChallengeRequired() error {
	return kerr.New(kerr.Invalid, "challenge_required", "Đã có lần đăng nhập sai: vui lòng trả lời câu hỏi kiểm tra rồi đăng nhập lại.",
		"after failed sign-ins of this account or address, a solved challenge is required")
}

// checkThrottle refuses a sign-in while one of keys must wait, and one
// that needs the challenge without solved.
func (s *Service) checkThrottle(ctx context.Context, keys []string, now time.Time, solved bool) error {
	var until time.Time
	challenge := false
	for _, k := range keys {
		t, err := s.cfg.Store.GetThrottle(ctx, k)
		if kerr.IsKind(err, kerr.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !now.Before(t.ExpiresAt) {
			continue
		}
		if u := t.Last.Add(s.cfg.Throttle.delay(k, t.Failures)); u.After(now) && u.After(until) {
			until = u
		}
		challenge = challenge || s.cfg.Throttle.needsChallenge(k, t.Failures)
	}
	if until.IsZero() {
		if challenge && !solved {
			return errChallengeRequired()
		}
		return nil
	}
	return (&ThrottledError{Until: until, Wait: until.Sub(now)}).kerr()
}

// recordFailure counts a failed sign-in under every key.
func (s *Service) recordFailure(ctx context.Context, keys []string, now time.Time) error {
	exp := now.Add(s.cfg.Throttle.Window)
	for _, k := range keys {
		if _, err := s.cfg.Store.AddFailure(ctx, k, now, exp); err != nil {
			return err
		}
	}
	return nil
}

// hexSum is the hex SHA-256 of s: the throttle key of a typed name that
// is not a valid username (bounded in length whatever was typed).
func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// PurgeJobName is the name of the leased job that deletes expired
// sessions, throttle records and challenge nonces.
const PurgeJobName = "auth-purge"

// purgeBatch is how many records of each kind one PurgeExpired call may
// delete; the job calls it until a call deletes fewer.
const purgeBatch = 500

// PurgeJob is the leased job that deletes expired sessions, throttle
// records and used challenge nonces of store every every (e.g. 10 min):
// one process at a time, each pass reading only expired records through
// the expiry indexes, so its cost follows what expired, not the store's
// size. now is the clock (nil: time.Now). It needs no Service (no key):
// kho serve runs it whether or not the pages are on.
func PurgeJob(store ThrottleStore, now func() time.Time, every time.Duration) jobs.Job {
	if now == nil {
		now = time.Now
	}
	return jobs.Job{Name: PurgeJobName, Every: every, Timeout: 5 * time.Minute, Run: func(ctx context.Context, _ *jobs.Run) error {
		_, err := Purge(ctx, store, now())
		return err
	}}
}

// PurgeJob is the package's PurgeJob over the service's store and clock.
func (s *Service) PurgeJob(every time.Duration) jobs.Job {
	return PurgeJob(s.cfg.Store, s.cfg.Now, every)
}

// Purge deletes from store what expired at or before now, in batches,
// and returns how many records it deleted.
func Purge(ctx context.Context, store ThrottleStore, now time.Time) (int, error) {
	total := 0
	for {
		n, err := store.PurgeExpired(ctx, now, purgeBatch)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}
