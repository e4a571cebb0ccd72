package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/jobs"
)

// collJobs keeps one lease record per background job (jobs.Store).
const collJobs = "jobs"

var _ jobs.Store = (*Store)(nil)

// leaseDoc is a job's lease. Times are milliseconds since the Unix epoch
// (until 0 = not held, nextRun 0 = due at once), so that comparisons in
// filters are plain integer ones on every server.
type leaseDoc struct {
	Job       string `bson:"_id"`
	Holder    string `bson:"holder"`
	Token     int64  `bson:"token"`
	Until     int64  `bson:"until"`
	NextRun   int64  `bson:"nextRun"`
	Cursor    string `bson:"cursor"`
	LastStart int64  `bson:"lastStart"`
	LastEnd   int64  `bson:"lastEnd"`
	LastError string `bson:"lastError"`
}

func msOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOfMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (d leaseDoc) lease() jobs.Lease {
	return jobs.Lease{Job: d.Job, Holder: d.Holder, Token: d.Token, Until: timeOfMs(d.Until), NextRun: timeOfMs(d.NextRun),
		Cursor: d.Cursor, LastStart: timeOfMs(d.LastStart), LastEnd: timeOfMs(d.LastEnd), LastError: d.LastError}
}

// migrateJobs creates the jobs collection (idempotent).
func migrateJobs(ctx context.Context, s *Store) error {
	return s.createCollections(ctx, collJobs)
}

// AcquireLease implements jobs.Store: a guarded update of an existing
// record whose lease ended and that is due, else an insert of a new one
// (whose unique _id makes concurrent first acquires agree on one winner).
func (s *Store) AcquireLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (jobs.Lease, error) {
	if err := jobs.CheckAcquire(job, holder); err != nil {
		return jobs.Lease{}, err
	}
	nowMs, until := now.UnixMilli(), now.Add(ttl).UnixMilli()
	var d leaseDoc
	err := s.guard(ctx, collJobs+"/"+job, func() error {
		return s.jobs.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: job}, {Key: "until", Value: bson.D{{Key: "$lte", Value: nowMs}}}, {Key: "nextRun", Value: bson.D{{Key: "$lte", Value: nowMs}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "until", Value: until}}}, {Key: "$inc", Value: bson.D{{Key: "token", Value: int64(1)}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	})
	if err == nil {
		return d.lease(), nil
	}
	if !isNoDoc(err) {
		return jobs.Lease{}, classify(err, "acquire lease")
	}
	d = leaseDoc{Job: job, Holder: holder, Token: 1, Until: until}
	_, err = s.jobs.InsertOne(ctx, d)
	if isDup(err) {
		return jobs.Lease{}, jobs.ErrHeld(job)
	}
	if err != nil {
		return jobs.Lease{}, classify(err, "acquire lease")
	}
	return d.lease(), nil
}

// RenewLease implements jobs.Store.
func (s *Store) RenewLease(ctx context.Context, job, holder string, token int64, until time.Time, cursor string) error {
	if err := jobs.CheckCursor(cursor); err != nil {
		return err
	}
	return s.updateLease(ctx, job, holder, token, "renew lease",
		bson.D{{Key: "until", Value: until.UnixMilli()}, {Key: "cursor", Value: cursor}})
}

// FinishLease implements jobs.Store.
func (s *Store) FinishLease(ctx context.Context, f jobs.Finish) error {
	if err := jobs.CheckCursor(f.Cursor); err != nil {
		return err
	}
	return s.updateLease(ctx, f.Job, f.Holder, f.Token, "finish lease", bson.D{
		{Key: "holder", Value: ""}, {Key: "until", Value: int64(0)}, {Key: "nextRun", Value: msOf(f.NextRun)},
		{Key: "cursor", Value: f.Cursor}, {Key: "lastStart", Value: msOf(f.Start)}, {Key: "lastEnd", Value: msOf(f.End)},
		{Key: "lastError", Value: f.Error},
	})
}

// updateLease sets fields of job's record if holder holds it with token.
func (s *Store) updateLease(ctx context.Context, job, holder string, token int64, op string, set bson.D) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collJobs+"/"+job, func() (err error) {
		res, err = s.jobs.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: job}, {Key: "holder", Value: holder}, {Key: "token", Value: token}},
			bson.D{{Key: "$set", Value: set}})
		return err
	})
	if err != nil {
		return classify(err, op)
	}
	if res.MatchedCount == 0 {
		return jobs.ErrLost(job)
	}
	return nil
}

// GetLease implements jobs.Store.
func (s *Store) GetLease(ctx context.Context, job string) (jobs.Lease, error) {
	var d leaseDoc
	err := s.jobs.FindOne(ctx, bson.D{{Key: "_id", Value: job}}).Decode(&d)
	if isNoDoc(err) {
		return jobs.Lease{}, jobs.ErrNotFound(job)
	}
	if err != nil {
		return jobs.Lease{}, classify(err, "get lease")
	}
	return d.lease(), nil
}
