package main

import (
	"context"
	"errors"
	"github.com/kho-vn/kho/emc"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// metaStore is what the binary needs of a metadata store: the vault's
// records, the API tokens, the web portal's accounts and sessions, the
// forms, the jobs and the dossier lifecycle.
// storage/sqlite and storage/mongo are both.
type metaStore interface {
	archive.Store
	auth.Store
	auth.SignInStore
	forms.Store
	jobs.Store
	calendar.Store
	notify.Store
	workflow.Store
	emc.Store // Reports — EMC feed (st-emc)
}

// stores are the opened metadata store and blob bucket.
type stores struct {
	meta   metaStore
	bucket *storage.Bucket
	// local is the local blob driver, nil when blobs are on S3.
	local *localfs.Driver
}

// openMode says whether a command may create an empty store.
type openMode int

const (
	// mayCreate makes the data directory and an empty store if needed (serve, admin).
	mayCreate openMode = iota
	// mustExist refuses a data directory without a store (audit, gc): an
	// empty new store would report nothing and hide a wrong path.
	mustExist
)

// openStores opens metadata and blobs as cfg says. On error, whatever was
// opened is closed again.
func openStores(ctx context.Context, cfg *config.Store, mode openMode, log *slog.Logger) (_ *stores, err error) {
	if cfg.NeedsDataDir() {
		if mode == mustExist {
			if _, err := os.Stat(cfg.DataDir); err != nil {
				return nil, kerr.New(kerr.NotFound, "data_dir_not_found",
					"Không tìm thấy thư mục dữ liệu.", "%s: %v", cfg.DataDir, err)
			}
			if !cfg.UsesMongo() {
				if _, err := os.Stat(cfg.SQLitePath()); err != nil {
					return nil, kerr.New(kerr.NotFound, "store_not_found",
						"Không tìm thấy cơ sở dữ liệu của kho trong thư mục dữ liệu.", "%s: %v", cfg.SQLitePath(), err)
				}
			}
		}
		// 0700, and its name synced when it is made: it holds the
		// citizens' papers (see durable.MkdirAll).
		if err := durable.MkdirAll(cfg.DataDir); err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "data_dir_unusable", "Không tạo được thư mục dữ liệu.")
		}
	}
	s := &stores{}
	defer func() {
		if err != nil {
			s.close(context.WithoutCancel(ctx))
		}
	}()

	if cfg.UsesMongo() {
		m, err := mongo.Open(ctx, cfg.MongoURI, cfg.MongoDB, mongo.WithLogger(log))
		if err != nil {
			return nil, err
		}
		s.meta = m
	} else {
		q, err := sqlite.Open(ctx, cfg.SQLitePath())
		if err != nil {
			return nil, err
		}
		s.meta = q
	}

	if cfg.MetadataOnly {
		return s, nil
	}
	drv, local, err := openDriver(ctx, cfg, mode, cfg.BlobPath(), "")
	if err != nil {
		return nil, err
	}
	s.local = local
	s.bucket = storage.NewBucket(drv)
	return s, nil
}

// openDriver opens the blob driver cfg names: on S3, under cfg's prefix
// plus sub; else the local folder dir (local is then that driver too).
func openDriver(ctx context.Context, cfg *config.Store, mode openMode, dir, sub string) (drv storage.Driver, local *localfs.Driver, err error) {
	if cfg.S3.Enabled() {
		prefix := cfg.S3.Prefix
		if sub != "" {
			prefix = strings.TrimSuffix(prefix, "/")
			if prefix != "" {
				prefix += "/"
			}
			prefix += sub
		}
		d, err := s3.New(ctx, s3.Config{
			Endpoint:     cfg.S3.Endpoint,
			AccessKey:    cfg.S3.AccessKey,
			SecretKey:    cfg.S3.SecretKey,
			Bucket:       cfg.S3.Bucket,
			Region:       cfg.S3.Region,
			Prefix:       prefix,
			Secure:       cfg.S3.Secure,
			CreateBucket: mode == mayCreate,
		})
		return d, nil, err
	}
	d, err := localfs.New(dir)
	if err != nil {
		return nil, nil, err
	}
	return d, d, nil
}

// close closes the blob bucket and the metadata store.
func (s *stores) close(ctx context.Context) error {
	var errs []error
	if s.bucket != nil {
		errs = append(errs, s.bucket.Close())
	}
	if s.meta != nil {
		errs = append(errs, s.meta.Close(ctx))
	}
	return errors.Join(errs...)
}

// vault returns the vault service over the stores (without blobs when
// they were not opened: enough for the ledger audit).
func (s *stores) vault(cfg archive.Config, log *slog.Logger) *archive.Service {
	var blobs archive.Blobs
	if s.bucket != nil {
		blobs = s.bucket
	}
	return archive.New(s.meta, blobs, cfg, log, nil)
}

// bindStore binds the store flags for commands that work on a store
// directly (admin, audit, gc); metadataOnly for those that need no blobs.
func bindStore(fs *flagSet, a *app, metadataOnly bool) *config.Store {
	c := config.Store{MetadataOnly: metadataOnly}
	c.Bind(fs.FlagSet, a.getenv)
	return &c
}

// systemActor is the actor of the binary's own maintenance work.
func systemActor() archive.Actor {
	return archive.Actor{Subject: "kho-system", Role: archive.RoleAdmin}
}

// opTimeout bounds a one-shot command's store work.
const opTimeout = 10 * time.Minute
