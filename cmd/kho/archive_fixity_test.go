package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
)

// fixityFixture is a store with three papers of two owners, two of them
// sharing their content, and a way to damage its blobs by hand.
type fixityFixture struct {
	args    []string           // the CLI's store flags
	docs    []archive.Document // a (owner A), b (owner B, a's content), c (owner A)
	content map[string][]byte  // blob → bytes
	corrupt func(hash string, b []byte)
	remove  func(hash string)
}

var (
	fixityOwnerA = archive.Actor{Subject: "001203012345", Role: archive.RoleCitizen}
	fixityOwnerB = archive.Actor{Subject: "079090001234", Role: archive.RoleCitizen}
)

func fillFixity(t *testing.T, cfg *config.Store) ([]archive.Document, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	st, err := openStores(ctx, cfg, mayCreate, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close(ctx)
	v := st.vault(archive.Config{}, nil)
	if _, _, err := v.LoadCatalog(ctx, systemActor(), bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	shared := textPDF("shared paper")
	content := map[string][]byte{}
	var docs []archive.Document
	for i, p := range []struct {
		who  archive.Actor
		data []byte
	}{{fixityOwnerA, shared}, {fixityOwnerB, shared}, {fixityOwnerA, textPDF("paper c")}} {
		d, err := v.Put(ctx, p.who, archive.NewDocument{
			Metadata: archive.Metadata{TypeCode: "KHAI_SINH", Name: fmt.Sprintf("Giấy khai sinh %d", i),
				Fields: map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2001-02-03"}},
			Upload: archive.Upload{Body: bytes.NewReader(p.data), Size: int64(len(p.data)), FileName: "ks.pdf"},
		})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
		content[d.Current.Blob] = p.data
	}
	return docs, content
}

// testArchiveFixity: kho archive fixity passes a whole store, then reports
// a blob overwritten by hand (naming both papers and owners that share it)
// and a blob deleted, with exit status 1, and passes again once repaired
// (the missing one still reported).
func testArchiveFixity(t *testing.T, f fixityFixture) {
	run := func(extra ...string) (int, string, string) {
		return runKho(t, nil, append(append([]string{"archive", "fixity"}, f.args...), extra...)...)
	}
	code, out, errs := run("--progress")
	if code != 0 || !strings.Contains(out, "checked: 2\n") || !strings.Contains(out, "mismatches: 0\nmissing: 0\n") {
		t.Fatalf("clean store: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "Đang kiểm tra toàn vẹn: 2 tệp") || !strings.Contains(errs, "tất cả khớp mã băm") {
		t.Errorf("no progress or summary on stderr:\n%s", errs)
	}
	a, b, c := f.docs[0], f.docs[1], f.docs[2]
	bad := bytes.Clone(f.content[a.Current.Blob])
	bad[len(bad)-3] ^= 0x20
	f.corrupt(a.Current.Blob, bad)
	f.remove(c.Current.Blob)

	code, out, errs = run()
	if code != 1 {
		t.Fatalf("damaged store: exit %d, want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "checked: 2\n") || !strings.Contains(out, "mismatches: 1\nmissing: 1\n") {
		t.Errorf("damaged store's counts:\n%s", out)
	}
	var mismatch, missing string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "mismatch "+a.Current.Blob):
			mismatch = l
		case strings.HasPrefix(l, "missing "+c.Current.Blob):
			missing = l
		}
	}
	if !strings.Contains(mismatch, a.ID+" (owner "+fixityOwnerA.Subject+")") || !strings.Contains(mismatch, b.ID+" (owner "+fixityOwnerB.Subject+")") {
		t.Errorf("the mismatch line %q does not name both papers and owners\n%s", mismatch, out)
	}
	if !strings.Contains(missing, c.ID+" (owner "+fixityOwnerA.Subject+")") || strings.Contains(missing, b.ID) {
		t.Errorf("the missing line %q does not name c alone\n%s", missing, out)
	}
	if !strings.Contains(errs, "1 tệp bị sai lệch và 1 tệp bị mất") {
		t.Errorf("stderr:\n%s", errs)
	}

	f.corrupt(a.Current.Blob, f.content[a.Current.Blob])
	code, out, _ = run()
	if code != 1 || !strings.Contains(out, "mismatches: 0\nmissing: 1\n") || strings.Contains(out, "mismatch "+a.Current.Blob) {
		t.Errorf("after repair: exit %d\n%s", code, out)
	}
}

func TestArchiveFixityLocal(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Store{DataDir: dir}
	docs, content := fillFixity(t, cfg)
	path := func(h string) string { return filepath.Join(cfg.BlobPath(), h[0:2], h[2:4], h) }
	testArchiveFixity(t, fixityFixture{
		args: []string{"--data", dir}, docs: docs, content: content,
		corrupt: func(h string, b []byte) {
			if err := os.WriteFile(path(h), b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		remove: func(h string) {
			if err := os.Remove(path(h)); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestArchiveFixityS3Mongo is TestArchiveFixityLocal on MinIO and FerretDB,
// the objects overwritten and removed with minio-go.
func TestArchiveFixityS3Mongo(t *testing.T) {
	env := testenv.S3(t)
	uri := testenv.MongoURI(t)
	name := testenv.UniqueName(t, "fixity")
	bucket := testenv.UniqueName(t, "fixity")
	cfg := &config.Store{MongoURI: uri, MongoDB: name, DataDir: t.TempDir(),
		S3: config.S3{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey, Bucket: bucket, Prefix: "kho/"}}
	docs, content := fillFixity(t, cfg)
	mc, err := minio.New(env.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(env.AccessKey, env.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	object := func(h string) string { return "kho/blobs/" + h }
	testArchiveFixity(t, fixityFixture{
		args: []string{"--mongo-uri", uri, "--mongo-db", name, "--data", cfg.DataDir,
			"--s3-endpoint", env.Endpoint, "--s3-access-key", env.AccessKey, "--s3-secret-key", env.SecretKey,
			"--s3-bucket", bucket, "--s3-prefix", "kho/"},
		docs: docs, content: content,
		corrupt: func(h string, b []byte) {
			if _, err := mc.PutObject(ctx, bucket, object(h), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		remove: func(h string) {
			if err := mc.RemoveObject(ctx, bucket, object(h), minio.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestServeFixityFlags: the fixity job's settings from the environment
// and the flags, and the job kho serve runs with them (Every 0: off).
func TestServeFixityFlags(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		args  []string
		every time.Duration
		code  string
	}{
		{nil, nil, time.Hour, ""},
		{map[string]string{envFixityInterval: "15m", envFixityBlobs: "500", envFixityBytes: "1GB"}, nil, 15 * time.Minute, ""},
		{map[string]string{envFixityInterval: "15m"}, []string{"--fixity-interval", "0"}, 0, ""},
		{map[string]string{envFixityInterval: "soon"}, nil, 0, "invalid_env"},
		{map[string]string{envFixityBlobs: "0"}, nil, 0, "invalid_env"},
		{nil, []string{"--fixity-bytes", "0"}, 0, "invalid_fixity_budget"},
		{nil, []string{"--fixity-bytes", "512MB", "--fixity-blobs", "10"}, time.Hour, ""},
		{nil, []string{"--fixity-interval", "-1h"}, 0, "invalid_fixity_budget"},
	} {
		var c serveFixity
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.bind(fs, func(k string) string { return tc.env[k] })
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := c.validate()
		if code, _ := kerr.Public(err); err != nil && code != tc.code || err == nil && tc.code != "" {
			t.Errorf("%v %v: %v, want %q", tc.env, tc.args, err, tc.code)
			continue
		}
		if tc.code != "" {
			continue
		}
		if j := c.job(archive.New(nil, nil, archive.Config{}, nil, nil)); j.Name != archive.FixityJobName || j.Every != tc.every {
			t.Errorf("%v %v: job %s every %v, want every %v", tc.env, tc.args, j.Name, j.Every, tc.every)
		}
		if tc.env[envFixityBlobs] == "500" && (c.blobs != 500 || c.bytes != 1<<30) {
			t.Errorf("budget %d blobs, %d bytes; want 500 and 1 GiB", c.blobs, c.bytes)
		}
		if len(tc.args) == 4 && (c.blobs != 10 || c.bytes != 512<<20) {
			t.Errorf("budget %d blobs, %d bytes; want 10 and 512 MiB", c.blobs, c.bytes)
		}
	}
}

// TestServeFixityJob: kho serve runs the fixity job at start (then every
// --fixity-interval): a blob deleted by hand is logged at error level with
// the paper and owner it affects.
func TestServeFixityJob(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Store{DataDir: dir}
	docs, _ := fillFixity(t, cfg)
	c := docs[2]
	if err := os.Remove(filepath.Join(cfg.BlobPath(), c.Current.Blob[0:2], c.Current.Blob[2:4], c.Current.Blob)); err != nil {
		t.Fatal(err)
	}
	k := startServe(t, map[string]string{"KHO_DATA": dir}, "--fixity-interval", "1h")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logs := k.logs.String()
		if strings.Contains(logs, "kiểm tra toàn vẹn: đã kiểm tra một đợt") {
			var line string
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, "level=ERROR") && strings.Contains(l, "blob="+c.Current.Blob) {
					line = l
				}
			}
			if !strings.Contains(line, "kind=missing") || !strings.Contains(line, c.ID) || !strings.Contains(line, fixityOwnerA.Subject) {
				t.Errorf("no error line naming the missing blob, %s and its owner:\n%s", c.ID, logs)
			}
			if !strings.Contains(logs, "checked=2 ") || !strings.Contains(logs, "missing=1 ") {
				t.Errorf("the run's summary line:\n%s", logs)
			}
			return
		}
	}
	t.Fatalf("the fixity job did not run:\n%s", k.logs.String())
}
