package archive

import (
	"context"
	"time"

	"github.com/kho-vn/kho/internal/jobs"
)

// FixityJobName is the name of the fixity job's lease.
const FixityJobName = "fixity"

// Defaults of the fixity job's budget per run.
const (
	DefaultFixityBlobs = 2000
	DefaultFixityBytes = 2 << 30
)

// FixityJob is the scheduled fixity check as a leased job: every run (one
// process at a time, every `every`) continues the pass where the last run
// of any process stopped — the cursor is kept in the job's lease and saved
// after every batch — and checks at most maxBlobs blobs and about
// maxBytes bytes (≤ 0: the defaults), so that a run costs a bounded amount
// and a pass over a national store spans many runs. A pass that ends
// starts again from the first hash at the next run.
func (s *Service) FixityJob(every time.Duration, maxBlobs int, maxBytes int64) jobs.Job {
	if maxBlobs <= 0 {
		maxBlobs = DefaultFixityBlobs
	}
	if maxBytes <= 0 {
		maxBytes = DefaultFixityBytes
	}
	return jobs.Job{Name: FixityJobName, Every: every, TTL: 2 * time.Minute, Run: func(ctx context.Context, r *jobs.Run) error {
		run, cur, err := s.CheckFixity(ctx, FixityOptions{
			Trigger:  "job",
			Cursor:   ParseFixityCursor(r.Cursor()),
			MaxBlobs: maxBlobs,
			MaxBytes: maxBytes,
			Save:     func(ctx context.Context, c FixityCursor) error { return r.Save(ctx, c.String()) },
		})
		if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "kiểm tra toàn vẹn: đã kiểm tra một đợt", "checked", run.Checked, "bytes", run.Bytes,
			"mismatches", run.Mismatches, "missing", run.Missing, "passDone", run.PassDone, "took", run.Duration())
		return r.Save(ctx, cur.String())
	}}
}
