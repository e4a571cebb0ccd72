package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
)

const (
	envLedgerKeyFile      = "KHO_LEDGER_KEY_FILE"
	envCheckpointInterval = "KHO_CHECKPOINT_INTERVAL"
	// ledgerKeyName is the checkpoint key generated in the data directory.
	ledgerKeyName = "ledger.key"
	// ledgerKeyDefaultName names a generated key (and the checkpoints' origin).
	ledgerKeyDefaultName = "kho-ledger"
	// checkpointBlobs is where checkpoints are kept as write-once blobs:
	// a folder of the data directory, or a prefix in the S3 bucket.
	checkpointBlobs = "ledger-checkpoints"
	// checkpointTimeout bounds one checkpoint run.
	checkpointTimeout = 30 * time.Minute
	// defaultCheckpointInterval is how often the ledger is checkpointed.
	defaultCheckpointInterval = 5 * time.Minute
)

// serveLedger is the ledger-checkpoint configuration of `kho serve`.
type serveLedger struct {
	keyFile  string
	interval time.Duration
	err      error // a $KHO_CHECKPOINT_INTERVAL that is not a duration
}

func (c *serveLedger) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.keyFile, "ledger-key-file", getenv(envLedgerKeyFile), "`FILE` of the Ed25519 key that signs the access ledger's checkpoints (made by kho audit key create); default DIR/"+ledgerKeyName+" in the data folder, made on first start; with --mongo-uri and no key file, checkpoints are off. Every process of a deployment needs the same key [$"+envLedgerKeyFile+"]")
	interval := defaultCheckpointInterval
	if v := getenv(envCheckpointInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			c.err = kerr.New(kerr.Invalid, "invalid_env", "Biến môi trường không hợp lệ.", "%s=%q: want a duration such as 5m or 0", envCheckpointInterval, v)
		}
		interval = d
	}
	fs.DurationVar(&c.interval, "checkpoint-interval", interval, "how often the access ledger is checkpointed: signed, time-stamped Merkle roots kept as write-once blobs (0 = never) [$"+envCheckpointInterval+"]")
}

// signing returns what the vault needs to sign checkpoints: the key of
// --ledger-key-file, or of the data folder's ledger.key (made on first
// start) with the embedded store; the TSA of --tsa; the checkpoint blobs.
// With --mongo-uri and no key file, checkpoints are off (zero, and a
// warning): the ledger is then protected by its hash chains only.
func (c *serveLedger) signing(ctx context.Context, cfg *config.Store, tsa string, tsaTimeout time.Duration, log *slog.Logger) (archive.LedgerSigning, func() error, error) {
	none := func() error { return nil }
	if c.err != nil {
		return archive.LedgerSigning{}, none, c.err
	}
	if c.interval < 0 {
		return archive.LedgerSigning{}, none, kerr.New(kerr.Invalid, "invalid_duration", "Khoảng thời gian không được âm.", "--checkpoint-interval %v", c.interval)
	}
	var skey string
	switch {
	case c.keyFile != "":
		k, err := readLedgerKey(c.keyFile)
		if err != nil {
			return archive.LedgerSigning{}, none, err
		}
		skey = k
	case !cfg.UsesMongo():
		k, err := dataDirLedgerKey(filepath.Join(cfg.DataDir, ledgerKeyName), log)
		if err != nil {
			return archive.LedgerSigning{}, none, err
		}
		skey = k
	default:
		log.Warn("CẢNH BÁO: chưa có khóa ký điểm chốt nhật ký (--ledger-key-file): nhật ký truy cập KHÔNG được chốt ra ngoài cơ sở dữ liệu; ai ghi được vào cơ sở dữ liệu có thể xóa hoặc viết lại nhật ký mà kho audit verify không phát hiện")
		return archive.LedgerSigning{}, none, nil
	}
	signer, verifier, vkey, err := archive.ParseLedgerKey(skey)
	if err != nil {
		return archive.LedgerSigning{}, none, err
	}
	ls := archive.LedgerSigning{Signer: signer, Verifier: verifier, VerifierKey: vkey}
	if tsa != "" {
		ls.Timestamp = func(ctx context.Context, data []byte) ([]byte, error) {
			return signing.TimestampData(ctx, tsa, tsaTimeout, data)
		}
	}
	drv, _, err := openDriver(ctx, cfg, mayCreate, filepath.Join(cfg.DataDir, checkpointBlobs), checkpointBlobs)
	if err != nil {
		return archive.LedgerSigning{}, none, err
	}
	b := storage.NewBucket(drv)
	ls.Blobs = b
	return ls, b.Close, nil
}

// readLedgerKey reads a checkpoint key file (Invalid
// "ledger_key_unreadable", wrapping the file system's error).
func readLedgerKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", kerr.Wrap(err, kerr.Invalid, "ledger_key_unreadable", "Không đọc được tệp khóa ký điểm chốt nhật ký.")
	}
	return string(b), nil
}

// dataDirLedgerKey reads the data folder's checkpoint key, making it (mode
// 0600) on first start. Two processes starting at once agree: the file is
// created exclusively and the loser reads the winner's.
func dataDirLedgerKey(path string, log *slog.Logger) (string, error) {
	k, err := readLedgerKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	skey, err := writeLedgerKey(path, ledgerKeyDefaultName)
	if errors.Is(err, fs.ErrExist) {
		return dataDirLedgerKey(path, log)
	}
	if err != nil {
		return "", err
	}
	log.Info("Đã tạo khóa ký điểm chốt nhật ký truy cập", "file", path)
	return skey, nil
}

// writeLedgerKey makes a new checkpoint key named name in path (created
// exclusively, mode 0600, synced with its name: durable.CreateFile). An
// existing file is fs.ErrExist.
func writeLedgerKey(path, name string) (string, error) {
	skey, err := archive.GenerateLedgerKey(name)
	if err != nil {
		return "", err
	}
	err = durable.CreateFile(path, []byte(skey+"\n"), 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if err != nil {
		return "", kerr.Wrap(err, kerr.Internal, "ledger_key_failed", "Không ghi được khóa ký điểm chốt nhật ký.")
	}
	return skey, nil
}

// checkpointJob checkpoints the ledger under the "ledger-checkpoint"
// lease: from where the last run stopped (the lease's cursor), whichever
// process made it.
func checkpointJob(vault *archive.Service, every time.Duration, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "ledger-checkpoint", Every: every, Timeout: checkpointTimeout, Run: func(ctx context.Context, r *jobs.Run) error {
		run, err := vault.Checkpoint(ctx, r.Cursor())
		if err != nil {
			return err
		}
		if run.Published {
			log.Info("Đã chốt nhật ký truy cập", "size", run.Latest.Size, "lanes", run.Leaves, "entries", run.Read)
		}
		return r.Save(ctx, run.Cursor)
	}}
}
