package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// Collections of auth.SignInStore.
const (
	collAccounts  = "accounts"
	collSessions  = "sessions"
	collThrottles = "auth_throttles"
	collNonces    = "auth_nonces"
)

var _ auth.SignInStore = (*Store)(nil)

// Index names of the sign-in collections.
const (
	ixSessionID       = "id"
	ixSessionUsername = "username_created_id"
	ixExpires         = "expires"
)

// indexesSignIn are the secondary indexes of migration 13. Accounts,
// sessions, throttles and nonces are found by _id (username, the hash of
// the session secret, the throttle key, the nonce).
var indexesSignIn = []index{
	// DeleteSession: a session by its public ID (unique).
	{collSessions, ixSessionID, bson.D{{Key: "id", Value: 1}}, true},
	// ListSessions: an account's sessions, oldest first.
	{collSessions, ixSessionUsername, bson.D{{Key: "username", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "id", Value: 1}}, false},
	// PurgeExpired: what expired, by expiry.
	{collSessions, ixExpires, bson.D{{Key: "expiresAt", Value: 1}}, false},
	{collThrottles, ixExpires, bson.D{{Key: "expiresAt", Value: 1}}, false},
	{collNonces, ixExpires, bson.D{{Key: "expiresAt", Value: 1}}, false},
}

// migrateSignIn creates the collections of auth.SignInStore and their
// indexes (idempotent).
func migrateSignIn(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collAccounts, collSessions, collThrottles, collNonces); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesSignIn)
}

func (s *Store) coll(name string) *mongo.Collection { return s.db.Collection(name) }

type accountDoc struct {
	Username          string    `bson:"_id"`
	DisplayName       string    `bson:"displayName"`
	Role              string    `bson:"role"`
	Agency            string    `bson:"agency,omitempty"`
	CitizenID         string    `bson:"citizenId,omitempty"`
	Disabled          bool      `bson:"disabled"`
	PasswordHash      string    `bson:"passwordHash"`
	PasswordChangedAt time.Time `bson:"passwordChangedAt,omitzero"`
	CreatedAt         time.Time `bson:"createdAt,omitzero"`
	UpdatedAt         time.Time `bson:"updatedAt,omitzero"`
	Rev               int64     `bson:"rev"`
}

func fromAccount(a auth.Account) accountDoc {
	return accountDoc{Username: a.Username, DisplayName: a.DisplayName, Role: string(a.Role), Agency: a.Agency, CitizenID: a.CitizenID,
		Disabled: a.Disabled, PasswordHash: a.PasswordHash, PasswordChangedAt: utcOrZero(a.PasswordChangedAt),
		CreatedAt: utcOrZero(a.CreatedAt), UpdatedAt: utcOrZero(a.UpdatedAt), Rev: a.Rev}
}

func (d accountDoc) account() auth.Account {
	return auth.Account{Username: d.Username, DisplayName: d.DisplayName, Role: archive.Role(d.Role), Agency: d.Agency, CitizenID: d.CitizenID,
		Disabled: d.Disabled, PasswordHash: d.PasswordHash, PasswordChangedAt: utcOrZero(d.PasswordChangedAt),
		CreatedAt: utcOrZero(d.CreatedAt), UpdatedAt: utcOrZero(d.UpdatedAt), Rev: d.Rev}
}

func accountNotFound(op string, err error) error {
	return newErr(kerr.NotFound, "account_not_found", "Không tìm thấy tài khoản.", op, err)
}

// CreateAccount implements auth.AccountStore.
func (s *Store) CreateAccount(ctx context.Context, a auth.Account) error {
	_, err := s.coll(collAccounts).InsertOne(ctx, fromAccount(a))
	if isDup(err) {
		return newErr(kerr.Conflict, "account_exists", "Tên đăng nhập đã được dùng.", "create account "+a.Username, err)
	}
	return classify(err, "create account")
}

// AccountByUsername implements auth.AccountStore.
func (s *Store) AccountByUsername(ctx context.Context, username string) (auth.Account, error) {
	var d accountDoc
	err := s.coll(collAccounts).FindOne(ctx, bson.D{{Key: "_id", Value: username}}).Decode(&d)
	if isNoDoc(err) {
		return auth.Account{}, accountNotFound("account by username", nil)
	}
	if err != nil {
		return auth.Account{}, classify(err, "account by username")
	}
	return d.account(), nil
}

