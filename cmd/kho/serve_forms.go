package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	envForms         = "KHO_FORMS"
	envDraftsKeyFile = "KHO_DRAFTS_KEY_FILE"
	// draftsKeyName is the drafts key generated in the data directory.
	draftsKeyName = "drafts.key"
	// draftSweepLimit bounds one sweep of expired drafts.
	draftSweepLimit = 10000
)

// serveForms is the eForm configuration of `kho serve`: the shipped
// definitions, plus those of a directory; the drafts' key and lifetime.
type serveForms struct {
	dir       string
	keyFile   string
	draftsTTL time.Duration
}

func (c *serveForms) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.dir, "forms", getenv(envForms), "`DIR` of eForm definitions (*.json) published beside the shipped ones [$"+envForms+"]")
	fs.StringVar(&c.keyFile, "drafts-key-file", getenv(envDraftsKeyFile), "`FILE` of the 32-byte AES-256 key that encrypts form drafts (raw, hex or base64); default DIR/"+draftsKeyName+" in the data folder, made on first start (required with --mongo-uri, or drafts are off) [$"+envDraftsKeyFile+"]")
	fs.DurationVar(&c.draftsTTL, "drafts-ttl", forms.DefaultDraftTTL, "how long a form draft is kept after its last save")
}

// drafts returns the form drafts kept in store, sealed with the key of
// --drafts-key-file, or of the data folder's drafts.key (made on first
// start) when dataDir is given. With neither, drafts are off (nil).
func (c *serveForms) drafts(store forms.DraftStore, dataDir string, log *slog.Logger) (*forms.Drafts, error) {
	if c.draftsTTL <= 0 {
		return nil, kerr.New(kerr.Invalid, "invalid_drafts_ttl", "Thời hạn lưu bản nháp phải lớn hơn 0.", "--drafts-ttl %v", c.draftsTTL)
	}
	var key []byte
	switch {
	case c.keyFile != "":
		k, err := readDraftsKey(c.keyFile)
		if err != nil {
			return nil, err
		}
		key = k
	case dataDir != "":
		k, err := dataDirDraftsKey(filepath.Join(dataDir, draftsKeyName), log)
		if err != nil {
			return nil, err
		}
		key = k
	default:
		log.Warn("Chưa có khóa mã hóa bản nháp (--drafts-key-file): tắt chức năng lưu bản nháp biểu mẫu")
		return nil, nil
	}
	return forms.NewDrafts(store, key, c.draftsTTL, nil)
}

// readDraftsKey reads a key file: 32 raw bytes, or 64 hex digits, or the
// base64 of 32 bytes (white space around ignored).
func readDraftsKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "drafts_key_unreadable", "Không đọc được tệp khóa mã hóa bản nháp.")
	}
	if len(b) == forms.DraftKeySize {
		return b, nil
	}
	t := bytes.TrimSpace(b)
	if k, err := hex.DecodeString(string(t)); err == nil && len(k) == forms.DraftKeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(string(t)); err == nil && len(k) == forms.DraftKeySize {
		return k, nil
	}
	return nil, kerr.New(kerr.Invalid, "draft_key_invalid", "Tệp khóa mã hóa bản nháp phải chứa đúng 32 byte (hoặc 64 chữ số hex, hoặc base64).", "%s: %d bytes", path, len(b))
}

// dataDirDraftsKey reads the data folder's key, making it (mode 0600) on
// first start. Two processes starting at once agree: the file is created
// exclusively and the loser reads the winner's.
func dataDirDraftsKey(path string, log *slog.Logger) ([]byte, error) {
	if k, err := readDraftsKey(path); err == nil {
		return k, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, forms.DraftKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "drafts_key_failed", "Không tạo được khóa mã hóa bản nháp.")
	}
	// The key's name is synced too: a draft acknowledged later is
	// encrypted with it.
	err := durable.CreateFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readDraftsKey(path)
	}
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "drafts_key_failed", "Không ghi được khóa mã hóa bản nháp.")
	}
	log.Info("Đã tạo khóa mã hóa bản nháp biểu mẫu", "file", path)
	return key, nil
}

// sweepDrafts removes expired drafts (none when drafts are off).
func sweepDrafts(ctx context.Context, ds *forms.Drafts, log *slog.Logger) error {
	if ds == nil {
		return nil
	}
	n, err := ds.Sweep(ctx, draftSweepLimit)
	if n > 0 {
		log.Info("Đã xóa bản nháp hết hạn", "drafts", n)
	}
	return err
}

// build returns the registry of published definitions; a definition file
// that does not parse stops the start.
func (c *serveForms) build(log *slog.Logger) (*forms.Registry, error) {
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		return nil, err
	}
	if c.dir != "" {
		n, err := reg.LoadDir(c.dir)
		if err != nil {
			return nil, err
		}
		log.Info("đã nạp biểu mẫu", "dir", c.dir, "count", n)
	}
	return reg, nil
}
