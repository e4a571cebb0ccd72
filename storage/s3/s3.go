// Package s3 is the storage.Driver over any S3 service (MinIO in tests and
// production), through minio-go. No minio-go type or error leaves the
// package: errors are kerr errors whose kinds say what the caller can do.
//
// Layout in the bucket: a blob with key k is the object Prefix+"blobs/"+k;
// staged writes go to Prefix+"tmp/<time>-<random>"; a trashed blob
// (storage.Driver.Trash) is Prefix+"trash/"+name.
//
// A staged write buffers up to PartSize bytes. A blob that fits is written
// at Commit with one PUT straight to its final name, conditional on the name
// being absent (If-None-Match: *), so it is never overwritten. A bigger one
// is streamed as a multipart upload of PartSize parts to a temporary object
// (memory stays at one part), and Commit copies it server-side to its final
// name, again conditional on the name being absent, then deletes the
// temporary object.
//
// A crash can leave temporary objects and unfinished multipart uploads
// behind; CleanTemp removes them.
package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

const (
	// DefaultPartSize is the part size of multipart uploads, and the most a
	// staged write buffers.
	DefaultPartSize = 16 << 20
	// MinPartSize is the smallest part S3 accepts (but for the last).
	MinPartSize = 5 << 20
	// maxCopySize is the largest object one CopyObject request may copy.
	maxCopySize = 5 << 30
)

// Config says where the blobs are.
type Config struct {
	Endpoint  string // host:port of the S3 service
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // "" = the service's default
	Secure    bool   // HTTPS
	// Prefix is prepended to every object name, e.g. "kho/" to share a
	// bucket; a missing final "/" is added.
	Prefix string
	// CreateBucket makes the bucket if it does not exist; otherwise a
	// missing bucket is an error (kind NotFound, code "s3_bucket_not_found").
	CreateBucket bool
	// PartSize is the multipart part size (default DefaultPartSize, at least
	// MinPartSize). A staged write holds at most this much in memory.
	PartSize int64
	// MaxRetries is how many times a failed request is tried again
	// (0: minio-go's default, 10, with backoff up to a second).
	MaxRetries int
	// ObjectLocking makes a bucket that CreateBucket creates with object
	// locking (WORM; see lock.go). An existing bucket's setting is read.
	ObjectLocking bool
}

// Driver stores blobs as objects in an S3 bucket.
type Driver struct {
	client    *minio.Client
	core      minio.Core
	transport *http.Transport
	bucket    string
	prefix    string
	partSize  int64
	locked    bool // the bucket has object lock enabled (lock.go)
}

var _ storage.Driver = (*Driver)(nil)

// New connects to the service and checks (or makes) the bucket.
// Kinds: Invalid (code "s3_config_invalid") for a bad Config, NotFound
// (code "s3_bucket_not_found"), Unavailable, Internal.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, kerr.New(kerr.Invalid, "s3_config_invalid", "Cấu hình kho S3 thiếu địa chỉ hoặc tên bucket.",
			"s3: endpoint and bucket are required")
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < MinPartSize || cfg.PartSize > maxCopySize {
		return nil, kerr.New(kerr.Invalid, "s3_config_invalid", "Cấu hình kho S3 không hợp lệ.",
			"s3: part size %d outside [%d, %d]", cfg.PartSize, MinPartSize, maxCopySize)
	}
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	tr, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, kerr.New(kerr.Internal, "s3_config_invalid", "Cấu hình kho S3 không hợp lệ.", "s3: transport: %v", err)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		Transport:  tr,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, kerr.New(kerr.Invalid, "s3_config_invalid", "Cấu hình kho S3 không hợp lệ.", "s3: %v", err)
	}
	d := &Driver{client: client, core: minio.Core{Client: client}, transport: tr,
		bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: cfg.PartSize}

	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, startError(err, "bucket exists "+cfg.Bucket)
	}
	if !ok {
		if !cfg.CreateBucket {
			return nil, kerr.New(kerr.NotFound, "s3_bucket_not_found", "Không tìm thấy bucket lưu tệp trên kho S3.",
				"s3: bucket %q does not exist", cfg.Bucket)
		}
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: cfg.ObjectLocking})
		if err != nil {
			var er minio.ErrorResponse
			if !errors.As(err, &er) || (er.Code != "BucketAlreadyOwnedByYou" && er.Code != "BucketAlreadyExists") {
				return nil, startError(err, "make bucket "+cfg.Bucket)
			}
		}
	}
	if d.locked, err = d.detectLock(ctx); err != nil {
		return nil, startError(err, "object lock of "+cfg.Bucket)
	}
	return d, nil
}

