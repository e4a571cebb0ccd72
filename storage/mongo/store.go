// Package mongo is the production metadata store: it implements
// archive.Store and auth.Store on MongoDB (or a MongoDB-wire server such as
// FerretDB) with go.mongodb.org/mongo-driver/v2.
//
// No driver type crosses the package boundary: every record is converted
// between the domain types and unexported structs with bson tags, and every
// driver error is mapped to an internal/kerr kind.
//
// The store uses no multi-document transactions. Every state change is one
// atomic single-document operation: inserts rely on unique indexes, guarded
// updates put the expected revision in the filter, counters use $inc with a
// bound in the filter. Collections and their indexes are created by
// versioned, idempotent migrations applied at Open.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// Collection names.
const (
	collOwners      = "owners"
	collDocTypes    = "doctypes"
	collProcedures  = "procedures"
	collDocuments   = "documents"
	collReuses      = "reuses"
	collLedger      = "ledger"
	collLedgerHeads = "ledger_heads"
	collTokens      = "tokens"
	collMigrations  = "migrations"
	collLocks       = "locks"
	collLockHolders = "lock_holders"
)

// Store is the MongoDB metadata store. It is safe for concurrent use by
// several goroutines and by several processes sharing one database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	log    *slog.Logger

	owners      *mongo.Collection
	doctypes    *mongo.Collection
	procedures  *mongo.Collection
	documents   *mongo.Collection
	reuses      *mongo.Collection
	ledger      *mongo.Collection
	ledgerLog   *mongo.Collection
	checkpoints *mongo.Collection
	tokens      *mongo.Collection
	migrations  *mongo.Collection
	locks       *mongo.Collection
	jobs        *mongo.Collection
	lockHolders *mongo.Collection
	uploads     *mongo.Collection

	// lockWrites is set when the server's updates are not atomic
	// (FerretDB); see lock.go.
	lockWrites bool
	holders    holders
}

var (
	_ archive.Store = (*Store)(nil)
	_ auth.Store    = (*Store)(nil)
)

// Durability and visibility of every operation, whatever the URI says
// (Open overrides its w, journal, readConcernLevel and readPreference).
//
// A write that acknowledges a user's action (and every write here does,
// or prepares one) waits for write concern "majority" with j:true: the
// change is in the on-disk journal of a majority of the replica set's
// voting members, so neither a power cut nor the loss of the primary can
// roll it back once the user has been answered.
//
// Reads go to the primary with read concern "majority". Because writes
// are acknowledged only once majority-committed, the primary's majority
// snapshot holds every acknowledged write, so a read that follows a write
// sees it, from any kho process; and a read never returns a change that
// could still be rolled back, which "local" could. Causally consistent
// sessions are not used: the write and the read that follows it are often
// served by two kho processes behind a load balancer, and a session's
// causality does not cross processes. What remains is the moment of a
// fail-over when a primary that has been replaced does not know it yet
// (until its election timeout); only "linearizable" reads, which cost a
// round of replication for every read, would close it.
//
// FerretDB accepts these settings (it has no replica set: they change
// nothing there); the conformance tests check that every command they
// send carries them.
func durableWrites() *writeconcern.WriteConcern {
	j := true
	return &writeconcern.WriteConcern{W: writeconcern.WCMajority, Journal: &j}
}

// config is what the Options set.
type config struct {
	serverSelection time.Duration
	log             *slog.Logger
	monitor         *event.CommandMonitor // tests: see export_test.go
}

// Option configures Open.
type Option func(*config)

// WithServerSelectionTimeout sets how long an operation waits for a
// reachable server before it fails with kind Unavailable (default 10s).
func WithServerSelectionTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.serverSelection = d
		}
	}
}

