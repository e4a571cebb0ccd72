package archive

import "sync"

// maxTailHints bounds the tail hints one process keeps (one per chain it
// appended to); when full, the hints are dropped and rebuilt as chains are
// appended to again.
const maxTailHints = 100_000

// tailHints remembers, per chain, the last entry this process appended:
// Seq and Hash are all an append needs to link the next entry, so with a
// hint the append skips reading the tail from the store. A hint is only a
// guess: if another process appended in the meantime, the store refuses the
// Seq (Conflict), the hint is dropped and the tail is read. Nothing another
// process needs lives here.
type tailHints struct {
	mu sync.Mutex
	m  map[string]LedgerHead
}

func (t *tailHints) get(chain string) (LedgerHead, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.m[chain]
	return h, ok
}

func (t *tailHints) set(h LedgerHead) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) >= maxTailHints {
		t.m = make(map[string]LedgerHead)
	}
	if old, ok := t.m[h.Chain]; !ok || h.Seq > old.Seq {
		t.m[h.Chain] = h
	}
}

func (t *tailHints) drop(chain string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, chain)
}
