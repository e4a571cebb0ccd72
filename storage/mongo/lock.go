package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/kerr"
)

// Write locks — only on servers whose updates are not atomic.
//
// MongoDB applies an update's filter and its change atomically, which is
// what every guarded update here relies on. FerretDB 1.x does not: its
// update handler reads the matching document, applies the operators in
// Go, and writes the whole document back with UPDATE … WHERE _id = …, so
// two concurrent updates of one document can both match the same revision,
// and a concurrent $inc can be lost or can overwrite another change. Its
// deletes are the same: find the matching documents, then delete their
// _ids. Inserts into a unique index are atomic on both.
//
// So when Open finds a FerretDB server it serialises the updates of each
// record with an insert-based lock: a record {_id: key} in the "locks"
// collection, inserted before the update and deleted after it. A writer
// that finds the key taken waits and retries. On MongoDB no lock is taken
// and each change stays one atomic update.
//
// Locks of a crashed process. Each Store that takes locks has a random
// instance ID, written in every lock it takes, and keeps a liveness record
// {_id: instance, beat} in the "lock_holders" collection, whose beat it
// increments every holderBeat (only its owner ever updates it). A waiter
// that finds a lock whose holder has no liveness record, or whose beat it
// has seen unchanged for holderDeadAfter (on its own clock, at least
// minDeadChecks times: clocks of different machines are never compared,
// and a server that stalls everyone does not make a live holder look
// dead), breaks the lock: a process killed while holding a lock blocks
// that record for about two seconds, not for the lease. The lease stays
// for locks whose holder is alive but which were never released (their
// DeleteOne failed) and for locks without a holder (older versions).
//
// Breaking must not delete a lock taken since by someone else, which a
// FerretDB delete by {_id, token} can do if it reads the old lock just
// before another breaker removes it and the next writer inserts its own.
// So breakers of one lock are serialised by a marker record
// {_id: "breaking/" + token}, inserted before the delete and removed
// after it; a marker older than markerLease (its breaker died) is ignored.

const (
	// lockLease is how long a lock may be held before others may break it
	// whoever holds it. Operations under a lock are single updates that
	// take milliseconds.
	lockLease = 30 * time.Second
	// holderBeat is how often a Store renews its liveness record.
	holderBeat = 500 * time.Millisecond
	// holderDeadAfter is how long a holder's beat must be seen unchanged
	// before its locks are broken.
	holderDeadAfter = 2 * time.Second
	// holderCheckEvery spaces a waiter's reads of a holder's record.
	holderCheckEvery = 100 * time.Millisecond
	// minDeadChecks is how many reads must have seen the same beat.
	minDeadChecks = 5
	// markerLease is how old a breaking marker must be to be ignored.
	markerLease = 5 * time.Second
)

type lockDoc struct {
	ID     string    `bson:"_id"`
	Token  string    `bson:"token"`
	At     time.Time `bson:"at"`
	Holder string    `bson:"holder,omitempty"` // the instance that took it
}

// holderDoc is a Store's liveness record.
type holderDoc struct {
	ID   string    `bson:"_id"`
	Beat int64     `bson:"beat"`
	At   time.Time `bson:"at"` // for people reading the collection; not compared
}

// holders is the liveness side of the write locks.
type holders struct {
	id string // this Store's instance ID
	// dead maps the instances judged gone to the beat they stopped at:
	// their other locks are broken at once, unless they beat again.
	dead sync.Map
	stop context.CancelFunc
	done chan struct{}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startHeartbeat writes this Store's liveness record and keeps renewing
// it until stopHeartbeat.
func (s *Store) startHeartbeat(ctx context.Context) error {
	s.holders.id = randomHex(12)
	if err := s.beat(ctx); err != nil {
		return err
	}
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.holders.stop, s.holders.done = stop, make(chan struct{})
	go func() {
		defer close(s.holders.done)
		t := time.NewTicker(holderBeat)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
			}
			bctx, cancel := context.WithTimeout(hctx, holderDeadAfter)
			err := s.beat(bctx)
			cancel()
			if err != nil && hctx.Err() == nil && !failing {
				s.log.Warn("mongo: cannot renew this process's lock liveness record; others may break its locks", "instance", s.holders.id, "err", err)
			}
			failing = err != nil
		}
	}()
	return nil
}