func (d *Driver) blobName(key string) string { return d.prefix + "blobs/" + key }

// Stage starts a staged write.
func (d *Driver) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &staged{d: d, ctx: ctx}, nil
}

// Open reads a range of key's object. Kinds: NotFound, Invalid (bad key,
// off < 0 or past the end).
func (d *Driver) Open(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if !storage.ValidKey(key) {
		return nil, invalidKey(key)
	}
	if off < 0 {
		return nil, badOffset(off, -1)
	}
	if length == 0 {
		a, err := d.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if off > a.Size {
			return nil, badOffset(off, a.Size)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	switch {
	case length > 0:
		if err := opts.SetRange(off, off+length-1); err != nil {
			return nil, badOffset(off, -1)
		}
	case off > 0:
		if err := opts.SetRange(off, 0); err != nil {
			return nil, badOffset(off, -1)
		}
	}
	obj, err := d.client.GetObject(ctx, d.bucket, d.blobName(key), opts)
	if err != nil {
		return nil, s3Error(err, "get "+key)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "InvalidRange" {
			// off is at or past the end: at the end is an empty read.
			a, serr := d.Stat(ctx, key)
			if serr != nil {
				return nil, serr
			}
			if off == a.Size {
				return io.NopCloser(strings.NewReader("")), nil
			}
			return nil, badOffset(off, a.Size)
		}
		return nil, s3Error(err, "get "+key)
	}
	return &objectReader{obj: obj, key: key}, nil
}

// objectReader maps the errors of a minio-go object.
type objectReader struct {
	obj *minio.Object
	key string
}

func (r *objectReader) Read(p []byte) (int, error) {
	n, err := r.obj.Read(p)
	if err != nil && err != io.EOF {
		err = s3Error(err, "read "+r.key)
	}
	return n, err
}

func (r *objectReader) Close() error { return s3Error(r.obj.Close(), "close "+r.key) }

// Stat returns the object's size and last modification. Kinds: NotFound,
// Invalid.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Attrs, error) {
	if !storage.ValidKey(key) {
		return storage.Attrs{}, invalidKey(key)
	}
	oi, err := d.client.StatObject(ctx, d.bucket, d.blobName(key), minio.StatObjectOptions{})
	if err != nil {
		return storage.Attrs{}, s3Error(err, "stat "+key)
	}
	return storage.Attrs{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil
}

// Delete removes key's object. Kinds: NotFound, Invalid.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if _, err := d.Stat(ctx, key); err != nil {
		return err
	}
	return d.removeObject(ctx, d.blobName(key), "delete "+key)
}

// Touch copies the object onto itself with replaced metadata, which gives
// it a new LastModified without changing its bytes (S3 has no other way to
// change it). The copy is server-side; objects over 5 GiB are not supported.
func (d *Driver) Touch(ctx context.Context, key string) error {
	if _, err := d.Stat(ctx, key); err != nil {
		return err
	}
	name := d.blobName(key)
	_, err := d.client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: d.bucket, Object: name, ReplaceMetadata: true,
			UserMetadata: map[string]string{"Kho-Touched": time.Now().UTC().Format(time.RFC3339Nano)}},
		minio.CopySrcOptions{Bucket: d.bucket, Object: name})
	return s3Error(err, "touch "+key)
}

