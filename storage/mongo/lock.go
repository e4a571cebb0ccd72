package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/internal/kerr"
)

// Write locks — only on servers whose updates are not atomic.
//
// MongoDB applies an update's filter and its change atomically, which is
// what every guarded update here relies on. FerretDB 1.x does not: its
// update handler reads the matching document, applies the operators in
// Go, and writes the whole document back with UPDATE … WHERE _id = …, so
// two concurrent updates of one document can both match the same revision,
// and a concurrent $inc can be lost or can overwrite another change.
// Inserts into a unique index are atomic on both.
//
// So when Open finds a FerretDB server it serialises the updates of each
// record with an insert-based lock: a record {_id: key} in the "locks"
// collection, inserted before the update and deleted after it. A writer
// that finds the key taken waits and retries. A lock left behind by a
// crashed process is broken once it is older than the lease. On MongoDB
// no lock is taken and each change stays one atomic update.

// lockLease is how long a lock may be held before others may break it.
// Operations under a lock are single updates that take milliseconds.
const lockLease = 30 * time.Second

type lockDoc struct {
	ID    string    `bson:"_id"`
	Token string    `bson:"token"`
	At    time.Time `bson:"at"`
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

// lock takes the write lock of key, waiting while another writer holds it.
func (s *Store) lock(ctx context.Context, key string) (unlock func(), err error) {
	var tb [16]byte
	_, _ = rand.Read(tb[:])
	token := hex.EncodeToString(tb[:])
	wait := 500 * time.Microsecond
	for {
		_, err := s.locks.InsertOne(ctx, lockDoc{ID: key, Token: token, At: time.Now().UTC()})
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
		switch {
		case isNoDoc(err):
			continue // released meanwhile
		case err != nil:
			return nil, classify(err, "lock "+key)
		case time.Since(held.At) > lockLease:
			s.log.Warn("mongo: breaking a stale write lock", "key", key, "since", held.At)
			_, err = s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "token", Value: held.Token}})
			if err != nil {
				return nil, classify(err, "break lock "+key)
			}
			continue
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