// UpdateAccount implements auth.AccountStore: one replacement guarded by
// rev (under the record's write lock on FerretDB).
func (s *Store) UpdateAccount(ctx context.Context, a auth.Account) (auth.Account, error) {
	next := fromAccount(a)
	next.Rev = a.Rev + 1
	var res *mongo.UpdateResult
	err := s.guard(ctx, collAccounts+"/"+a.Username, func() (err error) {
		res, err = s.coll(collAccounts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.Username}, {Key: "rev", Value: a.Rev}}, next)
		return err
	})
	if err != nil {
		return auth.Account{}, classify(err, "update account")
	}
	if res.MatchedCount == 0 {
		if _, err := s.AccountByUsername(ctx, a.Username); err != nil {
			return auth.Account{}, err
		}
		return auth.Account{}, newErr(kerr.Conflict, "account_changed", "Tài khoản vừa được thay đổi; vui lòng tải lại và thử lại.", "update account "+a.Username, nil)
	}
	return next.account(), nil
}

// ListAccounts implements auth.AccountStore: a range of _id.
func (s *Store) ListAccounts(ctx context.Context, after string, limit int) ([]auth.Account, error) {
	if limit < 1 || limit > auth.MaxListAccounts {
		return nil, kerr.New(kerr.Invalid, "invalid_limit", "Giới hạn số dòng không hợp lệ.", "limit must be 1..%d", auth.MaxListAccounts)
	}
	return findAll(ctx, s.coll(collAccounts), "list accounts", bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}, accountDoc.account,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

type sessionDoc struct {
	Hash      string    `bson:"_id"`
	ID        string    `bson:"id"`
	Username  string    `bson:"username"`
	CreatedAt time.Time `bson:"createdAt"`
	LastSeen  time.Time `bson:"lastSeen"`
	ExpiresAt time.Time `bson:"expiresAt"`
	UserAgent string    `bson:"userAgent,omitempty"`
	IP        string    `bson:"ip,omitempty"`
}

func (d sessionDoc) session() auth.Session {
	return auth.Session{Hash: d.Hash, ID: d.ID, Username: d.Username, CreatedAt: utc(d.CreatedAt), LastSeen: utc(d.LastSeen),
		ExpiresAt: utc(d.ExpiresAt), UserAgent: d.UserAgent, IP: d.IP}
}

func sessionNotFound(op string) error {
	return newErr(kerr.NotFound, "session_not_found", "Không tìm thấy phiên đăng nhập.", op, nil)
}

// CreateSession implements auth.SessionStore.
func (s *Store) CreateSession(ctx context.Context, x auth.Session) error {
	_, err := s.coll(collSessions).InsertOne(ctx, sessionDoc{Hash: x.Hash, ID: x.ID, Username: x.Username, CreatedAt: utc(x.CreatedAt),
		LastSeen: utc(x.LastSeen), ExpiresAt: utc(x.ExpiresAt), UserAgent: x.UserAgent, IP: x.IP})
	if isDup(err) {
		return newErr(kerr.Conflict, "session_exists", "Phiên đăng nhập đã tồn tại.", "create session", err)
	}
	return classify(err, "create session")
}

// SessionByHash implements auth.SessionStore.
func (s *Store) SessionByHash(ctx context.Context, hash string) (auth.Session, error) {
	var d sessionDoc
	err := s.coll(collSessions).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	if isNoDoc(err) {
		return auth.Session{}, sessionNotFound("session by hash")
	}
	if err != nil {
		return auth.Session{}, classify(err, "session by hash")
	}
	return d.session(), nil
}

// TouchSession implements auth.SessionStore.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, expiresAt time.Time) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collSessions+"/"+hash, func() (err error) {
		res, err = s.coll(collSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeen", Value: utc(lastSeen)}, {Key: "expiresAt", Value: utc(expiresAt)}}}})
		return err
	})
	if err != nil {
		return classify(err, "touch session")
	}
	if res.MatchedCount == 0 {
		return sessionNotFound("touch session")
	}
	return nil
}

// ListSessions implements auth.SessionStore: a range of the index
// username_created_id.
func (s *Store) ListSessions(ctx context.Context, username string, limit int) ([]auth.Session, error) {
	if limit < 1 || limit > auth.MaxListSessions {
		return nil, kerr.New(kerr.Invalid, "invalid_limit", "Giới hạn số dòng không hợp lệ.", "limit must be 1..%d", auth.MaxListSessions)
	}
	return findAll(ctx, s.coll(collSessions), "list sessions", bson.D{{Key: "username", Value: username}}, sessionDoc.session,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "id", Value: 1}}).SetLimit(int64(limit)).SetHint(ixSessionUsername))
}

