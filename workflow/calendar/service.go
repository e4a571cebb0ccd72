package calendar

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// SystemActor is who the shipped calendar is stored by.
const SystemActor = "system"

// Service keeps the calendars in a Store and hands out compiled ones. It
// is safe for concurrent use, and several processes may share one store:
// a change made through another process is seen here once the cached copy
// expires (CacheTTL).
type Service struct {
	store Store
	now   func() time.Time
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]cached // by agency
}

// cached is a compiled effective calendar and when it was read.
type cached struct {
	cal  *Calendar
	spec Spec
	rev  int64 // the agency's own record's revision (0: none)
	at   time.Time
}

// Defaults of a Service.
const (
	// CacheTTL is how long a compiled calendar is reused before the store
	// is read again.
	CacheTTL = time.Minute
	// maxCached bounds the cache: past it, it starts again empty.
	maxCached = 1024
	// applyAttempts bounds the read-merge-write retries of Apply.
	applyAttempts = 5
)

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock of UpdatedAt and of the cache (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithCacheTTL sets how long a compiled calendar is reused (0: read the
// store every time).
func WithCacheTTL(d time.Duration) Option { return func(s *Service) { s.ttl = d } }

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, ttl: CacheTTL, cache: map[string]cached{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Stored returns the record of agency ("" the national one) as a Spec and
// its revision; rev 0 and a Spec with only Agency when there is none.
// Errors: Invalid for a bad agency code; the store's.
func (s *Service) Stored(ctx context.Context, agency string) (Spec, int64, error) {
	if err := CheckAgency(agency); err != nil {
		return Spec{}, 0, err
	}
	r, err := s.store.GetCalendar(ctx, agency)
	if kerr.IsKind(err, kerr.NotFound) {
		return Spec{Agency: agency}, 0, nil
	}
	if err != nil {
		return Spec{}, 0, err
	}
	var spec Spec
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	if err := dec.Decode(&spec); err != nil {
		return Spec{}, 0, kerr.Wrap(err, kerr.Internal, "calendar_record_damaged", "Dữ liệu lịch làm việc đã lưu bị hỏng.")
	}
	spec.Agency = agency
	return spec, r.Rev, nil
}

// Calendar returns the compiled calendar that applies to agency ("": the
// national one): Effective(national, agency's own). Without a national
// record, the national calendar is Shipped. Errors: Invalid for a bad
// agency code; the store's; Internal for a damaged record.
func (s *Service) Calendar(ctx context.Context, agency string) (*Calendar, error) {
	c, err := s.effective(ctx, agency)
	return c.cal, err
}

// Effective returns the Spec that applies to agency (as Calendar
// compiles it) and the revision of the agency's own record (0: none). It
// reads the store (and refreshes the cache): what an admin reads, and
// the ETag they send back, is the stored revision, not one cached by a
// deadline computed a minute ago.
func (s *Service) Effective(ctx context.Context, agency string) (Spec, int64, error) {
	c, err := s.load(ctx, agency)
	return c.spec, c.rev, err
}

// effective is the cached calendar of agency, loaded when older than the TTL.
func (s *Service) effective(ctx context.Context, agency string) (cached, error) {
	if err := CheckAgency(agency); err != nil {
		return cached{}, err
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[agency]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.ttl && !now.Before(c.at) {
		return c, nil
	}
	return s.load(ctx, agency)
}

// load reads and compiles the calendar of agency and caches it.
func (s *Service) load(ctx context.Context, agency string) (cached, error) {
	if err := CheckAgency(agency); err != nil {
		return cached{}, err
	}
	now := s.now()
	national, nrev, err := s.Stored(ctx, "")
	if err != nil {
		return cached{}, err
	}
	if nrev == 0 {
		if national, err = Shipped(); err != nil {
			return cached{}, err
		}
	}
	own, rev := Spec{Agency: agency}, nrev
	if agency != "" {
		if own, rev, err = s.Stored(ctx, agency); err != nil {
			return cached{}, err
		}
	}
	spec := Effective(national, own)
	cal, err := New(spec)
	if err != nil {
		return cached{}, kerr.Wrap(err, kerr.Internal, "calendar_record_damaged", "Dữ liệu lịch làm việc đã lưu bị hỏng.")
	}
	c := cached{cal: cal, spec: spec, rev: rev, at: now}
	s.mu.Lock()
	if len(s.cache) >= maxCached {
		clear(s.cache)
	}
	s.cache[agency] = c
	s.mu.Unlock()
	return c, nil
}

// Apply merges u into the stored calendar of u.Agency (Spec.Merge) as
// one guarded replacement of its record, by the subject by, and returns
// the stored Spec and its new revision. ifRev > 0 asks that the record be
// at that revision (the ETag an admin read); 0 merges into whatever is
// current, retrying when another change comes in between. Errors:
// Invalid for a u that fails Check or a merge over MaxDays; Conflict
// (calendar_changed) when ifRev does not match; the store's.
func (s *Service) Apply(ctx context.Context, u Spec, by string, ifRev int64) (Spec, int64, error) {
	if err := u.Check(); err != nil {
		return Spec{}, 0, err
	}
	for attempt := 1; ; attempt++ {
		cur, rev, err := s.Stored(ctx, u.Agency)
		if err != nil {
			return Spec{}, 0, err
		}
		if ifRev > 0 && rev != ifRev {
			return Spec{}, 0, ErrChanged(u.Agency, ifRev)
		}
		if u.Agency == "" && rev == 0 {
			// No national record yet: the update applies to what
			// Calendar uses meanwhile.
			if cur, err = Shipped(); err != nil {
				return Spec{}, 0, err
			}
		}
		merged := cur.Merge(u)
		if err := merged.Check(); err != nil {
			return Spec{}, 0, err
		}
		body, err := json.Marshal(merged)
		if err != nil {
			return Spec{}, 0, kerr.Wrap(err, kerr.Internal, "calendar_encode_failed", "Không lưu được lịch làm việc.")
		}
		err = s.store.PutCalendar(ctx, Record{Agency: u.Agency, Body: body, UpdatedAt: s.now().UTC().Truncate(time.Millisecond), UpdatedBy: by}, rev)
		if err == nil {
			s.forget(u.Agency)
			return merged, rev + 1, nil
		}
		if !kerr.IsKind(err, kerr.Conflict) || ifRev > 0 || attempt == applyAttempts {
			return Spec{}, 0, err
		}
	}
}

// forget drops the cached calendars a change of agency's record makes
// stale in this process: all of them for the national one.
func (s *Service) forget(agency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if agency == "" {
		clear(s.cache)
		return
	}
	delete(s.cache, agency)
}

// LoadShipped stores Shipped as the national calendar when the store has
// none, as `kho serve` does at start-up, and reports whether it did. Two
// processes starting at once store it once: the second finds it made.
func (s *Service) LoadShipped(ctx context.Context) (bool, error) {
	_, rev, err := s.Stored(ctx, "")
	if err != nil || rev > 0 {
		return false, err
	}
	spec, err := Shipped()
	if err != nil {
		return false, err
	}
	body, err := json.Marshal(spec)
	if err != nil {
		return false, kerr.Wrap(err, kerr.Internal, "calendar_encode_failed", "Không lưu được lịch làm việc.")
	}
	err = s.store.PutCalendar(ctx, Record{Body: body, UpdatedAt: s.now().UTC().Truncate(time.Millisecond), UpdatedBy: SystemActor}, 0)
	if kerr.IsKind(err, kerr.Conflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.forget("")
	return true, nil
}
