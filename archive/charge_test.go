package archive_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/storagetest"
)

// chargeGateStore is the vault's store whose ChargeUpload waits until
// committed is closed (a blob was committed), or fails after a few
// seconds; with refuse set it refuses every charge as over the quota.
type chargeGateStore struct {
	archive.Store
	committed chan struct{}
	refuse    bool
}

func (s *chargeGateStore) ChargeUpload(ctx context.Context, owner, id string, bytes, docs, limit int64) error {
	if err := s.gate(); err != nil {
		return err
	}
	return s.Store.ChargeUpload(ctx, owner, id, bytes, docs, limit)
}

// BeginUpload is gated too when it charges.
func (s *chargeGateStore) BeginUpload(ctx context.Context, in archive.UploadIntent, limit int64) error {
	if in.Bytes != 0 || in.Docs != 0 {
		if err := s.gate(); err != nil {
			return err
		}
	}
	return s.Store.BeginUpload(ctx, in, limit)
}

func (s *chargeGateStore) gate() error {
	if s.refuse {
		return kerr.New(kerr.TooLarge, "quota_exceeded", "Vượt quá dung lượng lưu trữ cho phép.", "test: refused")
	}
	select {
	case <-s.committed:
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("test: the blob was not committed while the charge ran")
	}
}

// commitSignal is a memory driver whose first commit closes committed.
type commitSignal struct {
	storage.Driver
	committed chan struct{}
	once      sync.Once
}

func (d *commitSignal) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := d.Driver.Stage(ctx)
	return signalStaged{st, d}, err
}

type signalStaged struct {
	storage.Staged
	d *commitSignal
}

func (s signalStaged) Commit(ctx context.Context, key string) error {
	err := s.Staged.Commit(ctx, key)
	s.d.once.Do(func() { close(s.d.committed) })
	return err
}

// TestChargeDoesNotHoldTheBlob: an upload of declared size claims and
// commits its blob while its quota charge is still running (here the
// charge waits for the commit), and waits for the charge before its
// metadata; a charge refused then (a race with another upload) answers
// quota_exceeded and leaves the stored blob to the collector through the
// intent that names it.
func TestChargeDoesNotHoldTheBlob(t *testing.T) {
	ctx := context.Background()
	committed := make(chan struct{})
	v := newVaultOn(t, archive.Config{BlobGrace: time.Hour}, &commitSignal{Driver: memory.New(), committed: committed})
	st := &chargeGateStore{Store: v.store, committed: committed}
	w := archive.New(st, v.bucket, archive.Config{BlobGrace: time.Hour}, nil, v.clock.Now)
	d, err := w.Put(ctx, citizenA, birthCert("", pdfBytes("charged while committed")))
	if err != nil {
		t.Fatalf("upload whose charge waits for its blob's commit: %v", err)
	}
	if err := w.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{}); o.UsedBytes != d.Current.Size || o.DocumentCount != 1 {
		t.Fatalf("usage %d bytes, %d documents after one upload of %d bytes", o.UsedBytes, o.DocumentCount, d.Current.Size)
	}

	st.refuse = true
	refused := pdfBytes("refused by a racing charge")
	_, err = w.Put(ctx, citizenA, birthCert("", refused))
	wantCode(t, err, "quota_exceeded")
	ins := intents(t, v)
	if len(ins) != 1 || len(ins[0].Blobs) != 1 || ins[0].Blobs[0] != storagetest.SHA256(refused) {
		t.Fatalf("intents after a refused charge: %+v; want one naming the stored blob", ins)
	}
	v.clock.Set(time.Now().Add(2 * time.Hour))
	if _, err := v.CollectGarbage(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.bucket.Stat(ctx, storagetest.SHA256(refused)); !kerr.IsKind(err, kerr.NotFound) {
		t.Fatalf("the refused upload's blob after a collection: %v", err)
	}
	wantUsageTrue(t, v, citizenA.Subject)
}