// List lists the objects under Prefix+"blobs/" whose names are valid keys.
func (d *Driver) List(ctx context.Context, fn func(storage.Attrs) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine if we return early
	pre := d.prefix + "blobs/"
	for oi := range d.client.ListObjects(ctx, d.bucket, minio.ListObjectsOptions{Prefix: pre, Recursive: true}) {
		if oi.Err != nil {
			return s3Error(oi.Err, "list")
		}
		key := strings.TrimPrefix(oi.Key, pre)
		if !storage.ValidKey(key) {
			continue
		}
		if err := fn(storage.Attrs{Key: key, Size: oi.Size, ModTime: oi.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (d *Driver) trashName(name string) (object, key string, err error) {
	key, _, ok := storage.ParseTrashName(name)
	if !ok {
		return "", "", kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "s3: invalid trash name %q", name)
	}
	return d.prefix + "trash/" + name, key, nil
}

// Trash copies key's object to the trash server-side, then deletes it. S3
// has no rename: a writer that touches the blob between the two sees it
// still there, which is what the collector's check after Trash is for
// (storage.Bucket.Collect). Kinds: NotFound, Invalid.
func (d *Driver) Trash(ctx context.Context, key, name string) error {
	obj, tkey, err := d.trashName(name)
	if err != nil {
		return err
	}
	if !storage.ValidKey(key) || tkey != key {
		return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "s3: trash %q as %q", key, name)
	}
	a, err := d.Stat(ctx, key)
	if err != nil {
		return err
	}
	if err := d.copyIfAbsent(ctx, d.blobName(key), obj, a.Size, key); err != nil {
		return err
	}
	if err := d.removeObject(ctx, d.blobName(key), "trash "+key); err != nil {
		// Refused (object lock) or failed: the blob stays where it was,
		// and its copy in the trash goes.
		_ = d.removeObject(context.WithoutCancel(ctx), obj, "untrash "+key)
		return err
	}
	return nil
}

// Restore copies the trashed object back to its key if the key is absent
// (a copy that never overwrites, as Commit's), then deletes the trashed
// object. Kinds: NotFound, Invalid.
func (d *Driver) Restore(ctx context.Context, name string) error {
	obj, key, err := d.trashName(name)
	if err != nil {
		return err
	}
	oi, err := d.client.StatObject(ctx, d.bucket, obj, minio.StatObjectOptions{})
	if err != nil {
		return s3Error(err, "stat trash "+name)
	}
	if err := d.copyIfAbsent(ctx, obj, d.blobName(key), oi.Size, key); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return err
	}
	return d.removeObject(ctx, obj, "remove trash "+name)
}

// Purge deletes a trashed object. Kinds: NotFound, Invalid.
func (d *Driver) Purge(ctx context.Context, name string) error {
	obj, _, err := d.trashName(name)
	if err != nil {
		return err
	}
	if _, err := d.client.StatObject(ctx, d.bucket, obj, minio.StatObjectOptions{}); err != nil {
		return s3Error(err, "stat trash "+name)
	}
	return d.removeObject(ctx, obj, "purge "+name)
}

// ListTrash lists the objects under Prefix+"trash/" whose names are trash
// names.
func (d *Driver) ListTrash(ctx context.Context, fn func(name string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pre := d.prefix + "trash/"
	for oi := range d.client.ListObjects(ctx, d.bucket, minio.ListObjectsOptions{Prefix: pre, Recursive: true}) {
		if oi.Err != nil {
			return s3Error(oi.Err, "list trash")
		}
		name := strings.TrimPrefix(oi.Key, pre)
		if _, _, ok := storage.ParseTrashName(name); !ok {
			continue
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// CleanTemp removes temporary objects and unfinished multipart uploads
// older than olderThan (left by a crash) and returns how many it removed.
// (MinIO lists only the uploads started since it last started; it expires
// stale ones itself, after 24 hours by default.)
func (d *Driver) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cutoff := time.Now().Add(-olderThan)
	pre := d.prefix + "tmp/"
	n := 0
	for oi := range d.client.ListObjects(ctx, d.bucket, minio.ListObjectsOptions{Prefix: pre, Recursive: true}) {
		if oi.Err != nil {
			return n, s3Error(oi.Err, "list temp")
		}
		if !oi.LastModified.Before(cutoff) {
			continue
		}
		if err := d.client.RemoveObject(ctx, d.bucket, oi.Key, minio.RemoveObjectOptions{}); err != nil {
			return n, s3Error(err, "remove temp")
		}
		n++
	}
	// List every upload and filter here: MinIO lists uploads by prefix only
	// for an exact object name, but all of them for an empty prefix.
	for up := range d.client.ListIncompleteUploads(ctx, d.bucket, "", true) {
		if up.Err != nil {
			return n, s3Error(up.Err, "list uploads")
		}
		if !strings.HasPrefix(up.Key, pre) || !up.Initiated.Before(cutoff) {
			continue
		}
		if err := d.core.AbortMultipartUpload(ctx, d.bucket, up.Key, up.UploadID); err != nil {
			return n, s3Error(err, "abort upload")
		}
		n++
	}
	return n, nil
}

// Close closes idle connections.
func (d *Driver) Close() error {
	d.transport.CloseIdleConnections()
	return nil
}

// staged is a write that buffers up to one part and uploads full parts.
type staged struct {
	d   *Driver
	ctx context.Context // of Stage: governs the part uploads

	buf      []byte // the part being filled
	size     int64  // bytes written
	tmp      string // the temporary object, once a multipart upload started
	uploadID string
	parts    []minio.CompletePart
	done     bool
	reread   *tmpObject // the temporary object, once Reread handed it out
}

func (s *staged) Write(p []byte) (int, error) {
	if s.done {
		return 0, kerr.New(kerr.Internal, "", "", "s3: write after commit or abort")
	}
	written := 0
	for len(p) > 0 {
		room := int(s.d.partSize) - len(s.buf)
		if room == 0 {
			if err := s.flush(s.ctx); err != nil {
				return written, err
			}
			room = int(s.d.partSize)
		}
		chunk := p
		if len(chunk) > room {
			chunk = chunk[:room]
		}
		s.grow(len(chunk))
		s.buf = append(s.buf, chunk...)
		s.size += int64(len(chunk))
		written += len(chunk)
		p = p[len(chunk):]
	}
	return written, nil
}

// grow makes room for n more bytes without exceeding one part.
func (s *staged) grow(n int) {
	need := len(s.buf) + n
	if need <= cap(s.buf) {
		return
	}
	c := max(2*cap(s.buf), need, 64<<10)
	c = min(c, int(s.d.partSize))
	nb := make([]byte, len(s.buf), c)
	copy(nb, s.buf)
	s.buf = nb
}

// flush uploads the buffer as the next part, starting the multipart upload
// if needed.
func (s *staged) flush(ctx context.Context) error {
	if s.uploadID == "" {
		s.tmp = s.d.prefix + "tmp/" + tempName()
		id, err := s.d.core.NewMultipartUpload(ctx, s.d.bucket, s.tmp, minio.PutObjectOptions{})
		if err != nil {
			return s3Error(err, "start upload")
		}
		s.uploadID = id
	}
	n := len(s.parts) + 1
	part, err := s.d.core.PutObjectPart(ctx, s.d.bucket, s.tmp, s.uploadID, n,
		bytes.NewReader(s.buf), int64(len(s.buf)), minio.PutObjectPartOptions{})
	if err != nil {
		return s3Error(err, "upload part "+strconv.Itoa(n))
	}
	s.parts = append(s.parts, minio.CompletePart{PartNumber: n, ETag: part.ETag})
	s.buf = s.buf[:0]
	return nil
}

// Reread reads the staged bytes (storage.Rereader). A write small enough
// to be one PUT at Commit is read from its buffer, which Commit and Abort
// drop without changing. A multipart write is read from its temporary
// object: a read waits until Commit has completed it (and fails if the
// write is aborted instead), so it runs while Commit copies the object to
// its final name; the temporary object is removed once Commit and every
// reader are done with it.
func (s *staged) Reread() (storage.ReaderAtCloser, bool, error) {
	if s.done {
		return nil, false, kerr.New(kerr.Internal, "", "", "s3: reread after commit or abort")
	}
	if s.uploadID == "" {
		return storage.BytesReader(s.buf), true, nil
	}
	if s.reread == nil {
		s.reread = &tmpObject{d: s.d, ctx: s.ctx, name: s.tmp, size: s.size, ready: make(chan struct{}), holds: 1}
	}
	return s.reread.hold(), true, nil
}

// tmpObject is a multipart write's temporary object as readers of the
// staged bytes see it (Reread). holds counts the write (until its Commit
// or Abort is done with the object) and each open reader.
type tmpObject struct {
	d     *Driver
	ctx   context.Context // of Stage
	name  string
	size  int64
	ready chan struct{} // closed when complete, or when it never will be
	once  sync.Once
	err   error // why it never will be
	mu    sync.Mutex
	holds int
}

// settle lets readers read (err nil) or fail with err.
func (t *tmpObject) settle(err error) {
	t.once.Do(func() {
		t.err = err
		close(t.ready)
	})
}

// hold returns a new reader of the object.
func (t *tmpObject) hold() *tmpReader {
	t.mu.Lock()
	t.holds++
	t.mu.Unlock()
	return &tmpReader{t: t}
}

// release drops a hold; the last removes the object.
func (t *tmpObject) release() {
	t.mu.Lock()
	t.holds--
	last := t.holds == 0
	t.mu.Unlock()
	if last {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), time.Minute)
		defer cancel()
		_ = t.d.client.RemoveObject(ctx, t.d.bucket, t.name, minio.RemoveObjectOptions{})
	}
}

// tmpReader reads a tmpObject by ranges, one GET each.
type tmpReader struct {
	t      *tmpObject
	closed sync.Once
}

func (r *tmpReader) ReadAt(p []byte, off int64) (int, error) {
	t := r.t
	<-t.ready
	if t.err != nil {
		return 0, t.err
	}
	if off < 0 {
		return 0, badOffset(off, t.size)
	}
	if off >= t.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), t.size-off)
	var opts minio.GetObjectOptions
	if err := opts.SetRange(off, off+n-1); err != nil {
		return 0, badOffset(off, t.size)
	}
	obj, err := t.d.client.GetObject(t.ctx, t.d.bucket, t.name, opts)
	if err != nil {
		return 0, s3Error(err, "get "+t.name)
	}
	defer obj.Close()
	m, err := io.ReadFull(obj, p[:n])
	if err != nil {
		return m, s3Error(err, "read "+t.name)
	}
	if m < len(p) {
		return m, io.EOF
	}
	return m, nil
}

