package bench_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/localfs"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/sqlite"
)

// metaStore is what a metadata driver gives the vault and the portal.
type metaStore interface {
	archive.Store
	auth.Store
}

// stack is one running deployment: the blob driver (also used raw), the
// bucket over it, the metadata store, the vault, and an HTTP test server
// serving the API over them.
type stack struct {
	driver storage.Driver
	bucket *storage.Bucket
	store  metaStore
	vault  *archive.Service
	srv    *httptest.Server
	client *http.Client
}

// deployment names a way to run Kho and how to build its stores.
type deployment struct {
	name string
	open func(b *testing.B) (storage.Driver, metaStore)
}

// deployments are the two configurations the goals are stated for.
var deployments = []deployment{
	{"embedded", openEmbedded},
	{"minio+ferretdb", openMinioFerret},
}

// openEmbedded is the embedded default: SQLite metadata and local-filesystem
// blobs in a temporary directory.
func openEmbedded(b *testing.B) (storage.Driver, metaStore) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	d, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatalf("localfs: %v", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		b.Fatalf("sqlite: %v", err)
	}
	b.Cleanup(func() { st.Close(context.Background()) })
	return d, st
}

// openMinioFerret is the production shape on the test servers: a fresh
// MinIO bucket and a fresh FerretDB database, both emptied afterwards.
func openMinioFerret(b *testing.B) (storage.Driver, metaStore) {
	b.Helper()
	ctx := context.Background()
	cfg := testenv.S3(b)
	uri := testenv.MongoURI(b)
	d, err := s3.New(ctx, s3.Config{Endpoint: cfg.Endpoint, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		Bucket: testenv.UniqueName(b, "bench"), CreateBucket: true})
	if err != nil {
		b.Fatalf("s3: %v", err)
	}
	st, err := mongo.Open(ctx, uri, testenv.UniqueName(b, "bench"))
	if err != nil {
		b.Fatalf("mongo: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := st.Drop(ctx); err != nil {
			b.Errorf("drop the benchmark database: %v", err)
		}
		st.Close(ctx)
	})
	return d, st
}

// newStack starts the API over the deployment's stores (see assemble).
// Everything is closed, and the blobs deleted, when b ends.
func newStack(b *testing.B, dep deployment) *stack {
	b.Helper()
	d, st := dep.open(b)
	s, err := assemble(d, st)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		// Delete what the benchmark wrote: an S3 bucket outlives the
		// process.
		if err := s.close(true); err != nil {
			b.Error(err)
		}
	})
	return s
}

// assemble builds the vault over the blob driver d and the metadata store
// st with the default catalogue loaded and no quota, and serves the API
// over it on an httptest server.
func assemble(d storage.Driver, st metaStore) (*stack, error) {
	ctx := context.Background()
	bucket := storage.NewBucket(d)
	vault := archive.New(st, bucket, archive.Config{DefaultQuotaBytes: -1}, nil, nil)
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		bucket.Close()
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	srv := httptest.NewServer(portal.New(portal.Config{}, vault, st, nil).Handler())
	return &stack{driver: d, bucket: bucket, store: st, vault: vault, srv: srv, client: srv.Client()}, nil
}

// close stops the server and closes the bucket (and its driver), first
// deleting every blob if deleteBlobs. The metadata store is the opener's
// to close.
func (s *stack) close(deleteBlobs bool) error {
	ctx := context.Background()
	s.srv.Close()
	var errs []error
	if deleteBlobs {
		var keys []string
		if err := s.bucket.List(ctx, func(h string, _ int64, _ time.Time) error { keys = append(keys, h); return nil }); err != nil {
			errs = append(errs, fmt.Errorf("list blobs: %w", err))
		}
		for _, k := range keys {
			if err := s.bucket.Delete(ctx, k); err != nil {
				errs = append(errs, fmt.Errorf("delete blob %s: %w", k, err))
				break
			}
		}
	}
	if err := s.bucket.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// authToken makes a new token for subject; it is not stored yet.
func authToken(subject string, role archive.Role) (secret string, tok auth.Token, err error) {
	return auth.Generate(subject, role, "benchmark", time.Now())
}

// token stores a new token for subject and returns its secret.
func (s *stack) token(b *testing.B, subject string, role archive.Role) string {
	b.Helper()
	secret, tok, err := authToken(subject, role)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.store.CreateToken(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	return secret
}

// do sends a request with a bearer token and returns the status and body.
func (s *stack) do(req *http.Request, token string) (int, []byte, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read the response: %w", err)
	}
	return resp.StatusCode, body, nil
}

// truncate shortens a response body for a failure message.
func truncate(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}