// WithLogger sets the logger for migrations and other rare events
// (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// Open connects to the server at uri (a mongodb:// or mongodb+srv:// URI),
// uses the named database, checks that the server answers and applies any
// pending migrations. Errors: Invalid for a malformed URI or empty database
// name, Unavailable when the server cannot be reached, Internal otherwise.
func Open(ctx context.Context, uri, database string, opts ...Option) (*Store, error) {
	cfg := config{serverSelection: 10 * time.Second, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	if database == "" {
		return nil, kerr.New(kerr.Invalid, "invalid_store_config", "Cấu hình kho dữ liệu không hợp lệ.", "mongo: empty database name")
	}
	co := options.Client().ApplyURI(uri).SetServerSelectionTimeout(cfg.serverSelection).
		SetWriteConcern(durableWrites()).SetReadConcern(readconcern.Majority()).SetReadPreference(readpref.Primary())
	if cfg.monitor != nil {
		co.SetMonitor(cfg.monitor)
	}
	if err := co.Validate(); err != nil {
		return nil, &kerr.Error{Kind: kerr.Invalid, Code: "invalid_store_config", Message: "Cấu hình kho dữ liệu không hợp lệ.", Detail: "mongo: bad URI", Err: err}
	}
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, classify(err, "connect")
	}
	db := client.Database(database)
	s := &Store{
		client:      client,
		db:          db,
		log:         cfg.log,
		owners:      db.Collection(collOwners),
		doctypes:    db.Collection(collDocTypes),
		procedures:  db.Collection(collProcedures),
		documents:   db.Collection(collDocuments),
		reuses:      db.Collection(collReuses),
		ledger:      db.Collection(collLedger),
		ledgerLog:   db.Collection(collLedgerLog),
		checkpoints: db.Collection(collCheckpoints),
		tokens:      db.Collection(collTokens),
		migrations:  db.Collection(collMigrations),
		locks:       db.Collection(collLocks),
		jobs:        db.Collection(collJobs),
		lockHolders: db.Collection(collLockHolders),
		uploads:     db.Collection(collUploads),
	}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	lock, err := s.needsWriteLocks(ctx)
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	s.lockWrites = lock
	if lock {
		if err := s.startHeartbeat(ctx); err != nil {
			_ = client.Disconnect(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.stopHeartbeat(context.WithoutCancel(ctx))
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// Ping checks that the server answers. Unavailable if it does not.
func (s *Store) Ping(ctx context.Context) error {
	return classify(s.client.Ping(ctx, readpref.Primary()), "ping")
}

// needsWriteLocks asks the server who it is: FerretDB's updates are not
// atomic (see lock.go), MongoDB's are.
func (s *Store) needsWriteLocks(ctx context.Context) (bool, error) {
	v, err := s.FerretDBVersion(ctx)
	if err != nil || v == "" {
		return false, err
	}
	s.log.Info("mongo: FerretDB server: updates are serialised with write locks", "ferretdb", v)
	return true, nil
}

// Close deletes the store's lock liveness record (see lock.go) and
// disconnects from the server.
func (s *Store) Close(ctx context.Context) error {
	s.stopHeartbeat(ctx)
	return classify(s.client.Disconnect(ctx), "close")
}

// Drop deletes the store's whole database. It is meant for tests and for
// an administrator's explicit reset; the store is unusable afterwards until
// reopened.
func (s *Store) Drop(ctx context.Context) error {
	s.stopHeartbeat(ctx) // it would make the database again
	return classify(s.db.Drop(ctx), "drop database")
}

// newErr builds a kerr.Error with a detail naming the operation.
func newErr(kind kerr.Kind, code, message, op string, err error) error {
	return &kerr.Error{Kind: kind, Code: code, Message: message, Detail: "mongo: " + op, Err: err}
}

// unavailable reports whether err means the server could not be reached in
// time: server selection failed, the network failed or an operation timed out.
func unavailable(err error) bool {
	var sse topology.ServerSelectionError
	return errors.As(err, &sse) || mongo.IsTimeout(err) || mongo.IsNetworkError(err) ||
		errors.Is(err, mongo.ErrClientDisconnected) || errors.Is(err, context.Canceled)
}

// classify maps a driver error to a kerr kind: ErrNoDocuments → NotFound,
// duplicate key → Conflict, timeouts and network failures → Unavailable,
// anything else → Internal. Callers that know which record was meant check
// those cases first and return a more precise code.
func classify(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return newErr(kerr.NotFound, "not_found", "Không tìm thấy dữ liệu yêu cầu.", op, err)
	case mongo.IsDuplicateKeyError(err):
		return newErr(kerr.Conflict, "already_exists", "Dữ liệu đã tồn tại.", op, err)
	case unavailable(err):
		return newErr(kerr.Unavailable, "store_unavailable", "Máy chủ cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại sau.", op, err)
	}
	return newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập cơ sở dữ liệu.", op, err)
}

// isDup reports whether err is a duplicate-key error.
func isDup(err error) bool { return err != nil && mongo.IsDuplicateKeyError(err) }

// isNoDoc reports whether err is mongo.ErrNoDocuments.
func isNoDoc(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// exists reports whether coll has a record with that _id.
func exists(ctx context.Context, coll *mongo.Collection, id string) (bool, error) {
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if isNoDoc(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "find "+coll.Name())
	}
	return true, nil
}

// invalidQuery returns an Invalid error for a malformed query.
func invalidQuery(format string, args ...any) error {
	return kerr.New(kerr.Invalid, "invalid_query", "Điều kiện tìm kiếm không hợp lệ.", "mongo: "+fmt.Sprintf(format, args...))
}