func (r *tmpReader) Close() error {
	r.closed.Do(r.t.release)
	return nil
}

// errStagedAborted is what a reader of an aborted multipart write gets.
var errStagedAborted = kerr.New(kerr.Unavailable, "", "", "s3: the staged write was aborted")

// Commit writes the blob under key if key is absent. It returns only
// with the service's answer to the request that makes the blob exist —
// the conditional PUT, or the completion of the conditional multipart
// copy — so an upload is acknowledged only once the service has: minio-go
// returns from these calls after the response (and reads a completion's
// 200 body for the <Error> S3 may put there). ack_test.go holds and
// spoils that answer to show it.
func (s *staged) Commit(ctx context.Context, key string) error {
	if s.done {
		return kerr.New(kerr.Internal, "", "", "s3: commit after commit or abort")
	}
	if !storage.ValidKey(key) {
		s.Abort(ctx)
		return invalidKey(key)
	}
	final := s.d.blobName(key)
	if s.uploadID == "" {
		// Small: one conditional PUT.
		s.done = true
		buf := s.buf
		s.buf = nil
		opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
		opts.SetMatchETagExcept("*")
		_, err := s.d.core.PutObject(ctx, s.d.bucket, final, bytes.NewReader(buf), int64(len(buf)), "", "", opts)
		return s3Error(err, "put "+key)
	}

	// Big: finish the upload to the temporary object, copy, delete.
	if len(s.buf) > 0 {
		if err := s.flush(ctx); err != nil {
			s.Abort(ctx)
			return err
		}
	}
	s.done = true
	s.buf = nil
	if _, err := s.d.core.CompleteMultipartUpload(ctx, s.d.bucket, s.tmp, s.uploadID, s.parts, minio.PutObjectOptions{}); err != nil {
		s.abortUpload(ctx)
		err = s3Error(err, "complete upload")
		if t := s.reread; t != nil {
			t.settle(err)
			t.release()
		}
		return err
	}
	s.uploadID = ""
	if t := s.reread; t != nil {
		t.settle(nil) // readers read it while it is copied
		defer t.release()
	} else {
		defer s.d.client.RemoveObject(context.WithoutCancel(ctx), s.d.bucket, s.tmp, minio.RemoveObjectOptions{})
	}
	return s.d.copyIfAbsent(ctx, s.tmp, final, s.size, key)
}

