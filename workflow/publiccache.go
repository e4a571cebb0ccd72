package workflow

import (
	"context"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// DefaultPublicLookupTTL is how long a public status stays in a process's
// memory (Config.PublicLookupTTL): the public lookup (2025 item 26) is
// what thousands of people poll at once, and a status a second or two old
// is what anyone refreshing a page expects. A change made through this
// process is seen at once (the entry is dropped when the dossier is
// written); one made through another process within the TTL.
const DefaultPublicLookupTTL = 2 * time.Second

// publicCacheSize bounds the public statuses kept per process (about
// 0.5 KB each): past it the least recently asked for goes first.
const publicCacheSize = 20000

// processCacheSize bounds the process versions kept per process. A stored
// version never changes (Store.AddProcess refuses a version twice), so a
// cached one is never stale.
const processCacheSize = 1024

// caches are the service's in-memory copies of what many requests read:
// public statuses for a short while, process versions for good.
type caches struct {
	publicTTL time.Duration
	public    *lru.Cache[string, cachedStatus] // nil: no cache
	lookups   *singleflight.Group              // one store read per code at a time
	processes *lru.Cache[string, Process]
}

// cachedStatus is a public status and when it was read.
type cachedStatus struct {
	status PublicStatus
	at     time.Time
}

func newCaches(publicTTL time.Duration) caches {
	c := caches{publicTTL: publicTTL, lookups: new(singleflight.Group)}
	if publicTTL == 0 {
		c.publicTTL = DefaultPublicLookupTTL
	}
	if c.publicTTL > 0 {
		c.public, _ = lru.New[string, cachedStatus](publicCacheSize) // errors only for a size ≤ 0
	}
	c.processes, _ = lru.New[string, Process](processCacheSize)
	return c
}

// publicLookup answers from the cache when its entry is fresh by the
// service's clock; otherwise one caller per code reads the store (the
// others wait for its answer) and the answer is kept. Errors are not
// kept: a dossier submitted a moment later is found.
func (s *Service) cachedPublicLookup(ctx context.Context, code string) (PublicStatus, error) {
	if s.caches.public == nil {
		return s.publicLookup(ctx, code)
	}
	if e, ok := s.caches.public.Get(code); ok && s.now().Sub(e.at) < s.caches.publicTTL {
		return e.status, nil
	}
	v, err, _ := s.caches.lookups.Do(code, func() (any, error) {
		at := s.now()
		st, err := s.publicLookup(context.WithoutCancel(ctx), code)
		if err == nil {
			s.caches.public.Add(code, cachedStatus{status: st, at: at})
		}
		return st, err
	})
	if err != nil {
		return PublicStatus{}, err
	}
	return v.(PublicStatus), nil
}

// updateDossier writes n (Store.UpdateDossier, guarded by its revision
// and the status it had) and drops its public status from the cache.
func (s *Service) updateDossier(ctx context.Context, n Dossier, from Status) error {
	err := s.store.UpdateDossier(ctx, n, from)
	if s.caches.public != nil {
		s.caches.public.Remove(n.Code)
	}
	return err
}

// cachedProcess returns a process version from the cache or the store;
// v 0 (the latest) is always read from the store. The Process returned is
// shared: callers read it and never change it.
func (s *Service) cachedProcess(ctx context.Context, procedure string, v int) (Process, error) {
	if v <= 0 {
		return s.getProcess(ctx, procedure, v)
	}
	key := procedure + "\x00" + strconv.Itoa(v)
	if p, ok := s.caches.processes.Get(key); ok {
		return p, nil
	}
	p, err := s.getProcess(ctx, procedure, v)
	if err == nil {
		s.caches.processes.Add(key, p)
	}
	return p, err
}