// DeleteSession implements auth.SessionStore: by the unique index on id,
// the account in the filter.
func (s *Store) DeleteSession(ctx context.Context, username, id string) error {
	res, err := s.coll(collSessions).DeleteOne(ctx, bson.D{{Key: "id", Value: id}, {Key: "username", Value: username}})
	if err != nil {
		return classify(err, "delete session")
	}
	if res.DeletedCount == 0 {
		return sessionNotFound("delete session")
	}
	return nil
}

type throttleDoc struct {
	Key       string    `bson:"_id"`
	Failures  int       `bson:"failures"`
	Last      time.Time `bson:"last"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

func (d throttleDoc) throttle() auth.Throttle {
	return auth.Throttle{Key: d.Key, Failures: d.Failures, Last: utc(d.Last), ExpiresAt: utc(d.ExpiresAt)}
}

// AddFailure implements auth.ThrottleStore: an expired record is deleted
// (only if still expired), then one upsert adds one failure. On FerretDB
// both run under the record's write lock.
func (s *Store) AddFailure(ctx context.Context, key string, at, expiresAt time.Time) (auth.Throttle, error) {
	var d throttleDoc
	err := s.guard(ctx, collThrottles+"/"+key, func() error {
		if _, err := s.coll(collThrottles).DeleteOne(ctx, bson.D{{Key: "_id", Value: key},
			{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: utc(at)}}}}); err != nil {
			return err
		}
		upd := bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
			{Key: "$set", Value: bson.D{{Key: "last", Value: utc(at)}, {Key: "expiresAt", Value: utc(expiresAt)}}}}
		opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
		err := s.coll(collThrottles).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}}, upd, opts).Decode(&d)
		if isDup(err) { // a concurrent first failure inserted it: now it exists
			err = s.coll(collThrottles).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}}, upd, opts).Decode(&d)
		}
		return err
	})
	if err != nil {
		return auth.Throttle{}, classify(err, "add failure")
	}
	return d.throttle(), nil
}

// GetThrottle implements auth.ThrottleStore.
func (s *Store) GetThrottle(ctx context.Context, key string) (auth.Throttle, error) {
	var d throttleDoc
	err := s.coll(collThrottles).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if isNoDoc(err) {
		return auth.Throttle{}, newErr(kerr.NotFound, "throttle_not_found", "Không có bản ghi đăng nhập sai.", "get throttle", nil)
	}
	if err != nil {
		return auth.Throttle{}, classify(err, "get throttle")
	}
	return d.throttle(), nil
}

// ClearThrottle implements auth.ThrottleStore.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	_, err := s.coll(collThrottles).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return classify(err, "clear throttle")
}

// UseNonce implements auth.ThrottleStore: the _id refuses a second insert.
func (s *Store) UseNonce(ctx context.Context, nonce string, expiresAt time.Time) error {
	_, err := s.coll(collNonces).InsertOne(ctx, bson.D{{Key: "_id", Value: nonce}, {Key: "expiresAt", Value: utc(expiresAt)}})
	if isDup(err) {
		return newErr(kerr.Conflict, "nonce_used", "Biểu mẫu này đã được gửi.", "use nonce", err)
	}
	return classify(err, "use nonce")
}

// PurgeExpired implements auth.ThrottleStore: per collection, the _ids of
// the first limit expired records by the expires index, then one delete
// of those still expired (a session touched meanwhile stays).
func (s *Store) PurgeExpired(ctx context.Context, before time.Time, limit int) (int, error) {
	expired := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: utc(before)}}}}
	total := 0
	for _, name := range []string{collSessions, collThrottles, collNonces} {
		c := s.coll(name)
		cur, err := c.Find(ctx, expired, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).
			SetSort(bson.D{{Key: "expiresAt", Value: 1}}).SetLimit(int64(limit)).SetHint(ixExpires))
		if err != nil {
			return total, classify(err, "purge expired")
		}
		var ids []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &ids); err != nil {
			return total, classify(err, "purge expired")
		}
		if len(ids) == 0 {
			continue
		}
		in := make(bson.A, len(ids))
		for i, x := range ids {
			in[i] = x.ID
		}
		res, err := c.DeleteMany(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}}, expired...))
		if err != nil {
			return total, classify(err, "purge expired")
		}
		total += int(res.DeletedCount)
	}
	return total, nil
}