// copyIfAbsent copies the object src of the given size to dst unless dst
// exists (Conflict). CopyObject ignores If-None-Match on MinIO, but
// creating and completing a multipart upload honour it, so the copy is a
// multipart upload of server-side part copies (one per 5 GiB).
func (d *Driver) copyIfAbsent(ctx context.Context, src, dst string, size int64, key string) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	id, err := d.core.NewMultipartUpload(ctx, d.bucket, dst, opts)
	if err != nil {
		return s3Error(err, "start copy to "+key)
	}
	var parts []minio.CompletePart
	for off := int64(0); off < size; off += maxCopySize {
		n := min(size-off, maxCopySize)
		p, err := d.core.CopyObjectPart(ctx, d.bucket, src, d.bucket, dst, id, len(parts)+1, off, n, nil)
		if err != nil {
			_ = d.core.AbortMultipartUpload(context.WithoutCancel(ctx), d.bucket, dst, id)
			return s3Error(err, "copy part to "+key)
		}
		parts = append(parts, p)
	}
	if _, err := d.core.CompleteMultipartUpload(ctx, d.bucket, dst, id, parts, opts); err != nil {
		_ = d.core.AbortMultipartUpload(context.WithoutCancel(ctx), d.bucket, dst, id)
		return s3Error(err, "complete copy to "+key)
	}
	return nil
}