// beat increments the liveness record (making it if needed).
func (s *Store) beat(ctx context.Context) error {
	_, err := s.lockHolders.UpdateOne(ctx, bson.D{{Key: "_id", Value: s.holders.id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "beat", Value: int64(1)}}},
			{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	return classify(err, "lock liveness")
}

// stopHeartbeat stops renewing the liveness record and deletes it.
func (s *Store) stopHeartbeat(ctx context.Context) {
	if s.holders.stop == nil {
		return
	}
	s.holders.stop()
	<-s.holders.done
	s.holders.stop = nil
	_, _ = s.lockHolders.DeleteOne(ctx, bson.D{{Key: "_id", Value: s.holders.id}})
}

// guard runs fn holding the write lock of key when the server needs locks,
// and just runs fn otherwise.
func (s *Store) guard(ctx context.Context, key string, fn func() error) error {
	if !s.lockWrites {
		return fn()
	}
	unlock, err := s.lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// holderWatch is what one waiter has seen of a lock's holder.
type holderWatch struct {
	holder string
	beat   int64
	since  time.Time // first seen with this beat
	checks int       // reads that saw it
	last   time.Time // last read
}

// lock takes the write lock of key, waiting while another writer holds it.
func (s *Store) lock(ctx context.Context, key string) (unlock func(), err error) {
	token := randomHex(16)
	wait := 500 * time.Microsecond
	var watch holderWatch
	for {
		_, err := s.locks.InsertOne(ctx, lockDoc{ID: key, Token: token, At: time.Now().UTC(), Holder: s.holders.id})
		if err == nil {
			return func() {
				ctx := context.WithoutCancel(ctx)
				if _, err := s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "token", Value: token}}); err != nil {
					s.log.Warn("mongo: cannot release write lock; it expires after the lease", "key", key, "lease", lockLease, "err", err)
				}
			}, nil
		}
		if !isDup(err) {
			return nil, classify(err, "lock "+key)
		}
		var held lockDoc
		err = s.locks.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&held)
		if isNoDoc(err) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, classify(err, "lock "+key)
		}
		stale := time.Since(held.At) > lockLease
		if !stale && held.Holder != "" {
			if stale, err = s.holderDead(ctx, held.Holder, &watch); err != nil {
				return nil, err
			}
		}
		if stale {
			broke, err := s.breakLock(ctx, key, held)
			if err != nil {
				return nil, err
			}
			if broke {
				s.log.Warn("mongo: broke the write lock of a holder that is gone", "key", key, "since", held.At, "holder", held.Holder)
				continue
			}
		}
		t := time.NewTimer(wait/2 + mrand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, newErr(kerr.Unavailable, "store_busy", "Dữ liệu đang được cập nhật; vui lòng thử lại sau.", "wait for lock "+key, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
}

// holderDead reports whether the instance holding a lock is gone: no
// liveness record, or a beat that w has seen unchanged long enough.
func (s *Store) holderDead(ctx context.Context, holder string, w *holderWatch) (bool, error) {
	if holder == s.holders.id {
		return false, nil // another goroutine of this process: alive
	}
	deadAt, judged := s.holders.dead.Load(holder)
	now := time.Now()
	if !judged && w.holder == holder && now.Sub(w.last) < holderCheckEvery {
		return false, nil
	}
	var rec holderDoc
	err := s.lockHolders.FindOne(ctx, bson.D{{Key: "_id", Value: holder}}).Decode(&rec)
	if isNoDoc(err) {
		s.holders.dead.Store(holder, int64(-1))
		return true, nil
	}
	if err != nil {
		return false, classify(err, "lock holder "+holder)
	}
	if judged {
		if deadAt == rec.Beat {
			return true, nil
		}
		s.holders.dead.Delete(holder) // it beat again: it was only slow
	}
	if w.holder != holder || w.beat != rec.Beat {
		*w = holderWatch{holder: holder, beat: rec.Beat, since: now, checks: 1, last: now}
		return false, nil
	}
	w.checks++
	w.last = now
	if w.checks < minDeadChecks || now.Sub(w.since) < holderDeadAfter {
		return false, nil
	}
	s.holders.dead.Store(holder, rec.Beat)
	// Its record goes too (unless it beat meanwhile): nothing else would
	// ever remove the record of a process that crashed.
	_, _ = s.lockHolders.DeleteOne(ctx, bson.D{{Key: "_id", Value: holder}, {Key: "beat", Value: rec.Beat}})
	return true, nil
}

// breakLock deletes the lock held (as read by the caller) unless another
// writer is breaking it already (then it reports false, and the caller
// waits before it tries again).
func (s *Store) breakLock(ctx context.Context, key string, held lockDoc) (bool, error) {
	marker := "breaking/" + held.Token
	_, err := s.locks.InsertOne(ctx, lockDoc{ID: marker, Token: randomHex(8), At: time.Now().UTC(), Holder: s.holders.id})
	switch {
	case err == nil:
		defer func() {
			_, _ = s.locks.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: marker}})
		}()
	case !isDup(err):
		return false, classify(err, "break lock "+key)
	default:
		var m lockDoc
		err := s.locks.FindOne(ctx, bson.D{{Key: "_id", Value: marker}}).Decode(&m)
		if err != nil && !isNoDoc(err) {
			return false, classify(err, "break lock "+key)
		}
		if err == nil && time.Since(m.At) < markerLease {
			return false, nil
		}
	}
	_, err = s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "token", Value: held.Token}})
	return err == nil, classify(err, "break lock "+key)
}