// Abort drops the buffer and any multipart upload.
func (s *staged) Abort(ctx context.Context) error {
	if s.done {
		return nil
	}
	s.done = true
	s.buf = nil
	err := s.abortUpload(ctx)
	if t := s.reread; t != nil {
		t.settle(errStagedAborted)
		t.release()
	}
	return err
}

func (s *staged) abortUpload(ctx context.Context) error {
	if s.uploadID == "" {
		return nil
	}
	err := s.d.core.AbortMultipartUpload(context.WithoutCancel(ctx), s.d.bucket, s.tmp, s.uploadID)
	s.uploadID = ""
	return s3Error(err, "abort upload")
}

// tempName is a unique name for a temporary object.
func tempName() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + hex.EncodeToString(b[:])
}

func invalidKey(key string) error {
	return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "s3: invalid key %q", key)
}

func badOffset(off, size int64) error {
	return kerr.New(kerr.Invalid, storage.CodeInvalidRange, "", "s3: offset %d of a %d-byte blob", off, size)
}

// startError is an error of New, for people too: the kind of s3Error
// (Unavailable for a context that ended) with a Vietnamese message.
func startError(err error, what string) error {
	e := kerr.Outer(s3Error(err, what))
	if e == nil {
		e = &kerr.Error{Kind: kerr.Unavailable, Detail: "s3: " + what, Err: err}
	}
	if e.Code == "" {
		e.Code = storage.CodeUnavailable
		if e.Kind != kerr.Unavailable {
			e.Code = "s3_error"
		}
	}
	e.Message = "Không kết nối được kho lưu trữ tệp S3; kiểm tra cấu hình và máy chủ."
	if e.Kind == kerr.Unavailable {
		e.Message = "Kho lưu trữ tệp S3 không trả lời; vui lòng thử lại sau."
	}
	return e
}

// s3Error gives an error of minio-go its kind. S3 error responses become
// kerr errors that keep their code and message as text (no minio-go type
// is wrapped); network errors are Unavailable; context errors pass as is.
func s3Error(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		e := &kerr.Error{Kind: kerr.Internal, Detail: fmt.Sprintf("s3: %s: %s (%s, HTTP %d)", what, er.Message, er.Code, er.StatusCode)}
		switch er.Code {
		case "NoSuchKey", "NoSuchUpload":
			e.Kind, e.Code = kerr.NotFound, storage.CodeNotFound
		case "PreconditionFailed":
			e.Kind, e.Code = kerr.Conflict, storage.CodeExists
		case "InvalidRange":
			e.Kind, e.Code = kerr.Invalid, storage.CodeInvalidRange
		case "EntityTooLarge", "XMinioStorageFull":
			e.Kind, e.Code = kerr.TooLarge, storage.CodeStorageFull
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			e.Code = "s3_access_denied"
		case "NoSuchBucket":
			e.Kind, e.Code = kerr.Unavailable, "s3_bucket_not_found"
		default:
			if er.StatusCode >= 500 || er.StatusCode == http.StatusTooManyRequests || er.StatusCode == http.StatusRequestTimeout {
				e.Kind = kerr.Unavailable
			}
		}
		if er.Code == "" && er.StatusCode == http.StatusNotFound {
			e.Kind, e.Code = kerr.NotFound, storage.CodeNotFound
		}
		return e
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) {
		return &kerr.Error{Kind: kerr.Unavailable, Detail: "s3: " + what, Err: err}
	}
	// Other minio-go errors are plain values; keep their text only.
	return &kerr.Error{Kind: kerr.Internal, Detail: fmt.Sprintf("s3: %s: %v", what, err)}
}
